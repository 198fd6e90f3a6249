/**
 * A job paged over the users of an app, in progress (or done), as kept so that any node can
 * go on with it: an app-wide send (`message`) or a push to an audience (`push`).
 */
export interface BroadcastJob {
  kind: 'message' | 'push';
  appKey: string;
  /** The job's id: the broadcast's message id, or the push's id. */
  messageUId: string;
  createdAt: number;
  /** The send (or push), serialised by the core. */
  send: string;
  /** Users with ids up to this one have been reached ('' before the first). */
  afterUser: string;
  delivered: number;
  state: 'running' | 'done' | 'failed';
  error: string;
}

/**
 * Durable paged jobs (SQL): app-wide sends and audience pushes. `take` hands a running job whose lease ran out to one
 * caller (leasing it until `leaseUntil`); `progress` records a page reached and renews the
 * lease; a node that dies simply lets its lease run out.
 */
export interface BroadcastJobStore {
  /** Records a new job; an existing one with the id is left as is. */
  create(job: Pick<BroadcastJob, 'kind' | 'appKey' | 'messageUId' | 'createdAt' | 'send'>): Promise<void>;
  take(now: number, leaseUntil: number): Promise<BroadcastJob | undefined>;
  /** False when the job is gone (its sender's account was deleted): the caller stops. */
  progress(appKey: string, messageUId: string, afterUser: string, delivered: number, leaseUntil: number): Promise<boolean>;
  finish(appKey: string, messageUId: string, state: 'done' | 'failed', error: string): Promise<void>;
  get(appKey: string, messageUId: string): Promise<BroadcastJob | undefined>;
}
