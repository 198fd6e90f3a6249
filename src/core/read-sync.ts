import { ParleyError } from '../errors.js';

/** The read position an RC:SRSMsg content carries (`lastMessageSendTime`, ms); 1002 without one. */
export function readSyncTime(content: string): number {
  let time: unknown;
  try {
    time = (JSON.parse(content) as { lastMessageSendTime?: unknown } | null)?.lastMessageSendTime;
  } catch {
    // refused below like any other content without the field
  }
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) {
    throw new ParleyError('badParameter', 'content: RC:SRSMsg requires "lastMessageSendTime" (ms)');
  }
  return time;
}
