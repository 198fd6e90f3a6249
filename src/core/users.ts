import { ParleyError } from '../errors.js';
import type { AccountStore } from '../store/accounts.js';
import type { UserProfile, UserRecord, UserRemark, UserStore } from '../store/users.js';
import type { App, AppRegistry } from './apps.js';
import type { Clock } from '../model/clock.js';
import type { SessionService } from './sessions.js';
import { issueToken, readToken } from './tokens.js';

export interface AuthenticatedUser {
  app: App;
  user: UserRecord;
  tokenIssuedAt: number;
}

/** User registration, profiles, tokens and online status (docs/server-api.md "Users"). */
export class UserService {
  constructor(
    private readonly apps: AppRegistry,
    private readonly users: UserStore,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
    private readonly accounts: Pick<AccountStore, 'isDeactivated'>,
  ) {}

  /**
   * Registers or updates the user and issues a new token; older tokens stay valid. A
   * deactivated user gets none until reactivated.
   */
  async getToken(app: App, profile: UserProfile): Promise<string> {
    if (await this.accounts.isDeactivated(app.appKey, profile.userId)) throw new ParleyError('userDeactivated');
    const now = this.clock.now();
    const createdAt = await this.users.upsert(app.appKey, profile, now);
    // Never older than the registration it belongs to (another node's clock may be behind).
    return issueToken(app.appSecret, { appKey: app.appKey, userId: profile.userId, issuedAt: Math.max(now, createdAt) });
  }

  async refresh(app: App, userId: string, changes: Partial<Omit<UserProfile, 'userId'>>): Promise<void> {
    if (!(await this.users.update(app.appKey, userId, changes))) {
      throw new ParleyError('badParameter', `userId ${userId} is not registered`);
    }
  }

  async info(app: App, userId: string): Promise<UserRecord> {
    const user = await this.users.get(app.appKey, userId);
    if (!user) throw new ParleyError('badParameter', `userId ${userId} is not registered`);
    return user;
  }

  /** Tokens issued before `before` stop working; sessions opened with them are kicked. */
  async expireTokens(app: App, userIds: readonly string[], before: number): Promise<void> {
    const marked = await this.users.expireTokens(app.appKey, userIds, before);
    await Promise.all(
      marked.map((userId) =>
        this.sessions.kickUser(app.appKey, userId, 'token-revoked', (s) => s.tokenIssuedAt < before),
      ),
    );
  }

  /**
   * The app and user a device token opens a session for. Refuses a token that is
   * malformed, forged, of another app than `expectedAppKey`, of an unknown user, or revoked.
   */
  async authenticate(token: string, expectedAppKey?: string): Promise<AuthenticatedUser> {
    const claims = readToken(token, this.apps);
    if (!claims || (expectedAppKey !== undefined && claims.appKey !== expectedAppKey)) {
      throw new ParleyError('tokenIncorrect');
    }
    const app = this.apps.get(claims.appKey);
    const user = await this.users.get(claims.appKey, claims.userId);
    if (!app || !user) {
      if (app && (await this.accounts.isDeactivated(app.appKey, claims.userId))) throw new ParleyError('userDeactivated');
      throw new ParleyError('tokenIncorrect');
    }
    // A token from before the user's registration names an earlier, deleted account of the same id.
    if (claims.issuedAt < user.tokensValidAfter || claims.issuedAt < user.createdAt) throw new ParleyError('tokenIncorrect');
    return { app, user, tokenIssuedAt: claims.issuedAt };
  }

  /** Which of `userIds` are registered (Tencent's account_check). */
  async registered(app: App, userIds: readonly string[]): Promise<Set<string>> {
    return new Set((await this.users.getMany(app.appKey, userIds)).keys());
  }

  /** `/user/query.json`: users by registration time. */
  page(app: App, page: number, pageSize: number, descending: boolean): Promise<{ total: number; users: UserRecord[] }> {
    return this.users.page(app.appKey, (page - 1) * pageSize, pageSize, descending);
  }

  /** A target named twice in one call gets the later remark, as if set one after the other. */
  setRemarks(app: App, userId: string, remarks: readonly UserRemark[]): Promise<void> {
    const lastPerTarget = new Map(remarks.map((r) => [r.targetId, r]));
    return this.users.setRemarks(app.appKey, userId, [...lastPerTarget.values()]);
  }

  deleteRemark(app: App, userId: string, targetId: string): Promise<void> {
    return this.users.deleteRemark(app.appKey, userId, targetId);
  }

  remarks(app: App, userId: string, page: number, size: number): Promise<{ total: number; remarks: UserRemark[] }> {
    return this.users.remarks(app.appKey, userId, (page - 1) * size, size);
  }

  isOnline(app: App, userId: string): Promise<boolean> {
    return this.sessions.isOnline(app.appKey, userId);
  }
}
