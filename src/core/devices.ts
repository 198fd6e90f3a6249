import { randomUUID } from 'node:crypto';
import { ParleyError } from '../errors.js';
import type { Clock } from '../model/clock.js';
import type { Platform } from '../model/platform.js';
import type { SessionInfo } from '../model/session.js';
import type { ChatroomMembers } from '../store/chatroom-members.js';
import type { Inbox } from '../store/inbox.js';
import type { Presence } from '../store/presence.js';
import type { AppRegistry } from './apps.js';
import type { ChatroomRules } from './conversation-rules.js';
import type { ConversationListService } from './conversation-list.js';
import type { Deliverer } from './delivery/deliver.js';
import type { CoreEvents } from './delivery/events.js';
import { DeviceSession, type DeviceLink } from './device-session.js';
import type { LocalSessions } from './local-sessions.js';
import type { HistoryService } from './history.js';
import type { NodeEvents, PushTarget } from './node-events.js';
import { nodeTtlMs } from './node-liveness.js';
import { OutgoingMessage } from './outgoing.js';
import type { PermissionService } from './permissions.js';
import type { PushTokens } from './push/tokens.js';
import type { RecallService } from './recall.js';
import type { SessionService } from './sessions.js';
import type { UserService } from './users.js';

/** What device sessions use of the rest of the core. */
export interface DeviceServices {
  nodeId: string;
  clock: Clock;
  apps: Pick<AppRegistry, 'get'>;
  users: Pick<UserService, 'authenticate'>;
  permissions: Pick<PermissionService, 'assertNotBanned' | 'listMutes'>;
  sessions: SessionService;
  presence: Pick<Presence, 'add' | 'keepNodeAlive'>;
  inbox: Inbox;
  deliverer: Deliverer;
  history: Pick<HistoryService, 'page'>;
  conversationList: Pick<ConversationListService, 'list'>;
  recalls: Pick<RecallService, 'recall'>;
  chatrooms: ChatroomRules;
  roomMembers: ChatroomMembers;
  events: CoreEvents;
  nodeEvents: NodeEvents;
  pushTokens: Pick<PushTokens, 'register' | 'unregister'>;
  onError(err: unknown, what: string): void;
}

/** What a device presents to connect (Parley's `connect` frame; RongCloud's connect query). */
export interface ConnectRequest {
  token: string;
  /** When given, a token of another app is refused. */
  appKey?: string | undefined;
  deviceId: string;
  platform: Platform;
  lastSeq: number;
  epoch?: string | undefined;
  /**
   * The device pulls what it is owed itself, page by page (`DeviceSession.pull`, RongCloud's
   * SDK): connecting catches it up with nothing, live pushes only follow.
   */
  pulls?: boolean | undefined;
  /** The device's address, for the online-status event. */
  address?: string | undefined;
}

/**
 * The device sessions this node holds (the core's face to the transports): connecting
 * (authenticate, register, catch up), closing, and acting on what other nodes ask of these
 * sessions (pushes, kicks, room exits). The gateway never reaches a store but through here.
 */
export class Devices {
  constructor(
    private readonly sessions: LocalSessions,
    private readonly services: DeviceServices,
    /** Live pushes one session may hold back while its catch-up runs. */
    private readonly maxHeldBack: number,
  ) {
    const { nodeEvents } = services;
    nodeEvents.on('push', ({ appKey, items }) => {
      for (const { to, message } of items) this.push(appKey, to, new OutgoingMessage(message));
    });
    nodeEvents.on('kick', ({ sessionId, reason }) => this.sessions.get(sessionId)?.link.kicked(reason));
    nodeEvents.on('room-left', ({ roomId, sessionIds }) => {
      for (const sessionId of sessionIds) this.sessions.get(sessionId)?.forgetRoom(roomId);
    });
  }

  get size(): number {
    return this.sessions.size;
  }

  /** The sessions this node holds, with their app (the console's "online" view, docs/admin.md). */
  list(): Array<SessionInfo & { appKey: string }> {
    return [...this.sessions.all()].map((session) => ({ appKey: session.app.appKey, ...session.info }));
  }

  /**
   * Authenticates the device, registers its session (kicking what the session policy
   * evicts), answers `onHead` with the user's inbox head, then catches it up. A refused
   * token or a banned user throws before anything is registered.
   */
  async connect(link: DeviceLink, request: ConnectRequest, onHead: (session: DeviceSession, head: { seq: number; epoch: string }) => void): Promise<DeviceSession> {
    const { services } = this;
    const { app, user, tokenIssuedAt } = await services.users.authenticate(request.token, request.appKey);
    await services.permissions.assertNotBanned(app, user.userId);
    const info: SessionInfo = {
      sessionId: randomUUID(),
      userId: user.userId,
      deviceId: request.deviceId,
      platform: request.platform,
      nodeId: services.nodeId,
      connectedAt: services.clock.now(),
      tokenIssuedAt,
    };
    // Until the app is removed (and its sessions closed, `closeApp`), the copy it connected with stands in.
    const session = new DeviceSession(() => services.apps.get(app.appKey) ?? app, info, link, services, this.maxHeldBack);
    // Registered before the inbox is read, so nothing appended in between is missed;
    // pushes arriving meanwhile are held back and merged by seq.
    this.sessions.add(session);
    try {
      // Deleted while this device authenticated: `closeApp` ran before the session was added.
      if (!services.apps.get(app.appKey)) throw new ParleyError('tokenIncorrect');
      await services.sessions.open(app, info);
      services.events.emit({ type: 'session.opened', app, session: info, address: request.address });
      await session.catchUp(request, (head) => onHead(session, head));
    } catch (err) {
      await this.disconnect(session, request.address);
      throw err;
    }
    return session;
  }

  /** The device's socket closed: its rooms and presence go. */
  async disconnect(session: DeviceSession, address?: string): Promise<void> {
    if (!this.sessions.remove(session)) return;
    await session.close();
    try {
      await this.services.sessions.close(session.app.appKey, session.info);
    } catch (err) {
      this.services.onError(err, 'could not remove the presence of a closed session');
    }
    this.services.events.emit({ type: 'session.closed', app: session.app, session: session.info, address, loggedOut: session.loggedOut });
  }

  /**
   * The inbox store came back after a disconnect. If it kept its data, this node's
   * sessions are registered again (presence may have expired meanwhile); if it lost it,
   * every session is closed so that its device reconnects and learns of the gap.
   */
  async storeReconnected(lostData: boolean): Promise<void> {
    // First this node's liveness: sessions of a node without it count as gone (and are swept).
    await this.services.presence.keepNodeAlive(this.services.nodeId, nodeTtlMs);
    const sessions = [...this.sessions.all()];
    if (lostData) {
      for (const session of sessions) session.link.reconnect('store-reset');
      return;
    }
    await Promise.all(sessions.map((s) => this.services.presence.add(s.app.appKey, s.info)));
  }

  /**
   * The app was deleted (docs/admin.md): its sessions on this node are told their token is
   * revoked (it no longer verifies) and closed; new ones are refused at authentication.
   */
  closeApp(appKey: string): void {
    for (const session of [...this.sessions.all()]) if (session.app.appKey === appKey) session.link.kicked('token-revoked');
  }

  private push(appKey: string, to: PushTarget, message: OutgoingMessage): void {
    if ('everyone' in to) {
      for (const session of this.sessions.all()) if (session.app.appKey === appKey) session.push(message, undefined);
      return;
    }
    if ('sessions' in to) {
      for (const sessionId of to.sessions) this.sessions.get(sessionId)?.pushToRoom(to.roomId, message);
      return;
    }
    for (const [userId, seq] of to.users) {
      for (const session of this.sessions.ofUser(appKey, userId)) {
        if (session.info.sessionId !== to.skipSessionId) session.push(message, seq);
      }
    }
  }

}
