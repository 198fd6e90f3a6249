import type { DeviceSend, DeviceSession } from '../../core/device-session.js';
import type { ExpansionConversation } from '../../core/expansion.js';
import { ParleyError } from '../../errors.js';
import { conversationTypes } from '../../model/message.js';
import type { RongCloudServices } from './services.js';

/** The signal a device sends when it changes a message's key/values. */
export const expansionNotice = 'RC:MsgExMsg';

/** The content of an `RC:MsgExMsg` a device sends: the message and the keys set or deleted. */
interface ExpansionNotice {
  mid?: unknown;
  put?: unknown;
  del?: unknown;
}

/**
 * `RC:MsgExMsg` from a device: `{ mid, put }` sets keys, `{ mid, del }` removes them,
 * through the core's expansion rules (which announce the change to the conversation).
 */
export async function changeExpansion(
  expansion: RongCloudServices['expansion'],
  session: DeviceSession,
  send: DeviceSend,
  now: number,
): Promise<{ messageUId: string; sentTime: number }> {
  if (send.conversationType !== conversationTypes.private && send.conversationType !== conversationTypes.group) {
    throw new ParleyError('badParameter', 'conversationType: expansion of this conversation type is not supported');
  }
  let notice: ExpansionNotice;
  try {
    notice = JSON.parse(send.content) as ExpansionNotice;
  } catch {
    throw new ParleyError('badParameter', 'content: RC:MsgExMsg content is not JSON');
  }
  if (typeof notice.mid !== 'string') throw new ParleyError('badParameter', 'content: RC:MsgExMsg requires "mid"');
  const conversation: ExpansionConversation = { conversationType: send.conversationType, targetId: send.targetId };
  const { app, info } = session;
  const change = { app, messageUId: notice.mid, operatorId: info.userId, conversation, syncSender: app.features.multiDeviceSync, origin: { kind: 'device' as const, session: info } };
  if (isStringRecord(notice.put)) await expansion.set(change, notice.put);
  else if (Array.isArray(notice.del) && notice.del.every((k) => typeof k === 'string')) await expansion.remove(change, notice.del);
  else throw new ParleyError('badParameter', 'content: RC:MsgExMsg requires "put" (an object of strings) or "del" (a list of keys)');
  return { messageUId: notice.mid, sentTime: now };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
