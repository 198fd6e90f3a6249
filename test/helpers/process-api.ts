import type { ParleyProcess } from '../../bench/lib/parley-process.js';
import { ParleyClient, type ClientOptions } from '../../src/client/node.js';
import type { ClientMessage } from '../../src/client/protocol.js';
import { formEncode, signHeaders, type FormBody } from './server.js';

/** A signed form POST to a Parley process, as an app backend sends it. */
export async function postTo(target: ParleyProcess, path: string, body: FormBody, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(target.url + path, {
    method: 'POST',
    headers: { ...signHeaders(target), 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: formEncode(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A signed JSON POST to a Parley process (the endpoints where RongCloud takes JSON, as `/push.json`). */
export async function postJsonTo(target: ParleyProcess, path: string, body: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(target.url + path, { method: 'POST', headers: { ...signHeaders(target), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A device of `userId` on `target`, connected and caught up, recording what it receives. */
export async function deviceOn(
  target: ParleyProcess,
  userId: string,
  options: Partial<ClientOptions> = {},
): Promise<{ client: ParleyClient; messages: ClientMessage[] }> {
  const token = String((await postTo(target, '/user/getToken.json', { userId, name: userId })).body.token);
  const messages: ClientMessage[] = [];
  const client = new ParleyClient({ url: target.wsUrl, token, deviceId: `${userId}-phone`, platform: 'ios', reconnect: false, ...options });
  client.on('message', (m) => messages.push(m));
  const synced = new Promise((resolve) => client.once('synced', resolve));
  await client.connect();
  await synced;
  return { client, messages };
}
