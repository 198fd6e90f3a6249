import { ParleyError } from '../errors.js';
import { privateConversationKey } from '../store/history.js';
import type { ExpandableMessage, ExtraContent, MessageExpansionStore } from '../store/message-expansion.js';

/** A message's expansion as the core answers it: key → value and when it was set. */
export type { ExtraContent };
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import type { Deliverer } from './delivery/deliver.js';
import { conversationTypes } from '../model/message.js';
import type { BeforeSendCallback } from './callbacks/before-send.js';
import type { Origin } from './delivery/send.js';
import { checkKeys, checkValues, expansionLimits, parseRongCloudChange, rongCloudChangeText, type KeyValueChange } from './expansion-rules.js';
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
  /** Who asks: an ultra group's change is put to the app's pre-send callback like a message. */
  origin: Origin;
}

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
    private readonly beforeSend: Pick<BeforeSendCallback, 'applies' | 'moderate'>,
    private readonly clock: Clock,
  ) {}

  async set(change: ExpansionChange, values: Readonly<Record<string, string>>): Promise<void> {
    checkValues('extraKeyVal', Object.entries(values));
    await this.locate(change.app, change.messageUId, (message) => isIn(message, change));
    await this.edit(change, await this.moderated(change, { put: values }));
  }

  async remove(change: ExpansionChange, keys: readonly string[]): Promise<void> {
    checkKeys('extraKey', keys);
    await this.locate(change.app, change.messageUId, (message) => isIn(message, change));
    await this.edit(change, await this.moderated(change, { del: keys }));
  }

  /**
   * An ultra group's change as the app's pre-send callback leaves it (docs/callbacks.md
   * "Pre-send moderation"): asked in RongCloud's RC:MsgExMsg shape; refused (21501) or
   * replaced before anything is written. Other conversations' changes are not asked.
   */
  private async moderated(change: ExpansionChange, keyValues: KeyValueChange): Promise<KeyValueChange> {
    const { app, conversation, origin } = change;
    if (conversation.conversationType !== conversationTypes.ultraGroup || !this.beforeSend.applies(app, origin, false)) return keyValues;
    const moderated = await this.beforeSend.moderate({
      app,
      origin,
      kind: 'ultraGroup',
      fromUserId: change.operatorId,
      targetId: conversation.targetId,
      toUserIds: [],
      objectName: expansionNoticeType,
      content: { content: rongCloudChangeText(keyValues) },
      expansion: undefined,
      originalMessageUId: change.messageUId,
      messageUId: '',
      sentTime: this.clock.now(),
      busChannel: normalizeChannel(conversation.busChannel),
      disablePush: true,
    });
    if (moderated.moderation !== 'replaced') return keyValues;
    const replaced = parseRongCloudChange(moderated.content.content);
    if ('put' in replaced) checkValues('replaceContent', Object.entries(replaced.put));
    else checkKeys('replaceContent', replaced.del);
    return replaced;
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

  private async edit(change: ExpansionChange, notice: KeyValueChange): Promise<void> {
    const ts = this.clock.now();
    const put: ExtraContent = 'put' in notice ? Object.fromEntries(Object.entries(notice.put).map(([key, v]) => [key, { v, ts }])) : {};
    const remove = 'del' in notice ? notice.del : [];
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
