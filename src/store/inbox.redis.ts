import { randomBytes } from 'node:crypto';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { checkInboxArgs, checkInboxNow, type Inbox, type InboxEntry, type InboxHead, type InboxPage } from './inbox.js';
import { hashTag, shardOf, type RedisClient } from './redis-client.js';

/*
 * Keys per user (both written by the same scripts, both expire together; on a cluster the
 * `<appKey>:<userId>` part is the hash tag, `{<appKey>:<userId>}`, so both share a slot):
 * - `<ns>:inbox:<appKey>:<userId>`: Stream, entry id `<seq>-1`, fields `at` (append ms),
 *   `p` (payload), then `m` (the messageUId, for appends that skip what is there already;
 *   entries from before it existed have none). Only ever trimmed from the front, so it
 *   holds contiguous seqs.
 * - `<ns>:inbox-head:<appKey>:<userId>`: hash with seq, baseSeq, epoch, ackedSeq,
 *   capTrimmedSeq, capTrimmedAt, expiresAt (logical expiry in the caller's clock) and
 *   one cursor per device, `dev:<deviceId>`.
 */

/** Shared by the scripts below; `stream` and `head` are one user's two keys. */
const luaLib = `
local function fmt(n) return string.format('%.0f', n) end
local function seqOf(id) return tonumber(string.match(id, '^%d+')) end
local function atOf(entry) return tonumber(entry[2][2]) end

-- The head, creating it (new epoch, baseSeq = now) when absent or logically expired.
local function open(stream, head, now, epoch)
  local f = redis.call('HMGET', head, 'seq', 'baseSeq', 'epoch', 'ackedSeq', 'capTrimmedSeq', 'capTrimmedAt', 'expiresAt')
  if f[3] and (not f[7] or now <= tonumber(f[7])) then
    return { seq = tonumber(f[1]), baseSeq = tonumber(f[2]), epoch = f[3], ackedSeq = tonumber(f[4]),
      capTrimmedSeq = tonumber(f[5]), capTrimmedAt = tonumber(f[6]), hasExpiry = f[7] ~= false }
  end
  -- Never reuse a seq: start above whatever survives of the old inbox.
  local base = now
  if f[1] then base = math.max(base, tonumber(f[1])) end
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
  if last then base = math.max(base, seqOf(last[1])) end
  redis.call('DEL', stream, head)
  redis.call('HSET', head, 'seq', fmt(base), 'baseSeq', fmt(base), 'epoch', epoch, 'ackedSeq', fmt(base),
    'capTrimmedSeq', '0', 'capTrimmedAt', '0')
  return { seq = base, baseSeq = base, epoch = epoch, ackedSeq = base, capTrimmedSeq = 0, capTrimmedAt = 0, hasExpiry = false }
end

-- Drops entries appended before now - retention (scanning from the front), then the
-- oldest beyond cap, remembering the newest one the cap dropped. Returns the oldest seq kept.
-- The stream is only ever trimmed from the front, so it holds contiguous seqs up to h.seq.
local function trim(stream, head, h, now, retention, cap)
  local cutoff = now - retention
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  if not first then return h.seq + 1 end
  local oldest = seqOf(first[1])
  if atOf(first) < cutoff then
    local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
    if atOf(newest) < cutoff then
      oldest = h.seq + 1
    else
      local keep = nil
      while not keep do
        local batch = redis.call('XRANGE', stream, fmt(oldest), '+', 'COUNT', 64)
        for _, entry in ipairs(batch) do
          if atOf(entry) >= cutoff then keep = seqOf(entry[1]) break end
        end
        if not keep then oldest = seqOf(batch[#batch][1]) + 1 end
      end
      oldest = keep
    end
    redis.call('XTRIM', stream, 'MINID', fmt(oldest))
  end
  if h.seq - oldest + 1 > cap then
    local dropped = h.seq - cap
    local entry = redis.call('XRANGE', stream, fmt(dropped) .. '-1', fmt(dropped) .. '-1')[1]
    h.capTrimmedSeq = dropped
    h.capTrimmedAt = entry and atOf(entry) or now
    redis.call('HSET', head, 'capTrimmedSeq', fmt(dropped), 'capTrimmedAt', fmt(h.capTrimmedAt))
    oldest = dropped + 1
    redis.call('XTRIM', stream, 'MINID', fmt(oldest))
  end
  return oldest
end

-- The seqs of the entries appended at or after since, by message uid, scanning back from the
-- newest (the newest alone first: mostly it is older than since already). Read once per
-- user and call, not per item: a call's own items all share its now.
local function appendedSince(stream, since)
  local seqs = {}
  local upper, count = '+', 1
  while true do
    local batch = redis.call('XREVRANGE', stream, upper, '-', 'COUNT', count)
    for _, entry in ipairs(batch) do
      if atOf(entry) < since then return seqs end
      if entry[2][6] then seqs[entry[2][6]] = seqOf(entry[1]) end
    end
    if #batch < count then return seqs end
    upper = '(' .. batch[#batch][1]
    count = 64
  end
end

-- Saves h.seq; the stream expires after retention of no writes, the head 30 days
-- later, so a device returning after a quiet spell gets a precise retention gap.
local headGrace = 2592000000
local function saveAndExpire(stream, head, h, now, retention)
  redis.call('HSET', head, 'seq', fmt(h.seq), 'expiresAt', fmt(now + retention + headGrace))
  redis.call('PEXPIRE', stream, retention)
  redis.call('PEXPIRE', head, retention + headGrace)
end
`;

const appendLua = `
-- KEYS[2u-1], KEYS[2u]: inbox stream and inbox head hash of the u-th user
-- ARGV[1] now (ms), ARGV[2] retentionMs, ARGV[3] cap, ARGV[4] dedupeSince (items already
-- appended since then are found, not appended again),
-- ARGV[5] P = number of distinct payloads, ARGV[6..5+P] the payloads, then for each user
-- in KEYS order: the epoch to use if its inbox is (re)created, n, and n pairs (index
-- (1-based) into the payloads, messageUId), in order.
-- Returns for each user: epoch, then the seq of each of its n items.
${luaLib}
local now, retention, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local since = tonumber(ARGV[4])
local a = 6 + tonumber(ARGV[5])
local reply = {}
for u = 1, #KEYS / 2 do
  local stream, head = KEYS[2 * u - 1], KEYS[2 * u]
  local h = open(stream, head, now, ARGV[a])
  local n = tonumber(ARGV[a + 1])
  reply[#reply + 1] = h.epoch
  local there = appendedSince(stream, since)
  for i = a + 2, a + 2 * n, 2 do
    local uid = ARGV[i + 1]
    local seq = there[uid]
    if not seq then
      h.seq = h.seq + 1
      seq = h.seq
      redis.call('XADD', stream, fmt(seq) .. '-1', 'at', ARGV[1], 'p', ARGV[5 + tonumber(ARGV[i])], 'm', uid)
    end
    reply[#reply + 1] = seq
  end
  a = a + 2 + 2 * n
  trim(stream, head, h, now, retention, cap)
  saveAndExpire(stream, head, h, now, retention)
end
return reply
`;

const readLua = `
-- KEYS[1] inbox stream, KEYS[2] inbox head hash
-- ARGV[1] now (ms), ARGV[2] retentionMs, ARGV[3] cap, ARGV[4] epoch to use if the inbox
-- is (re)created, ARGV[5] afterSeq, ARGV[6] limit
-- Returns { epoch, baseSeq, seq, ackedSeq, capTrimmedSeq, capTrimmedAt, oldestSeq,
--   then seq, at, payload of each entry after afterSeq, ascending, at most limit }.
${luaLib}
local now, retention = tonumber(ARGV[1]), tonumber(ARGV[2])
local h = open(KEYS[1], KEYS[2], now, ARGV[4])
local oldest = trim(KEYS[1], KEYS[2], h, now, retention, tonumber(ARGV[3]))
if not h.hasExpiry then saveAndExpire(KEYS[1], KEYS[2], h, now, retention) end
local reply = { h.epoch, h.baseSeq, h.seq, h.ackedSeq, h.capTrimmedSeq, h.capTrimmedAt, oldest }
local limit = tonumber(ARGV[6])
local from = math.max(math.floor(tonumber(ARGV[5]) or 0) + 1, oldest)
if limit > 0 and from <= h.seq then
  for _, entry in ipairs(redis.call('XRANGE', KEYS[1], fmt(from), '+', 'COUNT', limit)) do
    reply[#reply + 1] = seqOf(entry[1])
    reply[#reply + 1] = entry[2][2]
    reply[#reply + 1] = entry[2][4]
  end
end
return reply
`;

const headLua = `
-- KEYS[1] inbox stream, KEYS[2] inbox head hash
-- ARGV[1] now (ms), ARGV[2] epoch to use if the inbox is (re)created
-- Returns { epoch, baseSeq, seq, ackedSeq, capTrimmedSeq, capTrimmedAt }.
${luaLib}
local h = open(KEYS[1], KEYS[2], tonumber(ARGV[1]), ARGV[2])
return { h.epoch, h.baseSeq, h.seq, h.ackedSeq, h.capTrimmedSeq, h.capTrimmedAt }
`;
const ackLua = `
-- KEYS[1] inbox head hash
-- ARGV[1] deviceId, ARGV[2] acked seq
-- Raises dev:<deviceId> and ackedSeq to the seq (clamped to the newest); never lowers them.
-- Does nothing when the inbox does not exist. Returns the device's cursor.
local f = redis.call('HMGET', KEYS[1], 'seq', 'ackedSeq', 'dev:' .. ARGV[1])
if not f[1] then return 0 end
local seq = math.min(tonumber(ARGV[2]), tonumber(f[1]))
local cursor = tonumber(f[3]) or 0
if seq > cursor then
  cursor = seq
  redis.call('HSET', KEYS[1], 'dev:' .. ARGV[1], string.format('%.0f', seq))
end
if seq > tonumber(f[2]) then redis.call('HSET', KEYS[1], 'ackedSeq', string.format('%.0f', seq)) end
return cursor
`;

type Script = (...args: Array<string | number>) => Promise<unknown>;
interface InboxScripts {
  parleyInboxAppend: Script;
  parleyInboxAppendUser: Script;
  parleyInboxRead: Script;
  parleyInboxHead: Script;
  parleyInboxAck: Script;
}

/** Users per append script call: bounds how long one call holds Redis (some 30 µs a user). */
const usersPerCall = 100;

export interface RedisInboxOptions {
  /**
   * On a cluster: an append is acknowledged once this many replicas of its master have it
   * (WAIT), so that a failover (a replica promoted) cannot lose it; 0: at once. A master
   * with fewer replicas (after a failover, until the old master comes back as a replica)
   * waits for those it has: a shard that lost its replicas keeps taking writes.
   */
  waitReplicas: number;
  /** How long an append waits for the replicas before it fails. */
  waitTimeoutMs: number;
}

/**
 * The inbox in Redis, shared by all nodes (key layout above). Every multi-step operation
 * is one Lua script (ioredis `defineCommand`: EVALSHA, falling back to EVAL after a
 * NOSCRIPT, e.g. after SCRIPT FLUSH or a failover).
 *
 * `append` groups the items by user, then sends one script call per `usersPerCall` users,
 * each carrying every distinct payload once (a group send repeats one payload for all
 * members), all in one pipeline: one round trip whatever the number of users. Each user's
 * append is atomic; users are not atomic with each other: if a call fails, the users of
 * the calls that succeeded keep their entries and `append` rejects.
 *
 * On a cluster a script may only touch one slot, so each call covers one user (the
 * calls still go out together, auto-pipelined per master), and each is followed by a WAIT
 * on the same connection (`options.waitReplicas`).
 */
export function createRedisInbox(redis: RedisClient, namespace: string, options: RedisInboxOptions = { waitReplicas: 0, waitTimeoutMs: 0 }): Inbox {
  redis.defineCommand('parleyInboxAppend', { lua: appendLua });
  // One user's keys, declared: a cluster client routes (and auto-pipelines) a call by its first key.
  redis.defineCommand('parleyInboxAppendUser', { numberOfKeys: 2, lua: appendLua });
  redis.defineCommand('parleyInboxRead', { numberOfKeys: 2, lua: readLua });
  redis.defineCommand('parleyInboxHead', { numberOfKeys: 2, lua: headLua });
  redis.defineCommand('parleyInboxAck', { numberOfKeys: 1, lua: ackLua });
  const scripts = redis as RedisClient & InboxScripts;
  type AppendPipeline = ChainableCommander & { parleyInboxAppend(...args: Array<string | number>): unknown };
  const usersPerAppend = redis.isCluster ? 1 : usersPerCall;
  const repliesOf = async (pipeline: ChainableCommander) =>
    ((await pipeline.exec()) ?? []).map(([err, reply]) => {
      if (err) throw err;
      return reply;
    });

  /**
   * A WAIT shared by the appends answered on one master in the same turn of the event loop.
   * WAIT blocks its connection, which carries every command of this node to that master,
   * until the replicas answer: one per append would queue the node's traffic behind each
   * of them in turn. One WAIT covers every write sent on the connection before it, so the
   * appends answered before it is sent share it, and those answered later wait for the next.
   */
  const queuedWaits = new Map<Redis, Promise<number>>();
  function replicasReached(master: Redis, needed: number): Promise<number> {
    let reached = queuedWaits.get(master);
    if (!reached) {
      reached = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        queuedWaits.delete(master);
        return master.wait(needed, options.waitTimeoutMs);
      });
      queuedWaits.set(master, reached);
    }
    return reached;
  }

  /**
   * One user's script call (redirected by the client as any command after a failover), then
   * WAIT on the connection to the master that ran it: the writes sent on it so far, this one
   * included, have reached the replicas. (Not one pipeline of both: ioredis does not follow
   * a redirection that only part of a pipeline got.)
   */
  async function appendReplicated(args: Array<string | number>): Promise<unknown> {
    const reply = await scripts.parleyInboxAppendUser(...args.slice(1));
    const shard = shardOf(redis as Cluster, String(args[1]));
    const needed = Math.min(options.waitReplicas, shard.replicas);
    if (needed === 0) return reply;
    const reached = shard.master ? await replicasReached(shard.master, needed) : 0;
    if (reached < needed) throw new Error(`inbox append reached ${reached} of ${needed} replicas in ${options.waitTimeoutMs} ms`);
    return reply;
  }

  /**
   * One script call per batch: a single one is sent as is (the common one-to-one send, no
   * pipeline object to build); several go in one pipeline, one socket write for a big group.
   * On a cluster, calls (one per user) are sent together, auto-pipelined per master.
   */
  async function runAppends(batches: Array<Array<string | number>>): Promise<unknown[]> {
    if (redis.isCluster && options.waitReplicas > 0) return Promise.all(batches.map(appendReplicated));
    if (redis.isCluster) return Promise.all(batches.map((args) => scripts.parleyInboxAppendUser(...args.slice(1))));
    if (batches.length <= 1) return Promise.all(batches.map((args) => scripts.parleyInboxAppend(...args)));
    const pipeline = redis.pipeline() as AppendPipeline;
    for (const args of batches) pipeline.parleyInboxAppend(...args);
    return repliesOf(pipeline);
  }
  const userTag = (appKey: string, userId: string) => hashTag(redis, `${appKey}:${userId}`);
  const streamKey = (appKey: string, userId: string) => `${namespace}:inbox:${userTag(appKey, userId)}`;
  const headKey = (appKey: string, userId: string) => `${namespace}:inbox-head:${userTag(appKey, userId)}`;
  // Candidates for a new epoch, used only where an inbox is (re)created, are needed on every
  // call: drawn from the system's randomness 64 at a time rather than once per call.
  let pool = Buffer.alloc(0);
  let at = 0;
  const newEpoch = () => {
    if (at + 8 > pool.length) {
      pool = randomBytes(8 * 64);
      at = 0;
    }
    at += 8;
    return pool.toString('base64url', at - 8, at);
  };

  return {
    atomicUsers: usersPerAppend,

    async append(appKey, items, now, limits, options = {}) {
      checkInboxArgs(now, limits);
      const byUser = new Map<string, number[]>();
      items.forEach((item, index) => {
        const indexes = byUser.get(item.userId);
        if (indexes) indexes.push(index);
        else byUser.set(item.userId, [index]);
      });
      const users = [...byUser];
      // ioredis sends a command again when its connection closed before the reply (a
      // network cut, a failover), though the script may have run: its second run finds what
      // the first appended (same `now`) instead of appending it again. The scan stops at the
      // first entry older than `now`, mostly the newest.
      const dedupeSince = Math.floor(options.dedupeSince ?? now);
      const batches: Array<Array<string | number>> = [];
      for (let from = 0; from < users.length; from += usersPerAppend) {
        const keys: string[] = [];
        const perUser: Array<string | number> = [];
        const payloadIndex = new Map<string, number>();
        // Used only by an inbox (re)created now: one random draw per batch, made distinct per user.
        const epochBase = newEpoch();
        for (const [userId, indexes] of users.slice(from, from + usersPerAppend)) {
          keys.push(streamKey(appKey, userId), headKey(appKey, userId));
          perUser.push(`${epochBase}.${keys.length / 2}`, indexes.length);
          for (const i of indexes) {
            const { payload, messageUId } = items[i]!;
            let at = payloadIndex.get(payload);
            if (at === undefined) payloadIndex.set(payload, (at = payloadIndex.size + 1));
            perUser.push(at, messageUId);
          }
        }
        batches.push([keys.length, ...keys, now, limits.retentionMs, limits.cap, dedupeSince, payloadIndex.size, ...payloadIndex.keys(), ...perUser]);
      }
      const replies = await runAppends(batches);
      const results = new Array<{ seq: number; epoch: string }>(items.length);
      let reply: unknown[] = [];
      let at = 0;
      users.forEach(([, indexes], u) => {
        if (u % usersPerAppend === 0) {
          reply = replies[u / usersPerAppend] as unknown[];
          at = 0;
        }
        const epoch = String(reply[at++]);
        for (const itemIndex of indexes) results[itemIndex] = { seq: Number(reply[at++]), epoch };
      });
      return results;
    },

    async read(appKey, userId, afterSeq, limit, now, limits): Promise<InboxPage> {
      checkInboxArgs(now, limits);
      const reply = (await scripts.parleyInboxRead(
        streamKey(appKey, userId),
        headKey(appKey, userId),
        now,
        limits.retentionMs,
        limits.cap,
        newEpoch(),
        Number.isFinite(afterSeq) ? Math.floor(afterSeq) : 0,
        Math.max(0, Math.min(Math.floor(limit) || 0, 2 ** 31)),
      )) as Array<string | number>;
      const entries: InboxEntry[] = [];
      for (let i = 7; i + 2 < reply.length; i += 3) {
        entries.push({ seq: Number(reply[i]), at: Number(reply[i + 1]), payload: String(reply[i + 2]) });
      }
      return { ...toHead(reply), oldestSeq: Number(reply[6]), entries };
    },

    async head(appKey, userId, now) {
      checkInboxNow(now);
      const reply = await scripts.parleyInboxHead(streamKey(appKey, userId), headKey(appKey, userId), now, newEpoch());
      return toHead(reply as Array<string | number>);
    },

    async ack(appKey, userId, deviceId, seq) {
      if (!Number.isFinite(seq)) throw new RangeError(`inbox: bad ack seq ${seq}`);
      await scripts.parleyInboxAck(headKey(appKey, userId), deviceId, Math.floor(seq));
    },

    async cursor(appKey, userId, deviceId) {
      return Number((await redis.hget(headKey(appKey, userId), `dev:${deviceId}`)) ?? 0);
    },

    async drop(appKey, userId) {
      await redis.del(streamKey(appKey, userId), headKey(appKey, userId));
    },
  };
}

function toHead(reply: Array<string | number>): InboxHead {
  return {
    epoch: String(reply[0]),
    baseSeq: Number(reply[1]),
    seq: Number(reply[2]),
    ackedSeq: Number(reply[3]),
    capTrimmedSeq: Number(reply[4]),
    capTrimmedAt: Number(reply[5]),
  };
}
