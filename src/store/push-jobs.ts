import type { PushProviderName } from '../model/push.js';

/** One push owed to one device for one message. */
export interface PushJob {
  appKey: string;
  userId: string;
  deviceId: string;
  messageUId: string;
  provider: PushProviderName;
  token: string;
  /** JSON of the `Notification`. */
  notification: string;
  /** Attempts made before this one. */
  attempts: number;
  /** A connected device's job: pushed only if the device has not acked this inbox seq when it is due. */
  unackedSeq?: number | undefined;
}

/** A job to add; `dueAt` (default: at once) delays a connected device's push. */
export type NewPushJob = Omit<PushJob, 'attempts'> & { dueAt?: number | undefined };

/**
 * Owed pushes (SQL), durable across a node's death (docs/push.md "Durability"):
 * - `add` keeps one job per (user, device, message): adding it again changes nothing, so
 *   a message is never owed twice to a device;
 * - `take` hands out due jobs, leasing them for `leaseMs`: nodes never take one at once,
 *   and a job leased by a node that died is handed out again once its lease ran out;
 * - `sent` keeps the jobs, marked, until `forgetSent` (a re-add finds it and does nothing);
 *   `retry` makes it due again later; `drop` forgets it unsent.
 */
export interface PushJobStore {
  add(jobs: readonly NewPushJob[], now: number): Promise<void>;
  take(now: number, leaseMs: number, limit: number): Promise<PushJob[]>;
  /** Marks the jobs sent, in one statement (the worker marks a pass's successes together). */
  sent(jobs: readonly PushJob[], now: number): Promise<void>;
  retry(job: PushJob, dueAt: number): Promise<void>;
  drop(job: PushJob): Promise<void>;
  /** Forgets jobs sent before `before`. */
  forgetSent(before: number): Promise<void>;
  /** Jobs not sent yet (tests, operators). */
  pending(appKey: string): Promise<number>;
}
