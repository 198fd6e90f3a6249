import { ParleyError } from '../errors.js';
import type { UserProfile, UserRecord, UserStore } from '../store/users.js';
import type { App, AppRegistry } from './apps.js';
import type { Clock } from '../model/clock.js';
import type { SessionService } from './sessions.js';
import { issueToken, readToken } from './tokens.js';

export interface AuthenticatedUser {
  app: App;
  user: UserRecord;
  tokenIssuedAt: number;
}

/** User registration, profiles, tokens and online status (SERVER-API.md §14). */
export class UserService {
  constructor(
    private readonly apps: AppRegistry,
    private readonly users: UserStore,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
  ) {}

  /** Registers or updates the user and issues a new token; older tokens stay valid. */
  async getToken(app: App, profile: UserProfile): Promise<string> {
    const now = this.clock.now();
    await this.users.upsert(app.appKey, profile, now);
    return issueToken(app.appSecret, { appKey: app.appKey, userId: profile.userId, issuedAt: now });
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
    if (!app || !user || claims.issuedAt < user.tokensValidAfter) throw new ParleyError('tokenIncorrect');
    return { app, user, tokenIssuedAt: claims.issuedAt };
  }

  isOnline(app: App, userId: string): Promise<boolean> {
    return this.sessions.isOnline(app.appKey, userId);
  }
}
