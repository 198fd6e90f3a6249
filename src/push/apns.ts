import { createPrivateKey, type KeyObject } from 'node:crypto';
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from 'node:http2';
import type { PushConfig } from '../config.js';
import type { PushOutcome, PushProvider, PushRequest } from '../core/push/provider.js';
import { signJwt } from './jwt.js';

type ApnsConfig = NonNullable<PushConfig['apns']>;

/** Apple requires a provider token younger than an hour and refuses one renewed more than every 20 minutes. */
export const providerTokenMaxAgeMs = 50 * 60_000;
const requestTimeoutMs = 10_000;
/** How long APNs keeps trying to reach a device that is off. */
const expirationSeconds = 86_400;

/** Reasons for which the token itself is wrong (Apple's "Handling notification responses from APNs"). */
const deadTokenReasons = new Set(['BadDeviceToken', 'Unregistered', 'DeviceTokenNotForTopic', 'ExpiredToken']);

/**
 * APNs over HTTP/2 (Apple's "Sending notification requests to APNs"): one session per
 * app, reconnected when it goes away, a provider token (ES256 JWT) reused until it is 50
 * minutes old, `POST /3/device/<token>`. An `http://` endpoint is cleartext HTTP/2.
 */
export class ApnsProvider implements PushProvider {
  private session: ClientHttp2Session | undefined;
  private providerToken: { jwt: string; madeAt: number } | undefined;
  private readonly key: KeyObject;
  private readonly endpoint: string;

  constructor(
    private readonly config: ApnsConfig,
    private readonly now: () => number,
  ) {
    this.key = createPrivateKey(config.privateKey);
    this.endpoint = config.endpoint ?? (config.production ? 'https://api.push.apple.com' : 'https://api.sandbox.push.apple.com');
  }

  async send({ token, notification, badge, messageUId }: PushRequest): Promise<PushOutcome> {
    const body = JSON.stringify(payloadOf(notification, badge));
    const headers: Record<string, string> = {
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: `/3/device/${token}`,
      authorization: `bearer ${this.jwt()}`,
      'apns-topic': this.config.bundleId,
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-expiration': String(Math.floor(this.now() / 1000) + expirationSeconds),
      'apns-collapse-id': notification.apns?.collapseId ?? messageUId,
      'content-type': 'application/json',
    };
    let answer: { status: number; body: string; retryAfter: string | undefined };
    try {
      answer = await this.request(headers, body);
    } catch (err) {
      this.session?.destroy();
      this.session = undefined;
      return { kind: 'retry', reason: `APNs unreachable: ${(err as Error).message}` };
    }
    return this.outcome(answer);
  }

  close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session || session.closed) return Promise.resolve();
    return new Promise((resolve) => session.close(resolve));
  }

  private outcome({ status, body, retryAfter }: { status: number; body: string; retryAfter: string | undefined }): PushOutcome {
    if (status === 200) return { kind: 'sent' };
    const reason = reasonOf(body);
    if (status === 410 || deadTokenReasons.has(reason)) return { kind: 'deadToken', reason: `APNs ${status} ${reason}` };
    if (status === 403 && (reason === 'ExpiredProviderToken' || reason === 'InvalidProviderToken')) {
      // A token Apple no longer takes is made again for the retry.
      this.providerToken = undefined;
      return { kind: 'retry', reason: `APNs ${status} ${reason}` };
    }
    if (status === 429 || status >= 500) return { kind: 'retry', reason: `APNs ${status} ${reason}`, afterMs: retryAfterMs(retryAfter) };
    return { kind: 'failed', reason: `APNs ${status} ${reason}` };
  }

  private jwt(): string {
    const now = this.now();
    if (!this.providerToken || now - this.providerToken.madeAt >= providerTokenMaxAgeMs) {
      const jwt = signJwt('ES256', { kid: this.config.keyId }, { iss: this.config.teamId, iat: Math.floor(now / 1000) }, this.key);
      this.providerToken = { jwt, madeAt: now };
    }
    return this.providerToken.jwt;
  }

  private connection(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.endpoint);
    session.on('error', () => undefined); // each stream reports its own failure
    session.on('goaway', () => {
      if (this.session === session) this.session = undefined;
    });
    session.on('close', () => {
      if (this.session === session) this.session = undefined;
    });
    session.unref();
    this.session = session;
    return session;
  }

  private request(headers: Record<string, string>, body: string): Promise<{ status: number; body: string; retryAfter: string | undefined }> {
    return new Promise((resolve, reject) => {
      const stream = this.connection().request(headers);
      stream.setTimeout(requestTimeoutMs, () => stream.close(constants.NGHTTP2_CANCEL));
      let status = 0;
      let retryAfter: string | undefined;
      const chunks: Buffer[] = [];
      stream.on('response', (h: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
        const value: string | string[] | undefined = h['retry-after'];
        retryAfter = typeof value === 'string' ? value : value?.[0];
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => (status > 0 ? resolve({ status, body: Buffer.concat(chunks).toString(), retryAfter }) : reject(new Error('no response'))));
      stream.on('error', reject);
      stream.on('close', () => (status > 0 ? undefined : reject(new Error('stream closed without a response'))));
      stream.end(body);
    });
  }
}

/** The APNs payload: the alert and badge, the conversation (`rc`, as RongCloud's iOS SDK reads it) and the app's data. */
function payloadOf(notification: PushRequest['notification'], badge: number): Record<string, unknown> {
  const { title, body, data, conversationType, targetId, objectName, apns } = notification;
  return {
    aps: {
      alert: { title, body },
      badge,
      sound: 'default',
      ...(apns?.threadId !== undefined && { 'thread-id': apns.threadId }),
      ...(apns?.interruptionLevel !== undefined && { 'interruption-level': apns.interruptionLevel }),
    },
    rc: { conversationType, targetId, objectName },
    ...(data !== undefined && { appData: data }),
  };
}

function reasonOf(body: string): string {
  try {
    const reason = (JSON.parse(body) as { reason?: unknown }).reason;
    return typeof reason === 'string' ? reason : '';
  } catch {
    return '';
  }
}

/** Retry-After in seconds (or an HTTP date), as milliseconds. */
export function retryAfterMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
