import { ParleyError } from '../errors.js';
import { privateConversationKey } from '../store/history.js';
import type { ExpandableMessage, ExtraContent, MessageExpansionStore } from '../store/message-expansion.js';
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import type { Deliverer } from './delivery/deliver.js';
import { conversationTypes } from '../model/message.js';
import { checkKeys, checkValues, expansionLimits } from './expansion-rules.js';
import { normalizeChannel } from './ultragroups.js';

/** The signal that tells a conversation's devices a message's key/values changed: content `{mid, put}` or `{mid, del: [keys]}`. */
export const expansionNoticeType = 'RC:MsgExMsg';

/** The conversation a caller says the message is in. */
export type ExpansionConversation =
  | { conversationType: typeof conversationTypes.private | typeof conversationTypes.group; targetId: string }
  | { conversationType: typeof conversationTypes.ultraGroup; targetId: string; busChannel: string };

export interface ExpansionChange {
  app: App;
  messageUId: string;
  /** Who changes it; a private conversation is (operatorId, targetId). */
  operatorId: string;
  conversation: ExpansionConversation;
  /** The operator's own devices get the notice too (private and group; ultra groups always do). */
  syncSender: boolean;
}

/** What the notice tells devices: the keys set (with their values) or the keys deleted. */
type Notice = { put: Readonly<Record<string, string>> } | { del: readonly string[] };

/**
 * Message expansion (docs/server-api.md "Message expansion"): key/values on a message kept in cloud history
 * and sent with `expansion`. A change is written atomically (its row locked), then announced
 * to the message's conversation with an `RC:MsgExMsg` signal; a refused change writes
 * and delivers nothing.
 */
export class ExpansionService {
  constructor(
    private readonly store: MessageExpansionStore,
    private readonly deliverer: Pick<Deliverer, 'deliver'>,
    private readonly clock: Clock,
  ) {}

  async set(change: ExpansionChange, values: Readonly<Record<string, string>>): Promise<void> {
    const entries = Object.entries(values);
    checkValues('extraKeyVal', entries);
    await this.locate(change.app, change.messageUId, (message) => isIn(message, change));
    const ts = this.clock.now();
    const put: ExtraContent = Object.fromEntries(entries.map(([key, v]) => [key, { v, ts }]));
    await this.edit(change, put, [], { put: values });
  }

  async remove(change: ExpansionChange, keys: readonly string[]): Promise<void> {
    checkKeys('extraKey', keys);
    await this.locate(change.app, change.messageUId, (message) => isIn(message, change));
    await this.edit(change, {}, keys, { del: keys });
  }

  /**
   * One page (`expansionLimits.pageSize` keys, oldest change first) of a message's
   * key/values. An ultra group caller names the group and channel, which must match.
   */
  async query(app: App, messageUId: string, pageNo: number, ultraGroup?: { groupId: string; busChannel: string }): Promise<ExtraContent> {
    const where = ultraGroup && { conversationType: conversationTypes.ultraGroup, targetId: ultraGroup.groupId, busChannel: ultraGroup.busChannel };
    // No operator: only a private conversation is named by one, and a query never names those.
    const message = await this.locate(app, messageUId, (m) => !where || isIn(m, { operatorId: '', conversation: where }));
    const { pageSize } = expansionLimits;
    const entries = Object.entries(message.extraContent).sort(([keyA, a], [keyB, b]) => a.ts - b.ts || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0));
    return Object.fromEntries(entries.slice((pageNo - 1) * pageSize, pageNo * pageSize));
  }

  private async locate(app: App, messageUId: string, belongs: (message: ExpandableMessage) => boolean): Promise<ExpandableMessage> {
    const message = await this.store.find(app.appKey, messageUId);
    if (!message) throw missing(messageUId);
    if (!belongs(message)) throw new ParleyError('notFound', `message ${messageUId} is not in the conversation given`);
    if (!message.expansion) throw new ParleyError('badParameter', `message ${messageUId} was not sent with expansion`);
    return message;
  }

  private async edit(change: ExpansionChange, put: ExtraContent, remove: readonly string[], notice: Notice): Promise<void> {
    const result = await this.store.edit(change.app.appKey, change.messageUId, { put, remove, maxKeys: expansionLimits.keysPerMessage });
    if (result === 'missing') throw missing(change.messageUId);
    if (result === 'tooManyKeys') throw new ParleyError('badParameter', `a message holds at most ${expansionLimits.keysPerMessage} expansion keys`);
    await this.announce(change, JSON.stringify({ mid: change.messageUId, ...notice }));
  }

  /** A notice of the server to the message's conversation: not held to who may speak now. */
  private async announce(change: ExpansionChange, content: string): Promise<void> {
    const { app, operatorId, conversation, syncSender } = change;
    const common = { app, origin: { kind: 'api' as const, echo: syncSender }, fromUserId: operatorId, objectName: expansionNoticeType, content: { content }, notice: true };
    switch (conversation.conversationType) {
      case conversationTypes.private:
        // The conversation is (operator, target): the target is the other party.
        await this.deliverer.deliver({ ...common, kind: 'private', toUserIds: [conversation.targetId] });
        return;
      case conversationTypes.group:
        await this.deliverer.deliver({ ...common, kind: 'group', groupIds: [conversation.targetId] });
        return;
      case conversationTypes.ultraGroup:
        await this.deliverer.deliver({ ...common, kind: 'ultraGroup', groupIds: [conversation.targetId], busChannel: conversation.busChannel });
    }
  }
}

function isIn(message: ExpandableMessage, { operatorId, conversation }: Pick<ExpansionChange, 'operatorId' | 'conversation'>): boolean {
  if (message.conversationType !== conversation.conversationType) return false;
  switch (conversation.conversationType) {
    case conversationTypes.private:
      return message.conversationKey === privateConversationKey(operatorId, conversation.targetId);
    case conversationTypes.group:
      return message.conversationKey === conversation.targetId;
    case conversationTypes.ultraGroup:
      return message.conversationKey === conversation.targetId && message.busChannel === normalizeChannel(conversation.busChannel);
  }
}

const missing = (messageUId: string) =>
  new ParleyError('notFound', `no message ${messageUId} in cloud history (private and group messages are kept only when the app keeps their history)`);
