import { conversationTypes } from '../../model/message.js';
import { stampedMessageUId } from '../message-uid.js';
import { normalizeChannel } from '../ultragroups.js';
import { moderating, preparing, sendingSession, viewBase, type Audience } from './audience.js';
import { historyRow, keepsRow, messageView } from './plan.js';
import type { Send } from './send.js';

type UltraGroupSend = Extract<Send, { kind: 'ultraGroup' }>;

/**
 * Ultra group messages: the channel's audience online now gets them, with no inbox entry
 * (devices pull by channel); the sender's other devices always do (RongCloud has no echo
 * flag here). History always, except for a message sent to some members only.
 */
export const ultraGroupAudience: Audience<UltraGroupSend> = async (context, send, stamp) => {
  const { app, fromUserId } = send;
  const busChannel = normalizeChannel(send.busChannel);
  const checked = await preparing(context, send)(send.content);
  const audiences: Array<readonly string[]> = [];
  for (const groupId of send.groupIds) {
    if (!send.notice) await context.ultraGroups.assertCanSend(app, groupId, busChannel, fromUserId);
    const audience = await context.ultraGroups.audience(app, groupId, busChannel);
    if (!send.toUserIds) audiences.push(audience);
    else {
      const inChannel = new Set(audience);
      audiences.push(send.toUserIds.filter((userId) => inChannel.has(userId)));
    }
  }
  const prepared = await moderating(context, send, stamp)(checked);
  const base = await viewBase(context, send, stamp, busChannel);
  return send.groupIds.map((groupId, i) => {
    const messageUId = stampedMessageUId(stamp, i);
    const message = messageView(base, { messageUId, conversationType: conversationTypes.ultraGroup, targetId: groupId, prepared });
    const others = audiences[i]!.filter((userId) => userId !== fromUserId);
    const history =
      keepsRow(prepared) && !send.toUserIds
        ? historyRow(base, { messageUId, conversationType: conversationTypes.ultraGroup, conversationKey: groupId, targetId: groupId, prepared, senderVisible: true, expansion: send.expansion !== undefined })
        : undefined;
    return {
      messageUId,
      targetId: groupId,
      copies: [
        { message, users: others, toInbox: false },
        { message, users: [fromUserId], toInbox: false, skipSessionId: sendingSession(send) },
      ],
      history,
      prepared,
    };
  });
};
