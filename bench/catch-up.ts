/**
 * Catch-up: a device that missed 10,000 private messages reconnects; time from sending
 * `connect` to receiving `synced`, with every message checked to arrive once, in seq
 * order, without gaps. Parley runs as its own process on core 0 (real Postgres + Redis,
 * then the embedded default: PGlite + in-memory inbox); the device runs in the load
 * process on core 1 (bench/lib/b-load.ts).
 *
 * The messages are sent over REST while the device is offline: 10,000 calls of
 * /message/private/publish, 32 in flight (a repeated `toUserId` in one call is one
 * message, so a call cannot carry more than one to the same user). The device never
 * acks, so every reconnect is owed all 10,000 again (consumed-once delivery) and the
 * rounds can repeat.
 *
 * Baseline: a raw `ws` server (bench/lib/b-raw-broadcast.ts, core 0) sending the same
 * 10,000 frames (captured from Parley) from memory on `connect`. Rounds alternate.
 *
 * Run: npm run bench:catch-up
 */
import { startParleyProcess, type ParleyProcess } from './lib/parley-process.js';
import { fmt, freshPostgresRedis, machine, median, row, startLoad, startRawServer, type BenchStorage, type RawServer } from './lib/b-harness.js';

const owed = 10_000;
/** /message/private/publish collapses a repeated toUserId into one message: one message per call. */
const inFlight = 32;
const rounds = 5;
const targetMs = 1_000;

interface CatchUpResult {
  ms: number;
  resultMs: number;
  count: number;
  first: number;
  last: number;
  breaks: number;
  syncedSeq: number;
  gap: unknown;
  ok: boolean;
}

interface Case {
  label: string;
  ms: number[];
  resultMs: number[];
}

const problems: string[] = [];
const setup: string[] = [];
const cases: Case[] = [];
const load = startLoad();
let raw: RawServer | undefined;
let parley: ParleyProcess | undefined;
let storage: BenchStorage | undefined;
let serverLog = '';

function checked(label: string, r: CatchUpResult, round: number): boolean {
  const where = `${label}, round ${round}`;
  if (!r.ok) problems.push(`${where}: ${r.count} of ${owed} messages, ${r.breaks} out of order or missing`);
  else if (r.gap !== null) problems.push(`${where}: unexpected gap ${JSON.stringify(r.gap)}`);
  else if (r.last - r.first + 1 !== owed) problems.push(`${where}: seqs ${r.first}..${r.last} do not span ${owed}`);
  else return true;
  return false;
}

async function scenario(label: string, env: Record<string, string> | undefined): Promise<void> {
  parley = await startParleyProcess({ ...(env && { env }), cpus: '0' });
  const app = { url: parley.url, appKey: parley.appKey, appSecret: parley.appSecret };
  await load.call('register', { ...app, prefix: 'x', start: 0, count: 0, extra: ['catcher', 'sender'] });
  const body = { fromUserId: 'sender', toUserId: 'catcher', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'you missed this while offline' }) };
  const sent = await load.call<{ ms: number; failures: number; firstError?: string; firstAnswer?: { messageUIDs?: unknown[] } }>('rest', {
    ...app,
    path: '/message/private/publish.json',
    body,
    repeat: owed,
    concurrency: inFlight,
  });
  if (sent.failures > 0 || sent.firstAnswer?.messageUIDs?.length !== 1) {
    problems.push(`${label}: sending failed (${sent.failures} calls, ${sent.firstError ?? `${sent.firstAnswer?.messageUIDs?.length} messageUIDs per call`})`);
    return;
  }
  setup.push(`${label}: ${fmt(owed)} messages sent in ${fmt(sent.ms / 1000, 1)} s (${fmt((owed * 1000) / sent.ms)} REST sends/s, ${inFlight} in flight)`);

  const device = { userId: 'catcher', deviceId: 'catcher-phone', expect: owed };
  // Warm-up round; its frames become the raw server's stored frames.
  const warm = await load.call<CatchUpResult>('catchUp', { ...device, wsUrl: parley.wsUrl, storeTo: raw!.url });
  if (!checked(label, warm, 0)) return;
  await load.call<CatchUpResult>('catchUp', { ...device, wsUrl: raw!.wsUrl });

  const mine: Case = { label: `parley (${label})`, ms: [], resultMs: [] };
  const base: Case = { label: `raw ws, same frames`, ms: [], resultMs: [] };
  for (let round = 1; round <= rounds; round++) {
    const b = await load.call<CatchUpResult>('catchUp', { ...device, wsUrl: raw!.wsUrl });
    if (!checked(base.label, b, round)) return;
    base.ms.push(b.ms);
    base.resultMs.push(b.resultMs);
    const p = await load.call<CatchUpResult>('catchUp', { ...device, wsUrl: parley.wsUrl });
    if (!checked(mine.label, p, round)) return;
    mine.ms.push(p.ms);
    mine.resultMs.push(p.resultMs);
  }
  cases.push(mine, base);
}

try {
  raw = await startRawServer();
  storage = await freshPostgresRedis();
  await scenario('Postgres + Redis', storage.env);
  serverLog = parley?.output() ?? '';
  await parley?.stop();
  parley = undefined;
  await scenario('embedded', undefined);
  serverLog += (parley as ParleyProcess | undefined)?.output() ?? '';
} catch (err) {
  problems.push(err instanceof Error ? err.message : String(err));
} finally {
  serverLog ||= parley?.output() ?? '';
  await load.stop();
  await parley?.stop();
  await raw?.stop();
  await storage?.release();
}

const lines = [
  `catch-up: one device owed ${fmt(owed)} private messages reconnects; ms from sending connect to synced (Parley on core 0, device on core 1; ${machine()})`,
  ...setup.map((s) => `  ${s}`),
  row(['case', 'messages', 'median ms', 'min ms', 'max ms', 'result ms', 'msgs/s', 'vs raw ws'], 30, 12),
];
for (let i = 0; i < cases.length; i += 2) {
  const [mine, base] = [cases[i]!, cases[i + 1]!];
  for (const c of [mine, base]) {
    lines.push(
      row(
        [c.label, fmt(owed), fmt(median(c.ms)), fmt(Math.min(...c.ms)), fmt(Math.max(...c.ms)), fmt(median(c.resultMs), 1), fmt((owed * 1000) / median(c.ms)), `${fmt(median(c.ms) / median(base.ms), 2)}x`],
        30,
        12,
      ),
    );
  }
  lines.push(`  ${mine.label}: target < ${fmt(targetMs)} ms: ${fmt(median(mine.ms))} ms (${median(mine.ms) < targetMs ? 'met' : 'MISSED'}); ratio to raw ws (same run): ${fmt(median(mine.ms) / median(base.ms), 2)}`);
}
lines.push(`  median of ${rounds} rounds, alternating raw / Parley; result ms: connect sent to its result frame; every round checked: ${fmt(owed)} messages, seqs consecutive, synced without gap`);
for (const p of problems) lines.push(`FAILED: ${p}`);
if (problems.length > 0 && serverLog) lines.push('parley output (last 3,000 characters):', serverLog.slice(-3_000));
process.stdout.write(`${lines.join('\n')}\n`);
if (problems.length > 0) process.exitCode = 1;
