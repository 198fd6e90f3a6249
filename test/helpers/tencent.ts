import { createRequire } from 'node:module';
import type { AppConfig } from '../../src/config.js';
import { startServer, type TestApp, type TestServer } from './server.js';

// Tencent's own signer (CommonJS, untyped): what a Tencent IM backend signs its calls with.
const { Api } = createRequire(import.meta.url)('tls-sig-api-v2') as { Api: new (sdkAppId: number, key: string) => { genUserSig(userId: string, expireSeconds: number): string } };

export interface TencentAnswer extends Record<string, unknown> {
  ActionStatus: 'OK' | 'FAIL';
  ErrorCode: number;
  ErrorInfo: string;
}

export interface TencentCaller {
  /** POST `/v4/<service>/<command>` as a Tencent backend does, signed as `identifier` unless `userSig` is given. */
  call(path: string, body: unknown, options?: { identifier?: string; userSig?: string; sdkAppId?: number }): Promise<TencentAnswer>;
  userSig(identifier: string, expireSeconds?: number, key?: string): string;
}

export function tencentCaller(t: Pick<TestServer, 'baseUrl'>, sdkAppId: number, secretKey: string, administrator = 'administrator'): TencentCaller {
  const userSig = (identifier: string, expireSeconds = 86_400, key = secretKey) => new Api(sdkAppId, key).genUserSig(identifier, expireSeconds);
  return {
    userSig,
    async call(path, body, options = {}) {
      const identifier = options.identifier ?? administrator;
      const query = new URLSearchParams({
        sdkappid: String(options.sdkAppId ?? sdkAppId),
        identifier,
        usersig: options.userSig ?? userSig(identifier),
        random: String(Math.floor(Math.random() * 2 ** 31)),
        contenttype: 'json',
      });
      const response = await fetch(`${t.baseUrl}/v4/${path}?${query.toString()}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      return (await response.json()) as TencentAnswer;
    },
  };
}

/** A server whose one app speaks Tencent IM too: the server, its v1 signed client and a Tencent caller. */
export async function tencentServer(sdkAppId: number, secretKey: string, features: Partial<AppConfig['features']> = {}): Promise<{ t: TestServer; app: TestApp; tim: TencentCaller }> {
  const t = await startServer({ apps: [{ features, tencent: { sdkAppId, secretKey } }] });
  return { t, app: t.app(0), tim: tencentCaller(t, sdkAppId, secretKey) };
}
