import { ParleyError } from '../../errors.js';
import { conversationTypes } from '../../model/message.js';
import type { SessionInfo } from '../../model/session.js';
import type { App } from '../apps.js';

/** A message's content, with what a push notification shows of it. */
export interface Content {
  content: string;
  pushContent?: string | undefined;
  pushData?: string | undefined;
}

/** How a send is pushed to devices not connected (docs/push.md); none: by the defaults. */
export interface PushOptions {
  /** RongCloud's disablePush: no push at all. */
  disablePush?: boolean | undefined;
  /** RongCloud's count: the iOS badge to show instead of the receiver's unread count. */
  badge?: number | undefined;
  /** RongCloud's pushExt, parsed: the title and per-vendor options. */
  ext?: PushExt | undefined;
}

export interface PushExt {
  title?: string | undefined;
  forceShowPushContent?: boolean | undefined;
  apns?: { threadId?: string | undefined; collapseId?: string | undefined; interruptionLevel?: string | undefined } | undefined;
  fcm?: { channelId?: string | undefined; collapseKey?: string | undefined; imageUrl?: string | undefined } | undefined;
}

/** Who asks for a send. */
export type Origin =
  /**
   * The app backend (server API) acting for `fromUserId`: held to no permission rule but
   * the blocklist it asks for (`verifyBlacklist`); the sender's devices get the message
   * only with `echo` (isIncludeSender / isSyncSender / isEchoToSender).
   */
  | { kind: 'api'; echo: boolean; verifyBlacklist?: boolean | undefined }
  /**
   * A connected device of `fromUserId`: held to every rule; the user's other devices get
   * the message with multiDeviceSync, never the sending device itself.
   */
  | { kind: 'device'; session: Pick<SessionInfo, 'sessionId' | 'deviceId' | 'platform'> };

interface SendCommon {
  app: App;
  origin: Origin;
  fromUserId: string;
  objectName: string;
  content: Content;
  /** RongCloud's isPersisted / isCounted: can only turn storing and counting off. */
  isPersisted?: boolean | undefined;
  isCounted?: boolean | undefined;
  /** Sent through a status endpoint: online devices only, never stored, whatever the type. */
  status?: boolean | undefined;
  /** Sent with `expansion`: key/values may later be set on the message; `initial` ones come with it. */
  expansion?: { initial?: Readonly<Record<string, string>> | undefined } | undefined;
  /** Retries with the same key within `ttlMs` answer the first result and write nothing twice. */
  idempotency?: { key: string; ttlMs: number } | undefined;
  /**
   * The server's own notice of something already done (a recall, an expansion change, a
   * group or room notice): not held to who may speak now, as a block made since must not
   * stop it.
   */
  notice?: boolean | undefined;
  push?: PushOptions | undefined;
}

/** One send, tagged by the kind of conversation it goes to; `deliver()` takes every one. */
export type Send =
  /** One-to-one (1) or system (6) messages, one per receiver; `contentFor` gives a receiver its own (templates). */
  | (SendCommon & { kind: 'private' | 'system'; toUserIds: readonly string[]; contentFor?: ReadonlyMap<string, Content> | undefined; busChannel?: string | undefined })
  /** Groups; `toUserIds` sends to those members of one group only. */
  | (SendCommon & { kind: 'group'; groupIds: readonly string[]; toUserIds?: readonly string[] | undefined; busChannel?: string | undefined })
  /** Chatrooms: the sessions in them now. */
  | (SendCommon & { kind: 'chatroom'; roomIds: readonly string[] })
  /** Ultra groups' channels; `toUserIds` sends to those members of one group only. */
  | (SendCommon & { kind: 'ultraGroup'; groupIds: readonly string[]; busChannel: string; toUserIds?: readonly string[] | undefined })
  /** A system message to every user of the app, delivered in the background. */
  | (SendCommon & { kind: 'everyone' })
  /** A system message to every device online now; nothing stored. */
  | (SendCommon & { kind: 'online' })
  /** To every chatroom with members now; nothing stored. */
  | (SendCommon & { kind: 'everyRoom' });

export type SendKind = Send['kind'];

/** A send to named conversations (not app-wide). */
export type ConversationSend = Extract<Send, { kind: 'private' | 'system' | 'group' | 'chatroom' | 'ultraGroup' }>;

export interface Delivered {
  sentTime: number;
  /** One per message: the receiver (private, system) or the conversation it went to. */
  messageUIds: Array<{ targetId: string; messageUId: string }>;
  /** A device's own send: the seq of the copy its user's inbox keeps (multiDeviceSync). */
  seq?: number;
}

/** The send fields that address one conversation named by its type (a device's frame, a recall, an expansion notice). */
export type ConversationTarget =
  | { kind: 'private' | 'system'; toUserIds: readonly string[] }
  | { kind: 'group'; groupIds: readonly string[]; toUserIds?: readonly string[] | undefined }
  | { kind: 'chatroom'; roomIds: readonly string[] }
  | { kind: 'ultraGroup'; groupIds: readonly string[]; busChannel: string; toUserIds?: readonly string[] | undefined };

export function targetOf(conversation: { conversationType: number; targetId: string; busChannel?: string | undefined; toUserIds?: readonly string[] | undefined }): ConversationTarget {
  const { targetId, toUserIds } = conversation;
  switch (conversation.conversationType) {
    case conversationTypes.private:
      return { kind: 'private', toUserIds: [targetId] };
    case conversationTypes.system:
      return { kind: 'system', toUserIds: [targetId] };
    case conversationTypes.group:
      return { kind: 'group', groupIds: [targetId], toUserIds };
    case conversationTypes.chatroom:
      return { kind: 'chatroom', roomIds: [targetId] };
    case conversationTypes.ultraGroup:
      return { kind: 'ultraGroup', groupIds: [targetId], busChannel: conversation.busChannel ?? '', toUserIds };
    default:
      throw new ParleyError('badParameter', `conversationType: ${conversation.conversationType} is not one messages go to`);
  }
}

/** The conversation type a kind of send is seen under. */
export const conversationTypeOf: Readonly<Record<SendKind, number>> = {
  private: conversationTypes.private,
  system: conversationTypes.system,
  group: conversationTypes.group,
  chatroom: conversationTypes.chatroom,
  ultraGroup: conversationTypes.ultraGroup,
  everyone: conversationTypes.system,
  online: conversationTypes.system,
  everyRoom: conversationTypes.chatroom,
};
