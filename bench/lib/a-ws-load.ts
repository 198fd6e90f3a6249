/**
 * WebSocket load process of ws-relay, started pinned to the load core (ScenarioScope.load
 * in bench/lib/scenario.ts). One JSON command per stdin line, one JSON answer per stdout
 * line (bench/lib/load-commands.ts):
 *
 * `{op:"relay", kind:"parley"|"raw", window, warmupSec, measureSec, …}`: device A sends
 * one-to-one messages to device B, keeping at most `window` sent but not yet delivered to
 * B; answers the messages per second B received during the measured seconds, the
 * end-to-end latency, and the counts to check (sent, delivered, duplicates, failed sends).
 *
 * - parley: `wsUrl`, `sender` / `receiver` {userId, token}: two ParleyClients; A uses `send`
 *   requests (each answered with a result), B acks what it receives as a device does.
 * - raw: `wsUrl` of bench/lib/a-raw-ws-relay.ts: A writes the same `send` frames, the relay
 *   forwards them to B.
 */
import WebSocket from 'ws';
import { ParleyClient } from '../../src/client/client.js';
import { answerCommands } from './load-commands.js';

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
  kind: 'parley' | 'raw';
  wsUrl: string;
  window: number;
  warmupSec: number;
  measureSec: number;
  sender?: { userId: string; token: string };
  receiver?: { userId: string; token: string };
}

interface Endpoints {
  /** Sends message number `n`. */
  send(n: number): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function relay(cmd: RelayCommand): Promise<RelayResult> {
  const sentAt: number[] = [];
  const seen = new Uint8Array(10_000_000);
  let sent = 0;
  let delivered = 0;
  let duplicates = 0;
  let okSends = 0;
  let failedSends = 0;
  let sending = true;
  let measuring = false;
  const latencies: number[] = [];

  const pump = () => {
    while (sending && sent - delivered < cmd.window && sent < seen.length) {
      const n = sent++;
      sentAt[n] = performance.now();
      endpoints.send(n);
    }
  };
  const onDelivered = (n: number) => {
    if (!(n >= 0 && n < sent) || seen[n]) {
      duplicates++;
      return;
    }
    seen[n] = 1;
    delivered++;
    if (measuring) latencies.push(performance.now() - sentAt[n]!);
    pump();
  };
  const numberIn = (content: unknown): number => {
    const body = (typeof content === 'string' ? JSON.parse(content) : content) as { content?: string };
    return Number(body.content?.slice(4));
  };
  const frameFor = (n: number) => ({
    conversationType: 1,
    targetId: cmd.receiver?.userId ?? 'b',
    objectName: 'RC:TxtMsg',
    content: { content: `msg ${n}` },
  });

  let endpoints: Endpoints;
  if (cmd.kind === 'parley') {
    const { sender, receiver } = cmd;
    if (!sender || !receiver) throw new Error('parley relay needs sender and receiver');
    const a = new ParleyClient({ url: cmd.wsUrl, token: sender.token, deviceId: `${sender.userId}-bench`, platform: 'ios', reconnect: false });
    const b = new ParleyClient({ url: cmd.wsUrl, token: receiver.token, deviceId: `${receiver.userId}-bench`, platform: 'ios', reconnect: false });
    b.on('message', (message) => onDelivered(numberIn(message.content)));
    await Promise.all([a.connect(), b.connect()]);
    endpoints = {
      send: (n) => {
        a.send(frameFor(n)).then(
          () => okSends++,
          () => failedSends++,
        );
      },
      close: async () => {
        await Promise.all([a.close(), b.close()]);
      },
    };
  } else {
    const open = (role: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`${cmd.wsUrl}?role=${role}`);
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
    const b = await open('b');
    const a = await open('a');
    b.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { content: unknown };
      onDelivered(numberIn(frame.content));
    });
    let id = 0;
    endpoints = {
      send: (n) => {
        a.send(JSON.stringify({ op: 'send', id: ++id, ...frameFor(n) }));
        okSends++;
      },
      close: async () => {
        await Promise.all(
          [a, b].map((s) => new Promise<void>((resolve) => (s.readyState === WebSocket.CLOSED ? resolve() : (s.once('close', () => resolve()), s.close())))),
        );
      },
    };
  }

  pump();
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
  await endpoints.close();
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
