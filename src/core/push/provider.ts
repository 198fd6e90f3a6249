import type { Notification, PushProviderName } from '../../model/push.js';
import type { App } from '../apps.js';

/** What a provider made of one push. */
export type PushOutcome =
  | { kind: 'sent' }
  /** 429, 5xx, a network error: try again later (not before `afterMs` when the provider said so). */
  | { kind: 'retry'; reason: string; afterMs?: number | undefined }
  /** The provider says the token will never work again: it is removed. */
  | { kind: 'deadToken'; reason: string }
  /** Refused for a reason retrying cannot fix (a bad payload, bad credentials). */
  | { kind: 'failed'; reason: string };

/** One push to one device. */
export interface PushRequest {
  token: string;
  notification: Notification;
  /** The iOS badge. */
  badge: number;
  /** Identifies the push to the provider (APNs apns-id, collapse by message). */
  messageUId: string;
}

/** A push service speaking its real protocol (src/push/: APNs over HTTP/2, FCM HTTP v1). */
export interface PushProvider {
  send(request: PushRequest): Promise<PushOutcome>;
}

/** The providers configured per app. */
export interface PushProviders {
  of(app: Pick<App, 'appKey' | 'push'>, provider: PushProviderName): PushProvider | undefined;
  close(): Promise<void>;
}
