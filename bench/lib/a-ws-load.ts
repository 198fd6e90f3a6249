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
 * - rest: A is the app backend: each message is one server-API send from A to B in the
 *   dialect `rest.dialect` (v1 `/message/private/publish.json`, Nexconn v4
 *   `/v4/direct-channel/message/send`, Tencent IM `openim/sendmsg` at `rest.tencentPath`),
 *   over kept-alive HTTP, without sender echo; B is a ParleyClient on `wsUrl` as in parley.
 *   A send counts as answered when the dialect says it succeeded.
 */
import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { ParleyClient } from '../../src/client/node.js';
import { answerCommands } from './load-commands.js';
import { signedFormHeaders } from './rest-signature.js';
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

/** The server-API send of the rest kind: which dialect, where, and the app's keys to sign with. */
export interface RestRelay {
  dialect: 'v1' | 'v4' | 'tencent';
  url: string;
  appKey: string;
  appSecret: string;
  /** tencent: `/v4/openim/sendmsg?sdkappid=…&usersig=…` (the UserSig is made by the scenario). */
  tencentPath?: string;
}

interface RelayCommand {
  kind: 'parley' | 'raw' | 'xmpp' | 'rongcloud' | 'rest';
  rest?: RestRelay;
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

/** One send of `text` from `from` to `to` in the dialect: path, headers, body, and whether an answer is a success. */
function restSend(rest: RestRelay, signed: Record<string, string>, from: string, to: string, text: string, random: number): { path: string; headers: Record<string, string>; body: string; ok: (answer: Record<string, unknown>) => boolean } {
  switch (rest.dialect) {
    case 'v1':
      return {
        path: '/message/private/publish.json',
        headers: signed,
        body: new URLSearchParams({ fromUserId: from, toUserId: to, objectName: 'RC:TxtMsg', content: JSON.stringify({ content: text }) }).toString(),
        ok: (answer) => answer.code === 200,
      };
    case 'v4':
      return {
        path: '/v4/direct-channel/message/send',
        headers: { ...signed, 'Content-Type': 'application/json' },
        body: JSON.stringify({ fromUserId: from, toUserIds: [to], messageType: 'RC:TxtMsg', content: { content: text } }),
        ok: (answer) => answer.code === 0,
      };
    case 'tencent':
      return {
        path: rest.tencentPath!,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ SyncOtherMachine: 2, From_Account: from, To_Account: to, MsgRandom: random, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }] }),
        ok: (answer) => answer.ActionStatus === 'OK',
      };
  }
}

/** POSTs over `agent`; resolves with the JSON answer, rejects on a transport error or a non-200. */
function postJson(agent: Agent, url: string, send: { path: string; headers: Record<string, string>; body: string }): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request(url + send.path, { method: 'POST', agent, headers: { ...send.headers, 'Content-Length': Buffer.byteLength(send.body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        } catch {
          reject(new Error('answer is not JSON'));
        }
      });
    });
    req.on('error', reject);
    req.end(send.body);
  });
}

const connectors: Record<RelayCommand['kind'], (cmd: RelayCommand) => Connect> = {
  rest: (cmd) => {
    const rest = cmd.rest!;
    const agent = new Agent({ keepAlive: true, maxSockets: cmd.pairs });
    // One signed header set serves the run (the bench app has no freshness window).
    const signed = signedFormHeaders(rest);
    let random = 0;
    return async (pair, delivered, answered) => {
      const [sender, receiver] = [cmd.users![2 * pair]!, cmd.users![2 * pair + 1]!];
      const b = new ParleyClient({ url: cmd.wsUrl!, token: receiver.token, deviceId: `${receiver.userId}-bench`, platform: 'ios', reconnect: false });
      b.on('message', (message) => delivered((JSON.parse(message.content) as { content: string }).content));
      await b.connect();
      return {
        send: (body) => {
          const send = restSend(rest, signed, sender.userId, receiver.userId, body, ++random);
          void postJson(agent, rest.url, send).then((answer) => answered(send.ok(answer)), () => answered(false));
        },
        close: async () => {
          await b.close();
          agent.destroy();
        },
      };
    };
  },
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
