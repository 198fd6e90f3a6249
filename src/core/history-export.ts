import { createHmac, timingSafeEqual } from 'node:crypto';
import { Zip, ZipDeflate } from 'fflate';
import { ParleyError } from '../errors.js';
import type { ExportedMessage, HistoryExportRecords, HistoryExportState, HistoryExportStore } from '../store/history-exports.js';
import type { App, AppRegistry } from './apps.js';
import type { Clock } from '../model/clock.js';
import { localDate } from './compensation-window.js';
import { conversationTypes } from '../model/message.js';

/** Files are kept, and download links stay valid, this long (as RongCloud's). */
export const historyFileLifetimeMs = 3 * 24 * 3600_000;

/**
 * An hour becomes exportable this long after it ends: sends stamped in its last moments
 * (or on a node whose clock runs a little behind) have landed by then, and a file, once
 * made, is never made again.
 */
const settleMs = 60_000;

/** Messages read per query while writing a file. */
const pageSize = 5000;

/** A signed download of one hour's file. */
export interface DownloadLink {
  /** Epoch ms after which the link is refused. */
  expires: number;
  /** Hex HMAC-SHA256 with the app secret over the app key, hour and `expires`. */
  signature: string;
}

/** One hour of an app's wall clock, as `/message/history.json` names it. */
export interface ExportHour {
  /** `yyyyMMddHH`. */
  date: string;
  /** First instant of the hour (epoch ms). */
  from: number;
  /** First instant after it; equal to `from` for an hour a daylight-saving jump skips. */
  until: number;
}

/**
 * The hourly history files (SERVER-API.md §11): one zip per app and hour with one JSON
 * line per cloud-history message, made the first time the hour is asked for once it is
 * over, stored for any node to serve, and handed out as a signed link.
 */
export class HistoryExportService {
  constructor(
    private readonly store: HistoryExportStore,
    private readonly apps: AppRegistry,
    private readonly clock: Clock,
  ) {}

  /**
   * A link to the hour's file, valid as long as the file is kept; undefined when the hour
   * had no messages or its file was deleted or is past its three days.
   */
  async link(app: App, date: string): Promise<DownloadLink | undefined> {
    const hour = this.finishedHour(app, date);
    const stored = (await this.store.state(app.appKey, date)) ?? (await this.exportOnce(app, hour));
    if (stored?.status !== 'ready') return undefined;
    // Counted from the file's making, not from this ask: the retention sweeper deletes the
    // file then, and a link must not outlive it. A file past that awaits the next sweep.
    const expires = stored.createdAt + historyFileLifetimeMs;
    if (expires < this.clock.now()) return undefined;
    return { expires, signature: linkSignature(app, date, String(expires)) };
  }

  /** Deletes the hour's file for good: later asks answer no link rather than a new file. */
  async remove(app: App, date: string): Promise<void> {
    this.finishedHour(app, date);
    await this.store.markDeleted(app.appKey, date, this.clock.now());
  }

  /** The zip behind a link; refused (403) unless the link is genuine and unexpired. */
  async download(appKey: string, date: string, link: { expires: string; signature: string }): Promise<Uint8Array> {
    const app = this.apps.get(appKey);
    if (!app || !isGenuine(app, date, link, this.clock.now())) throw new ParleyError('historyLinkInvalid');
    const archive = await this.store.archive(appKey, date);
    if (!archive) throw new ParleyError('notFound', `no history file for ${date}: deleted, or past its three days`);
    return archive;
  }

  private finishedHour(app: App, date: string): ExportHour {
    const { timezone } = app.features;
    const hour = parseExportHour(date, timezone);
    if (this.clock.now() < hour.until + settleMs) {
      throw new ParleyError('badParameter', `date: the hour ${date} (${timezone}) is not over yet; its file can be asked for from a minute after it ends`);
    }
    return hour;
  }

  /**
   * Makes the hour's file unless it is stored by now, under the hour's lock: concurrent
   * first asks, on any node, wait for one build and then find its file instead of each
   * reading and zipping the whole hour.
   */
  private exportOnce(app: App, hour: ExportHour): Promise<HistoryExportState | undefined> {
    return this.store.withHourLock(app.appKey, hour.date, async (records) =>
      (await records.state(app.appKey, hour.date)) ?? this.export(records, app, hour),
    );
  }

  /** Writes and stores the hour's file; undefined (nothing stored) for an hour without messages. */
  private async export(records: HistoryExportRecords, app: App, hour: ExportHour): Promise<HistoryExportState | undefined> {
    const archive = new LineArchive(`${hour.date}.txt`, this.clock.now());
    const types = Object.values(conversationTypes);
    let after = { sentTime: hour.from, messageUId: '' };
    for (;;) {
      const page = await records.messagesPage(app.appKey, { after, until: hour.until, conversationTypes: types, limit: pageSize });
      archive.add(page.map((message) => historyLine(app.appKey, message, app.features.timezone)));
      const last = page.at(-1);
      if (!last || page.length < pageSize) break;
      after = { sentTime: last.sentTime, messageUId: last.messageUId };
    }
    if (archive.lineCount === 0) return undefined;
    await records.saveIfAbsent(app.appKey, hour.date, this.clock.now(), archive.finish());
    // Read back, not assumed: a delete that landed during the build left a tombstone,
    // which the save kept, and the answer is then no link.
    return records.state(app.appKey, hour.date);
  }
}

/**
 * Reads `yyyyMMddHH` as an hour of `timeZone`'s wall clock (1002 unless it is a real
 * hour). Across a daylight-saving fall-back the repeated hour spans both occurrences.
 */
export function parseExportHour(date: string, timeZone: string): ExportHour {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(date);
  if (!match) throw new ParleyError('badParameter', `date: expected yyyyMMddHH, got "${date}"`);
  const [year, month, day, hour] = match.slice(1).map(Number) as [number, number, number, number];
  const naive = new Date(0);
  naive.setUTCFullYear(year, month - 1, day);
  naive.setUTCHours(hour);
  if (hour > 23 || naive.getUTCFullYear() !== year || naive.getUTCMonth() !== month - 1 || naive.getUTCDate() !== day) {
    throw new ParleyError('badParameter', `date: ${date} is not a real hour (yyyyMMddHH)`);
  }
  return {
    date,
    from: firstQuarterWhere(naive.getTime(), timeZone, (key) => key >= date),
    until: firstQuarterWhere(naive.getTime(), timeZone, (key) => key > date),
  };
}

/** UTC offsets lie within -12 h … +14 h: an hour's instants are within 15 h of its UTC reading. */
const searchQuarters = 60;
const quarterMs = 15 * 60_000;

/**
 * The first quarter-hour instant near `naive` whose local hour satisfies `reached`, a
 * test that flips once from false to true as time goes on. Offsets in use are whole
 * quarter hours, so local hours start on UTC quarter hours: a binary search finds it.
 */
function firstQuarterWhere(naive: number, timeZone: string, reached: (hourKey: string) => boolean): number {
  let before = -searchQuarters;
  let at = searchQuarters;
  while (at - before > 1) {
    const middle = Math.floor((before + at) / 2);
    if (reached(hourKeyAt(naive + middle * quarterMs, timeZone))) at = middle;
    else before = middle;
  }
  return naive + at * quarterMs;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function hourKeyAt(instant: number, timeZone: string): string {
  const t = localDate(instant, timeZone);
  return `${pad(t.year, 4)}${pad(t.month)}${pad(t.day)}${pad(t.hour)}`;
}

/** `yyyy-MM-dd HH:mm:ss.SSS` on `timeZone`'s wall clock. */
function wallClockText(instant: number, timeZone: string): string {
  const t = localDate(instant, timeZone);
  const ms = ((instant % 1000) + 1000) % 1000;
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}.${pad(ms, 3)}`;
}

const groupLike: ReadonlySet<number> = new Set([conversationTypes.group, conversationTypes.chatroom, conversationTypes.ultraGroup]);

/**
 * One line of an hourly file, with the fields RongCloud's files carry. Parley does not
 * record which client or platform sent a message, so `source` is empty; words are
 * replaced or refused before storage, so `isSensitiveWord` is false. Ultra-group lines
 * add `busChannel`, without which their channels could not be told apart.
 */
export function historyLine(appKey: string, message: ExportedMessage, timeZone: string): string {
  return JSON.stringify({
    appId: appKey,
    fromUserId: message.fromUserId,
    targetId: message.targetId,
    targetType: message.conversationType,
    GroupId: groupLike.has(message.conversationType) ? message.targetId : '',
    classname: message.objectName,
    content: contentValue(message.content),
    dateTime: wallClockText(message.sentTime, timeZone),
    timestamp: message.sentTime,
    msgUID: message.messageUId,
    source: '',
    isSensitiveWord: false,
    ...(message.conversationType === conversationTypes.ultraGroup && { busChannel: message.busChannel }),
  });
}

/** The content as a JSON object, as RongCloud's files show it; custom types' non-JSON content stays text. */
function contentValue(content: string): unknown {
  try {
    const value: unknown = JSON.parse(content);
    return typeof value === 'object' && value !== null ? value : content;
  } catch {
    return content;
  }
}

function linkSignature(app: App, date: string, expires: string): string {
  return createHmac('sha256', app.appSecret).update(`${app.appKey}\n${date}\n${expires}`, 'utf8').digest('hex');
}

function isGenuine(app: App, date: string, link: { expires: string; signature: string }, now: number): boolean {
  if (!/^\d{1,16}$/.test(link.expires) || Number(link.expires) < now) return false;
  const expected = Buffer.from(linkSignature(app, date, link.expires));
  const given = Buffer.from(link.signature.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A zip holding one text file, deflated page by page so a busy hour is never held uncompressed. */
class LineArchive {
  private readonly chunks: Uint8Array[] = [];
  private readonly zip = new Zip((err, chunk) => {
    if (err) throw err;
    this.chunks.push(chunk);
  });
  private readonly file: ZipDeflate;
  private lines = 0;

  constructor(fileName: string, modifiedAt: number) {
    this.file = new ZipDeflate(fileName);
    this.file.mtime = modifiedAt;
    this.zip.add(this.file);
  }

  add(lines: readonly string[]): void {
    if (lines.length === 0) return;
    this.file.push(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
    this.lines += lines.length;
  }

  get lineCount(): number {
    return this.lines;
  }

  finish(): Uint8Array {
    this.file.push(new Uint8Array(0), true);
    this.zip.end();
    return Buffer.concat(this.chunks);
  }
}
