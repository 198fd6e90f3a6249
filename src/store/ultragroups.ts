import type { UltraGroupMessageRow, UltraGroupUserList } from '../model/ultragroup.js';


export interface UltraGroupChannelRow {
  /** Never '' (the default channel has no row). */
  busChannel: string;
  private: boolean;
  createdAt: number;
}

/** What one lookup says about a group and one of its channels. */
export type UltraGroupLookup =
  | { group: false }
  | { group: true; channel: undefined }
  | { group: true; channel: { private: boolean } };

/** How one user stands in one channel of an existing group (one query, the send path). */
export interface UltraGroupSendStanding {
  /** undefined when the channel does not exist; the default channel ('') is public. */
  channelPrivate: boolean | undefined;
  member: boolean;
  /** On the channel's private user list. */
  inChannel: boolean;
  /** On the `muted` list of the group ('') or of the channel. */
  muted: boolean;
  /** The group ('') or the channel is muted as a whole. */
  globallyMuted: boolean;
  /** On the `allowed` list of the group ('') or of the channel. */
  allowed: boolean;
}


export interface UltraGroupHistoryRange {
  groupId: string;
  busChannel: string;
  /** Exclusive lower bound, epoch ms. */
  after: number;
  /** Inclusive upper bound, epoch ms. */
  until: number;
  fromUserId: string | undefined;
  limit: number;
}

/**
 * Read-only queries over the shared `messages` table (conversation type 10, keyed by
 * group id and bus channel); recalled rows are left out. Implemented in
 * history-query.sql.ts.
 */
export interface UltraGroupHistoryQueries {
  /** Messages with `after < sentTime <= until`, oldest first, at most `limit`. */
  historyRange(appKey: string, range: UltraGroupHistoryRange): Promise<UltraGroupMessageRow[]>;
  /** The group's messages among `messageUIds`, in no particular order. */
  messagesByUid(appKey: string, groupId: string, messageUIds: readonly string[]): Promise<UltraGroupMessageRow[]>;
  /**
   * The channel's message `messageUId` with up to `before` messages before it and `after`
   * after it, oldest first; none sent before `notBefore`; empty when the channel has no such message.
   */
  messagesAround(appKey: string, around: { groupId: string; busChannel: string; messageUId: string; before: number; after: number; notBefore: number }): Promise<UltraGroupMessageRow[]>;
}

/**
 * Ultra group data (SQL, Postgres or PGlite). Adds and removes are idempotent; callers
 * check that the group (and channel) exists first, so writes to a missing group do not
 * happen. Lists page by user id / creation order with offset and limit.
 */
export interface UltraGroupStore extends UltraGroupHistoryQueries {
  /** Creates the group (or renames an existing one) and adds `ownerId` as a member. */
  create(appKey: string, groupId: string, name: string, ownerId: string, now: number): Promise<void>;
  /** Removes the group and everything in it, in one transaction. */
  dismiss(appKey: string, groupId: string): Promise<void>;
  rename(appKey: string, groupId: string, name: string): Promise<void>;
  /** `channel` is undefined when the group exists but the channel does not; '' always exists. */
  lookup(appKey: string, groupId: string, busChannel: string): Promise<UltraGroupLookup>;

  addMember(appKey: string, groupId: string, userId: string, now: number): Promise<void>;
  /** Also takes the user off every private channel list of the group. */
  removeMember(appKey: string, groupId: string, userId: string): Promise<void>;
  isMember(appKey: string, groupId: string, userId: string): Promise<boolean>;
  /** A page of the group's members, by user id. */
  listMembers(appKey: string, groupId: string, offset: number, limit: number): Promise<string[]>;
  /** A page of the groups the user is a member of, by group id. */
  groupsOf(appKey: string, userId: string, offset: number, limit: number): Promise<Array<{ groupId: string; name: string }>>;
  /** Every member for a public channel; for a private one, members on its user list. By user id. */
  audience(appKey: string, groupId: string, busChannel: string, privateChannel: boolean): Promise<string[]>;

  /** Adds the channel, or returns false when it already exists. */
  createChannel(appKey: string, groupId: string, channel: UltraGroupChannelRow): Promise<boolean>;
  /** Removes the channel with its user lists and mute settings, in one transaction. */
  deleteChannel(appKey: string, groupId: string, busChannel: string): Promise<void>;
  setChannelPrivate(appKey: string, groupId: string, busChannel: string, isPrivate: boolean): Promise<void>;
  /** Oldest first. */
  listChannels(appKey: string, groupId: string, offset: number, limit: number): Promise<UltraGroupChannelRow[]>;
  addChannelUsers(appKey: string, groupId: string, busChannel: string, userIds: readonly string[]): Promise<void>;
  removeChannelUsers(appKey: string, groupId: string, busChannel: string, userIds: readonly string[]): Promise<void>;
  listChannelUsers(appKey: string, groupId: string, busChannel: string, offset: number, limit: number): Promise<string[]>;

  addToList(appKey: string, groupId: string, busChannel: string, kind: UltraGroupUserList, userIds: readonly string[], now: number): Promise<void>;
  removeFromList(appKey: string, groupId: string, busChannel: string, kind: UltraGroupUserList, userIds: readonly string[]): Promise<void>;
  list(appKey: string, groupId: string, busChannel: string, kind: UltraGroupUserList, offset: number, limit: number): Promise<string[]>;
  setGlobalMute(appKey: string, groupId: string, busChannel: string, muted: boolean): Promise<void>;
  isGloballyMuted(appKey: string, groupId: string, busChannel: string): Promise<boolean>;

  /** undefined when the group does not exist. */
  sendStanding(appKey: string, groupId: string, busChannel: string, userId: string): Promise<UltraGroupSendStanding | undefined>;
}
