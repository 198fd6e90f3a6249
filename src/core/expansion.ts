import { ParleyError } from '../errors.js';
import { privateConversationKey } from '../store/history.js';
import type { ExpandableMessage, ExtraContent, MessageExpansionStore } from '../store/message-expansion.js';
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import type { ConversationDelivery } from './conversation-delivery.js';
import type { DeliveryService } from './delivery.js';
import { conversationTypes } from '../model/message.js';
import { normalizeChannel } from './ultragroups.js';

/** RongCloud's limits on message expansion (SERVER-API.md §12). */
export const expansionLimits = { keysPerCall: 100, keysPerMessage: 300, keyLength: 32, valueLength: 4096, pageSize: 300 } as const;

const keyPattern = /^[A-Za-z0-9+=_-]+$/;

/** The signal that tells a conversation's devices a message's key/values changed. */
const noticeType = 'RC:MsgExMsg';

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
 * Message expansion (SERVER-API.md §12): key/values on a message kept in cloud history
 * and sent with `expansion`. A change is written atomically (its row locked), then announced
 * to the message's conversation with an `RC:MsgExMsg` signal; a refused change writes
 * and delivers nothing.
 */
export class ExpansionService {
  constructor(
    private readonly store: MessageExpansionStore,
    private readonly delivery: DeliveryService,
    private readonly conversations: ConversationDelivery,
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

  private async announce(change: ExpansionChange, content: string): Promise<void> {
    const { app, operatorId, conversation, syncSender } = change;
    const send = { app, origin: { kind: 'api' as const }, fromUserId: operatorId, objectName: noticeType, content: { content }, status: false };
    switch (conversation.conversationType) {
      case conversationTypes.private:
        // The conversation is (operator, target): the target is the other party.
        await this.delivery.send({ ...send, conversationType: conversationTypes.private, toUserIds: [conversation.targetId], echo: syncSender });
        return;
      case conversationTypes.group:
        await this.conversations.toGroups({ ...send, targetIds: [conversation.targetId], echo: syncSender, system: true });
        return;
      case conversationTypes.ultraGroup:
        await this.conversations.toUltraGroups({ ...send, targetIds: [conversation.targetId], busChannel: conversation.busChannel, echo: false, system: true });
    }
  }
}

/**
 * The key/values a message is sent with (`extraContent` with `expansion`), as stored:
 * held to the same rules as a later set; JSON text of `{"key":{"v","ts"}}`.
 */
export function initialExpansion(values: Readonly<Record<string, string>> | undefined, now: number): string {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return '{}';
  checkValues('extraContent', entries);
  return JSON.stringify(Object.fromEntries(entries.map(([key, v]) => [key, { v, ts: now }])));
}

function checkValues(field: string, entries: ReadonlyArray<readonly [string, string]>): void {
  checkKeys(field, entries.map(([key]) => key));
  const long = entries.find(([, value]) => value.length > expansionLimits.valueLength);
  if (long) throw new ParleyError('badParameter', `${field}: the value of "${long[0]}" is longer than ${expansionLimits.valueLength} characters`);
}

function checkKeys(field: string, keys: readonly string[]): void {
  if (keys.length === 0) throw new ParleyError('badParameter', `${field}: needs at least one key`);
  if (keys.length > expansionLimits.keysPerCall) throw new ParleyError('badParameter', `${field}: more than ${expansionLimits.keysPerCall} keys in one call`);
  const bad = keys.find((key) => key.length > expansionLimits.keyLength || !keyPattern.test(key));
  if (bad !== undefined) {
    throw new ParleyError('badParameter', `${field}: key "${bad}" must be 1–${expansionLimits.keyLength} letters, digits or + = - _`);
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
