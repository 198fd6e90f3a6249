import type { Logger } from 'pino';
import type { DeviceSession } from '../../core/device-session.js';
import { ParleyError } from '../../errors.js';
import type { LiveEntries } from './live-entries.js';
import { toDownStream, toRelation } from './messages.js';
import { decodeMessage, encodeMessage, type MessageName, type Messages } from './schema.js';
import type { RongCloudServices } from './services.js';
import { historyTopics } from './topics.js';
import type { UltraGroupFeed } from './ultra-group-feed.js';

/** What a query handler may use of its connection. */
export interface QueryContext {
  session: DeviceSession;
  services: RongCloudServices;
  log: Logger;
  /** Ultra-group messages pushed to this session, until the SDK pulls them. */
  ultraGroups: UltraGroupFeed;
  /** Inbox entries one pull answers at most; the SDK pulls again while the answer is not `finished`. */
  pullPageSize: number;
  /** The SDK is pulling its inbox: a new entry needs a new notice. */
  pulling(): void;
  /** Inbox entries pushed live since the last pull, which may answer the next one. */
  liveEntries: LiveEntries;
  /** The SDK holds every inbox entry up to this seq (acked soon, once per burst). */
  holds(seq: number): void;
}

export interface Query {
  topic: string;
  targetId: string;
  payload: Uint8Array;
}

/** A payload that does not decode: the connection is closed (it breaks the protocol). */
export class UndecodablePayload extends Error {}

/** Answers one query with its protobuf answer; a refusal is thrown as a ParleyError. */
type QueryHandler = (c: QueryContext, query: Query) => Promise<Uint8Array>;

const historyPageMax = 100;
const conversationListMax = 1000;
/** `ChrmKVEntity.status` bits the SDK sets. */
const kvAutoDelete = 1;

function read<N extends MessageName>(name: N, payload: Uint8Array): Messages[N] {
  const decoded = decodeMessage(name, payload);
  if (!decoded.ok) throw new UndecodablePayload(decoded.reason);
  return decoded.value;
}

const pullInbox: QueryHandler = async (c, { payload }) => {
  const request = read('SyncRequestMsg', payload);
  c.pulling();
  // The SDK holds every entry up to its syncTime (Parley's seq).
  c.holds(request.syncTime);
  const pull = c.liveEntries.answer(request.syncTime) ?? (await c.session.pull(request.syncTime, c.pullPageSize));
  c.liveEntries.pulled(pull.syncedUpTo);
  if (pull.gap) c.log.info({ gap: pull.gap }, 'inbox entries owed to the device no longer exist');
  const userId = c.session.info.userId;
  return encodeMessage('DownStreamMessages', {
    list: pull.messages.map(({ message }) => toDownStream(message.view, userId)),
    syncTime: pull.syncedUpTo,
    finished: !pull.more,
    // The SDK does not read these; they name the part of the stream known complete.
    ...(pull.gap && { credibleStartTime: pull.gap.toSeq + 1, credibleEndTime: pull.syncedUpTo }),
  });
};

const history: QueryHandler = async (c, { topic, payload }) => {
  const request = read('HistoryMsgInput', payload);
  // Newer-than reads (order 1) have no matching history read in the core yet.
  if (request.order === 1) throw new ParleyError('badParameter', 'order: reading newer messages is not supported');
  const limit = Math.min(Math.max(request.count ?? 20, 1), historyPageMax);
  const before = request.time && request.time > 0 ? request.time : c.services.clock.now() + 1;
  const page = await c.session.history({
    conversationType: historyTopics[topic]!,
    targetId: request.targetId ?? '',
    busChannel: request.busChannel ?? '',
    before,
    limit,
  });
  const userId = c.session.info.userId;
  return encodeMessage('HistoryMsgOuput', {
    list: page.messages.map((m) => toDownStream(m, userId)),
    syncTime: page.messages.at(-1)?.sentTime ?? 0,
    hasMsg: page.hasMore ? 1 : 0,
  });
};

/** The server's conversation list, newest first; `startTime` pages older (order 0) or newer (1). */
const conversations: QueryHandler = async (c, { payload }) => {
  const request = read('RelationQryInput', payload);
  const count = Math.min(Math.max(request.count ?? 100, 1), conversationListMax);
  const start = request.startTime ?? 0;
  const all = await c.session.conversations(conversationListMax);
  const inRange = all.filter((e) => start === 0 || (request.order === 1 ? e.latestMessage.sentTime > start : e.latestMessage.sentTime < start));
  const page = request.order === 1 ? inRange.reverse().slice(0, count) : inRange.slice(0, count);
  const userId = c.session.info.userId;
  return encodeMessage('RelationsOutput', { info: page.map((e) => toRelation(e, userId)), isFinished: page.length === inRange.length });
};

const joinRoom: QueryHandler = async (c, { targetId, payload }) => {
  read('ChrmInput', payload);
  await c.session.joinRoom(targetId);
  return encodeMessage('ChrmOutput', { nothing: 1, joinTime: c.services.clock.now() });
};

const leaveRoom: QueryHandler = async (c, { targetId, payload }) => {
  read('ChrmInput', payload);
  await c.session.leaveRoom(targetId);
  return encodeMessage('ChrmOutput', { nothing: 1 });
};

/**
 * Room messages reach the session as they are sent (`s_msg`), and Parley keeps no
 * per-session backlog of a room, so the SDK's pull after joining finds nothing more.
 */
const pullRoom: QueryHandler = async (c, { targetId, payload }) => {
  const request = read('ChrmPullMsg', payload);
  if (!c.session.inRoom(targetId)) throw new ParleyError('notInChatroom');
  return encodeMessage('ChrmDownStreamMessages', { list: [], syncTime: Math.max(request.syncTime, c.services.clock.now()) });
};

const roomEntries: QueryHandler = async (c, { targetId, payload }) => {
  const request = read('QueryChrmKV', payload);
  const entries = await c.services.roomEntries.entries(c.session.app, targetId);
  return encodeMessage('ChrmKVOutput', {
    entries: entries.map((e) => ({ key: e.key, value: e.value, status: e.autoDelete ? kvAutoDelete : 0, timestamp: e.setAt, uid: e.userId, version: e.setAt })),
    bFullUpdate: true,
    // The SDK refuses a version that goes back (a removal lowers the newest setAt).
    syncTime: Math.max(request.timestamp, c.services.clock.now()),
  });
};

const setRoomEntry: QueryHandler = async (c, { targetId, payload }) => {
  const { entry } = read('SetChrmKV', payload);
  const { app, info } = c.session;
  await c.services.roomEntries.setEntry(app, targetId, info.userId, { key: entry.key, value: entry.value, autoDelete: ((entry.status ?? 0) & kvAutoDelete) !== 0 });
  return new Uint8Array(0);
};

const removeRoomEntry: QueryHandler = async (c, { targetId, payload }) => {
  const { entry } = read('SetChrmKV', payload);
  await c.services.roomEntries.removeEntry(c.session.app, targetId, c.session.info.userId, entry.key);
  return new Uint8Array(0);
};

const pullUltraGroups: QueryHandler = async (c, { payload }) => {
  const request = read('UltraGrpPullMsg', payload);
  const { messages, syncTime } = c.ultraGroups.after(request.syncTime);
  const userId = c.session.info.userId;
  return encodeMessage('DownStreamMessages', { list: messages.map((m) => toDownStream(m.view, userId)), syncTime, finished: true });
};

/** The SDK's ultra-group conversation sync: Parley keeps none per user (devices read by channel). */
const pullUltraGroupConversations: QueryHandler = async (_c, { payload }) => {
  read('UltraGrpPullSes', payload);
  return encodeMessage('RelationsOutput', { info: [], isFinished: true });
};

/** Every query topic Parley answers (docs/rongcloud-client-protocol.md §7). */
export const queryHandlers: Readonly<Record<string, QueryHandler>> = {
  pullMsg: pullInbox,
  ...Object.fromEntries(Object.keys(historyTopics).map((topic) => [topic, history])),
  qryRelationR: conversations,
  qryRelation: conversations,
  joinChrm: joinRoom,
  joinChrmR: joinRoom,
  exitChrm: leaveRoom,
  chrmPull: pullRoom,
  pullKV: roomEntries,
  setKV: setRoomEntry,
  delKV: removeRoomEntry,
  pullUgMsg: pullUltraGroups,
  pullUgSes: pullUltraGroupConversations,
};
