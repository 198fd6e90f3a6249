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
 *     fake, as many in flight as the worker takes per pass.
 * (c) online delivery: 200 online members of another group get short rounds of group
 *     messages (one at a time, a pause between rounds), timed before the push (quiet) and
 *     while the worker sends (a)'s pushes.
 *
 * Run: npm run bench:push
 */
import pg from 'pg';
import { tokenAppsRefreshMs } from '../src/core/push/tokens.js';
import { pushKeys } from '../test/helpers/fake-push.js';
import { machine, median, printReport, restTarget } from './lib/b-harness.js';
import type { FanoutResult, OpenResult, RegisterResult } from './lib/b-load.js';
import { signedFormHeaders } from './lib/rest-signature.js';
import { cpuSeconds, fmt, runScenario, sleep, type LoadProcess } from './lib/scenario.js';

const offlineUsers = 10_000;
const onlineMembers = 200;
/** The push worker's jobs per pass (src/core/push/worker.ts): the bare client keeps as many in flight. */
const inFlight = 64;
const messagesPerRound = 5;
/** Online rounds are spaced out: light chat beside the push, measuring latency, not a second saturating load. */
const roundGapMs = 250;
const quietRounds = 8;
const apns = { teamId: 'TEAM123456', keyId: 'KEY1234567', bundleId: 'com.example.bench' };

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

  // (a) one group send to the offline users, online rounds going on until the last push.
  const { index: from } = await provider.call<{ index: number }>({ op: 'mark' });
  const waiting = provider.call<Waited>({ op: 'waitFor', from, count: offlineUsers, timeoutMs: 40_000 });
  const [parleyCpu0, providerCpu0] = [cpuSeconds(parley.child.pid!), cpuSeconds(provider.pid)];
  const sentAt = Date.now();
  const body = new URLSearchParams({ fromUserId: 'sender', toGroupId: 'g1', objectName: 'RC:TxtMsg', content: JSON.stringify({ content: 'push fan-out' }) });
  const answer = await fetch(`${app.url}/message/group/publish.json`, { method: 'POST', headers: signedFormHeaders(app), body });
  const answeredAt = Date.now();
  check(`group send to the offline users: HTTP ${answer.status} ${await answer.text()}`, answer.ok);
  let done = false;
  void waiting.finally(() => (done = true)).catch(() => undefined);
  const pushing: number[] = [];
  while (!done) pushing.push(await onlineRound(load, onlineTrigger));
  const parleyPush = await waiting;
  const [parleyCpu, providerCpu] = [cpuSeconds(parley.child.pid!) - parleyCpu0, cpuSeconds(provider.pid) - providerCpu0];
  const pushWallS = (parleyPush.lastAt - sentAt) / 1000;
  check(`Parley: ${parleyPush.accepted} of ${offlineUsers} pushes accepted, ${parleyPush.refused} refused`, parleyPush.accepted === offlineUsers && parleyPush.refused === 0);

  // (b) the bare client, on the server core in Parley's place (stopped: nothing of its own reaches the fake), after a warm-up.
  await parley.stop();
  const bare = await scope.load('push-bare-client.ts', 'server');
  const bareArgs = { op: 'push', url: apnsUrl, concurrency: inFlight, ...apns, privateKey: keys.apnsPrivateKey };
  await bare.call({ ...bareArgs, count: 1_000 });
  const { index: bareFrom } = await provider.call<{ index: number }>({ op: 'mark' });
  const [bareCpu0, bareProviderCpu0] = [cpuSeconds(bare.pid), cpuSeconds(provider.pid)];
  const bareRun = await bare.call<{ startedAt: number; ms: number; failures: number }>({ ...bareArgs, count: offlineUsers });
  const barePush = await provider.call<Waited>({ op: 'waitFor', from: bareFrom, count: offlineUsers, timeoutMs: 10_000 });
  const bareWallS = (barePush.lastAt - bareRun.startedAt) / 1000;
  const [bareCpu, bareProviderCpu] = [cpuSeconds(bare.pid) - bareCpu0, cpuSeconds(provider.pid) - bareProviderCpu0];
  check(`bare client: ${barePush.accepted} of ${offlineUsers} accepted, ${bareRun.failures} failed`, barePush.accepted === offlineUsers && bareRun.failures === 0);

  const parleyRate = (offlineUsers * 1000) / (parleyPush.lastAt - answeredAt);
  const bareRate = (offlineUsers * 1000) / (barePush.lastAt - bareRun.startedAt);
  const ratio = parleyRate / bareRate;
  const [quietMs, pushingMs] = [median(quiet), median(pushing)];
  lines.push(
    `push-fanout: Parley on Postgres + Redis pinned to core 0, fake APNs (HTTP/2 cleartext) on core 1 (${machine()})`,
    `  Parley: ${fmt(offlineUsers)} offline users with a token in one group, one group send: answered in ${fmt(answeredAt - sentAt)} ms,`,
    `    first push ${fmt(parleyPush.firstAt - answeredAt)} ms after the answer, last push ${fmt(parleyPush.lastAt - sentAt)} ms after the send (${fmt(parleyPush.lastAt - answeredAt)} ms after the answer)`,
    `    ${fmt(parleyRate)} pushes/s from the answer to the last push (${fmt((offlineUsers * 1000) / (parleyPush.lastAt - sentAt))}/s counting the send itself)`,
    `    busy (CPU time / wall time, send to last push, online rounds included): Parley ${fmt((parleyCpu / pushWallS) * 100)}%, fake APNs ${fmt((providerCpu / pushWallS) * 100)}%`,
    `  bare node:http2 client, ${inFlight} in flight on one session: ${fmt(bareRate)} pushes/s (${fmt(barePush.lastAt - bareRun.startedAt)} ms for ${fmt(offlineUsers)}); busy: client ${fmt((bareCpu / bareWallS) * 100)}%, fake APNs ${fmt((bareProviderCpu / bareWallS) * 100)}%`,
    `  ratio Parley / bare client (same fake, same run): ${fmt(ratio, 2)} (target >= 0.50: ${ratio >= 0.5 ? 'met' : 'MISSED'})`,
    `  online delivery, ${fmt(onlineMembers)} members of another group, ${messagesPerRound} messages per round one at a time, a round every ~${roundGapMs} ms; ms per message end to end:`,
    `    quiet: median ${fmt(quietMs, 1)} ms over ${quiet.length} rounds; while pushing: median ${fmt(pushingMs, 1)} ms, worst ${fmt(Math.max(...pushing), 1)} ms over ${pushing.length} rounds (${fmt(pushingMs / quietMs, 2)}x quiet)`,
  );
});

lines.push(`scenario wall time ${fmt((performance.now() - began) / 1000, 1)} s`);
printReport(lines, problems, parleyOutput);
