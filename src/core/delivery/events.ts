import type { MessageView } from '../../model/message.js';
import type { SessionInfo } from '../../model/session.js';
import type { App } from '../apps.js';
import type { Gap } from '../catch-up.js';
import type { MessageFlags } from '../message-types.js';
import type { Origin, PushOptions, SendKind } from './send.js';

/** One receiver of a committed message. */
export interface Recipient {
  userId: string;
  /** The seq of its inbox entry; none for kinds and types that keep no inbox entry. */
  seq?: number | undefined;
  /** Nodes that held sessions of the user when it was pushed (empty: no device online). */
  nodes: readonly string[];
}

/**
 * A message durably committed (docs/reliability.md): written at its commit point and on its
 * way to devices. Carries all that push notifications and the app backend's callbacks
 * need, so that they never read a store for it.
 */
export interface MessageCommitted {
  type: 'message.committed';
  app: App;
  kind: SendKind;
  origin: Origin;
  fromUserId: string;
  /** The receivers' view (for private messages: `targetId` is the sender). */
  message: MessageView;
  /** The conversation as the sender names it: the receiver, group, room or channel's group. */
  targetId: string;
  flags: MessageFlags;
  /** Who got it: receivers, plus the sender's own devices when echoed. */
  recipients: readonly Recipient[];
  /** Group and ultra group messages sent to some members only. */
  toUserIds?: readonly string[] | undefined;
  /** A chatroom message: the sessions it was pushed to. */
  roomSessions?: number | undefined;
  /** Kept in cloud history. */
  historyKept: boolean;
  /** The server's notice of something done (recall, expansion change, group or room notice). */
  notice: boolean;
  /** How the send asked to be pushed to devices not connected. */
  push: PushOptions | undefined;
  /**
   * Given when the send's push plans were committed with it: the push planner calls it once
   * it has planned this message's pushes (or found none owed), never when planning failed.
   */
  pushesPlanned?: (() => void) | undefined;
}

export type CoreEvent =
  | MessageCommitted
  | { type: 'message.recalled'; app: App; messageUId: string; operatorId: string; conversationType: number; targetId: string; busChannel: string }
  | { type: 'read'; app: App; userId: string; conversationType: number; targetId: string; busChannel: string; readTime: number }
  | { type: 'session.opened'; app: App; session: SessionInfo; address: string | undefined }
  /** `loggedOut`: the user logged out on the device before it closed (not a disconnect). */
  | { type: 'session.closed'; app: App; session: SessionInfo; address: string | undefined; loggedOut: boolean }
  | { type: 'gap'; app: App; session: SessionInfo; gap: Gap }
  /** A device's catch-up at connect ended: `messages` inbox entries were sent to it. */
  | { type: 'caught-up'; app: App; session: SessionInfo; messages: number };

export type CoreEventListener = (event: CoreEvent) => void;

/**
 * The seam between the core and what follows a committed fact (push notifications, the
 * app backend's callbacks, metrics): listeners are called in registration order, after the
 * fact is durable, exactly once per fact on the node that committed it. A listener must
 * return quickly (queue its own work); one that throws is reported and never stops the
 * others or the send.
 */
export class CoreEvents {
  private listeners: CoreEventListener[] = [];

  constructor(private readonly onListenerError: (err: unknown, event: CoreEvent) => void) {}

  /** Registers a listener; the returned function removes it. */
  on(listener: CoreEventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit(event: CoreEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }
}
