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
import type { ParleyProcess } from './lib/parley-process.js';
import { machine, median, printReport, restTarget, row } from './lib/b-harness.js';
import type { CatchUpResult } from './lib/b-load.js';
import { fmt, runScenario, type LoadProcess, type PinnedServer } from './lib/scenario.js';

const owed = 10_000;
/** /message/private/publish collapses a repeated toUserId into one message: one message per call. */
const inFlight = 32;
const rounds = 5;
const targetMs = 1_000;

interface Case {
  label: string;
  ms: number[];
  resultMs: number[];
}

const problems: string[] = [];
const setup: string[] = [];
const cases: Case[] = [];

function checked(label: string, r: CatchUpResult, round: number): boolean {
  const where = `${label}, round ${round}`;
  if (!r.ok) problems.push(`${where}: ${r.count} of ${owed} messages, ${r.breaks} out of order or missing`);
  else if (r.gap !== null) problems.push(`${where}: unexpected gap ${JSON.stringify(r.gap)}`);
  else if (r.last - r.first + 1 !== owed) problems.push(`${where}: seqs ${r.first}..${r.last} do not span ${owed}`);
  else return true;
  return false;
}

/** Sends the messages the device misses to `parley`, then times rounds of its catch-up there and on `raw`. */
async function scenario(load: LoadProcess, raw: PinnedServer, parley: ParleyProcess, label: string): Promise<void> {
  const app = restTarget(parley);
  await load.call({ op: 'register', ...app, prefix: 'x', start: 0, count: 0, extra: ['catcher', 'sender'] });
  const body = { fromUserId: 'sender', toUserId: 'catcher', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'you missed this while offline' }) };
  const sent = await load.call<{ ms: number; failures: number; firstError?: string; firstAnswer?: { messageUIDs?: unknown[] } }>({
    op: 'rest',
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
  const warm = await load.call<CatchUpResult>({ op: 'catchUp', ...device, wsUrl: parley.wsUrl, storeTo: raw.url });
  if (!checked(label, warm, 0)) return;
  await load.call<CatchUpResult>({ op: 'catchUp', ...device, wsUrl: raw.wsUrl });

  const mine: Case = { label: `parley (${label})`, ms: [], resultMs: [] };
  const base: Case = { label: `raw ws, same frames`, ms: [], resultMs: [] };
  for (let round = 1; round <= rounds; round++) {
    const b = await load.call<CatchUpResult>({ op: 'catchUp', ...device, wsUrl: raw.wsUrl });
    if (!checked(base.label, b, round)) return;
    base.ms.push(b.ms);
    base.resultMs.push(b.resultMs);
    const p = await load.call<CatchUpResult>({ op: 'catchUp', ...device, wsUrl: parley.wsUrl });
    if (!checked(mine.label, p, round)) return;
    mine.ms.push(p.ms);
    mine.resultMs.push(p.resultMs);
  }
  cases.push(mine, base);
}

const parleyOutput = await runScenario(problems, async (scope) => {
  const [load, raw] = await Promise.all([scope.load('b-load.ts'), scope.baseline('b-raw-broadcast.ts')]);
  const storage = await scope.storage();
  const onServices = await scope.parley({ env: storage.env });
  await scenario(load, raw, onServices, 'Postgres + Redis');
  await onServices.stop();
  await scenario(load, raw, await scope.parley(), 'embedded');
});

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
printReport(lines, problems, parleyOutput);
