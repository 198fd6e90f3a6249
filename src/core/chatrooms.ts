import { resolveMessage } from './message-types.js';
import { ParleyError } from '../errors.js';
import type { ChatroomMembers, RoomMember } from '../store/chatroom-members.js';
import type { ChatroomEntry, ChatroomRow, ChatroomStore, NewChatroom, RoomFlag } from '../store/chatrooms.js';
import type { LimitKind, ObjectNameKind, RoomUserListKind } from '../model/chatroom.js';
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import type { ChatroomRules } from './conversation-rules.js';

/** At most this many attributes per room (docs/server-api.md "Chatrooms"). */
export const maxEntriesPerRoom = 100;
export const kvNoticeObjectName = 'RC:chrmKVNotiMsg';

/** What the service asks of delivery and the gateway; installed by deps.ts. */
export interface ChatroomHooks {
  /** Tells the removed sessions they are out of the room (block, destroy). */
  onRemoved(app: App, roomId: string, removed: RoomMember[]): Promise<void>;
  /** Sends a message from `fromUserId` to the room's members now. */
  notifyRoom(app: App, roomId: string, fromUserId: string, objectName: string, content: string): Promise<void>;
}

export interface EntryInput {
  key: string;
  value: string;
  autoDelete: boolean;
}

/** An optional notice the app asks to send along with an attribute change. */
export interface EntryNotice {
  objectName?: string;
  content?: string;
}

export type RoomDetails = ChatroomRow & { memberCount: number };

/**
 * Chatrooms (docs/server-api.md "Chatrooms"): what app backends set up — rooms, gags, bans,
 * blocks, whitelists, mutes, distribution and attributes — and the rules the delivery
 * function and the gateway apply to joins and sends (ChatroomRules). Who is in a room
 * now is the ChatroomMembers store's; this service only reads it, and removes sessions
 * on block and destroy. Room operations on an unknown room throw `chatroomNotExist`
 * before anything is written.
 */
export class ChatroomService implements ChatroomRules {
  constructor(
    private readonly store: ChatroomStore,
    private readonly members: ChatroomMembers,
    private readonly clock: Clock,
    private readonly hooks: ChatroomHooks,
  ) {}

  // --- ChatroomRules -------------------------------------------------------------

  async assertCanJoin(app: App, roomId: string, userId: string): Promise<void> {
    const standing = await this.store.standing(app.appKey, roomId, userId, '', this.clock.now());
    if (!standing) throw new ParleyError('chatroomNotExist');
    if (standing.blocked) throw new ParleyError('kickedFromChatroom');
  }

  async assertCanSend(app: App, roomId: string, userId: string, objectName: string): Promise<void> {
    const standing = await this.store.standing(app.appKey, roomId, userId, objectName, this.clock.now());
    if (!standing) throw new ParleyError('chatroomNotExist');
    if (standing.blocked) throw new ParleyError('kickedFromChatroom');
    if (standing.objectNameAllowed) return;
    if (!standing.whitelisted && (standing.gagged || standing.banned)) throw new ParleyError('forbiddenInChatroom');
    if (standing.roomMuted && !standing.whitelisted && !standing.muteWhitelisted) throw new ParleyError('forbiddenInChatroom');
  }

  async isDistributionStopped(app: App, roomId: string): Promise<boolean> {
    const [room] = await this.store.getRooms(app.appKey, [roomId]);
    return room?.distributionStopped ?? false;
  }

  // --- Rooms ---------------------------------------------------------------------

  async exists(app: App, roomId: string): Promise<boolean> {
    return (await this.store.getRooms(app.appKey, [roomId])).length > 0;
  }

  /** Creates rooms; an existing room keeps its settings and takes the new name. */
  create(app: App, rooms: readonly NewChatroom[]): Promise<void> {
    return this.store.createRooms(app.appKey, rooms, this.clock.now());
  }

  /**
   * /chatroom/create_new: one room with its mute, mute whitelist and first attributes, all
   * or nothing (an existing room takes them too, atomically).
   */
  async createWith(
    app: App,
    room: NewChatroom,
    options: { muted: boolean; muteWhitelist: readonly string[]; entryOwnerId?: string; entries: readonly EntryInput[] },
  ): Promise<void> {
    const { entryOwnerId } = options;
    const entries = entryOwnerId ? options.entries.map((e) => ({ ...e, userId: entryOwnerId })) : [];
    const settings = { muted: options.muted, muteWhitelist: options.muteWhitelist, entries };
    const result = await this.store.createWith(app.appKey, room, settings, this.clock.now(), maxEntriesPerRoom);
    if (result === 'full') throw new ParleyError('badParameter', `a chatroom holds at most ${maxEntriesPerRoom} attributes`);
  }

  /** Drops the rooms with their settings and attributes and removes everyone in them. Unknown ids are skipped. */
  async destroy(app: App, roomIds: readonly string[]): Promise<void> {
    const destroyed = await this.store.destroyRooms(app.appKey, roomIds);
    for (const roomId of destroyed) {
      const removed = await this.members.clear(app.appKey, roomId);
      if (removed.length > 0) await this.hooks.onRemoved(app, roomId, removed);
    }
  }

  async setDestroy(app: App, roomId: string, destroyType: number, destroyTime: number): Promise<void> {
    if (!(await this.store.setDestroy(app.appKey, roomId, destroyType, destroyTime))) throw new ParleyError('chatroomNotExist');
  }

  /** The rooms among `roomIds` that exist, in that order. */
  query(app: App, roomIds: readonly string[]): Promise<ChatroomRow[]> {
    return this.store.getRooms(app.appKey, roomIds);
  }

  async get(app: App, roomId: string): Promise<RoomDetails> {
    const room = await this.requireRoom(app, roomId);
    const users = await this.members.users(app.appKey, roomId);
    return { ...room, memberCount: users.length };
  }

  /** Users in the room now with their earliest join: the first `count` by join time, ascending or not. */
  async users(app: App, roomId: string, count: number, ascending: boolean): Promise<{ total: number; users: Array<{ userId: string; joinedAt: number }> }> {
    await this.requireRoom(app, roomId);
    const users = await this.members.users(app.appKey, roomId);
    const ordered = ascending ? users : [...users].reverse();
    return { total: users.length, users: ordered.slice(0, count) };
  }

  /** Which of `userIds` are in the room now. */
  async present(app: App, roomId: string, userIds: readonly string[]): Promise<Set<string>> {
    await this.requireRoom(app, roomId);
    const inRoom = new Set((await this.members.users(app.appKey, roomId)).map((u) => u.userId));
    return new Set(userIds.filter((userId) => inRoom.has(userId)));
  }

  /** Sets a room flag: muted (whole-room mute), distributionStopped, keepAlive. */
  async setFlag(app: App, roomId: string, flag: RoomFlag, value: boolean): Promise<void> {
    if (!(await this.store.setFlag(app.appKey, roomId, flag, value))) throw new ParleyError('chatroomNotExist');
  }

  listFlagged(app: App, flag: RoomFlag, offset = 0, limit = 10_000): Promise<string[]> {
    return this.store.listFlagged(app.appKey, flag, offset, limit);
  }

  // --- Gag, ban, block -----------------------------------------------------------

  /** Gags users in one room for `minutes`; it ends by itself. */
  async gag(app: App, roomId: string, userIds: readonly string[], minutes: number): Promise<void> {
    await this.requireRoom(app, roomId);
    await this.addLimit(app, 'gag', roomId, userIds, minutes);
  }

  /** Bans users from speaking in every chatroom of the app for `minutes`. */
  ban(app: App, userIds: readonly string[], minutes: number): Promise<void> {
    return this.addLimit(app, 'ban', '', userIds, minutes);
  }

  /** Kicks users out of the room and keeps them out (no join, no send) for `minutes`. */
  async block(app: App, roomId: string, userIds: readonly string[], minutes: number): Promise<void> {
    await this.requireRoom(app, roomId);
    await this.addLimit(app, 'block', roomId, userIds, minutes);
    const removed: RoomMember[] = [];
    for (const userId of userIds) removed.push(...(await this.members.removeUser(app.appKey, roomId, userId)));
    if (removed.length > 0) await this.hooks.onRemoved(app, roomId, removed);
    await this.dropAutoDeleteEntries(app, roomId, userIds);
  }

  /** Lifts gags or blocks in a room (`roomId` given) or app-wide bans (`ban`, no room). */
  async lift(app: App, kind: LimitKind, roomId: string, userIds: readonly string[]): Promise<void> {
    if (kind !== 'ban') await this.requireRoom(app, roomId);
    await this.store.removeLimits(app.appKey, kind, kind === 'ban' ? '' : roomId, userIds);
  }

  /** Limits in force now, by user id. */
  async listLimits(app: App, kind: LimitKind, roomId: string): Promise<Array<{ userId: string; endsAt: number }>> {
    if (kind !== 'ban') await this.requireRoom(app, roomId);
    return this.store.listLimits(app.appKey, kind, kind === 'ban' ? '' : roomId, this.clock.now());
  }

  // --- Lists ---------------------------------------------------------------------

  async addUsers(app: App, kind: RoomUserListKind, roomId: string, userIds: readonly string[]): Promise<void> {
    await this.requireRoom(app, roomId);
    await this.store.addUsers(app.appKey, kind, roomId, userIds);
  }

  async removeUsers(app: App, kind: RoomUserListKind, roomId: string, userIds: readonly string[]): Promise<void> {
    await this.requireRoom(app, roomId);
    await this.store.removeUsers(app.appKey, kind, roomId, userIds);
  }

  async listUsers(app: App, kind: RoomUserListKind, roomId: string): Promise<string[]> {
    await this.requireRoom(app, roomId);
    return this.store.listUsers(app.appKey, kind, roomId);
  }

  addObjectNames(app: App, kind: ObjectNameKind, objectNames: readonly string[]): Promise<void> {
    return this.store.addObjectNames(app.appKey, kind, objectNames);
  }

  removeObjectNames(app: App, kind: ObjectNameKind, objectNames: readonly string[]): Promise<void> {
    return this.store.removeObjectNames(app.appKey, kind, objectNames);
  }

  listObjectNames(app: App, kind: ObjectNameKind): Promise<string[]> {
    return this.store.listObjectNames(app.appKey, kind);
  }

  // --- Attributes (KV) -----------------------------------------------------------

  /** Sets one attribute and tells the room (`RC:chrmKVNotiMsg` type 1). */
  async setEntry(app: App, roomId: string, userId: string, entry: EntryInput, notice: EntryNotice = {}): Promise<void> {
    checkNotice(notice);
    await this.setEntries(app, roomId, userId, [entry]);
    await this.notifyEntry(app, roomId, userId, 1, entry.key, entry.value, notice);
  }

  /** Sets several attributes owned by `userId` at once (all or none), telling the room of each. */
  async setEntries(app: App, roomId: string, userId: string, entries: readonly EntryInput[], notify = false): Promise<void> {
    const rows = entries.map((e) => ({ ...e, userId }));
    const result = await this.store.setEntries(app.appKey, roomId, rows, this.clock.now(), maxEntriesPerRoom);
    if (result === 'noRoom') throw new ParleyError('chatroomNotExist');
    if (result === 'full') throw new ParleyError('badParameter', `a chatroom holds at most ${maxEntriesPerRoom} attributes`);
    if (notify) for (const e of entries) await this.notifyEntry(app, roomId, userId, 1, e.key, e.value, {});
  }

  /** Removes one attribute (`chatroomKeyNotExist` when unset) and tells the room (type 2). */
  async removeEntry(app: App, roomId: string, userId: string, key: string, notice: EntryNotice = {}): Promise<void> {
    checkNotice(notice);
    await this.requireRoom(app, roomId);
    const removed = await this.store.removeEntry(app.appKey, roomId, key);
    if (!removed) throw new ParleyError('chatroomKeyNotExist');
    await this.notifyEntry(app, roomId, userId, 2, key, removed.value, notice);
  }

  async entries(app: App, roomId: string, keys?: readonly string[]): Promise<ChatroomEntry[]> {
    await this.requireRoom(app, roomId);
    return this.store.listEntries(app.appKey, roomId, keys);
  }

  /**
   * Call when `userId` has left the room (last session gone, or kicked): removes the
   * auto-delete attributes the user set and tells the room of each.
   */
  async userLeft(app: App, roomId: string, userId: string): Promise<void> {
    await this.dropAutoDeleteEntries(app, roomId, [userId]);
  }

  /**
   * An account deleted: its sessions leave every room, its limits and list entries go,
   * and the attributes it set last are removed with a notice to their rooms.
   */
  async forgetUser(app: App, userId: string): Promise<void> {
    for (const roomId of await this.members.rooms(app.appKey)) {
      const removed = await this.members.removeUser(app.appKey, roomId, userId);
      if (removed.length > 0) await this.hooks.onRemoved(app, roomId, removed);
    }
    for (const entry of await this.store.forgetUser(app.appKey, userId)) {
      await this.notifyEntry(app, entry.roomId, userId, 2, entry.key, entry.value, {});
    }
  }

  // --- Helpers -------------------------------------------------------------------

  private async requireRoom(app: App, roomId: string): Promise<ChatroomRow> {
    const [room] = await this.store.getRooms(app.appKey, [roomId]);
    if (!room) throw new ParleyError('chatroomNotExist');
    return room;
  }

  private addLimit(app: App, kind: LimitKind, roomId: string, userIds: readonly string[], minutes: number): Promise<void> {
    const now = this.clock.now();
    return this.store.addLimits(app.appKey, kind, roomId, userIds, now + minutes * 60_000, now);
  }

  private async dropAutoDeleteEntries(app: App, roomId: string, userIds: readonly string[]): Promise<void> {
    const removed = await this.store.removeAutoDeleteEntries(app.appKey, roomId, userIds);
    for (const entry of removed) await this.notifyEntry(app, roomId, entry.userId, 2, entry.key, entry.value, {});
  }

  /**
   * Always a `RC:chrmKVNotiMsg` `{type,key,value[,extra]}` so clients keep their copy in
   * step; the app's `content` rides along as `extra`. A different `objectName` with
   * `content` is sent as well, verbatim.
   */
  private async notifyEntry(app: App, roomId: string, userId: string, type: 1 | 2, key: string, value: string, notice: EntryNotice): Promise<void> {
    const extra = notice.content !== undefined && (notice.objectName ?? kvNoticeObjectName) === kvNoticeObjectName ? extraOf(notice.content) : undefined;
    const content = JSON.stringify({ type, key, value, ...(extra !== undefined && { extra }) });
    await this.hooks.notifyRoom(app, roomId, userId, kvNoticeObjectName, content);
    if (notice.objectName && notice.objectName !== kvNoticeObjectName && notice.content !== undefined) {
      await this.hooks.notifyRoom(app, roomId, userId, notice.objectName, notice.content);
    }
  }
}

/** An app-given notice is checked before the change it announces: a bad one refuses the change (1002), nothing written. */
function checkNotice(notice: EntryNotice): void {
  if (notice.objectName && notice.objectName !== kvNoticeObjectName && notice.content !== undefined) resolveMessage({ objectName: notice.objectName, content: notice.content });
}

/** The `extra` of an app-given notice: its JSON's `extra` field, or the text itself when not JSON. */
function extraOf(content: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return content;
  }
  if (!parsed || typeof parsed !== 'object') return content;
  if (!('extra' in parsed)) return undefined;
  const extra = parsed.extra;
  return typeof extra === 'string' ? extra : JSON.stringify(extra);
}
