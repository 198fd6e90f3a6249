import { ParleyError } from '../errors.js';
import { privateConversationKey, type HistoryStore } from '../store/history.js';
import type { ChatroomMembers } from '../store/chatroom-members.js';
import type { UserStore } from '../store/users.js';
import type { App } from './apps.js';
import type { Clock } from './clock.js';
import type { GroupRules, UltraGroupRules } from './conversation-rules.js';
import { conversationTypes, type MessageView } from './message.js';
import { normalizeChannel } from './ultragroups.js';

export interface HistoryRequest {
  conversationType: number;
  targetId: string;
  busChannel: string;
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

/** A device's cloud history reads (PROTOCOL.md `history`), with who may read what. */
export class HistoryService {
  constructor(
    private readonly store: HistoryStore,
    private readonly users: UserStore,
    private readonly groups: GroupRules,
    private readonly ultraGroups: UltraGroupRules,
    private readonly roomMembers: ChatroomMembers,
    private readonly clock: Clock,
  ) {}

  async page(app: App, userId: string, request: HistoryRequest): Promise<HistoryPage> {
    request = { ...request, busChannel: normalizeChannel(request.busChannel) };
    const conversationKey = await this.conversationKey(app, userId, request);
    const before = request.cursor !== undefined ? decodeCursor(request.cursor) : { sentTime: request.before ?? this.clock.now() + 1, messageUId: '' };
    const rows = await this.store.page(app.appKey, {
      conversationType: request.conversationType,
      conversationKey,
      busChannel: request.busChannel,
      before,
      limit: request.limit + 1,
      hideUnechoedFrom: userId,
      notBefore: this.clock.now() - retentionDays(app, request.conversationType) * 86_400_000,
    });
    const page = rows.slice(0, request.limit);
    const senders = await this.users.getMany(app.appKey, [...new Set(page.map((r) => r.fromUserId))]);
    const messages = page.map((r): MessageView => ({
      messageUId: r.messageUId,
      conversationType: r.conversationType as MessageView['conversationType'],
      targetId: request.targetId,
      busChannel: r.busChannel,
      senderUserId: r.fromUserId,
      objectName: r.objectName,
      content: r.content,
      sentTime: r.sentTime,
      sender: { name: senders.get(r.fromUserId)?.name ?? '', portraitUri: senders.get(r.fromUserId)?.portraitUri ?? '' },
      pushContent: '',
      pushData: '',
      isStatus: false,
      isPersisted: true,
      isCounted: true,
      recalled: false,
    }));
    const last = page[page.length - 1];
    return { messages, hasMore: rows.length > request.limit, cursor: last ? encodeCursor(last.sentTime, last.messageUId) : (request.cursor ?? encodeCursor(before.sentTime, before.messageUId)) };
  }

  /** Who may read: the two users of a private chat, group members, the channel's audience. */
  private async conversationKey(app: App, userId: string, request: HistoryRequest): Promise<string> {
    switch (request.conversationType) {
      case conversationTypes.private:
      case conversationTypes.system:
        return privateConversationKey(userId, request.targetId);
      case conversationTypes.group:
        if (!(await this.groups.members(app, request.targetId)).includes(userId)) throw new ParleyError('notInGroup');
        return request.targetId;
      case conversationTypes.ultraGroup:
        if (!(await this.ultraGroups.audience(app, request.targetId, request.busChannel)).includes(userId)) throw new ParleyError('notInUltraGroup');
        return request.targetId;
      case conversationTypes.chatroom:
        if (!(await this.roomMembers.sessions(app.appKey, request.targetId)).some((m) => m.userId === userId)) throw new ParleyError('notInChatroom');
        return request.targetId;
      default:
        throw new ParleyError('badParameter', `conversationType ${request.conversationType} has no history`);
    }
  }
}

/** Retention per kind (ARCHITECTURE.md config); rows past it are not read even before they are deleted. */
function retentionDays(app: App, conversationType: number): number {
  const { historyPrivateGroupDays, historyChatroomDays, historyUltraGroupDays } = app.features;
  if (conversationType === conversationTypes.chatroom) return historyChatroomDays;
  if (conversationType === conversationTypes.ultraGroup) return historyUltraGroupDays;
  return historyPrivateGroupDays;
}

function encodeCursor(sentTime: number, messageUId: string): string {
  return Buffer.from(JSON.stringify([sentTime, messageUId])).toString('base64url');
}

function decodeCursor(cursor: string): { sentTime: number; messageUId: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') return { sentTime: value[0], messageUId: value[1] };
  } catch {
    // falls through to the refusal
  }
  throw new ParleyError('badParameter', 'cursor: not one this server gave');
}
