import { ParleyError } from '../errors.js';
import type { Clock } from '../model/clock.js';
import { conversationTypes } from '../model/message.js';
import { privateConversationKey, type HistoryStore, type StoredMessage } from '../store/history.js';
import type { OnceStore } from '../store/once.js';
import type { App } from './apps.js';
import type { Deliverer } from './delivery/deliver.js';
import { runOnce } from './delivery/once.js';
import { targetOf, type Send } from './delivery/send.js';
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
  idempotency?: Send['idempotency'];
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
    private readonly deliverer: Pick<Deliverer, 'deliver'>,
    private readonly once: OnceStore,
    private readonly clock: Clock,
    private readonly onError: (err: unknown, what: string) => void,
  ) {}

  /**
   * With an idempotency key, a retry gets the first answer and changes nothing: a retried
   * modification that came after a later one must not put the older content back.
   */
  async modify(request: ModifyRequest): Promise<void> {
    const { app, fromUserId, idempotency } = request;
    if (!idempotency) return this.modifyNow(request);
    await runOnce(this.once, `${app.appKey}:${fromUserId}:${idempotency.key}`, idempotency.ttlMs, () => this.clock.now(), '', async () => {
      await this.modifyNow(request);
      return true;
    }, (err) => this.onError(err, 'could not record a modification for its retries'));
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
    // Like a recall: the server's notice about a message already delivered, not held to who
    // may speak now. The sender's devices get it (ultra group messages reach them anyway).
    await this.deliverer.deliver({
      ...targetOf({ conversationType: conversation.conversationType, targetId: conversation.targetId, busChannel: row.busChannel }),
      app,
      origin: { kind: 'api', echo: conversation.conversationType !== conversationTypes.ultraGroup },
      fromUserId,
      objectName: modifyNotice,
      content: { content: notice },
      notice: true,
      // An attempt that failed after its notice was committed sends it once on retry.
      ...(request.idempotency && { idempotency: { key: `${request.idempotency.key}:notice`, ttlMs: request.idempotency.ttlMs } }),
    });
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
