import { ParleyError } from '../../errors.js';
import type { MessageView } from '../../model/message.js';
import type { Clock } from '../../model/clock.js';
import type { UserStore } from '../../store/users.js';
import type { App } from '../apps.js';
import { cacheKey, NodeCache } from '../cache.js';
import { initialExpansion } from '../expansion-rules.js';
import { readSyncType, resolveMessage } from '../message-types.js';
import type { PermissionService } from '../permissions.js';
import type { Prepared } from './plan.js';
import type { Content, Send } from './send.js';

/**
 * Readies a send's content before anything is written: the type's rules and storage flags,
 * the expansion key/values it comes with, and for a device the sensitive-word filter. Done
 * once per distinct content of a send, never per recipient.
 */
export class ContentPreparer {
  constructor(
    private readonly permissions: Pick<PermissionService, 'filterContent'>,
    private readonly clock: Clock,
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
