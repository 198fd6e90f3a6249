/**
 * The load process of the many-client scenarios (fanout, catch-up, idle-memory), run
 * pinned to its own core (ScenarioScope.load in bench/lib/scenario.ts). It holds
 * thousands of plain `ws` clients speaking the protocol directly (no ParleyClient: too
 * heavy at 10,000), and the REST calls that drive them.
 *
 * Driven by one JSON command `{op, …}` per stdin line, answered by one JSON line on
 * stdout (bench/lib/load-commands.ts); nothing else may go to stdout. Exits when stdin ends.
 */
import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { answerCommands } from './load-commands.js';
import { signedFormHeaders } from './rest-signature.js';

type FormBody = Record<string, string | number | Array<string | number>>;

interface RestTarget {
  url: string;
  appKey: string;
  appSecret: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function formEncode(body: FormBody): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  return params.toString();
}

/** POST with keep-alive; resolves with the status and the body text. */
function post(url: string, payload: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A signed, form-encoded REST call; throws unless the answer is `{code: 200}`. */
async function rest(app: RestTarget, path: string, body: FormBody): Promise<Record<string, unknown>> {
  const { status, text } = await post(app.url + path, formEncode(body), signedFormHeaders(app));
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${path}: HTTP ${status}: ${text.slice(0, 200)}`);
  }
  if (answer.code !== 200) throw new Error(`${path}: HTTP ${status}: ${text.slice(0, 300)}`);
  return answer;
}

/** The failures of a batch of calls or connects (inParallel). */
interface BatchOutcome {
  failures: number;
  firstError?: string;
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight; collects failures. */
async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<BatchOutcome> {
  let next = 0;
  let failures = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        await task(i);
      } catch (err) {
        failures++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { failures, ...(firstError !== undefined && { firstError }) };
}

const tokens = new Map<string, string>();

// ---------------------------------------------------------------- many clients

interface Client {
  ws: WebSocket;
  userId: string;
  live: boolean;
  /** Frames received since the last reset (live phase only). */
  count: number;
  min: number;
  max: number;
  last: number;
  outOfOrder: number;
  seqs: Set<number> | undefined;
  closed: boolean;
}

const pools = new Map<string, Client[]>();
const seqKey = Buffer.from('"seq":');

/** The value of the first `"seq":` field of a frame, without parsing the JSON. */
function seqOf(frame: Buffer): number {
  const at = frame.indexOf(seqKey);
  if (at < 0) return -1;
  let n = 0;
  for (let i = at + seqKey.length; i < frame.length; i++) {
    const c = frame[i]!;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Live-phase accounting shared by every client: counts towards `target`. */
const live = {
  received: 0,
  target: Infinity,
  checkSeq: false,
  sample: undefined as string | undefined,
  done: undefined as (() => void) | undefined,
};

function onLiveFrame(client: Client, data: Buffer): void {
  client.count++;
  if (live.sample === undefined) live.sample = data.toString();
  if (live.checkSeq) {
    const seq = seqOf(data);
    client.seqs ??= new Set();
    client.seqs.add(seq);
    if (seq < client.last) client.outOfOrder++;
    client.last = seq;
    if (seq < client.min) client.min = seq;
    if (seq > client.max) client.max = seq;
  }
  if (++live.received === live.target) live.done?.();
}

/** Opens one client: connect (token from `register`, or a dummy one), waits for `synced`, joins `room`. */
function openClient(wsUrl: string, userId: string, platform: string, room: string | undefined): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false, skipUTF8Validation: true });
    const client: Client = { ws, userId, live: false, count: 0, min: Infinity, max: -Infinity, last: -Infinity, outOfOrder: 0, seqs: undefined, closed: false };
    const fail = (why: string) => {
      ws.terminate();
      reject(new Error(`${userId}: ${why}`));
    };
    const timer = setTimeout(() => fail('handshake timed out'), 30_000);
    ws.on('error', (err) => !client.live && fail(err.message));
    ws.on('close', (code) => {
      client.closed = true;
      if (!client.live) fail(`closed ${code} during handshake`);
    });
    ws.on('open', () => {
      ws.send(JSON.stringify({ op: 'connect', id: 1, token: tokens.get(userId) ?? 'raw', deviceId: `${userId}-d`, platform, lastSeq: 0 }));
    });
    ws.on('message', (data: Buffer) => {
      if (client.live) {
        onLiveFrame(client, data);
        return;
      }
      const frame = JSON.parse(data.toString()) as { op: string; id?: number; ok?: boolean; code?: number; error?: string };
      if (frame.op === 'result' && frame.ok === false) return fail(`refused ${frame.code}: ${frame.error}`);
      const goLive = () => {
        clearTimeout(timer);
        client.live = true;
        resolve(client);
      };
      if (frame.op === 'synced') {
        if (room === undefined) return goLive();
        ws.send(JSON.stringify({ op: 'chatroom.join', id: 2, chatroomId: room }));
      } else if (frame.op === 'result' && frame.id === 2) {
        goLive();
      }
    });
  });
}

/** What `register` answers. */
export interface RegisterResult extends BatchOutcome {
  ms: number;
}

/** What `open` answers: `open` is the pool's size afterwards. */
export interface OpenResult extends RegisterResult {
  open: number;
}

interface OpenArgs {
  pool: string;
  wsUrl: string;
  prefix: string;
  start: number;
  count: number;
  platform?: string;
  room?: string;
  concurrency?: number;
}

async function open(args: OpenArgs): Promise<OpenResult> {
  const clients = pools.get(args.pool) ?? [];
  pools.set(args.pool, clients);
  const started = performance.now();
  const outcome = await inParallel(args.count, args.concurrency ?? 100, async (i) => {
    clients.push(await openClient(args.wsUrl, `${args.prefix}${args.start + i}`, args.platform ?? 'ios', args.room));
  });
  return { ms: performance.now() - started, open: clients.length, ...outcome };
}

async function closePool(args: { pool: string }) {
  const clients = pools.get(args.pool) ?? [];
  pools.delete(args.pool);
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.closed) return resolve();
          const timer = setTimeout(() => {
            c.ws.terminate();
            resolve();
          }, 3_000);
          c.ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          c.ws.close();
        }),
    ),
  );
  return { closed: clients.length };
}

type Trigger =
  | ({ kind: 'rest'; path: string; body: FormBody } & RestTarget)
  | { kind: 'raw'; url: string; frame: string };

interface FanoutArgs {
  pool: string;
  trigger: Trigger;
  messages: number;
  concurrency?: number;
  checkSeq?: boolean;
  timeoutMs?: number;
}

export interface FanoutResult extends BatchOutcome {
  ms: number;
  publishMs: number;
  complete: boolean;
  clients: number;
  expected: number;
  received: number;
  short: number;
  extra: number;
  seqErrors: number;
  outOfOrder: number;
  closed: number;
  /** The first frame a client received, for a baseline to send. */
  sample?: string;
}

/**
 * Fires `messages` triggers (REST publishes or raw broadcasts) and waits until every
 * client of the pool received that many frames: deliveries per second end to end.
 */
async function fanout(args: FanoutArgs): Promise<FanoutResult> {
  const clients = pools.get(args.pool) ?? [];
  for (const c of clients) {
    c.count = 0;
    c.min = Infinity;
    c.max = -Infinity;
    c.last = -Infinity;
    c.outOfOrder = 0;
    c.seqs = undefined;
  }
  const expected = clients.length * args.messages;
  live.received = 0;
  live.target = expected;
  live.checkSeq = args.checkSeq ?? false;
  live.sample = undefined;
  const allIn = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), args.timeoutMs ?? 30_000);
    live.done = () => {
      clearTimeout(timer);
      resolve(true);
    };
  });
  const { trigger } = args;
  const started = performance.now();
  const sent = await inParallel(args.messages, args.concurrency ?? 4, async (i) => {
    if (trigger.kind === 'rest') {
      await rest(trigger, trigger.path, { ...trigger.body, content: JSON.stringify({ content: `fanout message ${i}` }) });
    } else {
      const { status } = await post(`${trigger.url}/broadcast`, trigger.frame, { 'Content-Type': 'text/plain' });
      if (status !== 200) throw new Error(`raw broadcast: HTTP ${status}`);
    }
  });
  const publishMs = performance.now() - started;
  const complete = await allIn;
  const ms = performance.now() - started;
  live.done = undefined;
  live.target = Infinity;
  // Correctness: every client got every message once; with seqs, a contiguous range.
  let short = 0;
  let extra = 0;
  let seqErrors = 0;
  let outOfOrder = 0;
  for (const c of clients) {
    if (c.count < args.messages) short++;
    if (c.count > args.messages) extra++;
    if (args.checkSeq) {
      outOfOrder += c.outOfOrder;
      if (c.seqs?.size !== args.messages || c.max - c.min + 1 !== args.messages) seqErrors++;
    }
  }
  return {
    ms,
    publishMs,
    complete,
    clients: clients.length,
    expected,
    received: live.received,
    short,
    extra,
    seqErrors,
    outOfOrder,
    closed: clients.filter((c) => c.closed).length,
    sample: live.sample,
    ...sent,
  };
}

// ---------------------------------------------------------------- catch-up

interface CatchUpArgs {
  wsUrl: string;
  userId: string;
  deviceId: string;
  expect: number;
  /** Store the message frames received in this raw server (its catch-up baseline). */
  storeTo?: string;
}

export interface CatchUpResult {
  ms: number;
  /** ms from sending `connect` to its result frame. */
  resultMs: number;
  count: number;
  first: number;
  last: number;
  /** Messages whose seq did not follow the one before. */
  breaks: number;
  syncedSeq?: number;
  gap: unknown;
  ok: boolean;
}

/** One device connects and receives what it is owed: ms from sending `connect` to `synced`. */
function catchUp(args: CatchUpArgs) {
  return new Promise<CatchUpResult>((resolve, reject) => {
    const ws = new WebSocket(args.wsUrl, { perMessageDeflate: false });
    const frames: string[] = [];
    let count = 0;
    let first = -1;
    let last = -1;
    let breaks = 0;
    let resultAt = 0;
    let started = 0;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`catch-up timed out after ${count} messages`));
    }, 30_000);
    ws.on('error', (err) => reject(err));
    ws.on('open', () => {
      started = performance.now();
      ws.send(JSON.stringify({ op: 'connect', id: 1, token: tokens.get(args.userId) ?? 'raw', deviceId: args.deviceId, platform: 'ios', lastSeq: 0 }));
    });
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      const frame = JSON.parse(text) as { op: string; ok?: boolean; code?: number; seq?: number; gap?: unknown; message?: { seq?: number } };
      if (frame.op === 'message') {
        const seq = frame.message?.seq ?? -1;
        if (count === 0) first = seq;
        else if (seq !== last + 1) breaks++;
        last = seq;
        count++;
        if (args.storeTo) frames.push(text);
      } else if (frame.op === 'result') {
        if (frame.ok === false) {
          clearTimeout(timer);
          ws.terminate();
          reject(new Error(`connect refused: ${frame.code}`));
          return;
        }
        resultAt = performance.now() - started;
      } else if (frame.op === 'synced') {
        const ms = performance.now() - started;
        clearTimeout(timer);
        ws.once('close', () => {
          const outcome = { ms, resultMs: resultAt, count, first, last, breaks, syncedSeq: frame.seq, gap: frame.gap ?? null, ok: count === args.expect && breaks === 0 };
          if (!args.storeTo) return resolve(outcome);
          storeFrames(args.storeTo, frames).then(() => resolve(outcome), reject);
        });
        ws.close();
      }
    });
  });
}

async function storeFrames(url: string, frames: string[]): Promise<void> {
  const { status } = await post(`${url}/store`, JSON.stringify(frames), { 'Content-Type': 'application/json' });
  if (status !== 200) throw new Error(`store: HTTP ${status}`);
}

// ---------------------------------------------------------------- commands

const commands: Record<string, (args: never) => Promise<unknown>> = {
  /** getToken for `prefix{start..start+count-1}` (and `extra` ids); tokens kept here. */
  async register(args: RestTarget & { prefix: string; start: number; count: number; extra?: string[]; concurrency?: number }): Promise<RegisterResult> {
    const ids = [...(args.extra ?? []), ...Array.from({ length: args.count }, (_, i) => `${args.prefix}${args.start + i}`)];
    const started = performance.now();
    const outcome = await inParallel(ids.length, args.concurrency ?? 32, async (i) => {
      const userId = ids[i]!;
      const answer = await rest(args, '/user/getToken.json', { userId, name: userId });
      tokens.set(userId, String(answer.token));
    });
    return { ms: performance.now() - started, ...outcome };
  },
  /** The same call `repeat` times (or each of `bodies`), `concurrency` in flight. */
  async rest(args: RestTarget & { path: string; body?: FormBody; bodies?: FormBody[]; repeat?: number; concurrency?: number }) {
    const bodies = args.bodies ?? Array.from({ length: args.repeat ?? 1 }, () => args.body ?? {});
    let firstAnswer: Record<string, unknown> | undefined;
    const started = performance.now();
    const outcome = await inParallel(bodies.length, args.concurrency ?? 8, async (i) => {
      const answer = await rest(args, args.path, bodies[i]!);
      firstAnswer ??= answer;
    });
    return { ms: performance.now() - started, ...outcome, firstAnswer };
  },
  open,
  close: closePool,
  fanout,
  catchUp,
};

answerCommands(
  async (command) => {
    const run = commands[String(command.op)];
    if (!run) throw new Error(`unknown command ${String(command.op)}`);
    return run(command as never);
  },
  async () => {
    for (const clients of pools.values()) for (const c of clients) c.ws.terminate();
    agent.destroy();
  },
);
