/**
 * Relay load process of ws-relay, started pinned to the load core (ScenarioScope.load in
 * bench/lib/scenario.ts). One JSON command per stdin line, one JSON answer per stdout line
 * (bench/lib/load-commands.ts):
 *
 * `{op:"relay", kind, pairs, window, warmupSec, measureSec, …}`: in each of `pairs` pairs,
 * device A sends one-to-one messages to device B, keeping at most `window` of that pair
 * sent but not yet delivered (a closed loop); answers the messages per second all Bs
 * received during the measured seconds, the end-to-end latency, and the counts to check
 * (sent, delivered, duplicates, failed sends).
 *
 * - parley: `wsUrl`, `users` [{userId, token}, …] (A of pair i is users[2i], B users[2i+1]):
 *   ParleyClients; A uses `send` requests (each answered with a result), B acks what it
 *   receives as a device does.
 * - raw: `wsUrl` of bench/lib/a-raw-ws-relay.ts: A writes the same `send` frames, the relay
 *   forwards them to B.
 * - xmpp: `port` of the private ejabberd (bench/lib/ejabberd.ts): A sends `<message>`s to
 *   B's full JID over raw XMPP (bench/lib/xmpp-client.ts).
 * - rongcloud: Parley's `baseWsUrl`, `appKey`, `users`: both devices speak RongCloud's client
 *   protocol (bench/lib/rongcloud-client.ts): send, notice, pull.
 */
import WebSocket from 'ws';
import { ParleyClient } from '../../src/client/node.js';
import { answerCommands } from './load-commands.js';
import { rongCloudDevice } from './rongcloud-client.js';
import { xmppClient } from './xmpp-client.js';

export interface RelayResult {
  deliveredPerSecond: number;
  p50: number;
  p99: number;
  sent: number;
  delivered: number;
  duplicates: number;
  /** Parley: sends answered with an error, or not answered. */
  failedSends: number;
  okSends: number;
  /** Messages still missing after the drain. */
  undelivered: number;
}

interface RelayCommand {
  kind: 'parley' | 'raw' | 'xmpp' | 'rongcloud';
  pairs: number;
  window: number;
  warmupSec: number;
  measureSec: number;
  wsUrl?: string;
  /** rongcloud: `ws://host:port`, where `/websocket` is served. */
  baseWsUrl?: string;
  appKey?: string;
  port?: number;
  users?: Array<{ userId: string; token: string }>;
}

/** One pair's two ends: A sends `body` to B. */
interface PairEnds {
  send(body: string): void;
  close(): Promise<void>;
}

/** Connects pair `pair`; B calls `delivered` with each body that arrives, A `answered` for each send. */
type Connect = (pair: number, delivered: (body: string) => void, answered: (ok: boolean) => void) => Promise<PairEnds>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const closeSocket = (socket: WebSocket) =>
  new Promise<void>((resolve) => (socket.readyState === WebSocket.CLOSED ? resolve() : (socket.once('close', () => resolve()), socket.close())));

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The text of message `n` of `pair`, and back. */
const bodyOf = (pair: number, n: number) => `m ${pair} ${n}`;
const parseBody = (body: string): [number, number] => {
  const [, pair, n] = body.split(' ');
  return [Number(pair), Number(n)];
};

const connectors: Record<RelayCommand['kind'], (cmd: RelayCommand) => Connect> = {
  parley: (cmd) => async (pair, delivered, answered) => {
    const [sender, receiver] = [cmd.users![2 * pair]!, cmd.users![2 * pair + 1]!];
    const client = (user: typeof sender) => new ParleyClient({ url: cmd.wsUrl!, token: user.token, deviceId: `${user.userId}-bench`, platform: 'ios', reconnect: false });
    const [a, b] = [client(sender), client(receiver)];
    b.on('message', (message) => delivered((JSON.parse(message.content) as { content: string }).content));
    await Promise.all([a.connect(), b.connect()]);
    return {
      send: (body) =>
        void a.send({ conversationType: 1, targetId: receiver.userId, objectName: 'RC:TxtMsg', content: { content: body } }).then(
          () => answered(true),
          () => answered(false),
        ),
      close: async () => void (await Promise.all([a.close(), b.close()])),
    };
  },
  raw: (cmd) => async (pair, delivered, answered) => {
    const b = await openSocket(`${cmd.wsUrl!}?role=b&pair=${pair}`);
    const a = await openSocket(`${cmd.wsUrl!}?role=a&pair=${pair}`);
    b.on('message', (data: Buffer) => delivered((JSON.parse(data.toString()) as { content: { content: string } }).content.content));
    let id = 0;
    return {
      send: (body) => {
        a.send(JSON.stringify({ op: 'send', id: ++id, conversationType: 1, targetId: 'b', objectName: 'RC:TxtMsg', content: { content: body } }));
        answered(true);
      },
      close: async () => void (await Promise.all([closeSocket(a), closeSocket(b)])),
    };
  },
  rongcloud: (cmd) => async (pair, delivered, answered) => {
    const [sender, receiver] = [cmd.users![2 * pair]!, cmd.users![2 * pair + 1]!];
    const device = (user: typeof sender) => rongCloudDevice(cmd.baseWsUrl!, cmd.appKey!, user.token, `${user.userId}-rc`);
    const [a, b] = await Promise.all([device(sender), device(receiver)]);
    b.onContent((content) => delivered((JSON.parse(content) as { content: string }).content));
    return {
      send: (body) => void a.send(receiver.userId, JSON.stringify({ content: body })).then(answered, () => answered(false)),
      close: async () => void (await Promise.all([a.close(), b.close()])),
    };
  },
  xmpp: (cmd) => async (_pair, delivered, answered) => {
    const [a, b] = await Promise.all([xmppClient(cmd.port!), xmppClient(cmd.port!)]);
    b.onBody(delivered);
    return {
      send: (body) => {
        a.send(b.jid, body);
        answered(true);
      },
      close: async () => void (await Promise.all([a.close(), b.close()])),
    };
  },
};

async function relay(cmd: RelayCommand): Promise<RelayResult> {
  const sentAt: number[][] = [];
  const inFlight: number[] = [];
  const seen: Array<Set<number>> = [];
  let sent = 0;
  let delivered = 0;
  let duplicates = 0;
  let okSends = 0;
  let failedSends = 0;
  let sending = true;
  let measuring = false;
  const latencies: number[] = [];
  const ends: PairEnds[] = [];

  const pump = (pair: number) => {
    while (sending && inFlight[pair]! < cmd.window) {
      const n = sentAt[pair]!.length;
      sentAt[pair]!.push(performance.now());
      inFlight[pair]!++;
      sent++;
      ends[pair]!.send(bodyOf(pair, n));
    }
  };
  const onDelivered = (body: string) => {
    const [pair, n] = parseBody(body);
    if (!(pair >= 0 && pair < cmd.pairs) || !(n >= 0 && n < sentAt[pair]!.length) || seen[pair]!.has(n)) {
      duplicates++;
      return;
    }
    seen[pair]!.add(n);
    delivered++;
    inFlight[pair]!--;
    if (measuring) latencies.push(performance.now() - sentAt[pair]![n]!);
    pump(pair);
  };
  const connect = connectors[cmd.kind](cmd);
  for (let pair = 0; pair < cmd.pairs; pair++) {
    sentAt.push([]);
    inFlight.push(0);
    seen.push(new Set());
    ends.push(await connect(pair, onDelivered, (ok) => (ok ? okSends++ : failedSends++)));
  }

  for (let pair = 0; pair < cmd.pairs; pair++) pump(pair);
  await sleep(cmd.warmupSec * 1_000);
  const startDelivered = delivered;
  const started = performance.now();
  measuring = true;
  await sleep(cmd.measureSec * 1_000);
  measuring = false;
  const elapsedSec = (performance.now() - started) / 1_000;
  const measuredDelivered = delivered - startDelivered;
  sending = false;

  // Drain: everything sent should arrive (and, on Parley, be answered).
  const drainDeadline = Date.now() + 10_000;
  while ((delivered < sent || okSends + failedSends < sent) && Date.now() < drainDeadline) await sleep(50);
  await sleep(200); // late duplicates would show here
  await Promise.all(ends.map((e) => e.close()));
  latencies.sort((x, y) => x - y);
  return {
    deliveredPerSecond: measuredDelivered / elapsedSec,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    sent,
    delivered,
    duplicates,
    failedSends: failedSends + (sent - okSends - failedSends),
    okSends,
    undelivered: sent - delivered,
  };
}

answerCommands(async (command) => {
  if (command.op === 'relay') return relay(command as unknown as RelayCommand);
  throw new Error(`unknown op ${String(command.op)}`);
});
