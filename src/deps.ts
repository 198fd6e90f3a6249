import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { AppRegistry, type App } from './core/apps.js';
import { systemClock, type Clock } from './core/clock.js';
import { DeliveryService } from './core/delivery.js';
import { LocalDelivery } from './core/local-delivery.js';
import { NodeLiveness } from './core/node-liveness.js';
import { PermissionService } from './core/permissions.js';
import { FriendService } from './core/friends.js';
import { AccountService } from './core/accounts.js';
import { ModifyService } from './core/modify.js';
import { createSqlAccountStore } from './store/accounts.sql.js';
import { createSqlFriendStore } from './store/friends.sql.js';
import { ConversationDelivery } from './core/conversation-delivery.js';
import { forgetRoom } from './core/room-exits.js';
import { HistoryService } from './core/history.js';
import { HistoryExportService } from './core/history-export.js';
import { ConversationAccess } from './core/conversation-access.js';
import { ConversationListService } from './core/conversation-list.js';
import { RecallService } from './core/recall.js';
import { createSqlConversationStore } from './store/conversations.sql.js';
import { ExpansionService } from './core/expansion.js';
import { RetentionSweeper, retentionSweepIntervalMs } from './core/retention.js';
import { PushRouter } from './core/push.js';
import { SessionService } from './core/sessions.js';
import { UserService } from './core/users.js';
import { ConfigError, featuresSchema } from './config.js';
import type { Bus } from './store/bus.js';
import { createMemoryBus } from './store/bus.memory.js';
import { createRedisBus } from './store/bus.redis.js';
import type { ChatroomMembers, RoomMember } from './store/chatroom-members.js';
import { createMemoryChatroomMembers } from './store/chatroom-members.memory.js';
import { createRedisChatroomMembers } from './store/chatroom-members.redis.js';
import type { Inbox } from './store/inbox.js';
import { createMemoryInbox } from './store/inbox.memory.js';
import { createRedisInbox } from './store/inbox.redis.js';
import type { OnceStore } from './store/once.js';
import { createMemoryOnceStore } from './store/once.memory.js';
import { createRedisOnceStore } from './store/once.redis.js';
import { createSqlHistoryStore } from './store/history.sql.js';
import { createSqlHistoryExportStore } from './store/history-exports.sql.js';
import { createSqlMessageExpansionStore } from './store/message-expansion.sql.js';
import { createSqlHistoryRetentionStore } from './store/history-retention.sql.js';
import { migrate } from './store/migrate.js';
import { createSqlPermissionStore } from './store/permissions.sql.js';
import { GroupService } from './core/groups.js';
import { CacheNews } from './core/cache-news.js';
import { createSqlGroupStore } from './store/groups.sql.js';
import { ChatroomService } from './core/chatrooms.js';
import { createSqlChatroomStore } from './store/chatrooms.sql.js';
import { UltraGroupService } from './core/ultragroups.js';
import { createSqlUltraGroupStore } from './store/ultragroups.sql.js';
import type { Presence } from './store/presence.js';
import { createMemoryPresence } from './store/presence.memory.js';
import { createRedisPresence } from './store/presence.redis.js';
import type { SqlClient } from './store/sql.js';
import { createPgClient } from './store/sql.pg.js';
import { createPgliteClient, DataDirInUseError } from './store/sql.pglite.js';
import { createSqlDevAppStore, createSqlUserStore } from './store/users.sql.js';

export interface Deps {
  nodeId: string;
  clock: Clock;
  logger: Logger;
  apps: AppRegistry;
  /** Set when no app was configured and the development app is in use. */
  devApp: App | undefined;
  sql: SqlClient;
  /** The Redis connection behind the stores (undefined on the embedded engine); for probes. */
  redis: Redis | undefined;
  presence: Presence;
  bus: Bus;
  inbox: Inbox;
  users: UserService;
  sessions: SessionService;
  delivery: DeliveryService;
  permissions: PermissionService;
  friends: FriendService;
  /** Account deletion: deactivate, reactivate, delete. */
  accounts: AccountService;
  chatroomMembers: ChatroomMembers;
  conversations: ConversationDelivery;
  history: HistoryService;
  /** The hourly history files of `/message/history.json`. */
  historyExports: HistoryExportService;
  /** Read positions and the conversation list. */
  conversationList: ConversationListService;
  recalls: RecallService;
  /** Editing sent messages. */
  modifications: ModifyService;
  /** Key/values on messages sent with `expansion` (SERVER-API.md §12). */
  expansion: ExpansionService;
  /** Deletes history past retention in the background; `sweep()` runs a pass now. */
  retention: RetentionSweeper;
  groups: GroupService;
  chatrooms: ChatroomService;
  ultraGroups: UltraGroupService;
  /** Where pushes for this node's sessions go; the gateway installs itself here. */
  localDelivery: LocalDelivery;
  /** true when every store behind this node answers. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DepsOptions {
  clock?: Clock;
  /** Prefix of every Redis key and channel; lets several deployments or tests share one Redis. */
  redisNamespace?: string;
}

/** Picks each store's implementation from the config (URL set: server; unset: embedded). */
export async function createDeps(config: Config, logger: Logger, options: DepsOptions = {}): Promise<Deps> {
  const clock = options.clock ?? systemClock;
  const nodeId = config.nodeId ?? `node-${randomUUID().slice(0, 8)}`;
  const namespace = options.redisNamespace ?? 'parley';
  const closers: Array<() => Promise<unknown>> = [];
  const checks: Array<() => Promise<unknown>> = [];

  try {
    const sql = config.databaseUrl ? createPgClient(config.databaseUrl) : await createPgliteClient(config.dataDir);
    closers.push(() => sql.close());
    checks.push(() => sql.ping());
    const applied = await migrate(sql);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');

    let devApp: App | undefined;
    if (config.apps.length === 0) {
      const stored = await createSqlDevAppStore(sql).findOrCreate(() => ({
        appKey: `dev${randomBytes(6).toString('hex')}`,
        appSecret: randomBytes(16).toString('hex'),
      }));
      devApp = { ...stored, features: featuresSchema.parse({}) };
    }
    const apps = new AppRegistry(devApp ? [devApp] : config.apps);

    let presence: Presence;
    let bus: Bus;
    let inbox: Inbox;
    let once: OnceStore;
    let chatroomMembers: ChatroomMembers;
    let redisClient: Redis | undefined;
    if (config.redisUrl) {
      const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true });
      const subscriber = redis.duplicate();
      await Promise.all([redis.connect(), subscriber.connect()]);
      redisClient = redis;
      closers.push(() => redis.quit(), () => subscriber.quit());
      checks.push(() => redis.ping());
      presence = createRedisPresence(redis, namespace);
      bus = createRedisBus(redis, subscriber, namespace);
      inbox = createRedisInbox(redis, namespace);
      chatroomMembers = createRedisChatroomMembers(redis, namespace);
      once = createRedisOnceStore(redis, namespace);
    } else {
      // Liveness and expiry run on real time, as Redis TTLs do; the injected clock is for message times.
      presence = createMemoryPresence(systemClock);
      bus = createMemoryBus();
      inbox = createMemoryInbox();
      chatroomMembers = createMemoryChatroomMembers();
      once = createMemoryOnceStore(systemClock);
    }

    const liveness = new NodeLiveness(presence, nodeId, logger);
    await liveness.start();
    closers.push(() => liveness.close());

    const userStore = createSqlUserStore(sql);
    const sessions = new SessionService(presence, bus);
    const accountStore = createSqlAccountStore(sql);
    const users = new UserService(apps, userStore, sessions, clock, accountStore);
    const localDelivery = new LocalDelivery();
    const pushes = new PushRouter(bus, nodeId, (appKey, items) => localDelivery.deliver(appKey, items));
    const cacheNews = new CacheNews(bus, presence, nodeId, (err) =>
      logger.warn({ err }, 'could not tell other nodes of a change they cache; their caches catch up within seconds'),
    );
    const permissions = new PermissionService(createSqlPermissionStore(sql), sessions, clock, cacheNews);
    const friends = new FriendService(createSqlFriendStore(sql), permissions, userStore);
    // Chatroom moderation removes members and notifies rooms through the delivery, made below.
    const roomNotices: { send?: ConversationDelivery['toChatrooms'] } = {};
    const chatroomHooks = {
      onRemoved: (app: App, roomId: string, removed: RoomMember[]) => forgetRoom(bus, app.appKey, roomId, removed),
      notifyRoom: async (app: App, roomId: string, fromUserId: string, objectName: string, content: string) => {
        await roomNotices.send?.({ app, origin: { kind: 'api' }, fromUserId, targetIds: [roomId], objectName, content: { content }, echo: false, status: false, system: true });
      },
    };
    const groups = new GroupService(createSqlGroupStore(sql), clock, cacheNews);
    const chatrooms = new ChatroomService(createSqlChatroomStore(sql), chatroomMembers, clock, chatroomHooks);
    const accounts = new AccountService(accountStore, sessions, inbox, once, permissions, chatrooms, clock);
    const ultraGroups = new UltraGroupService(createSqlUltraGroupStore(sql), clock, cacheNews);
    const historyStore = createSqlHistoryStore(sql);
    const retention = new RetentionSweeper(createSqlHistoryRetentionStore(sql), apps, clock, (err, failure) =>
      logger.error({ err, ...failure }, 'history retention sweep failed; the next pass retries'),
    );
    retention.start(retentionSweepIntervalMs);
    closers.push(() => retention.stop());
    const delivery = new DeliveryService(userStore, inbox, historyStore, presence, pushes, once, permissions, clock, (err) =>
      logger.warn({ err }, 'live push failed; devices will catch up from the inbox'),
      (err, messageUId) => logger.error({ err, messageUId }, 'broadcast stopped: the remaining users did not get it'),
    );
    closers.push(() => delivery.drain());
    const conversations = new ConversationDelivery(delivery, groups, chatrooms, chatroomMembers, ultraGroups, clock);
    roomNotices.send = (send) => conversations.toChatrooms(send);
    const expansion = new ExpansionService(createSqlMessageExpansionStore(sql), delivery, conversations, clock);
    const conversationStore = createSqlConversationStore(sql);
    const access = new ConversationAccess(groups, ultraGroups, chatroomMembers);
    const history = new HistoryService(historyStore, conversationStore, userStore, access, clock);
    const historyExports = new HistoryExportService(createSqlHistoryExportStore(sql), apps, clock);
    const conversationList = new ConversationListService(conversationStore, access, history, delivery, permissions, clock);
    const recalls = new RecallService(historyStore, delivery, conversations, clock);
    const modifications = new ModifyService(historyStore, delivery, conversations);

    return {
      nodeId,
      clock,
      logger,
      apps,
      devApp,
      sql,
      redis: redisClient,
      presence,
      bus,
      inbox,
      users,
      sessions,
      delivery,
      permissions,
      friends,
      accounts,
      chatroomMembers,
      conversations,
      history,
      historyExports,
      conversationList,
      recalls,
      modifications,
      expansion,
      retention,
      groups,
      chatrooms,
      ultraGroups,
      localDelivery,
      async healthy() {
        const results = await Promise.allSettled(checks.map((check) => withTimeout(check(), 2000)));
        return results.every((r) => r.status === 'fulfilled');
      },
      close: () => closeAll(closers),
    };
  } catch (err) {
    await closeAll(closers);
    // Two processes on one embedded folder is a configuration the operator must change.
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
