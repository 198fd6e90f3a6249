/**
 * HTTP load process of rest-publish and two-nodes, started pinned to the load core
 * (ScenarioScope.load in bench/lib/scenario.ts). One JSON command per stdin line, one
 * JSON answer per stdout line (bench/lib/load-commands.ts):
 *
 * - `{op:"receivers", receivers:[{wsUrl, token, userId}]}`: connects one ParleyClient per
 *   receiver (counting the messages each one receives); answers `{connected}`.
 * - `{op:"count"}`: `{counts:[…], total}`, messages received per receiver so far.
 * - `{op:"http", urls, path, headers, bodies, connections, durationSec, overallRate?}`:
 *   one autocannon run; connection i posts `bodies[i % bodies.length]`; answers HttpRunResult.
 *   With `countInBody`, that placeholder in the (first) body is replaced by a new number in each
 *   request (Tencent's MsgRandom: a repeated one would be answered from the idempotency record);
 *   with `okBodyText`, an answer counts as done only when its body holds that text (Tencent
 *   answers refusals with HTTP 200), the others as failed.
 * - `{op:"closeReceivers"}`.
 */
import { createRequire } from 'node:module';
import { ParleyClient } from '../../src/client/node.js';
import type { HttpRunResult } from './a-common.js';
import { answerCommands } from './load-commands.js';

interface AutocannonClient {
  setBody(body: string): void;
}

interface AutocannonOptions {
  url: string | string[];
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  overallRate?: number;
  setupClient?: (client: AutocannonClient) => void;
  requests?: Array<{ setupRequest: (request: Record<string, unknown>) => Record<string, unknown>; onResponse?: (status: number, body: string) => void }>;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
  '2xx': number;
}

type Autocannon = (options: AutocannonOptions, done: (err: Error | null, result: AutocannonResult) => void) => unknown;
// autocannon ships no types; this is the part of its programmatic API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface HttpCommand {
  urls: string[];
  path: string;
  headers: Record<string, string>;
  bodies: string[];
  connections: number;
  durationSec: number;
  overallRate?: number;
  countInBody?: string;
  okBodyText?: string;
}

function runHttp(cmd: HttpCommand): Promise<HttpRunResult> {
  let nextConnection = 0;
  // From a random start: a run's numbers must not repeat an earlier run's (a minute's idempotency).
  let requestCount = Math.floor(Math.random() * 2 ** 31);
  let refused = 0;
  const refusals: string[] = [];
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: cmd.urls.map((u) => u + cmd.path),
        method: 'POST',
        headers: cmd.headers,
        body: cmd.bodies[0]!,
        connections: cmd.connections,
        duration: cmd.durationSec,
        ...(cmd.overallRate !== undefined && { overallRate: cmd.overallRate }),
        setupClient: (client) => client.setBody(cmd.bodies[nextConnection++ % cmd.bodies.length]!),
        ...(cmd.countInBody !== undefined && {
          requests: [
            {
              setupRequest: (request) => ({ ...request, body: cmd.bodies[0]!.replace(cmd.countInBody!, String(++requestCount)) }),
              onResponse: (status, body) => {
                if (status < 300 && cmd.okBodyText !== undefined && !body.includes(cmd.okBodyText)) {
                  refused++;
                  if (refusals.length < 3) refusals.push(body.slice(0, 200));
                }
              },
            },
          ],
        }),
      },
      (err, result) => {
        if (err) return reject(err);
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
        resolve({
          requestsPerSecond: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          ok: result['2xx'] - refused,
          non2xx: result.non2xx + refused,
          ...(refusals.length > 0 && { refusals }),
          errors: result.errors,
          timeouts: result.timeouts,
          durationSec: result.duration,
          statusCodes,
        });
      },
    );
  });
}

interface Receiver {
  client: ParleyClient;
  count: number;
  /** Close codes and kick reasons seen (a receiver should see none during a run). */
  events: string[];
}

let receivers: Receiver[] = [];

async function connectReceivers(list: Array<{ wsUrl: string; token: string; userId: string }>): Promise<number> {
  const connected = await Promise.all(
    list.map(async ({ wsUrl, token, userId }) => {
      const client = new ParleyClient({ url: wsUrl, token, deviceId: `${userId}-bench`, platform: 'ios', reconnect: false });
      const receiver: Receiver = { client, count: 0, events: [] };
      client.on('message', () => receiver.count++);
      client.on('kicked', (reason) => receiver.events.push(`kicked ${reason}`));
      client.on('close', (code) => receiver.events.push(`closed ${code}`));
      await client.connect();
      return receiver;
    }),
  );
  receivers.push(...connected);
  return connected.length;
}

answerCommands(
  async (command) => {
    switch (command.op) {
      case 'receivers':
        return { connected: await connectReceivers(command.receivers as Array<{ wsUrl: string; token: string; userId: string }>) };
      case 'count': {
        const counts = receivers.map((r) => r.count);
        return {
          counts,
          total: counts.reduce((a, b) => a + b, 0),
          open: receivers.filter((r) => r.client.isOpen).length,
          events: receivers.flatMap((r, i) => r.events.map((e) => `receiver ${i}: ${e}`)),
        };
      }
      case 'closeReceivers': {
        const closing = receivers;
        receivers = [];
        await Promise.all(closing.map((r) => r.client.close()));
        return { ok: true };
      }
      case 'http':
        return runHttp(command as unknown as HttpCommand);
      default:
        throw new Error(`unknown op ${String(command.op)}`);
    }
  },
  async () => {
    await Promise.all(receivers.map((r) => r.client.close()));
  },
);
