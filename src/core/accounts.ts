import { randomUUID } from 'node:crypto';
import type { AccountStore } from '../store/accounts.js';
import type { Inbox } from '../store/inbox.js';
import type { OnceStore } from '../store/once.js';
import type { App } from './apps.js';
import type { ChatroomService } from './chatrooms.js';
import type { Clock } from '../model/clock.js';
import type { PermissionService } from './permissions.js';
import type { SessionService } from './sessions.js';

/**
 * Account deletion (`/user/deactivate.json`, `/user/delusers.json`) for app-store and
 * privacy rules: the user's sessions are closed, then everything Parley keeps of it goes
 * — profile, cloud history it sent or received one-to-one, its broadcasts, offline
 * messages (its inbox and the appends still owed to it), read positions and
 * conversations, relations, bans, remarks, chatroom limits and attributes, idempotency
 * records — except its group and ultra-group memberships (a group's member
 * list is the group owner's). A deactivated user is remembered as such (no connect, no new
 * token) until reactivated, and then starts empty. Every step is idempotent: a failed
 * call is simply repeated.
 */
export class AccountService {
  constructor(
    private readonly store: AccountStore,
    private readonly sessions: SessionService,
    private readonly inbox: Inbox,
    private readonly once: OnceStore,
    private readonly permissions: PermissionService,
    private readonly chatrooms: ChatroomService,
    private readonly clock: Clock,
  ) {}

  /** Deactivates and erases the users; returns the operation's id (RongCloud's `operateId`). */
  async deactivate(app: App, userIds: readonly string[]): Promise<string> {
    // Marked first: from here on no token is issued and no session opens for them.
    await this.store.markDeactivated(app.appKey, userIds, this.clock.now());
    for (const userId of userIds) await this.erase(app, userId);
    return randomUUID();
  }

  /** The users may be registered again; they start with nothing. */
  async reactivate(app: App, userIds: readonly string[]): Promise<string> {
    await this.store.unmarkDeactivated(app.appKey, userIds);
    return randomUUID();
  }

  /** Erases the users without remembering them (`/user/delusers.json`): the ids are free at once. */
  async delete(app: App, userIds: readonly string[]): Promise<void> {
    for (const userId of userIds) await this.erase(app, userId);
  }

  listDeactivated(app: App, pageNo: number, pageSize: number): Promise<string[]> {
    return this.store.listDeactivated(app.appKey, (pageNo - 1) * pageSize, pageSize);
  }

  isDeactivated(app: App, userId: string): Promise<boolean> {
    return this.store.isDeactivated(app.appKey, userId);
  }

  private async erase(app: App, userId: string): Promise<void> {
    await this.sessions.kickUser(app.appKey, userId, 'token-revoked');
    const { relatedUsers } = await this.store.purge(app.appKey, userId);
    await this.chatrooms.forgetUser(app, userId);
    // Idempotency records of its sends are keyed `<appKey>:<fromUserId>:…` (delivery/deliver.ts, modify.ts).
    await Promise.all([this.inbox.drop(app.appKey, userId), this.once.forgetPrefix(`${app.appKey}:${userId}:`)]);
    await this.permissions.relationsChanged(app, [userId, ...relatedUsers]);
  }
}
