import type { MessageView } from '../../model/message.js';
import type { RoomMember } from '../../store/chatroom-members.js';
import type { HistoryRow } from '../../store/history.js';
import type { Moderation } from '../callbacks/before-send.js';
import type { MessageFlags } from '../message-types.js';
import type { SendStamp } from '../message-uid.js';
import { OutgoingMessage } from '../outgoing.js';
import type { Content, Send } from './send.js';

/** One content ready to go: validated, filtered, with the storage flags its type gives it. */
export interface Prepared {
  content: Content;
  flags: MessageFlags;
  /** Expansion key/values it is sent with, as stored (JSON text), when sent with `expansion`. */
  extraContent: string | undefined;
  /** The sensitive-word filter replaced words in it (the routing callback's `sensitiveType` 2). */
  wordsReplaced?: boolean | undefined;
  /** What the app's pre-send callback made of it, when it was asked. */
  moderation?: Moderation | undefined;
}

/** One view of a message and the users who get it. */
export interface Copy {
  message: OutgoingMessage;
  users: readonly string[];
  /** Kept in the users' inboxes (offline delivery, catch-up) besides being pushed live. */
  toInbox: boolean;
  /** The sending device, never pushed its own message. */
  skipSessionId?: string | undefined;
}

/** One message of a send: one per receiver (private, system) or per conversation. */
export interface PlannedMessage {
  messageUId: string;
  /** Where it went, as the sender names it: the receiver, group or room. */
  targetId: string;
  copies: Copy[];
  /** A chatroom's message: the sessions joined now (chatrooms keep no inbox). */
  room?: { roomId: string; sessions: readonly RoomMember[]; message: OutgoingMessage } | undefined;
  history?: HistoryRow | undefined;
  /** The content as prepared (after the word filter). */
  prepared: Prepared;
}

/** What a send decided before anything is written: every message, copy and row. */
export interface Plan {
  send: Send;
  stamp: SendStamp;
  messages: PlannedMessage[];
}

/** What every message of one send shares in its view. */
export interface ViewBase {
  fromUserId: string;
  objectName: string;
  busChannel: string;
  sender: MessageView['sender'];
  sentTime: number;
}

export function messageView(
  base: ViewBase,
  message: { messageUId: string; conversationType: MessageView['conversationType']; targetId: string; prepared: Prepared },
): OutgoingMessage {
  const { content, flags } = message.prepared;
  return OutgoingMessage.of({
    messageUId: message.messageUId,
    conversationType: message.conversationType,
    targetId: message.targetId,
    busChannel: base.busChannel,
    senderUserId: base.fromUserId,
    objectName: base.objectName,
    content: content.content,
    sentTime: base.sentTime,
    sender: base.sender,
    pushContent: content.pushContent ?? '',
    pushData: content.pushData ?? '',
    isStatus: flags.status,
    isPersisted: flags.persisted,
    isCounted: flags.counted,
    recalled: false,
  });
}

/** The history row of a message, when its kind and flags keep one. */
export function historyRow(
  base: ViewBase,
  message: { messageUId: string; conversationType: number; conversationKey: string; targetId: string; prepared: Prepared; senderVisible: boolean; expansion: boolean },
): HistoryRow {
  return {
    conversationType: message.conversationType,
    conversationKey: message.conversationKey,
    busChannel: base.busChannel,
    sentTime: base.sentTime,
    messageUId: message.messageUId,
    fromUserId: base.fromUserId,
    targetId: message.targetId,
    objectName: base.objectName,
    content: message.prepared.content.content,
    senderVisible: message.senderVisible,
    counted: message.prepared.flags.counted,
    expansion: message.expansion,
    extraContent: message.prepared.extraContent,
  };
}

/** Stored types only: status messages and not-persisted types never reach history. */
export const keepsRow = (prepared: Prepared): boolean => prepared.flags.persisted && !prepared.flags.status;
