import type { Cluster, Command, Redis } from 'ioredis';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CoreEvent, CoreEvents } from '../core/delivery/events.js';
import type { SqlClient } from '../store/sql.js';

/** How often the event loop is sampled for its lag. */
const loopSampleMs = 20;

/** Store calls are sub-millisecond to seconds (a store timeout is seconds). */
const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * What an operator watches (`GET /metrics`, Prometheus text, through prom-client): the
 * delivery core's facts counted from its events, sessions, catch-ups, and the latency of
 * every Postgres query and Redis command, plus Node's own (event-loop lag, memory).
 * One registry per node object, so that several nodes in one process (tests) stay apart.
 * Labels are bounded: app keys (configured, few), conversation kinds, origins.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly committed = new Counter({ name: 'parley_messages_committed_total', help: 'Messages durably committed, by conversation kind and origin', labelNames: ['app', 'kind', 'origin'], registers: [this.registry] });
  private readonly deliveries = new Counter({ name: 'parley_deliveries_total', help: 'Receivers of committed messages (a receiver is a user; its devices get it live or from the inbox)', labelNames: ['app', 'kind'], registers: [this.registry] });
  private readonly inboxAppends = new Counter({ name: 'parley_inbox_appends_total', help: 'Inbox entries written for committed messages', labelNames: ['app'], registers: [this.registry] });
  private readonly recalled = new Counter({ name: 'parley_messages_recalled_total', help: 'Messages recalled', labelNames: ['app'], registers: [this.registry] });
  private readonly reads = new Counter({ name: 'parley_read_positions_total', help: 'Read positions set (clear unread)', labelNames: ['app'], registers: [this.registry] });
  private readonly sessions = new Gauge({ name: 'parley_sessions', help: 'Device sessions open on this node', labelNames: ['app'], registers: [this.registry] });
  private readonly sessionsOpened = new Counter({ name: 'parley_sessions_opened_total', help: 'Device sessions opened on this node', labelNames: ['app'], registers: [this.registry] });
  private readonly catchUps = new Histogram({ name: 'parley_catch_up_messages', help: 'Inbox entries a device was sent by its catch-up at connect', buckets: [0, 1, 10, 100, 1_000, 10_000], registers: [this.registry] });
  private readonly gaps = new Counter({ name: 'parley_inbox_gaps_total', help: 'Catch-ups that found entries owed to a device gone (retention, cap, a lost store)', labelNames: ['app'], registers: [this.registry] });
  private readonly frames = new Counter({ name: 'parley_ws_frames_total', help: 'WebSocket frames of device sessions, by protocol and direction', labelNames: ['protocol', 'direction'], registers: [this.registry] });
  private readonly pushes = new Counter({ name: 'parley_pushes_total', help: 'Offline pushes tried, by provider and outcome (sent, retry, deadToken, failed, dropped)', labelNames: ['app', 'provider', 'outcome'], registers: [this.registry] });
  private readonly callbacks = new Counter({ name: 'parley_callbacks_total', help: 'Callback requests to app backends, by callback and outcome (delivered, retry, failed: given up)', labelNames: ['app', 'callback', 'outcome'], registers: [this.registry] });
  private readonly sqlSeconds = new Histogram({ name: 'parley_postgres_query_seconds', help: 'Postgres (or embedded PGlite) statement latency', labelNames: ['outcome'], buckets: latencyBuckets, registers: [this.registry] });
  private readonly redisSeconds = new Histogram({ name: 'parley_redis_command_seconds', help: 'Redis command latency', labelNames: ['command', 'outcome'], buckets: latencyBuckets, registers: [this.registry] });

  /**
   * Node's own, read at each scrape. Not prom-client's default collectors: their GC
   * observer made a node under a burst of large sends keep some 50 MB more (test/e2e/abuse.test.ts H4).
   */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: loopSampleMs });

  constructor() {
    this.loopDelay.enable();
    const loopDelay = this.loopDelay;
    new Gauge({
      name: 'parley_event_loop_lag_seconds',
      help: 'Event-loop delay since the previous scrape, by quantile',
      labelNames: ['quantile'],
      registers: [this.registry],
      collect() {
        // The monitor records the time between its samples: the lag is what exceeds the sampling interval.
        const lagSeconds = (ns: number) => Math.max(0, ns - loopSampleMs * 1e6) / 1e9;
        for (const quantile of [0.5, 0.99]) this.set({ quantile: String(quantile) }, lagSeconds(loopDelay.percentile(quantile * 100)));
        this.set({ quantile: '1' }, lagSeconds(loopDelay.max));
        loopDelay.reset();
      },
    });
    new Gauge({
      name: 'parley_memory_bytes',
      help: 'Process memory: resident set, V8 heap used, external buffers',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        const usage = process.memoryUsage();
        this.set({ kind: 'rss' }, usage.rss);
        this.set({ kind: 'heapUsed' }, usage.heapUsed);
        this.set({ kind: 'external' }, usage.external);
      },
    });
  }

  /** Stops the event-loop monitor (the node is closing). */
  close(): void {
    this.loopDelay.disable();
  }

  /** Counts the core's facts as they are committed. */
  listen(events: CoreEvents): () => void {
    return events.on((event) => this.count(event));
  }

  private count(event: CoreEvent): void {
    const app = event.app.appKey;
    switch (event.type) {
      case 'message.committed':
        this.committed.inc({ app, kind: event.kind, origin: event.origin.kind });
        this.deliveries.inc({ app, kind: event.kind }, event.recipients.length);
        this.inboxAppends.inc({ app }, event.recipients.filter((r) => r.seq !== undefined).length);
        return;
      case 'message.recalled':
        this.recalled.inc({ app });
        return;
      case 'read':
        this.reads.inc({ app });
        return;
      case 'session.opened':
        this.sessions.inc({ app });
        this.sessionsOpened.inc({ app });
        return;
      case 'session.closed':
        this.sessions.dec({ app });
        return;
      case 'caught-up':
        this.catchUps.observe(event.messages);
        return;
      case 'gap':
        this.gaps.inc({ app });
        return;
    }
  }

  /** One protocol's frame counters, bound once: a frame costs an increment, not a label lookup. */
  frameCounter(protocol: string): { received(): void; sent(): void } {
    const received = this.frames.labels(protocol, 'in');
    const sent = this.frames.labels(protocol, 'out');
    return { received: () => received.inc(), sent: () => sent.inc() };
  }

  /** A push the worker tried (or dropped). */
  pushed(app: string, provider: string, outcome: string): void {
    this.pushes.inc({ app, provider, outcome });
  }

  /** Callback requests settled: a state per event (`pending` again: to be retried). */
  calledBack(app: string, callback: string, states: readonly string[]): void {
    for (const state of states) this.callbacks.inc({ app, callback, outcome: state === 'pending' ? 'retry' : state });
  }

  /** The same client, each statement timed (transactions count their statements). */
  timedSql(sql: SqlClient): SqlClient {
    const timed = <T>(work: Promise<T>): Promise<T> => {
      const stop = this.sqlSeconds.startTimer();
      return work.then(
        (value) => (stop({ outcome: 'ok' }), value),
        (err: unknown) => {
          stop({ outcome: 'error' });
          throw err;
        },
      );
    };
    return {
      query: (text, params, options) => timed(sql.query(text, params, options)),
      exec: (text) => timed(sql.exec(text)),
      transaction: (work) => sql.transaction((tx) => work({ query: (text, params) => timed(tx.query(text, params)), exec: (text) => timed(tx.exec(text)) })),
      ping: () => sql.ping(),
      close: () => sql.close(),
    };
  }

  /** Times every command this client sends, from the call to its reply. */
  timeRedis(redis: Redis | Cluster): void {
    // A cluster's client routes each command to its node's client: timed once, redirections included.
    type Send = (command: Command, ...rest: unknown[]) => unknown;
    const client = redis as unknown as { sendCommand: Send };
    const send = client.sendCommand.bind(redis);
    client.sendCommand = (command, ...rest) => {
      const stop = this.redisSeconds.startTimer({ command: command.name });
      command.promise.then(
        () => stop({ outcome: 'ok' }),
        () => stop({ outcome: 'error' }),
      );
      return send(command, ...rest);
    };
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
