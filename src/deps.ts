import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { ConfigError, defaultSignatureMaxAgeSeconds, featuresSchema } from './config.js';
import { AppRegistry, type App } from './core/apps.js';
import { AppSettings } from './core/app-settings.js';
import { AccountService } from './core/accounts.js';
import { CacheNews } from './core/cache-news.js';
import { ChatroomService } from './core/chatrooms.js';
import { ConversationAccess } from './core/conversation-access.js';
import { ConversationListService } from './core/conversation-list.js';
import { BeforeSendCallback } from './core/callbacks/before-send.js';
import { CallbackDeliveries } from './core/callbacks/deliveries.js';
import { EventFeed } from './core/callbacks/event-feed.js';
import { OnlineStatusReports } from './core/callbacks/online-status.js';
import { AppWideSends } from './core/delivery/app-wide.js';
import { Committer } from './core/delivery/commit.js';
import { Deliverer } from './core/delivery/deliver.js';
import { CoreEvents } from './core/delivery/events.js';
import { Metrics } from './metrics/metrics.js';
import { RateLimits } from './core/rate-limits.js';
import { LivePush } from './core/delivery/live-push.js';
import { OutboxRelay } from './core/delivery/outbox-relay.js';
import { ConnectionLimits } from './core/connection-limits.js';
import { SignedCalls } from './core/signed-calls.js';
import { ContentPreparer, SenderProfiles } from './core/delivery/prepare.js';
import { Publisher } from './core/delivery/publish.js';
import { Devices } from './core/devices.js';
import { LocalSessions } from './core/local-sessions.js';
import { ExpansionService } from './core/expansion.js';
import { FriendService } from './core/friends.js';
import { GroupService } from './core/groups.js';
import { HistoryExportService } from './core/history-export.js';
import { HistoryService } from './core/history.js';
import { ModifyService } from './core/modify.js';
import { NodeEvents } from './core/node-events.js';
import { NodeLiveness, nodeIdFor } from './core/node-liveness.js';
import { OnlineSessions } from './core/online-sessions.js';
import { PermissionService } from './core/permissions.js';
import type { PushOutcome } from './core/push/provider.js';
import { AudiencePushes } from './core/push/audience-push.js';
import { PushPlanner } from './core/push/planner.js';
import { PushTokens } from './core/push/tokens.js';
import { stillUnacked } from './core/push/unacked.js';
import { PushWorker } from './core/push/worker.js';
import { RecallService } from './core/recall.js';
import { RetentionSweeper, retentionSweepIntervalMs } from './core/retention.js';
import { forgetRoom } from './core/room-exits.js';
import { SessionService } from './core/sessions.js';
import { UltraGroupService } from './core/ultragroups.js';
import { UserService } from './core/users.js';
import { systemClock, type Clock } from './model/clock.js';
import { createSqlAccountStore } from './store/accounts.sql.js';
import { createSqlAppStore } from './store/apps.sql.js';
import { createSqlBroadcastJobStore } from './store/broadcast-jobs.sql.js';
import { createSqlCallbackEventStore } from './store/callback-events.sql.js';
import { httpCallbackPoster } from './http/callback-poster.js';
import type { Bus } from './store/bus.js';
import type { ChatroomMembers } from './store/chatroom-members.js';
import { createSqlChatroomStore } from './store/chatrooms.sql.js';
import { createSqlConversationStore } from './store/conversations.sql.js';
import type { Engine } from './store/engine.js';
import { createMemoryEngine } from './store/engine.memory.js';
import { createRedisEngine } from './store/engine.redis.js';
import type { RedisClient } from './store/redis-client.js';
import { createSqlFriendStore } from './store/friends.sql.js';
import { createSqlGroupStore } from './store/groups.sql.js';
import { createSqlHistoryExportStore } from './store/history-exports.sql.js';
import { createSqlHistoryRetentionStore } from './store/history-retention.sql.js';
import { createSqlHistoryStore } from './store/history.sql.js';
import type { Inbox } from './store/inbox.js';
import { createSqlMessageExpansionStore } from './store/message-expansion.sql.js';
import { migrate } from './store/migrate.js';
import { createSqlOutboxStore } from './store/outbox.sql.js';
import { createSqlPermissionStore } from './store/permissions.sql.js';
import type { ConversationStore } from './store/conversations.js';
import type { Presence } from './store/presence.js';
import type { PushJob, PushJobStore } from './store/push-jobs.js';
import { createSqlPushAudienceStore } from './store/push-audience.sql.js';
import { createSqlPushJobStore } from './store/push-jobs.sql.js';
import { createSqlPushTokenStore } from './store/push-tokens.sql.js';
import { ThreadedPushProviders } from './push/threaded-providers.js';
import type { AppStore } from './store/apps.js';
import type { SqlClient } from './store/sql.js';
import { createPgClient } from './store/sql.pg.js';
import { createPgliteClient, DataDirInUseError } from './store/sql.pglite.js';
import { createSqlUltraGroupStore } from './store/ultragroups.sql.js';
import { createSqlDevAppStore, createSqlUserStore } from './store/users.sql.js';

/** The development app's features: everything a first try touches is on. */
const developmentFeatures = { multiDeviceSync: true, historyPrivateGroup: true, historyChatroom: true };

export interface Deps {
  nodeId: string;
  clock: Clock;
  logger: Logger;
  apps: AppRegistry;
  /** The admin API (docs/admin.md): changes apps in the store and on every node. */
  appSettings: AppSettings;
  /** The admin API's bearer token: ADMIN_TOKEN, or one made for the development start; unset: no admin API. */
  adminToken: string | undefined;
  /** Set on the development start (no app configured): the development app as it is now. */
  devApp: App | undefined;
  /** true when this start made the admin token (the banner shows it; an operator's own is never printed). */
  adminTokenGenerated: boolean;
  sql: SqlClient;
  /** The Redis connection behind the engine (undefined in process); for probes. */
  redis: RedisClient | undefined;
  presence: Presence;
  inbox: Inbox;
  chatroomMembers: ChatroomMembers;
  /** The one delivery function (`deliver`) and read positions (`markRead`). */
  delivery: Deliverer;
  /** Committed-message events: push notifications and callbacks register here. */
  events: CoreEvents;
  /** `GET /metrics`: counted from the events above, and the stores' latency. */
  metrics: Metrics;
  /** When set, `GET /metrics` asks for it as a bearer token. */
  metricsToken: string | undefined;
  /** Each app's limits on server-API calls per second. */
  rateLimits: RateLimits;
  /** Signed server-API calls: fresh and good once (replays refused on every node). */
  signedCalls: SignedCalls;
  /** New WebSocket connections per client address, counted on every node. */
  connectionLimits: ConnectionLimits;
  /** The device sessions this node holds: what the gateways call. */
  devices: Devices;
  /** Who is online on every node (the console). */
  onlineSessions: OnlineSessions;
  /** App-wide sends: durable broadcast jobs and their status. */
  broadcasts: AppWideSends;
  /** Makes the appends of committed sends that missed them; `pass()` runs one now. */
  outboxRelay: OutboxRelay;
  /** `/events/pull.json` and `/events/replay.json`. */
  eventFeed: EventFeed;
  users: UserService;
  sessions: SessionService;
  permissions: PermissionService;
  friends: FriendService;
  /** Account deletion: deactivate, reactivate, delete. */
  accounts: AccountService;
  history: HistoryService;
  /** The hourly history files of `/message/history.json`. */
  historyExports: HistoryExportService;
  conversationList: ConversationListService;
  recalls: RecallService;
  /** Editing sent messages. */
  modifications: ModifyService;
  /** Key/values on messages sent with `expansion` (docs/server-api.md "Message expansion"). */
  expansion: ExpansionService;
  /** Deletes history past retention in the background; `sweep()` runs a pass now. */
  retention: RetentionSweeper;
  groups: GroupService;
  chatrooms: ChatroomService;
  ultraGroups: UltraGroupService;
  /** Offline push (docs/push.md): devices' tokens, the owed pushes and the worker sending them. */
  push: { tokens: PushTokens; jobs: PushJobStore; worker: PushWorker; audience: AudiencePushes };
  /** true when every store behind this node answers. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DepsOptions {
  clock?: Clock;
  /** Prefix of every Redis key and channel; lets several deployments or tests share one Redis. */
  redisNamespace?: string;
  /**
   * Stores owned by the caller instead of opened from the config (several nodes in one
   * process, in tests): they are not closed with the node.
   */
  shared?: { sql?: SqlClient | undefined; engine?: Engine | undefined };
  /** Wraps the node's bus (tests: a bus that loses, repeats or reorders what it carries). */
  wrapBus?: (bus: Bus) => Bus;
  /** Told what became of each push (tests). */
  onPushOutcome?: (job: PushJob, outcome: PushOutcome | { kind: 'dropped'; reason: string }) => void;
}

/** Live pushes one device may receive while its catch-up runs, before it is asked to reconnect. */
const maxHeldBackPushes = 10_000;

/** Picks each store's implementation from the config (URL set: server; unset: embedded) and wires the core. */
export async function createDeps(config: Config, logger: Logger, options: DepsOptions = {}): Promise<Deps> {
  const clock = options.clock ?? systemClock;
  const nodeId = nodeIdFor(config.nodeId ?? `node-${randomUUID().slice(0, 8)}`, randomBytes(4).toString('hex'));
  const closers: Array<() => Promise<unknown>> = [];
  const report = (message: string) => (err: unknown) => logger.error({ err }, message);
  const metrics = new Metrics();
  closers.push(async () => metrics.close());

  try {
    const storeSql = options.shared?.sql ?? (await openSql(config));
    if (!options.shared?.sql) closers.push(() => storeSql.close());
    const sql = metrics.timedSql(storeSql);
    const applied = await migrate(sql);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');

    // Filled from the apps table once the node events exist (AppSettings, below).
    const apps = new AppRegistry();

    const redisTarget = config.redisUrl ?? config.redisCluster;
    const engine: Engine = options.shared?.engine ?? (redisTarget
      ? await createRedisEngine({
          target: redisTarget,
          namespace: options.redisNamespace ?? 'parley',
          timeoutMs: config.storeTimeoutMs,
          onConnectionError: (err) => logger.error({ err }, 'lost the connection to Redis; reconnecting'),
        })
      : createMemoryEngine());
    if (!options.shared?.engine) closers.push(() => engine.close());
    if (engine.redis && !options.shared?.engine) metrics.timeRedis(engine.redis);
    const { presence, inbox, roomMembers } = engine;

    const liveness = new NodeLiveness(presence, nodeId, logger);
    await liveness.start();
    closers.push(() => liveness.close());
    const nodeEvents = new NodeEvents(options.wrapBus ? options.wrapBus(engine.bus) : engine.bus, () => liveness.otherNodes(), nodeId, logger);
    const appStore = createSqlAppStore(sql);
    const appSettings = new AppSettings(appStore, apps, nodeEvents, clock, (err, what) => logger.warn({ err }, what));
    await appSettings.seed(config.apps);
    const devAppKey = config.apps.length === 0 ? await startDevelopmentApp(sql, appStore, appSettings) : undefined;
    await appSettings.refresh();
    const adminToken = config.adminToken ?? (devAppKey !== undefined ? randomBytes(24).toString('base64url') : undefined);
    const localSessions = new LocalSessions();
    const events = new CoreEvents((err, event) => logger.error({ err, event: event.type }, 'a listener of core events failed'));
    metrics.listen(events);

    const userStore = createSqlUserStore(sql);
    const sessions = new SessionService(presence, nodeEvents);
    const accountStore = createSqlAccountStore(sql);
    const users = new UserService(apps, userStore, sessions, clock, accountStore);
    const cacheNews = new CacheNews(nodeEvents, (err) => logger.warn({ err }, 'could not tell other nodes of a change they cache; their caches catch up within seconds'));
    const permissions = new PermissionService(createSqlPermissionStore(sql), sessions, clock, cacheNews);
    const friends = new FriendService(createSqlFriendStore(sql), permissions, userStore);
    const groups = new GroupService(createSqlGroupStore(sql), clock, cacheNews);
    const ultraGroups = new UltraGroupService(createSqlUltraGroupStore(sql), clock, cacheNews);
    // Chatroom moderation notifies rooms through the delivery, made below (it reads the rooms' rules).
    const chatrooms = new ChatroomService(createSqlChatroomStore(sql), roomMembers, clock, {
      onRemoved: (app, roomId, removed) => forgetRoom(nodeEvents, app.appKey, roomId, removed),
      notifyRoom: async (app, roomId, fromUserId, objectName, content) => {
        await deliverer.deliver({ kind: 'chatroom', roomIds: [roomId], app, origin: { kind: 'api', echo: false }, fromUserId, objectName, content: { content }, notice: true });
      },
    });
    const caches = { group: groups, ultragroup: ultraGroups, relations: permissions };
    nodeEvents.on('stale', ({ appKey, kind, ids }) => caches[kind].forget(appKey, ids));
    const accounts = new AccountService(accountStore, sessions, inbox, engine.once, permissions, chatrooms, clock);

    const historyStore = createSqlHistoryStore(sql);
    const conversationStore = createSqlConversationStore(sql);
    const access = new ConversationAccess(groups, ultraGroups, roomMembers);
    const push = new LivePush(nodeEvents, presence, liveness, localSessions, (err) => logger.warn({ err }, 'live push failed; devices will catch up from the inbox'));
    const committer = new Committer(inbox, historyStore, push, clock, {
      deferred: (err, sendId) => logger.warn({ err, sendId }, 'inbox appends of a committed send failed; the outbox relay makes them'),
      unlocated: (err) => logger.warn({ err }, 'could not read where recipients are; they get the message from their inbox'),
    });
    const history = new HistoryService(historyStore, conversationStore, userStore, access, clock);
    const conversationList = new ConversationListService(conversationStore, history, permissions, clock);
    const offlinePush = startPush({ sql, apps, presence, events, conversationList, inbox, conversations: conversationStore, clock, logger, metrics, onOutcome: options.onPushOutcome });
    closers.push(() => offlinePush.close());
    const publisher = new Publisher(push, events, offlinePush.planner);
    const beforeSend = new BeforeSendCallback(httpCallbackPoster, clock, (err, app) =>
      logger.warn({ err, appKey: app.appKey }, 'the pre-send callback did not answer; the message went as failOpen says'),
    );
    const audience = {
      preparer: new ContentPreparer(permissions, clock, beforeSend),
      profiles: new SenderProfiles(userStore, clock),
      permissions,
      groups,
      chatrooms,
      roomMembers,
      ultraGroups,
    };
    const callbackEvents = createSqlCallbackEventStore(sql);
    const callbackDeliveries = new CallbackDeliveries({
      store: callbackEvents,
      poster: httpCallbackPoster,
      clock,
      nodeId,
      random: Math.random,
      onError: (err, appKey) => logger.warn({ err, appKey }, 'delivering callbacks failed; the next pass retries'),
      settled: (appKey, callback, states) => metrics.calledBack(appKey, callback, states),
    });
    // Owed callbacks are in the database already; this only spares the wait for the next poll.
    events.on((event) => {
      if (event.type === 'message.committed' && event.app.callbacks?.messageRoute) callbackDeliveries.nudge(event.app.appKey);
    });
    const onlineStatus = new OnlineStatusReports(callbackEvents, clock, (err) => logger.warn({ err }, 'could not write online-status events; retrying'));
    events.on(onlineStatus.listener);
    closers.push(() => onlineStatus.stop());
    const broadcasts = new AppWideSends({ apps, users: userStore, roomMembers, jobs: createSqlBroadcastJobStore(sql), audience, committer, publisher, push, clock, onError: (err, what) => logger.error({ err }, what) });
    const deliverer = new Deliverer({
      clock,
      audience,
      committer,
      publisher,
      events,
      once: engine.once,
      readPositions: conversationStore,
      access,
      appWide: broadcasts,
      callbacks: callbackEvents,
      onError: (err, what) => logger.warn({ err }, what),
    });
    const outboxRelay = new OutboxRelay(createSqlOutboxStore(sql), apps, committer, push, offlinePush.planner, clock, report('the outbox relay failed; the next pass retries'));
    outboxRelay.start();
    closers.push(() => outboxRelay.stop());
    await callbackDeliveries.sync(apps.all());
    callbackDeliveries.start();
    closers.push(() => callbackDeliveries.stop());

    const retention = new RetentionSweeper(createSqlHistoryRetentionStore(sql), apps, clock, (err, failure) =>
      logger.error({ err, ...failure }, 'history retention sweep failed; the next pass retries'),
    );
    await retention.upkeepPartitions();
    retention.start(retentionSweepIntervalMs);
    closers.push(() => retention.stop());

    const recalls = new RecallService(historyStore, deliverer, events, clock);
    await offlinePush.tokens.start();
    const pushAudience = new AudiencePushes(createSqlPushAudienceStore(sql), deliverer, broadcasts, clock, () => offlinePush.worker.kick());
    // Once every kind of paged job has its handler (audience pushes register theirs above).
    broadcasts.startWorking();
    closers.push(() => broadcasts.stop());
    const modifications = new ModifyService(historyStore, deliverer, engine.once, clock, (err, what) => logger.warn({ err }, what));
    const devices = new Devices(
      localSessions,
      {
        nodeId,
        clock,
        apps,
        users,
        permissions,
        sessions,
        presence,
        inbox,
        deliverer,
        history,
        conversationList,
        recalls,
        chatrooms,
        roomMembers,
        events,
        nodeEvents,
        pushTokens: offlinePush.tokens,
        onError: (err, what) => logger.warn({ err }, what),
      },
      maxHeldBackPushes,
    );
    engine.onReconnect((lostData) => {
      if (lostData) logger.error('Redis came back without its data: devices are asked to reconnect and learn of the gap');
      devices.storeReconnected(lostData).catch(report('could not register this node\'s sessions again after Redis came back'));
      // App changes announced while the bus was down were missed.
      appSettings.refreshInBackground();
    });
    appSettings.onChange(({ removed }) => {
      for (const appKey of removed) devices.closeApp(appKey);
      callbackDeliveries.sync(apps.all()).catch(report('could not restart the callbacks of a changed app'));
    });
    await nodeEvents.start();
    closers.push(() => nodeEvents.stop());
    appSettings.start();
    closers.push(async () => appSettings.stop());

    return {
      nodeId,
      clock,
      logger,
      apps,
      appSettings,
      adminToken,
      adminTokenGenerated: adminToken !== undefined && config.adminToken === undefined,
      get devApp() {
        return devAppKey === undefined ? undefined : apps.get(devAppKey);
      },
      sql,
      redis: engine.redis,
      presence,
      inbox,
      chatroomMembers: roomMembers,
      delivery: deliverer,
      events,
      metrics,
      metricsToken: config.metricsToken,
      rateLimits: new RateLimits(engine.rates, clock),
      signedCalls: new SignedCalls(engine.once, clock),
      connectionLimits: new ConnectionLimits(engine.rates, clock, (err) => logger.warn({ err }, 'could not count a new connection; letting it in')),
      devices,
      onlineSessions: new OnlineSessions(nodeEvents, () => devices.list(), () => liveness.otherNodes()),
      broadcasts,
      outboxRelay,
      eventFeed: new EventFeed(callbackEvents, clock, callbackDeliveries),
      users,
      sessions,
      permissions,
      friends,
      accounts,
      history,
      historyExports: new HistoryExportService(createSqlHistoryExportStore(sql), apps, clock),
      conversationList,
      recalls,
      modifications,
      expansion: new ExpansionService(createSqlMessageExpansionStore(sql), deliverer, beforeSend, clock),
      retention,
      groups,
      chatrooms,
      ultraGroups,
      push: { tokens: offlinePush.tokens, jobs: offlinePush.jobs, worker: offlinePush.worker, audience: pushAudience },
      async healthy() {
        const results = await Promise.allSettled([sql.ping(), engine.ping()].map((check) => withTimeout(check, 2000)));
        return results.every((r) => r.status === 'fulfilled');
      },
      close: () => closeAll(closers),
    };
  } catch (err) {
    await closeAll(closers);
    throw err;
  }
}

/**
 * Offline push (docs/push.md): the planner hangs off the committed-message events and
 * writes owed pushes; the worker sends them with each app's providers.
 */
function startPush(deps: {
  sql: SqlClient;
  apps: AppRegistry;
  presence: Presence;
  events: CoreEvents;
  conversationList: ConversationListService;
  inbox: Inbox;
  conversations: ConversationStore;
  clock: Clock;
  logger: Logger;
  metrics: Pick<Metrics, 'pushed'>;
  onOutcome: DepsOptions['onPushOutcome'];
}) {
  const { clock, logger } = deps;
  const report = (message: string) => (err: unknown) => logger.warn({ err }, message);
  const tokens = new PushTokens(createSqlPushTokenStore(deps.sql), clock, report('could not read which apps have push tokens; the next refresh retries'));
  const jobs = createSqlPushJobStore(deps.sql);
  const providers = new ThreadedPushProviders(() => clock.now(), (why) => logger.warn({ why }, 'the push thread stopped; its pushes in flight are retried'));
  const worker = new PushWorker({
    jobs,
    tokens,
    providers,
    apps: deps.apps,
    stillUnacked: stillUnacked(deps.inbox, deps.conversations),
    unread: (app, userIds) => deps.conversationList.unreadTotals(app, userIds, 1000),
    clock,
    report: (job, outcome) => {
      deps.onOutcome?.(job, outcome);
      deps.metrics.pushed(job.appKey, job.provider, outcome.kind);
      const fields = { appKey: job.appKey, userId: job.userId, deviceId: job.deviceId, messageUId: job.messageUId, provider: job.provider, outcome: outcome.kind };
      if (outcome.kind === 'sent') logger.debug(fields, 'push sent');
      else logger.info({ ...fields, reason: outcome.reason }, 'push not sent');
    },
    onError: report('a push failed; it is retried'),
  });
  const planner = new PushPlanner({ tokens, presence: deps.presence, jobs, clock, added: () => worker.kick(), onError: report('could not plan the pushes of a message') });
  const stopListening = deps.events.on(planner.listener);
  worker.start();
  return {
    tokens,
    jobs,
    worker,
    planner,
    async close() {
      stopListening();
      tokens.stop();
      await worker.stop();
      await providers.close();
    },
  };
}

/**
 * The development start (no IM_APPS): the development app, kept in the database, is stored
 * among the apps with what a first try touches on (docs/decisions.md "The first hour"),
 * unless the operator stored other apps through the admin API (then those are the apps).
 * Returns the development app's key when it is in use.
 */
async function startDevelopmentApp(sql: SqlClient, appStore: AppStore, appSettings: AppSettings): Promise<string | undefined> {
  const { appKey, appSecret } = await createSqlDevAppStore(sql).findOrCreate(() => ({
    appKey: `dev${randomBytes(6).toString('hex')}`,
    appSecret: randomBytes(16).toString('hex'),
  }));
  if ((await appStore.all()).some((stored) => stored.appKey !== appKey)) return undefined;
  await appSettings.seedIfAbsent({ appKey, appSecret, signatureMaxAgeSeconds: defaultSignatureMaxAgeSeconds, features: featuresSchema.parse(developmentFeatures) });
  return appKey;
}

/**
 * The SQL store the config names: Postgres with DATABASE_URL, else PGlite in DATA_DIR. Two
 * processes on one embedded folder is a configuration the operator must change: a ConfigError.
 */
export async function openSql(config: Config): Promise<SqlClient> {
  try {
    return config.databaseUrl ? createPgClient(config.databaseUrl, { timeoutMs: config.storeTimeoutMs }) : await createPgliteClient(config.dataDir);
  } catch (err) {
    throw err instanceof DataDirInUseError ? new ConfigError(err.message) : err;
  }
}

/** Closes in reverse order of opening; every closer runs even if one fails. */
async function closeAll(closers: Array<() => Promise<unknown>>): Promise<void> {
  for (const close of closers.reverse()) await close().catch(() => undefined);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
