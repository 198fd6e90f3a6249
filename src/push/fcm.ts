import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { PushConfig } from '../config.js';
import type { PushOutcome, PushProvider, PushRequest } from '../core/push/provider.js';
import { retryAfterMs } from './apns.js';
import { signJwt } from './jwt.js';

type FcmConfig = NonNullable<PushConfig['fcm']>;

const scope = 'https://www.googleapis.com/auth/firebase.messaging';
/** An access token is renewed this long before Google says it expires. */
const renewBeforeMs = 60_000;
const requestTimeoutMs = 10_000;

interface FcmError {
  error?: { status?: string; message?: string; details?: Array<{ errorCode?: string; fieldViolations?: Array<{ field?: string }> }> };
}

/**
 * FCM HTTP v1 (Google's "Migrate from legacy FCM APIs to HTTP v1"): a service-account JWT
 * (RS256) exchanged at `tokenUri` for an OAuth2 access token, kept until a minute before
 * it expires, then `POST /v1/projects/<projectId>/messages:send`. An `http://` endpoint is
 * plain HTTP.
 */
export class FcmProvider implements PushProvider {
  private readonly key: KeyObject;
  private readonly endpoint: string;
  private readonly tokenUri: string;
  private access: { token: Promise<string>; until: number } | undefined;

  constructor(
    private readonly config: FcmConfig,
    private readonly now: () => number,
  ) {
    this.key = createPrivateKey(config.privateKey);
    this.endpoint = (config.endpoint ?? 'https://fcm.googleapis.com').replace(/\/$/, '');
    this.tokenUri = config.tokenUri ?? 'https://oauth2.googleapis.com/token';
  }

  async send({ token, notification, badge }: PushRequest): Promise<PushOutcome> {
    let response: Response;
    try {
      const accessToken = await this.accessToken();
      response = await fetch(`${this.endpoint}/v1/projects/${encodeURIComponent(this.config.projectId)}/messages:send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: messageOf(token, notification, badge) }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (err) {
      return { kind: 'retry', reason: `FCM unreachable: ${(err as Error).message}` };
    }
    if (response.ok) {
      await response.body?.cancel();
      return { kind: 'sent' };
    }
    const error = ((await response.json().catch(() => ({}))) as FcmError).error ?? {};
    const codes = new Set([error.status, ...(error.details ?? []).map((d) => d.errorCode)]);
    const onToken = (error.details ?? []).some((d) => d.fieldViolations?.some((v) => v.field === 'message.token'));
    const reason = `FCM ${response.status} ${error.status ?? ''} ${error.message ?? ''}`.trim();
    if (codes.has('UNREGISTERED') || (codes.has('INVALID_ARGUMENT') && onToken)) return { kind: 'deadToken', reason };
    if (response.status === 401) {
      this.access = undefined;
      return { kind: 'retry', reason };
    }
    if (response.status === 429 || response.status >= 500) return { kind: 'retry', reason, afterMs: retryAfterMs(response.headers.get('retry-after')) };
    return { kind: 'failed', reason };
  }

  /** The cached access token, or a new one (one exchange at a time). */
  private accessToken(): Promise<string> {
    if (this.access && this.now() < this.access.until) return this.access.token;
    const exchange = this.exchange();
    const access = { token: exchange.then((t) => t.token), until: Number.POSITIVE_INFINITY };
    this.access = access;
    exchange.then(
      (t) => (access.until = this.now() + t.expiresInMs - renewBeforeMs),
      () => {
        if (this.access === access) this.access = undefined;
      },
    );
    return access.token;
  }

  private async exchange(): Promise<{ token: string; expiresInMs: number }> {
    const iat = Math.floor(this.now() / 1000);
    const assertion = signJwt('RS256', { typ: 'JWT' }, { iss: this.config.clientEmail, scope, aud: this.tokenUri, iat, exp: iat + 3600 }, this.key);
    const response = await fetch(this.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!response.ok || typeof body.access_token !== 'string') throw new Error(`token exchange refused: ${response.status} ${typeof body.error === 'string' ? body.error : ''}`);
    return { token: body.access_token, expiresInMs: (typeof body.expires_in === 'number' ? body.expires_in : 3600) * 1000 };
  }
}

/** The v1 message: notification, the app's data and the conversation as data (strings only), Android options. */
function messageOf(token: string, notification: PushRequest['notification'], badge: number): Record<string, unknown> {
  const { title, body, data, conversationType, targetId, objectName, fcm } = notification;
  return {
    token,
    notification: { title, body, ...(fcm?.imageUrl !== undefined && { image: fcm.imageUrl }) },
    data: { conversationType: String(conversationType), targetId, objectName, ...(data !== undefined && { appData: data }) },
    android: {
      priority: 'HIGH',
      ...(fcm?.collapseKey !== undefined && { collapse_key: fcm.collapseKey }),
      notification: { ...(fcm?.channelId !== undefined && { channel_id: fcm.channelId }), ...(badge > 0 && { notification_count: badge }) },
    },
  };
}
