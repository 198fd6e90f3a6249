/**
 * Capacity sim (docs/capacity.md): checks the per-operation Redis and Postgres costs of
 * bench/lib/capacity-model.ts against one Parley node, then replays a synthetic day of
 * traffic and checks that the model predicts its totals.
 *
 * Parley runs as its own process on a Redis and a Postgres of this script's own (so nothing
 * else's commands are counted): Redis commands from INFO commandstats (those inside Lua
 * scripts included), Postgres statements from pg_stat_statements (BEGIN and COMMIT
 * included). Devices speak Parley's WebSocket protocol from this process and ack every
 * message. Each phase's node background (measured idle) is taken out of its figures.
 *
 * 1. Per operation: connects; one-to-one sends to online and offline receivers; group sends
 *    to 20 members online, 20 half offline and 60 online (each against the model's cost of a
 *    group send, of a recipient and of an online recipient); reconnects owed 10 messages each.
 * 2. A day compressed to DAY_SECONDS (default 60): sends per second and sessions online follow
 *    a diurnal curve (night at a fifth of the peak); 70% of sends one-to-one, the rest to
 *    groups of 5, 20 or 60 members (50/30/20%); devices going offline and back catch up.
 *
 * Prints measured against model per operation and for the day, what a command and a statement
 * took (Redis CPU, Postgres execution, WAL and bytes per history row), and exits non-zero when
 * a measurement is off the model by more than its tolerance. One Redis: on Redis Cluster the
 * same commands spread over the masters (docs/capacity.md). Run: npm run bench:capacity
 * (PEAK_SENDS, default 40 sends/s at mid-day, and DAY_SECONDS change the day).
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import WebSocket from 'ws';
import { startOwnPostgres, startOwnRedis } from '../test/helpers/own-services.js';
import { deployment, idlePerNodeSecond, load, perOperation, tolerance, type Cost } from './lib/capacity-model.js';
import { startParleyProcess, type ParleyProcess } from './lib/parley-process.js';
import { signedFormHeaders } from './lib/rest-signature.js';
import { cpuSeconds, fmt, sleep } from './lib/scenario.js';

const daySeconds = Number(process.env.DAY_SECONDS ?? 60);
const peakSendsPerSecond = Number(process.env.PEAK_SENDS ?? 40);
const users = 240;
const failures: string[] = [];
const lines: string[] = [];

// ---- the counters ------------------------------------------------------------------------

const redisServer = await startOwnRedis({ persistent: false });
const postgresServer = await startOwnPostgres({ shared_preload_libraries: 'pg_stat_statements' });
const redisProbe = new Redis(redisServer.url);
const pgProbe = new pg.Client({ connectionString: postgresServer.url });

async function counters(): Promise<Cost> {
  const info = await redisProbe.info('commandstats');
  let redis = 0;
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (!['info', 'ping', 'hello', 'client'].includes(match[1]!)) redis += Number(match[2]);
  }
  const { rows } = await pgProbe.query<{ calls: string }>(
    `SELECT coalesce(sum(calls), 0) AS calls FROM pg_stat_statements
     WHERE query NOT ILIKE '%pg_stat_statements%' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return { redis, postgres: Number(rows[0]!.calls) };
}

/** CPU seconds of Redis and of the Parley node, and Postgres statement execution ms, so far. */
async function resources(): Promise<{ redisCpu: number; pgExecMs: number; walBytes: number; nodeCpu: number }> {
  const info = await redisProbe.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  const { rows } = await pgProbe.query<{ ms: string; wal: string }>(
    `SELECT (SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%') AS ms,
            pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS wal`,
  );
  return { redisCpu: field('used_cpu_sys') + field('used_cpu_user'), pgExecMs: Number(rows[0]!.ms), walBytes: Number(rows[0]!.wal), nodeCpu: cpuSeconds(node().child.pid ?? 0) };
}

async function bytesPerHistoryRow(): Promise<number> {
  const { rows } = await pgProbe.query<{ bytes: string; count: string }>(
    `SELECT (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'messages'::regclass) AS bytes, (SELECT count(*) FROM messages) AS count`,
  );
  return Number(rows[0]!.bytes) / Number(rows[0]!.count);
}

const minus = (a: Cost, b: Cost): Cost => ({ redis: a.redis - b.redis, postgres: a.postgres - b.postgres });
const scaled = (a: Cost, k: number): Cost => ({ redis: a.redis * k, postgres: a.postgres * k });
const plus = (a: Cost, b: Cost): Cost => ({ redis: a.redis + b.redis, postgres: a.postgres + b.postgres });

/** Runs `work`, waits for the deliveries it caused to settle, and returns its cost without the node's idle background. */
async function measured(work: () => Promise<void>): Promise<Cost> {
  const before = await counters();
  const started = Date.now();
  await work();
  await settled();
  const seconds = (Date.now() - started) / 1000;
  return minus(minus(await counters(), before), scaled(idle, seconds));
}

// ---- devices and REST ----------------------------------------------------------------------

let parley: ParleyProcess | undefined;
/** The Parley node, once started. */
function node(): ParleyProcess {
  if (!parley) throw new Error('parley is not running');
  return parley;
}
const tokens = new Map<string, string>();
let expected = 0;
let received = 0;

async function rest(path: string, body: Record<string, string | string[]>): Promise<Record<string, unknown>> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
  const res = await fetch(node().url + path, { method: 'POST', headers: signedFormHeaders(node()), body: params.toString() });
  const answer = (await res.json()) as Record<string, unknown>;
  if (answer.code !== 200) throw new Error(`${path}: ${JSON.stringify(answer)}`);
  return answer;
}

/** Waits until every delivery expected has arrived and nothing has moved for half a second (acks and outbox cleanup land). */
async function settled(): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = -1;
  while (received < expected || received !== last) {
    if (Date.now() > deadline) throw new Error(`deliveries: ${received} of ${expected} after 20 s`);
    last = received;
    await sleep(500);
  }
}

/** A device's request that gets no answer fails the run instead of hanging it. */
function withTimeout<T>(what: string, promise: Promise<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class Device {
  private ws: WebSocket | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (frame: Record<string, unknown>) => void>();
  online = false;
  /** Messages received during the last connect, before `synced`. */
  caughtUp = 0;

  constructor(readonly userId: string) {}

  connect(): Promise<void> {
    return withTimeout(`connect ${this.userId}`, new Promise((resolve, reject) => {
      const ws = new WebSocket(node().wsUrl);
      this.ws = ws;
      this.caughtUp = 0;
      let synced = false;
      ws.on('error', reject);
      ws.on('open', () => ws.send(JSON.stringify({ op: 'connect', id: 0, token: tokens.get(this.userId), deviceId: `${this.userId}-phone`, platform: 'ios', lastSeq: 0 })));
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { op: string; id?: number; ok?: boolean; message?: { seq?: number } };
        if (frame.op === 'message') {
          if (synced) received++;
          else this.caughtUp++;
          ws.send(JSON.stringify({ op: 'ack', id: this.nextId++, seq: frame.message?.seq }));
        } else if (frame.op === 'synced') {
          synced = true;
          this.online = true;
          resolve();
        } else if (frame.op === 'result' && frame.id === 0 && !frame.ok) {
          reject(new Error(`connect ${this.userId}: ${data.toString()}`));
        } else if (frame.op === 'result' && frame.id !== undefined) {
          this.waiting.get(frame.id)?.(frame);
          this.waiting.delete(frame.id);
        }
      });
    }));
  }

  async close(): Promise<void> {
    this.online = false;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
    });
  }

  send(conversationType: number, targetId: string): Promise<void> {
    const id = this.nextId++;
    return withTimeout(`send from ${this.userId}`, new Promise((resolve, reject) => {
      this.waiting.set(id, (frame) => (frame.ok ? resolve() : reject(new Error(`send: ${JSON.stringify(frame)}`))));
      this.ws!.send(JSON.stringify({ op: 'send', id, conversationType, targetId, objectName: 'RC:TxtMsg', content: { content: `from ${this.userId}` } }));
    }));
  }
}

const devices = Array.from({ length: users }, (_, i) => new Device(`u${i}`));
const groups = new Map<string, string[]>();

async function createGroup(groupId: string, members: string[]): Promise<void> {
  await rest('/group/create.json', { userId: members, groupId, groupName: groupId });
  groups.set(groupId, members);
}

/** Online members other than the sender: the deliveries a group send makes. */
const onlineOf = (groupId: string, sender: string) => groups.get(groupId)!.filter((u) => u !== sender && devices[Number(u.slice(1))]!.online).length;
const deviceOf = (userId: string) => devices[Number(userId.slice(1))]!;

async function sendPrivate(from: Device, to: string): Promise<void> {
  if (deviceOf(to).online) expected++;
  await from.send(1, to);
}

async function sendGroup(from: Device, groupId: string): Promise<void> {
  expected += onlineOf(groupId, from.userId);
  await from.send(3, groupId);
}

// ---- the model against the measurements -------------------------------------------------

let idle: Cost = { redis: 0, postgres: 0 };

function check(label: string, got: Cost, model: Cost): void {
  const off = (a: number, b: number) => (b === 0 ? Math.abs(a) : Math.abs(a - b) / b);
  const bad = (a: number, b: number) => off(a, b) > tolerance && Math.abs(a - b) > 0.5;
  const mark = (a: number, b: number) => (bad(a, b) ? ' OFF' : '');
  lines.push(
    `${label.padEnd(44)} redis ${fmt(got.redis, 1).padStart(8)} / model ${fmt(model.redis, 1).padStart(8)}${mark(got.redis, model.redis).padEnd(5)}` +
      `   postgres ${fmt(got.postgres, 2).padStart(8)} / model ${fmt(model.postgres, 2).padStart(8)}${mark(got.postgres, model.postgres)}`,
  );
  if (bad(got.redis, model.redis) || bad(got.postgres, model.postgres)) failures.push(`${label}: measured ${JSON.stringify(got)}, model ${JSON.stringify(model)}`);
}

async function perOperationPhase(): Promise<void> {
  const probeIdle = await counters();
  await sleep(3_000);
  idle = scaled(minus(await counters(), probeIdle), 1 / 3);
  check('node background, per second', idle, idlePerNodeSecond);

  const online = devices.slice(0, 200);
  const connect = await measured(async () => {
    for (const d of online) await d.connect();
  });
  check('connect, nothing owed', scaled(connect, 1 / online.length), perOperation.connect);

  const toOnline = await measured(async () => {
    for (let i = 0; i < 100; i++) await sendPrivate(devices[i]!, `u${i + 1}`);
  });
  const toOffline = await measured(async () => {
    for (let i = 0; i < 100; i++) await sendPrivate(devices[i]!, `u${200 + (i % 40)}`);
  });
  check('one-to-one send, receiver offline', scaled(toOffline, 1 / 100), perOperation.privateOffline);
  check('one-to-one send, receiver online', scaled(toOnline, 1 / 100), plus(perOperation.privateOffline, perOperation.privateOnlineReceiver));

  await createGroup('g20', devices.slice(0, 20).map((d) => d.userId));
  await createGroup('g20half', [...devices.slice(0, 10), ...devices.slice(200, 210)].map((d) => d.userId));
  await createGroup('g60', devices.slice(0, 60).map((d) => d.userId));
  const each = async (groupId: string) => scaled(await measured(async () => {
    for (let i = 0; i < 20; i++) await sendGroup(devices[i % 10]!, groupId);
  }), 1 / 20);
  // Recipients are the members but the sender (one of the first ten, online).
  const groupModel = (recipients: number, online: number) =>
    plus(plus(perOperation.groupBase, scaled(perOperation.groupRecipient, recipients)), scaled(perOperation.groupOnlineRecipient, online));
  check('group send, 20 members online', await each('g20'), groupModel(19, 19));
  check('group send, 20 members, 10 offline', await each('g20half'), groupModel(19, 9));
  check('group send, 60 members online', await each('g60'), groupModel(59, 59));

  const away = devices.slice(100, 150);
  for (const d of away) await d.close();
  for (let round = 0; round < 10; round++) for (let i = 0; i < away.length; i++) await sendPrivate(devices[i]!, away[i]!.userId);
  await settled();
  const reconnect = await measured(async () => {
    for (const d of away) await d.connect();
  });
  const owed = away.reduce((n, d) => n + d.caughtUp, 0) / away.length;
  if (owed !== 10) failures.push(`catch-up: ${owed} messages per reconnect, 10 owed`);
  check('catch-up, per message owed', scaled(minus(scaled(reconnect, 1 / away.length), scaled(connect, 1 / online.length)), 1 / 10), perOperation.catchUpMessage);
}

/** Night at a fifth of the peak, the peak mid-day. */
const diurnal = (t: number) => 0.2 + 0.8 * Math.sin((Math.PI * t) / daySeconds) ** 2;

/** Deterministic pseudo-random numbers (a day replays the same way every run). */
let seed = 18;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

async function dayPhase(): Promise<void> {
  const sizes = [5, 20, 60];
  const weights = [0.5, 0.3, 0.2];
  for (let i = 0; i < 30; i++) {
    const size = sizes[i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2]!;
    const members = new Set<string>();
    while (members.size < size) members.add(`u${Math.floor(random() * users)}`);
    await createGroup(`day${i}`, [...members]);
  }
  const dayGroups = [...groups.keys()].filter((g) => g.startsWith('day'));
  const tally = { privateSends: 0, privateOnline: 0, groupSends: 0, members: 0, onlineMembers: 0, connects: 0, owed: 0 };
  const before = await counters();
  const resourcesBefore = await resources();
  const started = Date.now();
  for (let second = 0; second < daySeconds; second++) {
    const curve = diurnal(second + 0.5);
    // Sessions follow the curve: between 60 and 200 of the first 200 users online.
    const target = Math.round(200 * (0.3 + 0.7 * curve));
    const pool = devices.slice(0, 200);
    const onlineNow = pool.filter((d) => d.online);
    if (onlineNow.length > target) for (const d of onlineNow.slice(target)) await d.close();
    for (const d of pool.filter((x) => !x.online).slice(0, Math.max(0, target - onlineNow.length))) {
      await d.connect();
      tally.connects++;
      tally.owed += d.caughtUp;
    }
    const sends = Math.round(peakSendsPerSecond * curve);
    const senders = pool.filter((d) => d.online);
    const tick = Date.now();
    const work: Array<Promise<void>> = [];
    for (let n = 0; n < sends; n++) {
      const from = pick(senders);
      await sleep(Math.max(0, tick + (n * 1000) / sends - Date.now()));
      if (random() < 0.7) {
        const to = `u${Math.floor(random() * users)}`;
        if (to === from.userId) continue;
        tally.privateSends++;
        if (deviceOf(to).online) tally.privateOnline++;
        work.push(sendPrivate(from, to));
      } else {
        let r = random();
        const size = sizes[weights.findIndex((w) => (r -= w) < 0)] ?? 60;
        const groupId = pick(dayGroups.filter((g) => groups.get(g)!.length === size && groups.get(g)!.includes(from.userId))) ?? undefined;
        if (!groupId) continue;
        tally.groupSends++;
        tally.members += size;
        tally.onlineMembers += onlineOf(groupId, from.userId);
        work.push(sendGroup(from, groupId));
      }
    }
    await Promise.all(work);
  }
  await settled();
  const seconds = (Date.now() - started) / 1000;
  const got = minus(await counters(), before);
  const c = perOperation;
  const model = [
    scaled(c.privateOffline, tally.privateSends),
    scaled(c.privateOnlineReceiver, tally.privateOnline),
    scaled(c.groupBase, tally.groupSends),
    scaled(c.groupRecipient, tally.members - tally.groupSends),
    scaled(c.groupOnlineRecipient, tally.onlineMembers),
    scaled(c.connect, tally.connects),
    scaled(c.catchUpMessage, tally.owed),
    scaled(idlePerNodeSecond, seconds),
  ].reduce(plus);
  lines.push(
    `day of ${daySeconds} s: ${fmt(tally.privateSends)} one-to-one sends (${fmt(tally.privateOnline)} to online receivers), ${fmt(tally.groupSends)} group sends ` +
      `(${fmt(tally.members)} member copies, ${fmt(tally.onlineMembers)} online), ${fmt(tally.connects)} connects owed ${fmt(tally.owed)} messages, over ${fmt(seconds, 1)} s`,
  );
  check('the day, in total', got, model);
  const used = await resources();
  const sends = tally.privateSends + tally.groupSends;
  lines.push(
    `what it took: Redis ${fmt(((used.redisCpu - resourcesBefore.redisCpu) * 1e6) / got.redis, 1)} µs CPU per command; Postgres ${fmt((used.pgExecMs - resourcesBefore.pgExecMs) / got.postgres, 3)} ms ` +
      `execution per statement, ${fmt((used.walBytes - resourcesBefore.walBytes) / sends)} bytes of WAL per send, ${fmt(await bytesPerHistoryRow())} bytes per history row with its indexes; the Parley node ${fmt(((used.nodeCpu - resourcesBefore.nodeCpu) * 1000) / sends, 2)} ms CPU per send, ${fmt(((used.nodeCpu - resourcesBefore.nodeCpu) * 1e6) / (tally.privateSends + tally.members - tally.groupSends), 0)} µs per message copy`,
  );
}

// ---- run -------------------------------------------------------------------------------------

try {
  await pgProbe.connect();
  await pgProbe.query('CREATE EXTENSION pg_stat_statements');
  parley = await startParleyProcess({ env: { DATABASE_URL: postgresServer.url, REDIS_URL: redisServer.url }, features: { historyPrivateGroup: true } });
  for (const d of devices) tokens.set(d.userId, (await rest('/user/getToken.json', { userId: d.userId, name: d.userId })).token as string);
  await perOperationPhase();
  await dayPhase();
  const projected = load(deployment);
  lines.push(`the model at docs/capacity.md's peak (50,000 sends/s): ${fmt(projected.redis)} Redis commands/s, ${fmt(projected.postgres)} Postgres statements/s before group commit`);
} catch (err) {
  failures.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
} finally {
  await Promise.all(devices.map((d) => d.close()));
  const output = parley ? parley.output() : '';
  await parley?.stop();
  redisProbe.disconnect();
  await pgProbe.end().catch(() => undefined);
  await redisServer.close();
  await postgresServer.close();
  process.stdout.write(`capacity sim: per-operation costs on one node (Redis commands, Postgres statements), tolerance ±${tolerance * 100}%\n`);
  for (const line of lines) process.stdout.write(`  ${line}\n`);
  if (failures.length > 0) {
    process.stderr.write(`FAILED:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
    if (output) process.stderr.write(`parley output:\n${output.slice(-2000)}\n`);
    process.exitCode = 1;
  }
}
