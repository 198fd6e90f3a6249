import { localDate } from '../compensation-window.js';
import type { QuietHours } from '../../store/push-tokens.js';

/** Whom a message mentions (RongCloud's content.mentionedInfo: type 1 everyone, 2 the users listed). */
export interface Mentions {
  all: boolean;
  users: ReadonlySet<string>;
}

export function mentionsOf(content: string): Mentions {
  try {
    const info = (JSON.parse(content) as { mentionedInfo?: { type?: unknown; userIdList?: unknown } }).mentionedInfo;
    const list = Array.isArray(info?.userIdList) ? info.userIdList.filter((u): u is string => typeof u === 'string') : [];
    return { all: info?.type === 1, users: new Set(info?.type === 2 ? list : []) };
  } catch {
    return { all: false, users: new Set() };
  }
}

/**
 * Whether a push-mute level lets a message through to `userId` (RongCloud's unpushLevel):
 * -1 and 0 everything; 1 mentions; 2 mentions of the user; 4 mentions of everyone; 5 nothing.
 */
export function levelAllows(level: number, mentions: Mentions, userId: string): boolean {
  switch (level) {
    case -1:
    case 0:
      return true;
    case 1:
      return mentions.all || mentions.users.has(userId);
    case 2:
      return mentions.users.has(userId);
    case 4:
      return mentions.all;
    default:
      return false;
  }
}

const minutesPerDay = 1440;

/** Whether `now` falls in the daily quiet hours, on the wall clock of `timeZone`. */
export function inQuietHours(hours: QuietHours, now: number, timeZone: string): boolean {
  const [h = 0, m = 0] = hours.startTime.split(':').map(Number);
  const local = localDate(now, timeZone);
  const sinceStart = (local.hour * 60 + local.minute - (h * 60 + m) + minutesPerDay) % minutesPerDay;
  return sinceStart < hours.period;
}
