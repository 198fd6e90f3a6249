/** The push services a device token belongs to. */
export const pushProviders = ['apns', 'fcm'] as const;
export type PushProviderName = (typeof pushProviders)[number];

/** A device's registered push token. */
export interface PushToken {
  userId: string;
  deviceId: string;
  provider: PushProviderName;
  token: string;
}

/** What a push shows, decided once per message (the badge is the user's own, read when sent). */
export interface Notification {
  title: string;
  body: string;
  /** The send's pushData: custom data for the app. */
  data?: string | undefined;
  conversationType: number;
  targetId: string;
  objectName: string;
  /** The send's `count`: the badge to show instead of the user's unread count. */
  badge?: number | undefined;
  /** Per-vendor options from pushExt (docs/push.md "What is pushed"). */
  apns?: { threadId?: string | undefined; collapseId?: string | undefined; interruptionLevel?: string | undefined } | undefined;
  fcm?: { channelId?: string | undefined; collapseKey?: string | undefined; imageUrl?: string | undefined } | undefined;
}
