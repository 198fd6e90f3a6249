import { expansionNoticeType } from '../core/expansion.js';
import type { OutgoingMessage } from '../core/outgoing.js';
import type { ExpansionChangeFrame } from './frames.js';

/**
 * A change of a message's key/values as Parley's protocol tells it (docs/protocol.md
 * "Expansion changes"): the core announces it to the conversation as an RC:MsgExMsg signal
 * (what RongCloud's clients expect); a Parley device gets an `expansion` event instead of a
 * chat message, with the inbox seq it still has to ack. Undefined for every other message.
 */
export function expansionChangeOf(message: OutgoingMessage, seq: number | undefined): ExpansionChangeFrame['expansion'] | undefined {
  if (!message.isOfType(expansionNoticeType)) return undefined;
  const view = message.view;
  const notice = JSON.parse(view.content) as { mid: string; put?: Record<string, string>; del?: string[] };
  return {
    messageUId: notice.mid,
    conversationType: view.conversationType,
    targetId: view.targetId,
    busChannel: view.busChannel,
    operatorId: view.senderUserId,
    changedAt: view.sentTime,
    ...(notice.put ? { put: notice.put } : { del: notice.del ?? [] }),
    ...(seq !== undefined && { seq }),
  };
}
