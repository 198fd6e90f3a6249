import { ParleyError } from '../../errors.js';
import type { Clock } from '../../model/clock.js';
import { conversationTypes } from '../../model/message.js';
import type { BroadcastJob, BroadcastJobStore } from '../../store/broadcast-jobs.js';
import type { ChatroomMembers } from '../../store/chatroom-members.js';
import type { UserStore } from '../../store/users.js';
import type { App, AppRegistry } from '../apps.js';
import { newSendStamp, stampedMessageUId, type SendStamp } from '../message-uid.js';
import { preparing, viewBase, type AudienceContext } from './audience.js';
import type { Committer } from './commit.js';
import type { LivePush } from './live-push.js';
import { messageView, type PlannedMessage } from './plan.js';
import type { Publisher } from './publish.js';
import type { Content, Delivered, Send } from './send.js';

type AppWideSend = Extract<Send, { kind: 'everyone' | 'online' | 'everyRoom' }>;
type EveryoneSend = Extract<Send, { kind: 'everyone' }>;

/** Users per page of a broadcast: one inbox call and one statement of progress each. */
const pageSize = 500;
/** A node holds a job this long without progress before another may go on with it. */
const leaseMs = 30_000;
/** How often a node looks for a job to go on with. */
const pollMs = 1_000;

/** What a broadcast job keeps of its send (the app is found again by key). */
interface StoredSend {
  fromUserId: string;
  objectName: string;
  content: Content;
  isPersisted?: boolean | undefined;
  isCounted?: boolean | undefined;
  sentTime: number;
}

/** One page of a job: the last user it reached and how many users it counted, or undefined once none is left. */
export type JobPage = (afterUser: string, resumed: boolean) => Promise<{ afterUser: string; count: number } | undefined>;

/** A kind of paged job: turns a job taken (on any node) into its pages. */
export interface PagedJobKind {
  pages(app: App, job: BroadcastJob): Promise<JobPage>;
}

export interface AppWideDeps {
  apps: Pick<AppRegistry, 'get'>;
  users: Pick<UserStore, 'listIds'>;
  roomMembers: Pick<ChatroomMembers, 'rooms' | 'sessions'>;
  jobs: BroadcastJobStore;
  audience: AudienceContext;
  committer: Committer;
  publisher: Publisher;
  push: LivePush;
  clock: Clock;
  onError(err: unknown, what: string): void;
}

/**
 * App-wide sends (docs/server-api.md "Broadcasts"):
 * - `everyone`: a system message to every user, as a durable job: the job row is the
 *   commit point; any node goes on with a job whose node stopped (from the last page it
 *   reached, finding the entries of a page it may have half written), and its progress
 *   can be read (`status`);
 * - `online`: pushed to every session online now, nothing stored;
 * - `everyRoom`: pushed to every chatroom with members now, nothing stored.
 *
 * Other kinds of jobs paged over users use the same rows and workers (`register`,
 * `startJob`): pushes to an audience (src/core/push/audience-push.ts).
 */
export class AppWideSends {
  private timer: NodeJS.Timeout | undefined;
  private working: Promise<void> | undefined;
  private stopping = false;
  private readonly kinds = new Map<BroadcastJob['kind'], PagedJobKind>([['message', { pages: (app, job) => this.messagePages(app, job) }]]);

  constructor(private readonly deps: AppWideDeps) {}

  /** Handles the jobs of another kind (before `startWorking`). */
  register(kind: Exclude<BroadcastJob['kind'], 'message'>, handler: PagedJobKind): void {
    this.kinds.set(kind, handler);
  }

  /** Records a job of another kind, durably (its row is the commit point), and starts working on it. */
  async startJob(app: App, kind: Exclude<BroadcastJob['kind'], 'message'>, id: string, send: string): Promise<void> {
    await this.deps.jobs.create({ kind, appKey: app.appKey, messageUId: id, createdAt: this.deps.clock.now(), send });
    this.kick();
  }

  async start(send: AppWideSend, stamp: SendStamp): Promise<Delivered> {
    const prepared = await preparing(this.deps.audience, send)(send.content);
    const messageUId = stampedMessageUId(stamp, 0);
    const delivered = { sentTime: stamp.sentTime, messageUIds: [{ targetId: '', messageUId }] };
    const base = await viewBase(this.deps.audience, send, stamp);
    switch (send.kind) {
      case 'everyone': {
        const stored: StoredSend = { fromUserId: send.fromUserId, objectName: send.objectName, content: prepared.content, isPersisted: send.isPersisted, isCounted: send.isCounted, sentTime: stamp.sentTime };
        await this.deps.jobs.create({ kind: 'message', appKey: send.app.appKey, messageUId, createdAt: stamp.sentTime, send: JSON.stringify(stored) });
        this.kick();
        return delivered;
      }
      case 'online': {
        const message = messageView(base, { messageUId, conversationType: conversationTypes.system, targetId: send.fromUserId, prepared: { ...prepared, flags: { ...prepared.flags, persisted: false, counted: false } } });
        await this.deps.push.toEveryone(send.app.appKey, message);
        return delivered;
      }
      case 'everyRoom': {
        const rooms = await this.deps.roomMembers.rooms(send.app.appKey);
        const deliveries = await Promise.all(
          rooms.map(async (roomId) => ({
            roomId,
            sessions: await this.deps.roomMembers.sessions(send.app.appKey, roomId),
            message: messageView(base, { messageUId, conversationType: conversationTypes.chatroom, targetId: roomId, prepared }),
          })),
        );
        await this.deps.push.toRooms(send.app.appKey, deliveries);
        return delivered;
      }
    }
  }

  /** A job's progress; 404 for an id that names no job of the kind in the app. */
  async status(app: App, messageUId: string, kind: BroadcastJob['kind'] = 'message'): Promise<Pick<BroadcastJob, 'state' | 'delivered' | 'error'>> {
    const job = await this.deps.jobs.get(app.appKey, messageUId);
    if (job?.kind !== kind) throw new ParleyError('notFound', `no ${kind === 'message' ? 'broadcast' : 'push'} ${messageUId}`);
    return { state: job.state, delivered: job.delivered, error: job.error };
  }

  /** Starts looking for jobs to go on with. */
  startWorking(): void {
    this.timer = setInterval(() => this.kick(), pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Resolves once no job is left to take here (tests; a job another node holds is not waited for). */
  async settle(): Promise<void> {
    await this.working;
    this.kick();
    await this.working;
  }

  /** Stops after the page in hand; its job's lease lets another node go on with it. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.working;
  }

  private kick(): void {
    if (this.working || this.stopping) return;
    this.working = this.workOnJobs()
      .catch((err: unknown) => this.deps.onError(err, 'broadcast jobs stopped; the next pass goes on'))
      .finally(() => (this.working = undefined));
  }

  private async workOnJobs(): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      const now = this.deps.clock.now();
      const job = await this.deps.jobs.take(now, now + leaseMs);
      if (!job) return;
      await this.runJob(job);
    }
  }

  private async runJob(job: BroadcastJob): Promise<void> {
    const app = this.deps.apps.get(job.appKey);
    if (!app) return this.deps.jobs.finish(job.appKey, job.messageUId, 'failed', 'the app no longer exists');
    const kind = this.kinds.get(job.kind);
    if (!kind) return this.deps.jobs.finish(job.appKey, job.messageUId, 'failed', `no handler for ${job.kind} jobs`);
    const page = await kind.pages(app, job);
    let { afterUser, delivered } = job;
    // The first page after taking a job may have been half written by a node that stopped.
    for (let resumed = afterUser !== '' || delivered > 0; !this.stopping; resumed = false) {
      const reached = await page(afterUser, resumed);
      if (!reached) return this.deps.jobs.finish(app.appKey, job.messageUId, 'done', '');
      afterUser = reached.afterUser;
      delivered += reached.count;
      // Gone: its sender's account was deleted, and its broadcasts with it.
      if (!(await this.deps.jobs.progress(app.appKey, job.messageUId, afterUser, delivered, this.deps.clock.now() + leaseMs))) return;
    }
    await this.deps.jobs.progress(app.appKey, job.messageUId, afterUser, delivered, 0);
  }

  /** A broadcast's pages: its system message committed to a page of registered users at a time. */
  private async messagePages(app: App, job: BroadcastJob): Promise<JobPage> {
    const stored = JSON.parse(job.send) as StoredSend;
    const send: EveryoneSend = { kind: 'everyone', app, origin: { kind: 'api', echo: false }, fromUserId: stored.fromUserId, objectName: stored.objectName, content: stored.content, isPersisted: stored.isPersisted, isCounted: stored.isCounted };
    const stamp = { sentTime: stored.sentTime, base: '0' };
    const prepared = await this.deps.audience.preparer.prepare(send, stored.content);
    const base = await viewBase(this.deps.audience, send, stamp);
    const message = messageView(base, { messageUId: job.messageUId, conversationType: conversationTypes.system, targetId: stored.fromUserId, prepared });
    return async (afterUser, resumed) => {
      const userIds = await this.deps.users.listIds(app.appKey, afterUser, pageSize);
      if (userIds.length === 0) return undefined;
      const page: PlannedMessage = { messageUId: job.messageUId, targetId: '', copies: [{ message, users: userIds, toInbox: !prepared.flags.status }], prepared };
      const owed = { pushPlans: this.deps.publisher.owedPushPlans(send, [page]) };
      const committed = await this.deps.committer.commit(app, newSendStamp(stored.sentTime, 1), [page], resumed, owed);
      await this.deps.publisher.publish(send, [page], committed);
      return { afterUser: userIds[userIds.length - 1]!, count: userIds.length };
    };
  }
}
