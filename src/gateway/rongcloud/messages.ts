import type { ConversationListEntry } from '../../core/conversation-list.js';
import type { DeviceSend } from '../../core/device-session.js';
import { conversationTypes, type MessageView } from '../../model/message.js';
import type { DownStreamMessage, RelationInfo, UpStreamMessage } from './schema.js';

/** `UpStreamMessage.sessionId` bits (docs/rongcloud-client-protocol.md §6). */
const upFlags = { persisted: 1, counted: 2, expansion: 64 } as const;
/** `DownStreamMessage.status` bits. */
const downFlags = { persisted: 16, counted: 32 } as const;
/** `DownStreamMessage.extStatus` bit of a status message. */
const statusMessageBit = 64;
const direction = { sent: 1, received: 2 } as const;

/** Conversation kinds whose `fromUserId` is the sender and `groupId` the conversation. */
const manyMemberTypes: ReadonlySet<number> = new Set([conversationTypes.group, conversationTypes.chatroom, conversationTypes.ultraGroup]);

/** A message as `userId` receives it, in RongCloud's downstream form. */
export function toDownStream(message: MessageView, userId: string): DownStreamMessage {
  const many = manyMemberTypes.has(message.conversationType);
  const status = (message.isPersisted ? downFlags.persisted : 0) | (message.isCounted ? downFlags.counted : 0);
  return {
    // One-to-one kinds name the other user here, also on the user's own messages.
    fromUserId: many ? message.senderUserId : message.targetId,
    type: message.conversationType,
    ...(many && { groupId: message.targetId }),
    classname: message.objectName,
    content: message.content,
    dataTime: message.sentTime,
    status,
    msgId: message.messageUId,
    direction: message.senderUserId === userId ? direction.sent : direction.received,
    ...(message.pushContent && { pushContent: message.pushContent }),
    ...(message.busChannel && { busChannel: message.busChannel }),
    ...(message.isStatus && { extStatus: statusMessageBit }),
  };
}

/** The kind of conversation a send topic carries, and whether its messages are status messages. */
export interface SendTopic {
  conversationType: 1 | 3 | 4 | 10;
  status: boolean;
}

/** What a device asks to send, from the topic's conversation kind and the upstream message. */
export function fromUpStream(topic: SendTopic, targetId: string, up: UpStreamMessage): DeviceSend | string {
  let initial: Record<string, string> | undefined;
  if (up.sessionId & upFlags.expansion && up.extraContent) {
    try {
      initial = JSON.parse(up.extraContent) as Record<string, string>;
    } catch {
      return 'extraContent is not JSON';
    }
  }
  return {
    conversationType: topic.conversationType,
    targetId,
    objectName: up.classname,
    content: up.content,
    status: topic.status,
    pushContent: up.pushText || undefined,
    pushData: up.appData || undefined,
    toUserIds: up.toUserIds?.length ? up.toUserIds : undefined,
    busChannel: up.busChannel || undefined,
    // The SDK's flags matter for the app's own types; Parley's type registry knows RongCloud's.
    ...(!up.classname.startsWith('RC:') && { isPersisted: (up.sessionId & upFlags.persisted) !== 0, isCounted: (up.sessionId & upFlags.counted) !== 0 }),
    // Its own namespace, so that an id of the SDK never answers for a Parley device's send.
    clientMsgId: up.clientUniqueId ? `rc:${up.clientUniqueId}` : undefined,
    ...((up.sessionId & upFlags.expansion) !== 0 && { expansion: { initial } }),
  };
}

/** One conversation of the server's list. */
export function toRelation(entry: ConversationListEntry, userId: string): RelationInfo {
  return {
    type: entry.conversationType,
    userId: entry.targetId,
    msg: toDownStream(entry.latestMessage, userId),
    unreadCount: entry.unreadCount,
    ...(entry.busChannel && { busChannel: entry.busChannel }),
    versionTime: entry.latestMessage.sentTime,
  };
}
