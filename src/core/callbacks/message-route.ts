import { conversationTypes } from '../../model/message.js';
import type { Platform } from '../../model/platform.js';
import type { Moderation } from './before-send.js';
import type { NewCallbackEvent } from '../../store/callback-events.js';
import type { MessageFlags } from '../message-types.js';
import { stampedMessageUId, type SendStamp } from '../message-uid.js';
import { expansionNoticeType } from '../expansion.js';
import { rongCloudChangeText } from '../expansion-rules.js';
import { recallCommand } from '../recall.js';
import type { PlannedMessage } from '../delivery/plan.js';
import { conversationTypeOf, type ConversationSend, type Origin } from '../delivery/send.js';

export type ConversationKind = ConversationSend['kind'];

/** RongCloud's `channelType` per kind of conversation (ultra groups: Parley's own name, docs/decisions.md). */
export const channelTypeOf: Readonly<Record<ConversationKind, string>> = {
  private: 'PERSON',
  system: 'NOTIFY',
  group: 'GROUP',
  chatroom: 'TEMPGROUP',
  ultraGroup: 'ULTRAGROUP',
};

/** RongCloud's `source`: the sending device's platform, or `Server` for the server API. */
const sources: Readonly<Record<Platform, string>> = {
  ios: 'iOS',
  android: 'Android',
  harmony: 'HarmonyOS',
  web: 'Websocket',
  desktop: 'PC',
  miniprogram: 'MiniProgram',
};

/** RongCloud's `sensitiveType`: none, held a blocking word (the message was refused), held a replaced word. */
const sensitiveTypes = { none: '0', blocked: '1', replaced: '2' } as const;

/** RongCloud's name of a platform, in `source` and the online-status `os`. */
export const sourceOfPlatform = (platform: Platform): string => sources[platform];

/** RongCloud's `source` (routing) and `os` (pre-send) of a send. */
export const sourceOf = (origin: Origin) => (origin.kind === 'device' ? sourceOfPlatform(origin.session.platform) : 'Server');

/** Whether the app's post-send routing takes a message of this send and flags; expansion changes always. */
function routes(send: ConversationSend, flags: Pick<MessageFlags, 'status'>): boolean {
  const route = send.app.callbacks?.messageRoute;
  if (!route) return false;
  if (isExpansionChange(send)) return true;
  if (send.origin.kind === 'api' && !route.includeServerApi) return false;
  return !flags.status || route.includeStatus;
}

const isExpansionChange = (send: ConversationSend) => send.notice === true && send.objectName === expansionNoticeType;

/** An expansion change's routing fields: the change in RongCloud's shape, and the message it changes. */
function expansionFields(content: string): { content: string; originalMsgUID: string } {
  const notice = JSON.parse(content) as { mid: string; put?: Record<string, string>; del?: string[] };
  return { content: rongCloudChangeText(notice.put ? { put: notice.put } : { del: notice.del ?? [] }), originalMsgUID: notice.mid };
}

/**
 * The post-send routing callbacks a send owes (docs/callbacks.md "Message routing"): one per
 * message, with RongCloud's form fields, written with the message at its commit point.
 */
export function routedMessages(send: ConversationSend, stamp: SendStamp, messages: readonly PlannedMessage[]): NewCallbackEvent[] {
  return messages
    .filter((m) => routes(send, m.prepared.flags))
    .map((m) =>
      routeEvent(send, stamp, {
        messageUId: m.messageUId,
        targetId: m.targetId,
        content: m.prepared.content.content,
        sensitiveType: m.prepared.wordsReplaced ? sensitiveTypes.replaced : sensitiveTypes.none,
        moderation: m.prepared.moderation,
      }),
    );
}

/**
 * The routing callbacks of a device's send refused for a blocking word (`includeBlocked`):
 * the ids it would have had, the content as sent, `sensitiveType` 1.
 */
export function blockedMessages(send: ConversationSend, stamp: SendStamp): NewCallbackEvent[] {
  const route = send.app.callbacks?.messageRoute;
  if (!route?.includeBlocked || send.origin.kind !== 'device') return [];
  return targetsOf(send).map((targetId, i) =>
    routeEvent(send, stamp, { messageUId: stampedMessageUId(stamp, i), targetId, content: send.content.content, sensitiveType: sensitiveTypes.blocked }),
  );
}

function routeEvent(
  send: ConversationSend,
  stamp: SendStamp,
  message: { messageUId: string; targetId: string; content: string; sensitiveType: string; moderation?: Moderation | undefined },
): NewCallbackEvent {
  const busChannel = 'busChannel' in send ? (send.busChannel ?? '') : '';
  const toUserIds = send.kind === 'group' || send.kind === 'ultraGroup' ? send.toUserIds : undefined;
  const time = String(stamp.sentTime);
  const expansion = isExpansionChange(send) ? expansionFields(message.content) : undefined;
  return {
    dedupeKey: `message:${message.messageUId}`,
    kind: send.objectName === recallCommand ? 'message.recalled' : 'message.routed',
    conversation: conversationOf(send.kind, send.fromUserId, message.targetId, busChannel),
    createdAt: stamp.sentTime,
    payload: {
      fromUserId: send.fromUserId,
      toUserId: message.targetId,
      objectName: send.objectName,
      content: expansion?.content ?? message.content,
      channelType: channelTypeOf[send.kind],
      msgTimestamp: time,
      timestamp: time,
      msgUID: message.messageUId,
      sensitiveType: message.sensitiveType,
      source: sourceOf(send.origin),
      // RongCloud renders the list bare, like `[543,567]` (docs/callbacks.md).
      groupUserIds: toUserIds && toUserIds.length > 0 ? `[${toUserIds.join(',')}]` : '',
      busChannel,
      ...(expansion && { originalMsgUID: expansion.originalMsgUID }),
      // Parley's own field: what the pre-send callback made of the message, when it was asked.
      ...(message.moderation && { moderation: message.moderation }),
    },
  };
}

/** The order key of a conversation: both sides of a one-to-one conversation share it. */
function conversationOf(kind: ConversationSend['kind'], fromUserId: string, targetId: string, busChannel: string): string {
  const type = conversationTypeOf[kind];
  if (type === conversationTypes.private || type === conversationTypes.system) {
    const [a, b] = [fromUserId, targetId].sort();
    return JSON.stringify([type, a, b]);
  }
  return JSON.stringify([type, targetId, busChannel]);
}

function targetsOf(send: ConversationSend): readonly string[] {
  switch (send.kind) {
    case 'private':
    case 'system':
      return send.toUserIds;
    case 'group':
    case 'ultraGroup':
      return send.groupIds;
    case 'chatroom':
      return send.roomIds;
  }
}
