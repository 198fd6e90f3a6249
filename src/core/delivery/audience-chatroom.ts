import { ParleyError } from '../../errors.js';
import { conversationTypes } from '../../model/message.js';
import { stampedMessageUId } from '../message-uid.js';
import { echoes, moderating, preparing, sendingSession, viewBase, type Audience } from './audience.js';
import { historyRow, keepsRow, messageView } from './plan.js';
import type { Send } from './send.js';

type ChatroomSend = Extract<Send, { kind: 'chatroom' }>;

/**
 * Chatroom messages reach the sessions joined to the room now: no inbox, no seq (rooms
 * have no offline delivery). A device must be in the room; the sender's other sessions
 * there get it when echoed; none while distribution is stopped. History: one row when the
 * app keeps chatroom history and the sender's side sees it (a device's own send, or echo).
 */
export const chatroomAudience: Audience<ChatroomSend> = async (context, send, stamp) => {
  const { app, origin, fromUserId } = send;
  const checked = await preparing(context, send)(send.content);
  const skip = sendingSession(send);
  const rooms = [];
  for (const roomId of send.roomIds) {
    if (!send.notice) await context.chatrooms.assertCanSend(app, roomId, fromUserId, send.objectName);
    const sessions = await context.roomMembers.sessions(app.appKey, roomId);
    if (skip !== undefined && !sessions.some((s) => s.sessionId === skip)) throw new ParleyError('notInChatroom');
    rooms.push({ roomId, sessions, stopped: await context.chatrooms.isDistributionStopped(app, roomId) });
  }
  const prepared = await moderating(context, send, stamp)(checked);
  const base = await viewBase(context, send, stamp);
  const echo = echoes(send);
  const senderSees = origin.kind === 'device' || echo;
  return rooms.map(({ roomId, sessions, stopped }, i) => {
    const messageUId = stampedMessageUId(stamp, i);
    const message = messageView(base, { messageUId, conversationType: conversationTypes.chatroom, targetId: roomId, prepared });
    const audience = stopped ? [] : sessions.filter((s) => (echo || s.userId !== fromUserId) && s.sessionId !== skip);
    const history =
      app.features.historyChatroom && keepsRow(prepared) && senderSees
        ? historyRow(base, { messageUId, conversationType: conversationTypes.chatroom, conversationKey: roomId, targetId: roomId, prepared, senderVisible: true, expansion: send.expansion !== undefined })
        : undefined;
    return { messageUId, targetId: roomId, copies: [], room: { roomId, sessions: audience, message }, history, prepared };
  });
};
