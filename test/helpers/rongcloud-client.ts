import { expect } from 'vitest';
import WebSocket from 'ws';
import { decodeServerFrame, encodeClientFrame, type ServerFrame } from '../../src/gateway/rongcloud/frames.js';

/**
 * A bare RongCloud-protocol client: the frames the Web SDK sends, without the SDK. For
 * tests of what a browser cannot be made to send (broken frames) and for load.
 */
export class RongCloudTestClient {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private nextId = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const decoded = decodeServerFrame(data, 64 * 1024 * 1024);
      if (decoded.ok) this.frames.push(decoded.frame);
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Opens `/websocket` as the SDK does and waits for the CONNACK. */
  static async connect(baseUrl: string, appKey: string, token: string, deviceId = `raw-${Math.random().toString(36).slice(2)}`): Promise<{ client: RongCloudTestClient; connack: Extract<ServerFrame, { kind: 'connack' }> }> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/websocket?appId=${encodeURIComponent(appKey)}&token=${encodeURIComponent(token)}&sdkVer=5.38.0&pid=&deviceId=${deviceId}&protocolVer=3`;
    const socket = new WebSocket(url);
    socket.binaryType = 'nodebuffer';
    const client = new RongCloudTestClient(socket);
    const connack = await client.next((f): f is Extract<ServerFrame, { kind: 'connack' }> => f.kind === 'connack');
    return { client, connack };
  }

  /** Waits for the first frame received (from the start) that matches. */
  async next<F extends ServerFrame = ServerFrame>(match: ((frame: ServerFrame) => frame is F) | ((frame: ServerFrame) => boolean), timeout = 5000): Promise<F> {
    let found: ServerFrame | undefined;
    await expect.poll(() => (found = this.frames.find(match)), { timeout }).toBeDefined();
    return found as F;
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.send(bytes);
  }

  /** Sends a QUERY and waits for its QUERYACK. */
  query(topic: string, targetId: string, payload: Uint8Array): Promise<Extract<ServerFrame, { kind: 'queryAck' }>> {
    const messageId = ++this.nextId;
    this.sendRaw(encodeClientFrame({ kind: 'query', qos: 0, topic, targetId, messageId, payload }));
    return this.next((f): f is Extract<ServerFrame, { kind: 'queryAck' }> => f.kind === 'queryAck' && f.messageId === messageId);
  }

  /** Sends a PUBLISH and waits for its PUBACK. */
  publish(topic: string, targetId: string, payload: Uint8Array): Promise<Extract<ServerFrame, { kind: 'puback' }>> {
    const messageId = ++this.nextId;
    this.sendRaw(encodeClientFrame({ kind: 'publish', qos: 1, topic, targetId, messageId, payload }));
    return this.next((f): f is Extract<ServerFrame, { kind: 'puback' }> => f.kind === 'puback' && f.messageId === messageId);
  }

  close(): void {
    this.socket.close();
  }
}
