import { ParleyError } from '../../errors.js';
import type { MessageView } from '../../model/message.js';
import type { Clock } from '../../model/clock.js';
import type { UserStore } from '../../store/users.js';
import type { App } from '../apps.js';
import type { BeforeSendCallback } from '../callbacks/before-send.js';
import { cacheKey, NodeCache } from '../cache.js';
import { initialExpansion } from '../expansion-rules.js';
import { readSyncType, resolveMessage } from '../message-types.js';
import { stampedMessageUId, type SendStamp } from '../message-uid.js';
import type { PermissionService } from '../permissions.js';
import type { Prepared } from './plan.js';
import type { Content, ConversationSend, Send } from './send.js';

/**
 * Readies a send's content before anything is written: the type's rules and storage flags,
 * the expansion key/values it comes with, and for a device the sensitive-word filter. Done
 * once per distinct content of a send, never per recipient.
 */
export class ContentPreparer {
  constructor(
    private readonly permissions: Pick<PermissionService, 'filterContent'>,
    private readonly clock: Clock,
    private readonly beforeSend: Pick<BeforeSendCallback, 'applies' | 'moderate'>,
  ) {}

  async prepare(send: Send, content: Content): Promise<Prepared> {
    if (send.objectName === readSyncType) {
      throw new ParleyError('badParameter', 'objectName: RC:SRSMsg is a read position: send it one-to-one (or with the read op), not to groups, rooms or everyone');
    }
    const { flags } = resolveMessage({ objectName: send.objectName, content: content.content, isPersisted: send.isPersisted, isCounted: send.isCounted, forceStatus: send.status });
    const extraContent = send.expansion && initialExpansion(send.expansion.initial, this.clock.now());
    if (send.origin.kind !== 'device') return { content, flags, extraContent };
    const filtered = await this.permissions.filterContent(send.app, send.objectName, content.content);
    return { content: { ...content, content: filtered }, flags, extraContent, wordsReplaced: filtered !== content.content };
  }

  /**
   * Asks the app's pre-send callback about a prepared content, once the send passed every
   * other rule (docs/callbacks.md "Pre-send moderation"): it may be refused (21501) or
   * come back replaced in part. Server notices (recalls, expansion notices …) are not asked.
   */
  async moderate(send: Send, stamp: SendStamp, prepared: Prepared): Promise<Prepared> {
    if (send.notice || !isConversationSend(send) || !this.beforeSend.applies(send.app, send.origin, prepared.flags.status)) return prepared;
    const initial = send.expansion && (send.expansion.initial ?? {});
    const moderated = await this.beforeSend.moderate({
      app: send.app,
      origin: send.origin,
      kind: send.kind,
      fromUserId: send.fromUserId,
      ...targetsOf(send),
      objectName: send.objectName,
      content: prepared.content,
      expansion: initial,
      messageUId: stampedMessageUId(stamp, 0),
      sentTime: stamp.sentTime,
      busChannel: ('busChannel' in send && send.busChannel) || '',
      disablePush: send.push?.disablePush ?? false,
    });
    const { moderation } = moderated;
    if (moderation !== 'replaced') return { ...prepared, moderation };
    const extraContent = moderated.expansion && initialExpansion(moderated.expansion, this.clock.now());
    return { ...prepared, content: moderated.content, extraContent, moderation };
  }
}


const isConversationSend = (send: Send): send is ConversationSend => send.kind !== 'everyone' && send.kind !== 'online' && send.kind !== 'everyRoom';

/** Who a send goes to, as the pre-send callback names it: the first target, and the users named. */
function targetsOf(send: ConversationSend): { targetId: string; toUserIds: readonly string[] } {
  switch (send.kind) {
    case 'private':
    case 'system':
      return { targetId: send.toUserIds[0] ?? '', toUserIds: send.toUserIds };
    case 'group':
    case 'ultraGroup':
      return { targetId: send.groupIds[0] ?? '', toUserIds: send.toUserIds ?? [] };
    case 'chatroom':
      return { targetId: send.roomIds[0] ?? '', toUserIds: [] };
  }
}

/** Sender profiles are kept this long per node: a busy sender costs no query per message. */
const profileCacheOptions = { ttlMs: 5_000, max: 50_000 };

/** The name and portrait every copy carries of its sender. */
export class SenderProfiles {
  private readonly cache: NodeCache<MessageView['sender']>;

  constructor(
    private readonly users: Pick<UserStore, 'getMany'>,
    clock: Clock,
  ) {
    this.cache = new NodeCache(profileCacheOptions, clock);
  }

  of(app: App, userId: string): Promise<MessageView['sender']> {
    return this.cache.get(cacheKey(app.appKey, userId), async () => {
      const user = (await this.users.getMany(app.appKey, [userId])).get(userId);
      return { name: user?.name ?? '', portraitUri: user?.portraitUri ?? '' };
    });
  }
}
