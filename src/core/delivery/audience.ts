import type { ChatroomMembers } from '../../store/chatroom-members.js';
import type { ChatroomRules, GroupRules, UltraGroupRules } from '../conversation-rules.js';
import type { PermissionService } from '../permissions.js';
import type { SendStamp } from '../message-uid.js';
import type { Prepared, PlannedMessage, ViewBase } from './plan.js';
import type { ContentPreparer, SenderProfiles } from './prepare.js';
import type { Content, Send } from './send.js';

/** What the audience rules of every kind read: the permission model, memberships, profiles. */
export interface AudienceContext {
  preparer: ContentPreparer;
  profiles: SenderProfiles;
  permissions: Pick<PermissionService, 'checkClientSend' | 'blockedBy'>;
  groups: GroupRules;
  chatrooms: ChatroomRules;
  roomMembers: Pick<ChatroomMembers, 'sessions'>;
  ultraGroups: UltraGroupRules;
}

/** One kind's rule: who may send, who gets which copy, what history keeps; no writes. */
export type Audience<S extends Send> = (context: AudienceContext, send: S, stamp: SendStamp) => Promise<PlannedMessage[]>;

/**
 * Whether the sender's own other devices get the message: a device's send with
 * multiDeviceSync; the app backend's when it asks (echo).
 */
export function echoes(send: Send): boolean {
  return send.origin.kind === 'device' ? send.app.features.multiDeviceSync : send.origin.echo;
}

/** The sending device, never pushed its own message. */
export function sendingSession(send: Send): string | undefined {
  return send.origin.kind === 'device' ? send.origin.session.sessionId : undefined;
}

/** Prepares each distinct content of a send once, however many recipients share it. */
export function preparing(context: AudienceContext, send: Send): (content: Content) => Promise<Prepared> {
  const done = new Map<Content, Promise<Prepared>>();
  return (content) => {
    let prepared = done.get(content);
    if (!prepared) done.set(content, (prepared = context.preparer.prepare(send, content)));
    return prepared;
  };
}

const asIs = (prepared: Prepared): Promise<Prepared> => Promise.resolve(prepared);

/**
 * The app's pre-send callback on each distinct prepared content, asked once the send passed
 * its kind's other rules (a refused send never reaches the app backend).
 */
export function moderating(context: AudienceContext, send: Send, stamp: SendStamp): (prepared: Prepared) => Promise<Prepared> {
  // Most apps have no pre-send callback: their sends allocate nothing for it.
  if (!send.app.callbacks?.beforeSend) return asIs;
  const done = new Map<Prepared, Promise<Prepared>>();
  return (prepared) => {
    let moderated = done.get(prepared);
    if (!moderated) done.set(prepared, (moderated = context.preparer.moderate(send, stamp, prepared)));
    return moderated;
  };
}

export async function viewBase(context: AudienceContext, send: Send, stamp: SendStamp, busChannel = ''): Promise<ViewBase> {
  return { fromUserId: send.fromUserId, objectName: send.objectName, busChannel, sender: await context.profiles.of(send.app, send.fromUserId), sentTime: stamp.sentTime };
}
