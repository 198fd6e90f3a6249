import { expect } from 'vitest';
import { ParleyClient, type ClientOptions } from '../../src/client/node.js';
import type { ClientMessage, ExpansionChange, SyncedFrame } from '../../src/client/protocol.js';
import type { Clock } from '../../src/model/clock.js';
import type { TestApp, TestServer } from './server.js';

/** A connected device that records everything it receives from the first frame on. */
export interface Device {
  client: ParleyClient;
  messages: ClientMessage[];
  /** Changes of messages' key/values (`expansion` events). */
  expansions: ExpansionChange[];
  synced: SyncedFrame[];
  /** Resolves once `count` messages have arrived. */
  received(count: number): Promise<ClientMessage[]>;
  close(): Promise<void>;
}

export async function connectDevice(t: TestServer, app: TestApp, userId: string, options: Partial<ClientOptions> = {}): Promise<Device> {
  const { body } = await app.post('/user/getToken.json', { userId, name: `name-${userId}` });
  const client = new ParleyClient({
    url: t.wsUrl,
    token: String(body.token),
    deviceId: `${userId}-phone`,
    platform: 'ios',
    reconnect: false,
    ...options,
  });
  const messages: ClientMessage[] = [];
  const synced: SyncedFrame[] = [];
  const expansions: ExpansionChange[] = [];
  client.on('message', (m) => messages.push(m));
  client.on('expansion', (e) => expansions.push(e));
  client.on('synced', (s) => synced.push(s));
  await client.connect();
  await expect.poll(() => synced.length).toBeGreaterThan(0);
  return {
    client,
    messages,
    expansions,
    synced,
    async received(count) {
      await expect.poll(() => messages.length, { timeout: 5000 }).toBeGreaterThanOrEqual(count);
      return messages;
    },
    close: () => client.close(),
  };
}

/** Waits long enough for a push that should not come to have arrived if it were sent. */
export const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));

export class ManualClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
