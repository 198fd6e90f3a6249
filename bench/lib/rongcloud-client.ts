/**
 * A light RongCloud-protocol device for the relay bench: the frames RongCloud's Web SDK
 * sends (bench/lib/a-ws-load.ts), without the SDK. It connects to `/websocket`, sends
 * private messages (`ppMsgP`), and on each new-message notice (`s_ntf`) pulls its inbox
 * (`pullMsg`) from the `syncTime` it holds, one pull at a time, as the SDK does.
 */
import WebSocket from 'ws';
import { decodeServerFrame, encodeClientFrame, type ServerFrame } from '../../src/gateway/rongcloud/frames.js';
import { decodeMessage, encodeMessage } from '../../src/gateway/rongcloud/schema.js';

export interface RongCloudDevice {
  send(targetId: string, content: string): Promise<boolean>;
  onContent(handler: (content: string) => void): void;
  close(): Promise<void>;
}

type Answer = Extract<ServerFrame, { kind: 'puback' | 'queryAck' }>;
type QueryAnswer = Extract<ServerFrame, { kind: 'queryAck' }>;

export function rongCloudDevice(baseWsUrl: string, appKey: string, token: string, deviceId: string): Promise<RongCloudDevice> {
  const url = `${baseWsUrl}/websocket?appId=${encodeURIComponent(appKey)}&token=${encodeURIComponent(token)}&sdkVer=5.38.0&pid=&deviceId=${deviceId}&protocolVer=3`;
  const socket = new WebSocket(url);
  socket.binaryType = 'nodebuffer';
  const waiting = new Map<number, (answer: Answer) => void>();
  let nextId = 0;
  let syncTime = 0;
  let pulling = false;
  let pullAgain = false;
  let handler: (content: string) => void = () => undefined;

  const request = (kind: 'publish' | 'query', topic: string, targetId: string, payload: Uint8Array) =>
    new Promise<Answer>((resolve) => {
      const messageId = (nextId = (nextId % 65_535) + 1);
      waiting.set(messageId, resolve);
      socket.send(encodeClientFrame({ kind, qos: kind === 'publish' ? 1 : 0, topic, targetId, messageId, payload }));
    });

  const pull = async (): Promise<void> => {
    if (pulling) {
      pullAgain = true;
      return;
    }
    pulling = true;
    do {
      pullAgain = false;
      const answer = (await request('query', 'pullMsg', '', encodeMessage('SyncRequestMsg', { syncTime, ispolling: false }))) as QueryAnswer;
      const page = decodeMessage('DownStreamMessages', answer.payload);
      if (!page.ok) throw new Error(`pullMsg answer does not decode: ${page.reason}`);
      for (const message of page.value.list) handler(message.content);
      syncTime = page.value.syncTime;
      if (page.value.finished === false) pullAgain = true;
    } while (pullAgain);
    pulling = false;
  };

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.on('message', (data: Buffer) => {
      const decoded = decodeServerFrame(data, 64 * 1024 * 1024);
      if (!decoded.ok) return;
      const frame = decoded.frame;
      if (frame.kind === 'connack') {
        if (frame.status !== 0) return reject(new Error(`connect refused with status ${frame.status}`));
        void pull().then(() =>
          resolve({
            send: async (targetId, content) =>
              (await request('publish', 'ppMsgP', targetId, encodeMessage('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content }))).status === 0,
            onContent: (h) => (handler = h),
            close: () => new Promise<void>((done) => (socket.readyState === WebSocket.CLOSED ? done() : (socket.once('close', () => done()), socket.close()))),
          }),
        );
      } else if (frame.kind === 'puback' || frame.kind === 'queryAck') {
        waiting.get(frame.messageId)?.(frame);
        waiting.delete(frame.messageId);
      } else if (frame.kind === 'publish' && frame.topic === 's_ntf') {
        void pull();
      }
    });
  });
}
