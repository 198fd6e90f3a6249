import type { App } from './apps.js';

/**
 * What the delivery function asks of each many-member conversation kind. Each is
 * implemented by its service (groups.ts, chatrooms.ts, ultragroups.ts), which also
 * serves the kind's REST administration. Refusals throw a ParleyError with the
 * RongCloud code; bad ids and unknown targets never reach a write.
 */
export interface GroupRules {
  /**
   * Current members of the group, read at most once per send: cached per node and
   * invalidated on every membership change made through this node (other nodes'
   * changes within a few seconds). Throws `groupNotExist` for an unknown group.
   */
  members(app: App, groupId: string): Promise<readonly string[]>;
  /**
   * Throws `groupNotExist`; `notInGroup` when `requireMember` and `userId` is not a
   * member; `forbiddenInGroup` when `userId` is gagged, or the group is muted and
   * `userId` is not on its mute whitelist.
   */
  assertCanSend(app: App, groupId: string, userId: string, requireMember: boolean): Promise<void>;
}

export interface ChatroomRules {
  /** Throws `chatroomNotExist`; `kickedFromChatroom` for a user blocked from the room. */
  assertCanJoin(app: App, roomId: string, userId: string): Promise<void>;
  /**
   * Throws `chatroomNotExist`; `kickedFromChatroom` when blocked; `forbiddenInChatroom`
   * when gagged in the room or banned in all chatrooms (unless on the room's user
   * whitelist), and unless `objectName` is on the app's chatroom message whitelist.
   */
  assertCanSend(app: App, roomId: string, userId: string, objectName: string): Promise<void>;
  /** True while `/chatroom/message/stopDistribution` holds for the room. */
  isDistributionStopped(app: App, roomId: string): Promise<boolean>;
  /** The user's last session left the room: its auto-delete attributes go (with a notice). */
  userLeft(app: App, roomId: string, userId: string): Promise<void>;
}

export interface UltraGroupRules {
  /**
   * Members who may read `busChannel` ('' is the default channel): every member for a
   * public channel, the channel's members for a private one. Throws
   * `ultraGroupNotExist` / `ultraGroupChannelNotExist`.
   */
  audience(app: App, groupId: string, busChannel: string): Promise<readonly string[]>;
  /**
   * Throws `ultraGroupNotExist`, `ultraGroupChannelNotExist`, `notInUltraGroup`,
   * `notInPrivateChannel`, or `forbiddenInUltraGroup` (muted user, or global mute of
   * the group/channel, unless whitelisted).
   */
  assertCanSend(app: App, groupId: string, busChannel: string, userId: string): Promise<void>;
}
