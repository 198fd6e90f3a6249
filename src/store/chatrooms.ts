import type { LimitKind, ObjectNameKind, RoomUserListKind } from '../model/chatroom.js';

/** A chatroom an app backend created (/chatroom/create, /chatroom/create_new). */
export interface ChatroomRow {
  roomId: string;
  name: string;
  /** Epoch ms. */
  createdAt: number;
  destroyType: number;
  /** Minutes. */
  destroyTime: number;
  /** Whole-room mute (/chatroom/ban/add). */
  muted: boolean;
  distributionStopped: boolean;
  keepAlive: boolean;
}

export interface NewChatroom {
  roomId: string;
  name: string;
  destroyType?: number;
  destroyTime?: number;
}

export interface NewRoomSettings {
  muted: boolean;
  muteWhitelist: readonly string[];
  entries: readonly Omit<ChatroomEntry, 'setAt'>[];
}

export type RoomFlag = 'muted' | 'distributionStopped' | 'keepAlive';

/** Everything the send and join rules need about one user in one room, read at once. */
export interface RoomStanding {
  blocked: boolean;
  gagged: boolean;
  banned: boolean;
  whitelisted: boolean;
  muteWhitelisted: boolean;
  roomMuted: boolean;
  /** The objectName asked about is on the app's chatroom message whitelist. */
  objectNameAllowed: boolean;
}

export interface ChatroomEntry {
  key: string;
  value: string;
  userId: string;
  autoDelete: boolean;
  /** Epoch ms. */
  setAt: number;
}

export type SetEntriesResult = 'ok' | 'noRoom' | 'full';

/**
 * What app backends set up for chatrooms (SQL, Postgres or PGlite). Adds are idempotent
 * upserts (a repeated limit takes the new end time); removes of absent rows are no-ops.
 * Times are epoch ms; a limit is in force while its end is after `now`.
 */
export interface ChatroomStore {
  /** Creates missing rooms; an existing room only takes the new name. */
  createRooms(appKey: string, rooms: readonly NewChatroom[], now: number): Promise<void>;
  /**
   * `/chatroom/create_new` in one transaction: the room (created, or an existing one taking
   * the new name, destroy settings and mute), its mute whitelist additions and attributes.
   * 'full' (nothing written at all) when the attributes would pass `maxKeys`.
   */
  createWith(appKey: string, room: NewChatroom, settings: NewRoomSettings, now: number, maxKeys: number): Promise<'ok' | 'full'>;
  /** The rooms among `roomIds` that exist, in `roomIds` order. */
  getRooms(appKey: string, roomIds: readonly string[]): Promise<ChatroomRow[]>;
  /**
   * Deletes the rooms with their limits, lists and attributes, in one transaction;
   * returns the ids that existed.
   */
  destroyRooms(appKey: string, roomIds: readonly string[]): Promise<string[]>;
  /** false when the room does not exist. */
  setDestroy(appKey: string, roomId: string, destroyType: number, destroyTime: number): Promise<boolean>;
  /** false when the room does not exist. */
  setFlag(appKey: string, roomId: string, flag: RoomFlag, value: boolean): Promise<boolean>;
  /** Ids of rooms with `flag` set, by id. */
  listFlagged(appKey: string, flag: RoomFlag, offset: number, limit: number): Promise<string[]>;

  addLimits(appKey: string, kind: LimitKind, roomId: string, userIds: readonly string[], endsAt: number, now: number): Promise<void>;
  removeLimits(appKey: string, kind: LimitKind, roomId: string, userIds: readonly string[]): Promise<void>;
  /** Limits in force at `now`, by user id. */
  listLimits(appKey: string, kind: LimitKind, roomId: string, now: number): Promise<Array<{ userId: string; endsAt: number }>>;

  addUsers(appKey: string, kind: RoomUserListKind, roomId: string, userIds: readonly string[]): Promise<void>;
  removeUsers(appKey: string, kind: RoomUserListKind, roomId: string, userIds: readonly string[]): Promise<void>;
  listUsers(appKey: string, kind: RoomUserListKind, roomId: string): Promise<string[]>;

  addObjectNames(appKey: string, kind: ObjectNameKind, objectNames: readonly string[]): Promise<void>;
  removeObjectNames(appKey: string, kind: ObjectNameKind, objectNames: readonly string[]): Promise<void>;
  listObjectNames(appKey: string, kind: ObjectNameKind): Promise<string[]>;

  /** `userId`'s standing in the room, in one query; undefined when the room does not exist. */
  standing(appKey: string, roomId: string, userId: string, objectName: string, now: number): Promise<RoomStanding | undefined>;

  /**
   * Upserts attributes in one transaction serialised per room: 'full' (nothing written)
   * when the room would then hold more than `maxKeys`; 'noRoom' when it does not exist.
   */
  setEntries(appKey: string, roomId: string, entries: readonly Omit<ChatroomEntry, 'setAt'>[], now: number, maxKeys: number): Promise<SetEntriesResult>;
  /** The removed entry, or undefined when the key was not set. */
  removeEntry(appKey: string, roomId: string, key: string): Promise<ChatroomEntry | undefined>;
  /** All of the room's entries, or those among `keys`, by key. */
  listEntries(appKey: string, roomId: string, keys?: readonly string[]): Promise<ChatroomEntry[]>;
  /** Removes the auto-delete entries last set by any of `userIds`; returns them. */
  removeAutoDeleteEntries(appKey: string, roomId: string, userIds: readonly string[]): Promise<ChatroomEntry[]>;
  /**
   * Removes every row of the user in every room, in one transaction (an account deleted):
   * its limits, list entries and the attributes it set last; returns those attributes.
   */
  forgetUser(appKey: string, userId: string): Promise<Array<ChatroomEntry & { roomId: string }>>;
}
