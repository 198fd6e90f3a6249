/**
 * Shared by the rest-publish, ws-relay and two-nodes scenarios (on top of scenario.ts):
 * signed REST calls, the private-message publish that rest-publish and two-nodes load,
 * the answers of the load processes, CPU use while measuring, and table formatting.
 */
import { createRequire } from 'node:module';
import { signedFormHeaders } from './rest-signature.js';
import { busySeconds, cpuSeconds, sleep, type LoadProcess } from './scenario.js';

export interface AppKeys {
  url: string;
  appKey: string;
  appSecret: string;
}

/** One signed form POST; throws unless the answer is `{"code":200,…}`. */
async function restCall(app: AppKeys, path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(app.url + path, {
    method: 'POST',
    headers: signedFormHeaders(app),
    body: new URLSearchParams(form).toString(),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200 || body.code !== 200) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

export async function getToken(app: AppKeys, userId: string): Promise<string> {
  const body = await restCall(app, '/user/getToken.json', { userId, name: userId });
  return String(body.token);
}

/** The REST send that rest-publish and two-nodes load, and the features both run Parley with. */
export const publishPath = '/message/private/publish.json';
export const publishFeatures = { multiDeviceSync: true, historyPrivateGroup: true };
/** The load both run, the same so that two nodes can be compared with one. */
export const publishLoad = { connections: 50, warmupSec: 2, measureSec: 8 } as const;

/** The form body of one text message from `fromUserId` to `toUserId`, for `publishPath`. */
export function publishBody(fromUserId: string, toUserId: string): string {
  return new URLSearchParams({
    fromUserId,
    toUserId,
    objectName: 'RC:TxtMsg',
    content: JSON.stringify({ content: 'hello from the bench, how are you today?' }),
  }).toString();
}

/** The same send through Nexconn's v4 API (docs/nexconn-v4.md): a JSON body. */
export const v4PublishPath = '/v4/direct-channel/message/send';

/** The JSON body of `publishBody`'s message, for `v4PublishPath`. */
export function v4PublishBody(fromUserId: string, toUserId: string): string {
  return JSON.stringify({ fromUserId, toUserIds: [toUserId], messageType: 'RC:TxtMsg', content: { content: 'hello from the bench, how are you today?' } });
}

/**
 * One autocannon run of the HTTP load process posting to `publishPath` (or `run.path`
 * with JSON bodies), signed for `app`: `connections` connections spread over `urls`,
 * connection i posting `bodies[i % bodies.length]`, at most `overallRate` requests per
 * second if given.
 */
export function loadPublish(
  loader: LoadProcess,
  app: Pick<AppKeys, 'appKey' | 'appSecret'>,
  run: { urls: string[]; bodies: string[]; connections: number; durationSec: number; overallRate?: number; jsonPath?: string },
): Promise<HttpRunResult> {
  const { jsonPath, ...rest } = run;
  const headers = { ...signedFormHeaders(app), ...(jsonPath !== undefined && { 'Content-Type': 'application/json' }) };
  return loader.call<HttpRunResult>({ op: 'http', path: jsonPath ?? publishPath, headers, ...rest });
}

/** Result of one autocannon run, as the HTTP load process reports it. */
/** The app's Tencent IM settings in the REST bench: its openim/sendmsg case loads the same message. */
export const tencentBenchApp = { sdkAppId: 1400000999, secretKey: 'bench-tencent-secret-key', administrators: ['administrator'] };

/**
 * One autocannon run of `openim/sendmsg` (docs/tencent-im.md) carrying the message of
 * `publishBody`, without the sender echo as the v1 send has none, each request with its own
 * MsgRandom; signed by a UserSig of Tencent's own `tls-sig-api-v2`.
 */
export function loadTencentSend(
  loader: LoadProcess,
  fromUserId: string,
  toUserId: string,
  run: { urls: string[]; connections: number; durationSec: number; overallRate?: number },
): Promise<HttpRunResult> {
  const { path, body } = tencentSend(fromUserId, toUserId);
  return loader.call<HttpRunResult>({ op: 'http', path, headers: { 'Content-Type': 'application/json' }, bodies: [body], countInBody: countPlaceholder, okBodyText: '"ActionStatus":"OK"', ...run });
}

/**
 * One `openim/sendmsg` sent by hand: Tencent answers refusals with HTTP 200 too, which the
 * load counts as 2xx, so the case checks first that a send is accepted.
 */
export async function tencentSendOnce(url: string, fromUserId: string, toUserId: string): Promise<Record<string, unknown>> {
  const { path, body } = tencentSend(fromUserId, toUserId);
  const response = await fetch(url + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body.replace(countPlaceholder, String(Math.floor(Math.random() * 2 ** 31))) });
  return (await response.json()) as Record<string, unknown>;
}

/** Where the load writes each request's own MsgRandom. */
const countPlaceholder = '{count}';

/** `openim/sendmsg` with its query, signed by `tencentBenchApp`'s administrator (a UserSig of a day). */
export function tencentSendPath(): string {
  const { Api } = createRequire(import.meta.url)('tls-sig-api-v2') as { Api: new (sdkAppId: number, key: string) => { genUserSig(userId: string, expireSeconds: number): string } };
  const userSig = new Api(tencentBenchApp.sdkAppId, tencentBenchApp.secretKey).genUserSig('administrator', 86_400);
  const query = new URLSearchParams({ sdkappid: String(tencentBenchApp.sdkAppId), identifier: 'administrator', usersig: userSig, random: '1', contenttype: 'json' });
  return `/v4/openim/sendmsg?${query.toString()}`;
}

/** The path and the body (JSON once `countPlaceholder` is replaced by a number) of one send. */
function tencentSend(fromUserId: string, toUserId: string): { path: string; body: string } {
  const body = JSON.stringify({
    SyncOtherMachine: 2,
    From_Account: fromUserId,
    To_Account: toUserId,
    MsgRandom: 0,
    MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hello from the bench, how are you today?' } }],
  }).replace('"MsgRandom":0', `"MsgRandom":${countPlaceholder}`);
  return { path: tencentSendPath(), body };
}

export interface HttpRunResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSec: number;
  statusCodes: Record<string, number>;
  /** The first bodies of answers refused in an HTTP 200 (a run with `okBodyText`). */
  refusals?: string[];
}

/** Records a failure unless the run got answers and every one was 2xx; returns the run. */
export function checkHttpRun(failures: string[], label: string, r: HttpRunResult): HttpRunResult {
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || r.ok === 0) {
    failures.push(`${label}: ${r.ok} 2xx, ${r.non2xx} non-2xx ${JSON.stringify(r.statusCodes)}, ${r.errors} errors, ${r.timeouts} timeouts${r.refusals ? `; refused: ${r.refusals.join(' | ')}` : ''}`);
  }
  return r;
}

/** What the HTTP load process answers to `count`. */
export interface ReceiverCounts {
  total: number;
  counts: number[];
  open: number;
  events: string[];
}

/**
 * The receivers' counts once deliveries have settled: asked again until their total is
 * `sent` or stops changing (pushes still in flight when the load stops arrive late).
 */
export async function settledReceiverCounts(loader: LoadProcess, sent: number): Promise<ReceiverCounts> {
  let counts: ReceiverCounts = { total: 0, counts: [], open: 0, events: [] };
  await settle(async () => {
    counts = await loader.call<ReceiverCounts>({ op: 'count' });
    return counts.total;
  }, sent);
  return counts;
}

/** A plain-text table: the first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)) + 2);
  return all.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('').trimEnd());
}

/** Polls `read` until it returns `target` or stops changing for `quietMs` (or `maxMs` passed); returns the last value. */
async function settle(read: () => Promise<number>, target: number, quietMs = 3_000, maxMs = 15_000): Promise<number> {
  const started = Date.now();
  let last = await read();
  let changedAt = Date.now();
  while (last !== target && Date.now() - changedAt < quietMs && Date.now() - started < maxMs) {
    await sleep(100);
    const value = await read();
    if (value !== last) changedAt = Date.now();
    last = value;
  }
  return last;
}

export interface CpuUse {
  /** Per named process: % of one core during the measured call. */
  processes: Record<string, number>;
  /** Busy time of the whole machine outside those processes (Postgres, Redis, anything else), % of one core. */
  other: number;
}

/** Runs `fn` and reports how busy the given processes (and the rest of the machine) were meanwhile. */
export async function withCpu<T>(pids: Record<string, number>, fn: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const busyBefore = busySeconds();
  const started = performance.now();
  const result = await fn();
  const elapsed = (performance.now() - started) / 1_000;
  const processes: Record<string, number> = {};
  let named = 0;
  for (const [name, pid] of Object.entries(pids)) {
    const used = cpuSeconds(pid) - before[name]!;
    named += used;
    processes[name] = (100 * used) / elapsed;
  }
  const other = Math.max(0, (100 * (busySeconds() - busyBefore - named)) / elapsed);
  return { result, cpu: { processes, other } };
}

/** The CPU cells of a table row: each process measured by withCpu, in the order it was given, then the rest of the machine. */
export const cpuCells = (cpu: CpuUse): string[] => [...Object.values(cpu.processes), cpu.other].map((value) => `${Math.round(value)}%`);

/** The footnote under a table with cpuCells. */
export const cpuNote = '  cpu: % of one core while measuring; "other" is the rest of the machine (Postgres, Redis, anything else running), which is not pinned.';

/** Prints the scenario's failures, if any, and makes the process exit non-zero. */
export function reportFailures(failures: readonly string[]): void {
  if (failures.length === 0) return;
  process.stdout.write(`FAILED:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
  process.exitCode = 1;
}
