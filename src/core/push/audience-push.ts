import { randomBytes } from 'node:crypto';
import { ParleyError } from '../../errors.js';
import type { Clock } from '../../model/clock.js';
import type { Notification, PushProviderName } from '../../model/push.js';
import type { Audience, PushAudienceStore } from '../../store/push-audience.js';
import type { App } from '../apps.js';
import type { AppWideSends, JobPage } from '../delivery/app-wide.js';
import type { Deliverer } from '../delivery/deliver.js';

/** What a push to an audience shows, per platform (RongCloud's `notification`). */
export interface AudienceNotification {
  title?: string | undefined;
  /** The body on every platform that gives none of its own. */
  alert?: string | undefined;
  ios?: { title?: string | undefined; alert?: string | undefined; badge?: number | undefined; extras?: string | undefined; apns?: Notification['apns'] } | undefined;
  android?: { title?: string | undefined; alert?: string | undefined; extras?: string | undefined; fcm?: Notification['fcm'] } | undefined;
}

export interface AudiencePush {
  platforms: readonly PushProviderName[];
  audience: Audience;
  notification: AudienceNotification;
  /** `/push.json` with `message`: the audience also gets this system message (not pushed a second time). */
  message?: { fromUserId: string; objectName: string; content: string } | undefined;
}

/** A message sent with an audience push reaches at most this many users named by tags (`everyone` uses the broadcast). */
export const maxMessageAudience = 10_000;
const systemBatch = 100;
/** Users per page of an audience push: one statement writes the push jobs of their devices. */
export const audiencePageSize = 500;

/** What a push's job keeps (its row in `broadcast_jobs`, kind `push`). */
interface StoredPush {
  audience: Audience;
  notifications: Partial<Record<PushProviderName, string>>;
}

type PagedJobs = Pick<AppWideSends, 'register' | 'startJob' | 'status'>;

/**
 * Pushes to an audience (docs/push.md "Endpoints"): the push is recorded as a durable job
 * before the answer, then paged in the background like `/message/broadcast` (the same jobs
 * and workers, src/core/delivery/app-wide.ts: any node goes on with a job whose node
 * stopped): each page writes the push jobs of the next users' devices, which the push
 * workers send. With a message, the audience gets it as a system message too.
 */
export class AudiencePushes {
  constructor(
    private readonly store: PushAudienceStore,
    private readonly deliverer: Pick<Deliverer, 'deliver'>,
    private readonly jobs: PagedJobs,
    private readonly clock: Clock,
    private readonly added: () => void,
  ) {
    jobs.register('push', { pages: (app, job) => Promise.resolve(this.pages(app, job.messageUId, JSON.parse(job.send) as StoredPush)) });
  }

  setTags(app: App, userIds: readonly string[], tags: readonly string[]): Promise<void> {
    return this.store.setTags(app.appKey, userIds, tags);
  }

  tagsOf(app: App, userIds: readonly string[]): Promise<Map<string, string[]>> {
    return this.store.tagsOf(app.appKey, userIds);
  }

  /** Returns the push's id once its job is recorded (a node that stops after this still gets it done). */
  async push(app: App, push: AudiencePush): Promise<string> {
    const notifications = notificationsOf(push);
    if (push.message) await this.sendMessage(app, push.audience, push.message);
    const pushId = `push-${randomBytes(8).toString('hex')}`;
    const stored: StoredPush = { audience: push.audience, notifications };
    await this.jobs.startJob(app, 'push', pushId, JSON.stringify(stored));
    return pushId;
  }

  /** A push's progress: running, done or failed, and how many users' pushes were written; 404 for an unknown id. */
  status(app: App, pushId: string) {
    return this.jobs.status(app, pushId, 'push');
  }

  private pages(app: App, pushId: string, stored: StoredPush): JobPage {
    return async (afterUser) => {
      const page = await this.store.enqueuePage(app.appKey, pushId, stored.audience, stored.notifications, { afterUser, limit: audiencePageSize, now: this.clock.now() });
      if (!page) return undefined;
      if (page.written > 0) this.added();
      return { afterUser: page.lastUser, count: page.users };
    };
  }

  private async sendMessage(app: App, audience: Audience, message: NonNullable<AudiencePush['message']>): Promise<void> {
    const common = { app, origin: { kind: 'api' as const, echo: false }, fromUserId: message.fromUserId, objectName: message.objectName, content: { content: message.content }, push: { disablePush: true } };
    if (audience.everyone) {
      await this.deliverer.deliver({ ...common, kind: 'everyone' });
      return;
    }
    const userIds = await this.store.usersOf(app.appKey, audience, maxMessageAudience);
    for (let i = 0; i < userIds.length; i += systemBatch) {
      await this.deliverer.deliver({ ...common, kind: 'system', toUserIds: userIds.slice(i, i + systemBatch) });
    }
  }
}

/** The notification of each platform asked for; a platform without a body is 1002. */
function notificationsOf(push: AudiencePush): Partial<Record<PushProviderName, string>> {
  const { notification } = push;
  const base = { conversationType: 0, targetId: '', objectName: push.message?.objectName ?? '' };
  const result: Partial<Record<PushProviderName, string>> = {};
  for (const platform of push.platforms) {
    const own = platform === 'apns' ? notification.ios : notification.android;
    const body = own?.alert ?? notification.alert;
    if (!body) throw new ParleyError('badParameter', `notification: alert is required for ${platform === 'apns' ? 'ios' : 'android'}`);
    const shown: Notification = {
      ...base,
      title: own?.title ?? notification.title ?? '',
      body,
      ...(own?.extras !== undefined && { data: own.extras }),
      ...(platform === 'apns' && notification.ios?.badge !== undefined && { badge: notification.ios.badge }),
      ...(platform === 'apns' && notification.ios?.apns && { apns: notification.ios.apns }),
      ...(platform === 'fcm' && notification.android?.fcm && { fcm: notification.android.fcm }),
    };
    result[platform] = JSON.stringify(shown);
  }
  return result;
}
