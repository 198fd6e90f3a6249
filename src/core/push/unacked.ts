import type { Notification } from '../../model/push.js';
import type { ConversationStore } from '../../store/conversations.js';
import type { Inbox } from '../../store/inbox.js';
import type { PushJob } from '../../store/push-jobs.js';
import type { App } from '../apps.js';
import { conversationRef } from '../conversation-access.js';
import { messageUIdTime } from '../message-uid.js';

/**
 * Whether a connected device's delayed push is still owed when due (docs/push.md "When to
 * push"): not if the device acked the message's inbox entry, nor if the user's read
 * position in the conversation covers it. Read by the worker, so acks and reads cost nothing more.
 */
export function stillUnacked(inbox: Pick<Inbox, 'cursor'>, conversations: Pick<ConversationStore, 'state'>) {
  return async (app: App, job: PushJob & { unackedSeq: number }, notification: Notification): Promise<boolean> => {
    if ((await inbox.cursor(app.appKey, job.userId, job.deviceId)) >= job.unackedSeq) return false;
    const ref = conversationRef(job.userId, { conversationType: notification.conversationType, targetId: notification.targetId });
    const state = await conversations.state(app.appKey, job.userId, ref);
    return state.readTime < messageUIdTime(job.messageUId);
  };
}
