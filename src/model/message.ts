/** Conversation types Parley routes (SERVER-API.md §6). */
export const conversationTypes = { private: 1, group: 3, chatroom: 4, system: 6, ultraGroup: 10 } as const;
export type ConversationType = (typeof conversationTypes)[keyof typeof conversationTypes];

/**
 * A message as one user sees it (PROTOCOL.md "Message"): `targetId` is the
 * conversation from that user's side. Inbox entries store this JSON; `seq` is
 * added when an inbox entry is delivered.
 */
export interface MessageView {
  messageUId: string;
  conversationType: ConversationType;
  targetId: string;
  busChannel: string;
  senderUserId: string;
  objectName: string;
  content: string;
  sentTime: number;
  sender: { name: string; portraitUri: string };
  pushContent: string;
  pushData: string;
  isStatus: boolean;
  isPersisted: boolean;
  isCounted: boolean;
  recalled: boolean;
}

export interface DeliveredMessage extends MessageView {
  seq?: number;
}
