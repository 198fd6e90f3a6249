/**
 * The capacity model of docs/capacity.md: what each operation costs Redis (commands, as
 * INFO commandstats counts them, those run inside Lua scripts included) and Postgres
 * (statements, as pg_stat_statements counts them, BEGIN and COMMIT included), measured by
 * bench/capacity-sim.ts on one node, and what a deployment needs from them.
 */

export interface Cost {
  redis: number;
  postgres: number;
}

/** Per operation, measured at the sim's rates (one commit statement per send: little group commit). */
export const perOperation = {
  /** A device connects (token and user read, session, presence) with nothing owed. */
  connect: { redis: 14, postgres: 2 },
  /** Each message a reconnecting device is owed (read from its inbox, pushed, acked). */
  catchUpMessage: { redis: 3.5, postgres: 0 },
  /** A one-to-one send whose receiver is offline: relation check, commit (history row, outbox entry), inbox append, outbox done. */
  privateOffline: { redis: 8, postgres: 2 },
  /** What an online receiver adds to a one-to-one send: its mute and profile reads, the push over the node bus, the device's ack. */
  privateOnlineReceiver: { redis: 3, postgres: 2 },
  /** A group send, before its recipients: member read (cached), commit. */
  groupBase: { redis: 1, postgres: 2 },
  /**
   * Each recipient of a group send (its members but the sender), online or not: the inbox append
   * (a Lua script and its commands). Larger groups take longer to append to, so the outbox entry's
   * deletion more often misses the next commit and goes alone: about a statement per 100 recipients.
   */
  groupRecipient: { redis: 6, postgres: 0.01 },
  /** What an online recipient adds: the push over the node bus and the device's ack. */
  groupOnlineRecipient: { redis: 4, postgres: 0 },
} satisfies Record<string, Cost>;

/** A node's own background work per second (presence heartbeat, outbox relay, job and push polls). */
export const idlePerNodeSecond: Cost = { redis: 4, postgres: 3 };

/** How far a measurement may be from the model before the sim fails. */
export const tolerance = 0.25;

export interface Traffic {
  /** Private sends per second, and the share of them whose receiver is online. */
  privatePerSecond: number;
  privateOnlineShare: number;
  /** Group sends per second, their mean size (members, the sender included) and the share of recipients online. */
  groupPerSecond: number;
  meanGroupSize: number;
  groupOnlineShare: number;
  /** Connects per second and the mean number of messages each is owed. */
  connectsPerSecond: number;
  owedPerConnect: number;
  nodes: number;
}

const add = (a: Cost, b: Cost, times = 1): Cost => ({ redis: a.redis + b.redis * times, postgres: a.postgres + b.postgres * times });

/** Redis commands and Postgres statements per second for `traffic`. */
export function load(traffic: Traffic, costs = perOperation, idle = idlePerNodeSecond): Cost {
  let total: Cost = { redis: 0, postgres: 0 };
  total = add(total, costs.privateOffline, traffic.privatePerSecond);
  total = add(total, costs.privateOnlineReceiver, traffic.privatePerSecond * traffic.privateOnlineShare);
  total = add(total, costs.groupBase, traffic.groupPerSecond);
  const recipients = traffic.groupPerSecond * (traffic.meanGroupSize - 1);
  total = add(total, costs.groupRecipient, recipients);
  total = add(total, costs.groupOnlineRecipient, recipients * traffic.groupOnlineShare);
  total = add(total, costs.connect, traffic.connectsPerSecond);
  total = add(total, costs.catchUpMessage, traffic.connectsPerSecond * traffic.owedPerConnect);
  return add(total, idle, traffic.nodes);
}

/**
 * docs/capacity.md's peak hour for 10 million registered users, 1 million sessions and
 * 50,000 sends/s: the assumptions the figures there follow from.
 */
export const deployment: Traffic = {
  privatePerSecond: 35_000,
  privateOnlineShare: 0.5,
  groupPerSecond: 15_000,
  meanGroupSize: 20,
  groupOnlineShare: 0.2,
  connectsPerSecond: 2_000,
  owedPerConnect: 20,
  nodes: 48,
};
