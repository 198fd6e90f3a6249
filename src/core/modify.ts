import { ParleyError } from '../errors.js';
import { privateConversationKey, type HistoryStore, type StoredMessage } from '../store/history.js';
import type { App } from './apps.js';
import type { ConversationDelivery } from './conversation-delivery.js';
import type { DeliveryService, SendRequest } from './delivery.js';
import { conversationTypes } from './message.js';
import { resolveMessage } from './message-types.js';
import { normalizeChannel } from './ultragroups.js';

/** The signal that tells a conversation's devices a message's content changed. */
export const modifyNotice = 'RC:MsgModify';

/** The conversation the app backend says the message is in, as its sender addressed it. */
export type ModifiedConversation =
  | { conversationType: typeof conversationTypes.private; targetId: string }
  | { conversationType: typeof conversationTypes.group; targetId: string }
  | { conversationType: typeof conversationTypes.ultraGroup; targetId: string; busChannel: string };

export interface ModifyRequest {
  app: App;
  /** The message's sender: only its own messages are modified. */
  fromUserId: string;
  messageUId: string;
  conversation: ModifiedConversation;
  content: string;
  /** When given, it must be the original's: a modification never changes the type. */
  objectName?: string | undefined;
  idempotency?: SendRequest['idempotency'];
}

/**
 * Message modification (`/message/private/modify.json`, `/message/group/modify.json`,
 * `/ultragroup/msg/modify.json`): the stored row of a message in cloud history takes the
 * new content (same type, checked like a send), then an `RC:MsgModify` signal goes to the
 * message's conversation and to the sender's other devices. A recalled message is not
 * modified (20116), not even by a modification racing the recall.
 */
export class ModifyService {
  constructor(
    private readonly history: HistoryStore,
    private readonly delivery: DeliveryService,
    private readonly conversations: ConversationDelivery,
  ) {}

  async modify(request: ModifyRequest): Promise<void> {
    await this.delivery.runOnceFor(request, async () => {
      await this.modifyNow(request);
      return true;
    });
  }

  private async modifyNow(request: ModifyRequest): Promise<void> {
    const { app, messageUId, content } = request;
    const row = await this.history.find(app.appKey, messageUId);
    if (!row || !isIn(row, request)) {
      throw new ParleyError('notFound', `no message ${messageUId} of ${request.fromUserId} in this conversation in cloud history (private and group messages are kept only when the app keeps their history)`);
    }
    if (row.recalled) throw new ParleyError('modifyUnsupported', 'a recalled message cannot be modified');
    if (request.objectName !== undefined && request.objectName !== row.objectName) {
      throw new ParleyError('modifyUnsupported', `objectName: the message is ${row.objectName}; a modification keeps the type`);
    }
    // The new content passes what a send of the type would (size, required fields).
    resolveMessage({ objectName: row.objectName, content });
    if (!(await this.history.modify(app.appKey, messageUId, content))) throw new ParleyError('modifyUnsupported', 'a recalled message cannot be modified');
    await this.announce(request, row);
  }

  private async announce(request: ModifyRequest, row: StoredMessage): Promise<void> {
    const { app, fromUserId, conversation } = request;
    const notice = JSON.stringify({
      messageUId: request.messageUId,
      conversationType: conversation.conversationType,
      targetId: conversation.targetId,
      sentTime: row.sentTime,
      objectName: row.objectName,
      content: request.content,
      ...(row.busChannel !== '' && { channelId: row.busChannel }),
    });
    // Like a recall: the server's signal about a message already delivered, not held to who may speak.
    const send = { app, origin: { kind: 'api' as const }, fromUserId, objectName: modifyNotice, content: { content: notice }, status: false, system: true };
    switch (conversation.conversationType) {
      case conversationTypes.private:
        await this.delivery.send({ ...send, conversationType: conversationTypes.private, toUserIds: [conversation.targetId], echo: true });
        return;
      case conversationTypes.group:
        await this.conversations.toGroups({ ...send, targetIds: [conversation.targetId], echo: true });
        return;
      case conversationTypes.ultraGroup:
        // The sender's other devices always get ultra group messages.
        await this.conversations.toUltraGroups({ ...send, targetIds: [conversation.targetId], busChannel: row.busChannel, echo: false });
    }
  }
}

function isIn(row: StoredMessage, { fromUserId, conversation }: ModifyRequest): boolean {
  if (row.fromUserId !== fromUserId || row.conversationType !== conversation.conversationType) return false;
  switch (conversation.conversationType) {
    case conversationTypes.private:
      return row.conversationKey === privateConversationKey(fromUserId, conversation.targetId);
    case conversationTypes.group:
      return row.conversationKey === conversation.targetId;
    case conversationTypes.ultraGroup:
      return row.conversationKey === conversation.targetId && row.busChannel === normalizeChannel(conversation.busChannel);
  }
}
