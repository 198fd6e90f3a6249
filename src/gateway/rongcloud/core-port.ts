import type { App } from '../../core/apps.js';
import { catchUp, type Gap } from '../../core/catch-up.js';
import type { ChatroomService } from '../../core/chatrooms.js';
import type { ConversationListEntry } from '../../core/conversation-list.js';
import { readSyncTime } from '../../core/conversation-list.js';
import type { SendOrigin } from '../../core/delivery.js';
import type { ExpansionConversation, ExpansionService } from '../../core/expansion.js';
import { keepsHistory } from '../../core/history-policy.js';
import type { HistoryPage } from '../../core/history.js';
import { conversationTypes, type DeliveredMessage } from '../../core/message.js';
import { readSyncType } from '../../core/message-types.js';
import { recallCommand } from '../../core/recall.js';
import type { SessionService } from '../../core/sessions.js';
import type { AuthenticatedUser } from '../../core/users.js';
import { ParleyError } from '../../errors.js';
import type { GatewayDeps } from '../gateway.js';

/**
 * Every call the RongCloud gateway makes into Parley's core, in one place, so the
 * delivery core can change shape behind it without touching the protocol code. Each
 * method does what the same operation of Parley's own protocol does (src/gateway/
 * connection.ts): no delivery rule is decided here.
 */
export type Session = Parameters<SessionService['open']>[1];

export type CorePortDeps = Pick<
  GatewayDeps,
  'clock' | 'users' | 'permissions' | 'sessions' | 'delivery' | 'conversations' | 'history' | 'conversationList' | 'recalls' | 'chatrooms' | 'chatroomMembers' | 'inbox'
> & {
  expansion: Pick<ExpansionService, 'set' | 'remove'>;
  roomEntries: Pick<ChatroomService, 'entries' | 'setEntry' | 'removeEntry'>;
};

/** A device's send, as the RongCloud client describes it. */
export interface DeviceSend {
  conversationType: 1 | 3 | 4 | 10;
  targetId: string;
  objectName: string;
  content: string;
  /** Online devices only, never stored (typing state and other status messages). */
  status: boolean;
  pushContent?: string | undefined;
  pushData?: string | undefined;
  toUserIds?: readonly string[] | undefined;
  busChannel?: string | undefined;
  isPersisted?: boolean | undefined;
  isCounted?: boolean | undefined;
  /** Retries with the same id return the first result. */
  clientMessageId?: string | undefined;
  /** The message may carry key/values; these come with it. */
  expansion?: Readonly<Record<string, string>> | undefined;
}

export interface InboxPull {
  messages: DeliveredMessage[];
  /** The seq the device holds everything up to after this pull. */
  syncTime: number;
  gap?: Gap;
}

/** The content of an `RC:MsgExMsg` a device sends: the message and the keys set or deleted. */
interface ExpansionNotice {
  mid?: unknown;
  put?: unknown;
  del?: unknown;
}

const idempotencyMs = 86_400_000;

export class CorePort {
  constructor(private readonly deps: CorePortDeps) {}

  now(): number {
    return this.deps.clock.now();
  }

  /** Token and ban checks of a connecting device (`tokenIncorrect`, `userBanned`). */
  async authenticate(token: string, appKey: string): Promise<AuthenticatedUser> {
    const authenticated = await this.deps.users.authenticate(token, appKey);
    await this.deps.permissions.assertNotBanned(authenticated.app, authenticated.user.userId);
    return authenticated;
  }

  /** The user a token names when it is valid for `appKey`; undefined otherwise (no ban check: connect reports that). */
  async tokenUser(token: string, appKey: string): Promise<string | undefined> {
    try {
      return (await this.deps.users.authenticate(token, appKey)).user.userId;
    } catch {
      return undefined;
    }
  }

  async openSession(app: App, session: Session): Promise<void> {
    await this.deps.sessions.open(app, session);
  }

  async closeSession(app: App, session: Session): Promise<void> {
    await this.deps.sessions.close(app.appKey, session);
  }

  /**
   * The device holds every inbox entry up to `afterSeq` (acknowledged here); returns what
   * it is owed after that by the catch-up rules, in seq order, and the seq it then holds.
   */
  async pullInbox(app: App, session: Session, afterSeq: number): Promise<InboxPull> {
    const { inbox } = this.deps;
    if (afterSeq > 0) await inbox.ack(app.appKey, session.userId, session.deviceId, afterSeq);
    const messages: DeliveredMessage[] = [];
    const outcome = await catchUp(inbox, app, session.userId, { lastSeq: afterSeq }, this.now(), {
      onHead: () => undefined,
      emit: (batch) => messages.push(...batch),
    });
    return { messages, syncTime: outcome.settledUpTo, ...(outcome.gap && { gap: outcome.gap }) };
  }

  /** A device's send: a read position, an expansion change, or a message to deliver. */
  async send(app: App, session: Session, send: DeviceSend): Promise<{ messageUId: string; sentTime: number }> {
    const origin = this.origin(session);
    if (send.objectName === readSyncType) {
      return this.deps.conversationList.markRead(app, origin, session.userId, send, readSyncTime(send.content));
    }
    if (send.objectName === expansionNotice) return this.changeExpansion(app, session, send);
    if (send.objectName === recallCommand && keepsHistory(app, send.conversationType)) {
      throw new ParleyError('badParameter', 'objectName: RC:RcCmd is sent by the server; use recallMsg');
    }
    const common = {
      app,
      origin,
      fromUserId: session.userId,
      objectName: send.objectName,
      content: { content: send.content, pushContent: send.pushContent, pushData: send.pushData },
      echo: false,
      status: send.status,
      isPersisted: send.isPersisted,
      isCounted: send.isCounted,
      ...(send.expansion && { expansion: { initial: send.expansion } }),
      ...(send.clientMessageId && { idempotency: { key: `rc:${send.clientMessageId}`, ttlMs: idempotencyMs } }),
    };
    if (send.conversationType === conversationTypes.private) {
      const result = await this.deps.delivery.send({ ...common, conversationType: conversationTypes.private, toUserIds: [send.targetId], busChannel: send.busChannel });
      return { messageUId: result.messageUIDs[0]!.messageUID, sentTime: result.sentTime };
    }
    const many = { ...common, targetIds: [send.targetId], toUserIds: send.toUserIds, busChannel: send.busChannel };
    const { conversations } = this.deps;
    const result = await (send.conversationType === conversationTypes.group
      ? conversations.toGroups(many)
      : send.conversationType === conversationTypes.chatroom
        ? conversations.toChatrooms(many)
        : conversations.toUltraGroups(many));
    return { messageUId: result.messageUIDs[0]!.messageUID, sentTime: result.sentTime };
  }

  /** Recalls one of the user's own messages (the recall op of Parley's protocol). */
  async recall(app: App, session: Session, messageUId: string, flags: { isDelete: boolean; extra: string }): Promise<void> {
    await this.deps.recalls.recall({ app, origin: this.origin(session), fromUserId: session.userId, messageUId, isAdmin: false, ...flags });
  }

  history(app: App, userId: string, request: { conversationType: number; targetId: string; busChannel: string; before: number; limit: number }): Promise<HistoryPage> {
    return this.deps.history.page(app, userId, request);
  }

  conversations(app: App, userId: string, limit: number): Promise<ConversationListEntry[]> {
    return this.deps.conversationList.list(app, userId, limit);
  }

  async joinRoom(app: App, session: Session, roomId: string): Promise<void> {
    await this.deps.chatrooms.assertCanJoin(app, roomId, session.userId);
    await this.deps.chatroomMembers.join(app.appKey, roomId, { sessionId: session.sessionId, userId: session.userId, nodeId: session.nodeId, joinedAt: this.now() });
  }

  /** Leaves a room; when it was the user's last session there, the room learns the user left. */
  async leaveRoom(app: App, session: Session, roomId: string): Promise<void> {
    const members = this.deps.chatroomMembers;
    await members.leave(app.appKey, roomId, session.sessionId);
    const stillThere = (await members.sessions(app.appKey, roomId)).some((m) => m.userId === session.userId);
    if (!stillThere) await this.deps.chatrooms.userLeft(app, roomId, session.userId);
  }

  roomEntries(app: App, roomId: string) {
    return this.deps.roomEntries.entries(app, roomId);
  }

  async setRoomEntry(app: App, session: Session, roomId: string, entry: { key: string; value: string; autoDelete: boolean }, notice?: { objectName: string; content: string }): Promise<void> {
    await this.deps.roomEntries.setEntry(app, roomId, session.userId, entry, notice);
  }

  async removeRoomEntry(app: App, session: Session, roomId: string, key: string, notice?: { objectName: string; content: string }): Promise<void> {
    await this.deps.roomEntries.removeEntry(app, roomId, session.userId, key, notice);
  }

  /** `RC:MsgExMsg` from a device: `{ mid, put }` sets keys, `{ mid, del }` removes them. */
  private async changeExpansion(app: App, session: Session, send: DeviceSend): Promise<{ messageUId: string; sentTime: number }> {
    if (send.conversationType !== conversationTypes.private && send.conversationType !== conversationTypes.group) {
      throw new ParleyError('badParameter', 'conversationType: expansion of this conversation type is not supported');
    }
    let notice: ExpansionNotice;
    try {
      notice = JSON.parse(send.content) as ExpansionNotice;
    } catch {
      throw new ParleyError('badParameter', 'content: RC:MsgExMsg content is not JSON');
    }
    if (typeof notice.mid !== 'string') throw new ParleyError('badParameter', 'content: RC:MsgExMsg requires "mid"');
    const conversation: ExpansionConversation = { conversationType: send.conversationType, targetId: send.targetId };
    const change = { app, messageUId: notice.mid, operatorId: session.userId, conversation, syncSender: app.features.multiDeviceSync };
    if (isStringRecord(notice.put)) await this.deps.expansion.set(change, notice.put);
    else if (Array.isArray(notice.del) && notice.del.every((k) => typeof k === 'string')) await this.deps.expansion.remove(change, notice.del);
    else throw new ParleyError('badParameter', 'content: RC:MsgExMsg requires "put" (an object of strings) or "del" (a list of keys)');
    return { messageUId: notice.mid, sentTime: this.now() };
  }

  private origin(session: Session): SendOrigin {
    return { kind: 'client', sessionId: session.sessionId };
  }
}

/** The signal a device sends when it changes a message's key/values. */
const expansionNotice = 'RC:MsgExMsg';

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
