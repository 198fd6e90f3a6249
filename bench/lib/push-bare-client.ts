/**
 * push-fanout's ceiling: a bare node:http2 client pushing to the fake APNs what Parley's
 * worker would (the same headers, a payload of the same shape, one provider token), on
 * one session with a fixed number of requests in flight. It runs on the server core, in
 * Parley's place.
 *
 * Command (load-commands.ts): `push {url, count, concurrency, teamId, keyId, bundleId,
 * privateKey (PEM), tokenOf: prefix}` → `{startedAt, ms, failures}`; the i-th push goes
 * to the token `tokenOf(i)` (the scenario's 64-hex tokens).
 */
import { createPrivateKey } from 'node:crypto';
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { signJwt } from '../../src/push/jwt.js';
import { answerCommands } from './load-commands.js';
import { deviceToken } from './push-tokens.js';

interface PushArgs {
  url: string;
  count: number;
  concurrency: number;
  teamId: string;
  keyId: string;
  bundleId: string;
  privateKey: string;
}

function post(session: ClientHttp2Session, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let status = 0;
    stream.on('response', (h) => (status = Number(h[constants.HTTP2_HEADER_STATUS])));
    stream.on('data', () => undefined);
    stream.on('end', () => resolve(status));
    stream.on('error', reject);
    stream.end(body);
  });
}

async function push(args: PushArgs) {
  const session = connect(args.url);
  await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
  const jwt = signJwt('ES256', { kid: args.keyId }, { iss: args.teamId, iat: Math.floor(Date.now() / 1000) }, createPrivateKey(args.privateKey));
  let next = 0;
  let failures = 0;
  const startedAt = Date.now();
  const started = performance.now();
  const worker = async () => {
    while (next < args.count) {
      const i = next++;
      const body = JSON.stringify({ aps: { alert: { title: 'bench group', body: `sender: push fan-out ${i}` }, badge: 1, sound: 'default' }, rc: { conversationType: 3, targetId: 'g1', objectName: 'RC:TxtMsg' } });
      const status = await post(
        session,
        {
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: `/3/device/${deviceToken(i)}`,
          authorization: `bearer ${jwt}`,
          'apns-topic': args.bundleId,
          'apns-push-type': 'alert',
          'apns-priority': '10',
          'apns-expiration': String(Math.floor(Date.now() / 1000) + 86_400),
          'apns-collapse-id': `bare-${i}`,
          'content-type': 'application/json',
        },
        body,
      ).catch(() => 0);
      if (status !== 200) failures++;
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  const ms = performance.now() - started;
  session.close();
  return { startedAt, ms, failures };
}

answerCommands(async (command) => {
  if (command.op !== 'push') throw new Error(`unknown command ${String(command.op)}`);
  return push(command as unknown as PushArgs);
});
