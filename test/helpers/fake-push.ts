import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/** Keys for a test app's providers: an ES256 (P-256) key for APNs, an RS256 key for FCM. */
export function pushKeys() {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    apnsPrivateKey: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    apnsPublicKey: ec.publicKey,
    fcmPrivateKey: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    fcmPublicKey: rsa.publicKey,
  };
}

export interface Jwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/** The JWT's header and claims when its signature verifies with `publicKey`; undefined otherwise. */
export function verifyJwt(jwt: string, alg: 'ES256' | 'RS256', publicKey: KeyObject): Jwt | undefined {
  const [header, claims, signature] = jwt.split('.');
  if (header === undefined || claims === undefined || signature === undefined) return undefined;
  let parsed: Jwt;
  try {
    parsed = { header: JSON.parse(Buffer.from(header, 'base64url').toString()), claims: JSON.parse(Buffer.from(claims, 'base64url').toString()) };
  } catch {
    return undefined;
  }
  if (parsed.header.alg !== alg) return undefined;
  const key = alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey;
  return verify('sha256', Buffer.from(`${header}.${claims}`), key, Buffer.from(signature, 'base64url')) ? parsed : undefined;
}

/** A scripted answer of a fake provider; unscripted requests are accepted. */
export interface FakeAnswer {
  status: number;
  /** APNs `reason`, or FCM `error.status` / FcmError `errorCode`. */
  reason?: string;
  retryAfter?: number;
  /** FCM: the error is about `message.token` (a BadRequest field violation). */
  onToken?: boolean;
}

/** Answers scripted per device token, taken in order. */
export class Script {
  private readonly answers = new Map<string, FakeAnswer[]>();

  answer(token: string, ...answers: FakeAnswer[]): void {
    this.answers.set(token, [...(this.answers.get(token) ?? []), ...answers]);
  }

  next(token: string): FakeAnswer | undefined {
    return this.answers.get(token)?.shift();
  }
}

export const until = async (check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** Starts a fake provider's server on 127.0.0.1 (`port` 0: any free one) and returns its base URL. */
export async function listenOnLoopback(server: { listen(port: number, host: string, ready: () => void): unknown; address(): AddressInfo | string | null }, port = 0): Promise<string> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
