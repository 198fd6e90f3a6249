import { conversationTypes } from '../../model/message.js';
import { stampedMessageUId } from '../message-uid.js';
import { echoes, moderating, preparing, sendingSession, viewBase, type Audience } from './audience.js';
import { historyRow, keepsRow, messageView, type Copy } from './plan.js';
import type { Send } from './send.js';

type GroupSend = Extract<Send, { kind: 'group' }>;

/** A group read receipt answers whoever asked: it goes to them, not to the whole group. */
const readReceiptResponse = 'RC:RRRspMsg';

/**
 * Group messages: one message per group, every member but the sender gets the same view
 * (the group as conversation) with an inbox entry; the sender's other devices when echoed
 * (inbox with multiDeviceSync). `toUserIds` narrows a send to those members (no history:
 * members it skipped could read it there). History: one row when the app keeps it.
 */
export const groupAudience: Audience<GroupSend> = async (context, send, stamp) => {
  const { app, origin, fromUserId } = send;
  const checked = await preparing(context, send)(send.content);
  const memberLists: Array<readonly string[]> = [];
  for (const groupId of send.groupIds) {
    if (!send.notice) await context.groups.assertCanSend(app, groupId, fromUserId, origin.kind === 'device');
    memberLists.push(await context.groups.members(app, groupId));
  }
  const prepared = await moderating(context, send, stamp)(checked);
  const receivers = memberLists.map((members) => membersFor(send, members, prepared.content.content));
  const base = await viewBase(context, send, stamp, send.busChannel);
  const echo = echoes(send);
  const inbox = !prepared.flags.status;
  return send.groupIds.map((groupId, i) => {
    const messageUId = stampedMessageUId(stamp, i);
    const message = messageView(base, { messageUId, conversationType: conversationTypes.group, targetId: groupId, prepared });
    const copies: Copy[] = [{ message, users: receivers[i]!, toInbox: inbox }];
    if (echo) copies.push({ message, users: [fromUserId], toInbox: inbox && app.features.multiDeviceSync, skipSessionId: sendingSession(send) });
    const history =
      app.features.historyPrivateGroup && keepsRow(prepared) && !send.toUserIds
        ? historyRow(base, { messageUId, conversationType: conversationTypes.group, conversationKey: groupId, targetId: groupId, prepared, senderVisible: origin.kind === 'device' || echo, expansion: send.expansion !== undefined })
        : undefined;
    return { messageUId, targetId: groupId, copies, history, prepared };
  });
};

/** The members a group message goes to, the sender left out. */
function membersFor(send: GroupSend, members: readonly string[], content: string): readonly string[] {
  const chosen = send.objectName === readReceiptResponse ? requesters(content) : send.toUserIds;
  if (!chosen) return members.filter((userId) => userId !== send.fromUserId);
  const inGroup = new Set(members);
  return chosen.filter((userId) => userId !== send.fromUserId && inGroup.has(userId));
}

/** The senders whose messages a read receipt response answers (`receiptMessageDic` keys). */
function requesters(content: string): string[] {
  try {
    const dic = (JSON.parse(content) as { receiptMessageDic?: unknown }).receiptMessageDic;
    return typeof dic === 'object' && dic !== null && !Array.isArray(dic) ? Object.keys(dic) : [];
  } catch {
    return [];
  }
}
