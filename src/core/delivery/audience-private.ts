import { conversationTypes } from '../../model/message.js';
import { privateConversationKey } from '../../store/history.js';
import { stampedMessageUId } from '../message-uid.js';
import { echoes, moderating, preparing, sendingSession, viewBase, type Audience, type AudienceContext } from './audience.js';
import { historyRow, keepsRow, messageView, type Copy } from './plan.js';
import type { Send } from './send.js';

type PrivateSend = Extract<Send, { kind: 'private' | 'system' }>;

/**
 * One-to-one and system messages: one message per receiver, each with its own id. The
 * receiver's copy names the sender as its conversation, the sender's echo the receiver.
 * Inbox: the receiver's copy always (unless a status message); the echo with
 * multiDeviceSync. History: one row when the app keeps private history.
 */
export const privateAudience: Audience<PrivateSend> = async (context, send, stamp) => {
  const { app, fromUserId } = send;
  const receivers = await permittedReceivers(context, send);
  const prepare = preparing(context, send);
  const moderate = moderating(context, send, stamp);
  const prepared = await Promise.all(receivers.map(async ({ userId }) => moderate(await prepare(send.contentFor?.get(userId) ?? send.content))));
  const base = await viewBase(context, send, stamp, send.busChannel);
  const conversationType = send.kind === 'private' ? conversationTypes.private : conversationTypes.system;
  const echo = echoes(send);
  return receivers.map(({ userId, index }, i) => {
    const content = prepared[i]!;
    const messageUId = stampedMessageUId(stamp, index);
    const inbox = !content.flags.status;
    const copies: Copy[] = [{ message: messageView(base, { messageUId, conversationType, targetId: fromUserId, prepared: content }), users: [userId], toInbox: inbox }];
    if (echo && userId !== fromUserId) {
      copies.push({
        message: messageView(base, { messageUId, conversationType, targetId: userId, prepared: content }),
        users: [fromUserId],
        toInbox: inbox && app.features.multiDeviceSync,
        skipSessionId: sendingSession(send),
      });
    }
    const history =
      app.features.historyPrivateGroup && keepsRow(content)
        ? historyRow(base, {
            messageUId,
            conversationType,
            conversationKey: privateConversationKey(fromUserId, userId),
            targetId: userId,
            prepared: content,
            // A server-API message shows in the sender's history only if echoed; a device's own send always does.
            senderVisible: send.origin.kind === 'device' || echo,
            expansion: send.expansion !== undefined,
          })
        : undefined;
    return { messageUId, targetId: userId, copies, history, prepared: content };
  });
};

/**
 * Devices are held to every permission rule (a refusal throws); the app backend only to
 * the blocklist, and only when it asks (`verifyBlacklist`), by leaving receivers out. A
 * receiver keeps its position in the request, which fixes its message id.
 */
async function permittedReceivers(context: AudienceContext, send: PrivateSend): Promise<Array<{ userId: string; index: number }>> {
  const all = send.toUserIds.map((userId, index) => ({ userId, index }));
  if (send.origin.kind === 'device') {
    if (!send.notice) await context.permissions.checkClientSend(send.app, send.fromUserId, send.toUserIds);
    return all;
  }
  if (!send.origin.verifyBlacklist) return all;
  const blocked = await context.permissions.blockedBy(send.app, send.fromUserId, send.toUserIds);
  return all.filter(({ userId }) => !blocked.has(userId));
}
