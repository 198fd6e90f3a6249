/**
 * Push fan-out (issue 14 "Speed"), on real Postgres + Redis: Parley pinned to core 0 with
 * APNs configured against the tests' fake APNs (test/helpers/fake-apns.ts, cleartext
 * HTTP/2, checking every provider token), which runs in its own process on core 1.
 *
 * (a) push: 10,000 offline users, each with one iOS device token, in one group; one
 *     group send → 10,000 pushes, waited for until the fake accepted every one: pushes/s
 *     and the time to the last one. The tokens are written straight into `push_tokens`
 *     (what `push.register` stores), so the setup does not open 10,000 sockets.
 * (b) ceiling: a bare node:http2 client (bench/lib/push-bare-client.ts, on core 0 in
 *     Parley's place) pushing the same number of requests of the same shape to the same
 *     fake, as many in flight as the worker takes per pass, while Parley makes the same
 *     group send with `disablePush` (the same message delivery, no push work).
 * (c) online delivery: 200 online members of another group get short rounds of group
 *     messages (one at a time, a pause between rounds), timed before any push (quiet),
 *     while the bare client pushes (b) and while Parley's worker sends (a)'s pushes.
 *
 * Run: npm run bench:push
 */
import pg from 'pg';
import { tokenAppsRefreshMs } from '../src/core/push/tokens.js';
import { jobsPerPass } from '../src/core/push/worker.js';
import { pushKeys } from '../test/helpers/fake-push.js';
import { machine, median, printReport, restTarget } from './lib/b-harness.js';
import type { FanoutResult, OpenResult, RegisterResult } from './lib/b-load.js';
import { signedFormHeaders } from './lib/rest-signature.js';
import { cpuSeconds, fmt, namedCpuSeconds, runScenario, sleep, type LoadProcess } from './lib/scenario.js';

const offlineUsers = 10_000;
const onlineMembers = 200;
/** The push worker's jobs per pass (src/core/push/worker.ts): the bare client keeps as many in flight. */
const inFlight = jobsPerPass;
const messagesPerRound = 5;
/** Online rounds are spaced out: light chat beside the push, measuring latency, not a second saturating load. */
const roundGapMs = 250;
const quietRounds = 8;
/** Rounds of (bare client, Parley), alternated. */
const rounds = 3;
const apns = { teamId: 'TEAM123456', keyId: 'KEY1234567', bundleId: 'com.example.bench' };

/** A timed run of 10,000 pushes: wall ms to the last, and the busy share of the pusher and of the fake. */
interface Timed {
  ms: number;
  /** The pusher's busy share: Parley (its push work and the online rounds' delivery) or the bare client. */
  busy: number;
  providerBusy: number;
  /** Postgres's and Redis's busy share (every process of theirs on the machine) over the same time. */
  postgresBusy: number;
  redisBusy: number;
}

/** CPU seconds so far of the services both kinds of round share. */
const serviceCpu = () => ({ postgres: namedCpuSeconds('postgres') ?? NaN, redis: namedCpuSeconds('redis-server') ?? NaN });
const serviceBusy = (before: ReturnType<typeof serviceCpu>, s: number) => {
  const after = serviceCpu();
  return { postgresBusy: (after.postgres - before.postgres) / s, redisBusy: (after.redis - before.redis) / s };
};

interface Waited {
  accepted: number;
  firstAt: number;
  lastAt: number;
  refused: number;
}

const problems: string[] = [];
const check = (what: string, ok: boolean) => {
  if (!ok) problems.push(what);
  return ok;
};
const began = performance.now();
const lines: string[] = [];

/** One round of group messages to the online members: ms per message, end to end. */
async function onlineRound(load: LoadProcess, trigger: object): Promise<number> {
  const r = await load.call<FanoutResult>({ op: 'fanout', pool: 'o', trigger, messages: messagesPerRound, concurrency: 1, checkSeq: true });
  await sleep(roundGapMs);
  check(`online round: ${r.received} of ${r.expected} deliveries, ${r.extra} clients with duplicates, ${r.failures} publishes failed`, r.complete && r.extra === 0 && r.failures === 0 && r.seqErrors === 0);
  return r.ms / messagesPerRound;
}

const parleyOutput = await runScenario(problems, async (scope) => {
  const keys = pushKeys();
  const provider = await scope.load('push-fake-apns.ts');
  const { url: apnsUrl } = await provider.call<{ url: string }>({ op: 'start', ...apns, publicKey: keys.apnsPublicKey.export({ type: 'spki', format: 'pem' }).toString() });
  const storage = await scope.storage();
  const parley = await scope.parley({ env: storage.env, push: { apns: { ...apns, privateKey: keys.apnsPrivateKey, endpoint: apnsUrl } } });
  const app = restTarget(parley);
  const load = await scope.load('b-load.ts');

  // Offline users need no Parley token (they never connect): only group membership and a device token.
  const reg = await load.call<RegisterResult>({ op: 'register', ...app, prefix: 'o', start: 0, count: onlineMembers, extra: ['sender'], concurrency: 32 });
  check(`getToken: ${reg.failures} failed (${reg.firstError ?? ''})`, reg.failures === 0);
  const pages = Array.from({ length: offlineUsers / 1000 }, (_, page) => ({ groupId: 'g1', groupName: 'bench group', userId: Array.from({ length: 1000 }, (_, i) => `p${page * 1000 + i}`) }));
  await load.call({ op: 'rest', ...app, path: '/group/join.json', bodies: pages, concurrency: 1 });
  await load.call({ op: 'rest', ...app, path: '/group/create.json', body: { groupId: 'g2', groupName: 'online group', userId: Array.from({ length: onlineMembers }, (_, i) => `o${i}`) } });
  const db = new pg.Client({ connectionString: storage.env.DATABASE_URL });
  await db.connect();
  await db.query(
    `INSERT INTO push_tokens (app_key, user_id, device_id, provider, token, updated_at)
     SELECT $1, 'p' || i, 'phone', 'apns', lpad(to_hex(i), 64, '0'), $2 FROM generate_series(0, $3::int - 1) AS i`,
    [app.appKey, Date.now(), offlineUsers],
  );
  await db.end();
  const tokensReady = sleep(tokenAppsRefreshMs + 500); // Parley learns that the app has tokens on its next refresh

  const opened = await load.call<OpenResult>({ op: 'open', pool: 'o', wsUrl: parley.wsUrl, prefix: 'o', start: 0, count: onlineMembers });
  check(`online members: ${opened.failures} connects failed (${opened.firstError ?? ''})`, opened.failures === 0);
  const onlineTrigger = { kind: 'rest', ...app, path: '/message/group/publish.json', body: { fromUserId: 'sender', toGroupId: 'g2', objectName: 'RC:TxtMsg' } };
  await onlineRound(load, onlineTrigger); // warm-up
  const quiet: number[] = [];
  for (let i = 0; i < quietRounds; i++) quiet.push(await onlineRound(load, onlineTrigger));
  await tokensReady;

  const bare = await scope.load('push-bare-client.ts', 'server');
  const bareArgs = { op: 'push', url: apnsUrl, concurrency: inFlight, ...apns, privateKey: keys.apnsPrivateKey };
  await bare.call({ ...bareArgs, count: 1_000 }); // warms the fake and the client up

  /** Online rounds until `work` is done (into `into`); resolves with what `work` resolved with. */
  const onlineDuring = async <T>(work: Promise<T>, into: number[]): Promise<T> => {
    let done = false;
    void work.finally(() => (done = true)).catch(() => undefined);
    while (!done) into.push(await onlineRound(load, onlineTrigger));
    return work;
  };

  /** The group send to the offline users; `disablePush` makes it the same message delivery with no push work at all. */
  const sendToOffline = async (text: string, disablePush: boolean): Promise<number> => {
    const sentAt = Date.now();
    const body = new URLSearchParams({ fromUserId: 'sender', toGroupId: 'g1', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: text }), ...(disablePush && { disablePush: 'true' }) });
    const answer = await fetch(`${app.url}/message/group/publish.json`, { method: 'POST', headers: signedFormHeaders(app), body });
    check(`group send to the offline users: HTTP ${answer.status} ${await answer.text()}`, answer.ok);
    return sentAt;
  };
  await sendToOffline('warm-up', true); // the group's first send loads its 10,000 members: not in either kind of round

  /**
   * (b) The bare client pushes to every token, on the server core, while Parley makes the
   * same group send with `disablePush`: the same message delivery (10,000 inbox entries)
   * and the same traffic to the fake, with no push work in Parley. The online rounds go on
   * as in (a), so that both share the machine alike.
   */
  const bareRound = async (round: number): Promise<Timed & { parleyBusy: number }> => {
    const { index: from } = await provider.call<{ index: number }>({ op: 'mark' });
    const cpu0 = [cpuSeconds(bare.pid), cpuSeconds(provider.pid), cpuSeconds(parley.child.pid!)] as const;
    const services0 = serviceCpu();
    const sending = sendToOffline(`no push ${round}`, true);
    const run = await onlineDuring(bare.call<{ startedAt: number; failures: number }>({ ...bareArgs, count: offlineUsers }), barePushing);
    await sending;
    const done = await provider.call<Waited>({ op: 'waitFor', from, count: offlineUsers, timeoutMs: 10_000 });
    check(`bare client: ${done.accepted} of ${offlineUsers} accepted, ${run.failures} failed`, done.accepted === offlineUsers && run.failures === 0);
    const s = (done.lastAt - run.startedAt) / 1000;
    return {
      ms: done.lastAt - run.startedAt,
      busy: (cpuSeconds(bare.pid) - cpu0[0]) / s,
      providerBusy: (cpuSeconds(provider.pid) - cpu0[1]) / s,
      parleyBusy: (cpuSeconds(parley.child.pid!) - cpu0[2]) / s,
      ...serviceBusy(services0, s),
    };
  };

  /** (a) One group send to the offline users, online rounds going on until the last push. */
  const parleyRound = async (round: number): Promise<Timed & { answerMs: number; firstMs: number; fromSendMs: number }> => {
    const { index: from } = await provider.call<{ index: number }>({ op: 'mark' });
    const waiting = provider.call<Waited>({ op: 'waitFor', from, count: offlineUsers, timeoutMs: 30_000 });
    const cpu0 = [cpuSeconds(parley.child.pid!), cpuSeconds(provider.pid)] as const;
    const services0 = serviceCpu();
    const sentAt = await sendToOffline(`push fan-out ${round}`, false);
    const answeredAt = Date.now();
    const pushed = await onlineDuring(waiting, pushing);
    check(`Parley: ${pushed.accepted} of ${offlineUsers} pushes accepted, ${pushed.refused} refused`, pushed.accepted === offlineUsers && pushed.refused === 0);
    const s = (pushed.lastAt - sentAt) / 1000;
    return {
      ms: pushed.lastAt - answeredAt,
      answerMs: answeredAt - sentAt,
      firstMs: pushed.firstAt - answeredAt,
      fromSendMs: pushed.lastAt - sentAt,
      busy: (cpuSeconds(parley.child.pid!) - cpu0[0]) / s,
      providerBusy: (cpuSeconds(provider.pid) - cpu0[1]) / s,
      ...serviceBusy(services0, s),
    };
  };

  const pushing: number[] = [];
  const barePushing: number[] = [];
  const bares: Array<Awaited<ReturnType<typeof bareRound>>> = [];
  const parleys: Array<Awaited<ReturnType<typeof parleyRound>>> = [];
  // Alternated, so that a burst of load from elsewhere hits both.
  for (let round = 0; round < rounds; round++) {
    bares.push(await bareRound(round));
    parleys.push(await parleyRound(round));
  }
  await sleep(1_000); // a push of a `disablePush` send would have come by now
  const { index: total } = await provider.call<{ index: number }>({ op: 'mark' });
  const expected = 1_000 + 2 * rounds * offlineUsers;
  check(`the fake answered ${total} pushes, ${expected} expected (a disablePush send pushed?)`, total === expected);

  const rate = (t: Timed) => (offlineUsers * 1000) / t.ms;
  const pct = (share: number) => (Number.isNaN(share) ? 'not seen (no such process here)' : `${fmt(share * 100)}%`);
  const pooled = (timed: Timed[]) => (timed.length * offlineUsers * 1000) / timed.reduce((sum, t) => sum + t.ms, 0);
  const ratio = pooled(parleys) / pooled(bares);
  const [quietMs, pushingMs, barePushingMs] = [median(quiet), median(pushing), median(barePushing)];
  lines.push(
    `push-fanout: Parley on Postgres + Redis pinned to core 0, fake APNs (HTTP/2 cleartext) on core 1 (${machine()})`,
    `  ${fmt(offlineUsers)} offline users with an iPhone token in one group; ${rounds} rounds, each: the bare client pushes to all beside a group send with disablePush, then one group send that Parley pushes`,
    ...parleys.map(
      (p, i) =>
        `  round ${i + 1}: Parley answered the send in ${fmt(p.answerMs)} ms, first push ${fmt(p.firstMs)} ms after the answer, last ${fmt(p.ms)} ms after it (${fmt(p.fromSendMs)} ms after the send): ` +
        `${fmt(rate(p))} pushes/s (busy: Parley ${pct(p.busy)}, fake ${pct(p.providerBusy)}, Postgres ${pct(p.postgresBusy)}, Redis ${pct(p.redisBusy)}); ` +
        `bare client ${fmt(rate(bares[i]!))} pushes/s (busy: client ${pct(bares[i]!.busy)}, Parley ${pct(bares[i]!.parleyBusy)}, fake ${pct(bares[i]!.providerBusy)}, Postgres ${pct(bares[i]!.postgresBusy)}, Redis ${pct(bares[i]!.redisBusy)})`,
    ),
    `  pushes/s over the rounds, answer to last push: Parley ${fmt(pooled(parleys))}, bare node:http2 client (${inFlight} in flight, one session) ${fmt(pooled(bares))}`,
    `  ratio Parley / bare client (same fake, same run): ${fmt(ratio, 2)} (target >= 0.50: ${ratio >= 0.5 ? 'met' : 'MISSED'})`,
    `  online delivery, ${fmt(onlineMembers)} members of another group, ${messagesPerRound} messages per round one at a time, a round every ~${roundGapMs} ms; ms per message end to end:`,
    `    quiet: median ${fmt(quietMs, 1)} ms over ${quiet.length} rounds`,
    `    while the bare client pushes (Parley delivers the same send, disablePush): median ${fmt(barePushingMs, 1)} ms, worst ${fmt(Math.max(...barePushing), 1)} ms over ${barePushing.length} rounds (${fmt(barePushingMs / quietMs, 2)}x quiet)`,
    `    while Parley pushes: median ${fmt(pushingMs, 1)} ms, worst ${fmt(Math.max(...pushing), 1)} ms over ${pushing.length} rounds (${fmt(pushingMs / quietMs, 2)}x quiet, ${fmt(pushingMs / barePushingMs, 2)}x while the bare client pushes)`,
    '  busy: CPU time / wall time (Parley: from the send to the last push, online rounds included)',
  );
});

lines.push(`scenario wall time ${fmt((performance.now() - began) / 1000, 1)} s`);
printReport(lines, problems, parleyOutput);
