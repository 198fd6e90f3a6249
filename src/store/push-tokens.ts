import type { PushProviderName, PushToken } from '../model/push.js';

/** A token a message may be pushed to, with what decides whether it is. */
export interface PushTarget extends PushToken {
  /** The user's push setting for the conversation, else for its type (0: none). */
  unpushLevel: number;
  /** The user's quiet hours, if set. */
  quietHours?: QuietHours | undefined;
}

/** Quiet hours (`/user/blockPushPeriod/set.json`): from `startTime` (HH:MM:SS, app time zone) for `period` minutes, daily. */
export interface QuietHours {
  startTime: string;
  period: number;
  /** As a mute level: 1 lets mentions through, 5 nothing. */
  level: number;
}

/**
 * Devices' push tokens (SQL). One token per user and device: registering again replaces
 * it; a token registered by another user or device of the app moves to the new owner.
 */
export interface PushTokenStore {
  register(appKey: string, token: PushToken, now: number): Promise<void>;
  unregister(appKey: string, userId: string, deviceId: string): Promise<void>;
  /**
   * In one query, the tokens a message in a conversation may be pushed to among `userIds`'
   * devices, with each user's mute level for the conversation and quiet hours, and the
   * group's name (groups and ultra groups). Left out: users banned at `now`, and tokens
   * registered before the user's tokens were expired.
   */
  targets(appKey: string, userIds: readonly string[], conversation: { conversationType: number; targetId: string; busChannel: string }, now: number): Promise<{ devices: PushTarget[]; groupName: string }>;
  setQuietHours(appKey: string, userId: string, hours: QuietHours): Promise<void>;
  getQuietHours(appKey: string, userId: string): Promise<QuietHours | undefined>;
  deleteQuietHours(appKey: string, userId: string): Promise<void>;
  /** A token the provider reported dead; a newer registration of the device is kept. */
  removeToken(appKey: string, provider: PushProviderName, token: string): Promise<void>;
  /** The apps with at least one token. */
  appsWithTokens(): Promise<string[]>;
}
