/** What an event reports (docs/callbacks.md "Events"). */
export type CallbackEventKind = 'message.routed' | 'message.recalled' | 'user.online' | 'user.offline';

/** An event owed to the app backend, as written with the fact it reports. */
export interface NewCallbackEvent {
  /** Unique per app and fact: writing it again (a retried send) adds nothing. */
  dedupeKey: string;
  kind: CallbackEventKind;
  /** Events of one conversation are delivered in the order they were written. */
  conversation: string;
  /** Epoch ms. */
  createdAt: number;
  /** The callback's fields. */
  payload: Readonly<Record<string, string | number>>;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface CallbackEvent extends NewCallbackEvent {
  id: number;
  state: DeliveryState;
  attempts: number;
  lastError: string;
  /** Epoch ms; 0 until delivered. */
  deliveredAt: number;
}

/** The outcome of one try, recorded by `settle`. */
export interface Attempt {
  id: number;
  state: DeliveryState;
  attempts: number;
  nextAt: number;
  lastError: string;
  deliveredAt: number;
}

/**
 * Owed and past callbacks (SQL). Events are written by `HistoryStore.commit` with the
 * message they report, or by `add` for facts that commit nothing else.
 * - `lease` gives one node at a time a key (an app's callback) until `leaseUntil` (renewing its own);
 *   `release` gives it up (a node stopping), so another node need not wait for it to run out.
 * - `due` returns pending events of the given kinds in id order, at most `perConversation` of
 *   each conversation, and only of conversations whose oldest pending event is due: a later
 *   event is never handed out before an earlier one of its conversation is delivered or given up.
 * - `replay` makes the events of the given kinds in (after, until] pending again, due now.
 * - `forget` deletes events written before `before` that are no longer pending.
 */
export interface CallbackEventStore {
  add(appKey: string, events: readonly NewCallbackEvent[]): Promise<void>;
  lease(key: string, nodeId: string, now: number, leaseUntil: number): Promise<boolean>;
  release(key: string, nodeId: string): Promise<void>;
  due(appKey: string, kinds: readonly CallbackEventKind[], now: number, perConversation: number, limit: number): Promise<CallbackEvent[]>;
  settle(appKey: string, attempts: readonly Attempt[]): Promise<void>;
  /** Events after `after` in id order, ending before the first written (database clock) in the last `settleMs`. */
  page(appKey: string, after: number, limit: number, settleMs: number): Promise<CallbackEvent[]>;
  /** The app's last `limit` events, in id order (a view of what is recent, not a cursor to resume from). */
  newest(appKey: string, limit: number): Promise<CallbackEvent[]>;
  replay(appKey: string, kinds: readonly CallbackEventKind[], after: number, until: number, now: number): Promise<number>;
  forget(appKey: string, before: number): Promise<void>;
}
