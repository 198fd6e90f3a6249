import { ParleyError } from '../errors.js';
import type { ConversationStore } from '../store/conversations.js';
import type { HistoryStore, SequencedMessage, StoredMessage } from '../store/history.js';
import type { UserStore } from '../store/users.js';
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import { conversationRef, type ConversationAccess, type ConversationName } from './conversation-access.js';
import { keepsHistory, retentionCutoff } from './history-policy.js';
import { conversationTypes, type MessageView } from '../model/message.js';
import { isMessageUId } from './message-uid.js';

/** A group message with its sequence number (Tencent IM's MsgSeq), as `groupBySeq` reads it. */
export type { SequencedMessage };

export interface HistoryRequest extends ConversationName {
  /** Ms; newest first from here (default now). Ignored with a cursor. */
  before?: number | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface HistoryPage {
  messages: MessageView[];
  hasMore: boolean;
  /** Pass back to get the next (older) page; paging never skips or repeats. */
  cursor: string;
}

/** The app backend's time-range read of one user's conversation (`/v3/message/{kind}/query`). */
export interface HistoryRangeRequest extends ConversationName {
  userId: string;
  startTime: number;
  endTime: number;
  includeStart: boolean;
  pageSize: number;
}

/** Cloud history reads (docs/protocol.md `history`, docs/server-api.md "Recall and history") and clears, with who may read what. */
export class HistoryService {
  constructor(
    private readonly store: HistoryStore,
    private readonly conversations: ConversationStore,
    private readonly users: UserStore,
    private readonly access: ConversationAccess,
    private readonly clock: Clock,
  ) {}

  /** A device's page, newest first. */
  async page(app: App, userId: string, request: HistoryRequest): Promise<HistoryPage> {
    const ref = await this.access.refFor(app, userId, request);
    assertKept(app, ref.conversationType);
    const before = request.cursor !== undefined ? decodeCursor(request.cursor) : { sentTime: request.before ?? this.clock.now() + 1, messageUId: '' };
    const rows = await this.store.page(app.appKey, {
      ...ref,
      before,
      limit: request.limit + 1,
      hideUnechoedFrom: userId,
      notBefore: await this.notBefore(app, userId, ref),
    });
    const page = rows.slice(0, request.limit);
    const last = page[page.length - 1];
    return {
      messages: await this.views(app, page.map((row) => ({ row, targetId: ref.targetId }))),
      hasMore: rows.length > request.limit,
      cursor: last ? encodeCursor(last.sentTime, last.messageUId) : (request.cursor ?? encodeCursor(before.sentTime, before.messageUId)),
    };
  }

  /** The app backend's read: oldest first within the range, as `userId` sees the conversation. */
  async range(app: App, request: HistoryRangeRequest): Promise<StoredMessage[]> {
    if (request.startTime > request.endTime) throw new ParleyError('badParameter', 'startTime: after endTime');
    const ref = conversationRef(request.userId, request);
    assertKept(app, ref.conversationType);
    return this.store.range(app.appKey, {
      ...ref,
      from: request.startTime,
      includeFrom: request.includeStart,
      until: request.endTime,
      limit: request.pageSize,
      hideUnechoedFrom: request.userId,
      notBefore: await this.notBefore(app, request.userId, ref),
    });
  }

  /**
   * A group's history by sequence number (Tencent IM's `group_msg_get_simple`): the numbers
   * `from`…`to`, `to` being `maxSeq` or the newest, at most `count` of them, and the rows
   * among them still kept (retention applies); a number without its row is a hole the
   * caller shows as such. Every message is read as the group has it, whoever sent it.
   */
  async groupBySeq(app: App, groupId: string, request: { maxSeq?: number | undefined; count: number }): Promise<{ from: number; to: number; rows: SequencedMessage[] }> {
    assertKept(app, conversationTypes.group);
    const latest = await this.store.groupSeqs.latest(app.appKey, groupId);
    const to = Math.min(request.maxSeq ?? latest, latest);
    const from = Math.max(1, to - request.count + 1);
    if (to < from) return { from, to, rows: [] };
    const cutoff = retentionCutoff(app, conversationTypes.group, this.clock.now());
    const rows = await this.store.groupSeqs.range(app.appKey, groupId, from, to);
    return { from, to, rows: rows.filter((row) => row.sentTime >= cutoff) };
  }

  /** A group message's sequence number, undefined for one not stored (online-only, or history off). */
  groupSeqOf(app: App, messageUId: string, sentTime: number): Promise<number | undefined> {
    return this.store.groupSeqs.of(app.appKey, messageUId, sentTime);
  }

  /**
   * `/conversation/message/history/clean`: a private, system or group conversation is
   * cleared for `userId` only (the others keep theirs); a chatroom's history is shared,
   * so its rows are deleted. `before` omitted: everything up to now.
   */
  async clean(app: App, request: ConversationName & { userId: string; before?: number | undefined }): Promise<void> {
    const ref = conversationRef(request.userId, request);
    // Never past now: a clear only moves forward, so a future one would hide later messages for good.
    const before = Math.min(request.before ?? Number.MAX_SAFE_INTEGER, this.clock.now() + 1);
    if (ref.conversationType === conversationTypes.chatroom) await this.store.deleteBefore(app.appKey, ref, before);
    else await this.conversations.clear(app.appKey, request.userId, ref, before);
  }

  /** Rows as a user sees them: the conversation named from that user's side, the senders' profiles. */
  async views(app: App, rows: ReadonlyArray<{ row: StoredMessage; targetId: string }>): Promise<MessageView[]> {
    const senders = await this.users.getMany(app.appKey, [...new Set(rows.map(({ row }) => row.fromUserId))]);
    return rows.map(({ row, targetId }): MessageView => ({
      messageUId: row.messageUId,
      conversationType: row.conversationType as MessageView['conversationType'],
      targetId,
      busChannel: row.busChannel,
      senderUserId: row.fromUserId,
      objectName: row.objectName,
      content: row.content,
      sentTime: row.sentTime,
      sender: { name: senders.get(row.fromUserId)?.name ?? '', portraitUri: senders.get(row.fromUserId)?.portraitUri ?? '' },
      pushContent: '',
      pushData: '',
      isStatus: false,
      isPersisted: true,
      isCounted: row.counted,
      recalled: row.recalled,
    }));
  }

  /** The oldest time `userId` may still read in the conversation: retention, or the user's own clear. */
  private async notBefore(app: App, userId: string, ref: Parameters<ConversationStore['state']>[2]): Promise<number> {
    const cutoff = retentionCutoff(app, ref.conversationType, this.clock.now());
    if (ref.conversationType === conversationTypes.chatroom) return cutoff;
    return Math.max(cutoff, (await this.conversations.state(app.appKey, userId, ref)).clearedBefore);
  }
}

function assertKept(app: App, conversationType: number): void {
  if (!keepsHistory(app, conversationType)) throw new ParleyError('historyDisabled');
}

function encodeCursor(sentTime: number, messageUId: string): string {
  return Buffer.from(JSON.stringify([sentTime, messageUId])).toString('base64url');
}

function decodeCursor(cursor: string): { sentTime: number; messageUId: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Only the shape encodeCursor writes: anything else (a float, a time past bigint, a
    // string that is no message id) would reach SQL and fail there as an internal error.
    if (Array.isArray(value) && value.length === 2) {
      const [sentTime, messageUId] = value as [unknown, unknown];
      if (typeof sentTime === 'number' && Number.isSafeInteger(sentTime) && sentTime >= 0 && typeof messageUId === 'string' && (messageUId === '' || isMessageUId(messageUId))) {
        return { sentTime, messageUId };
      }
    }
  } catch {
    // falls through to the refusal
  }
  throw new ParleyError('badParameter', 'cursor: not one this server gave');
}
