import { ParleyError } from '../errors.js';
import type { ChatroomMembers } from '../store/chatroom-members.js';
import type { ConversationRef } from '../store/conversations.js';
import { privateConversationKey } from '../store/history.js';
import type { App } from './apps.js';
import type { GroupRules, UltraGroupRules } from './conversation-rules.js';
import { conversationTypes } from '../model/message.js';
import { normalizeChannel } from './ultragroups.js';

/** A conversation as one user names it. */
export interface ConversationName {
  conversationType: number;
  targetId: string;
  busChannel?: string | undefined;
}

/** Where the rows of `userId`'s conversation are; the app backend may name any. */
export function conversationRef(userId: string, name: ConversationName): ConversationRef {
  const { conversationType, targetId } = name;
  const busChannel = conversationType === conversationTypes.ultraGroup ? normalizeChannel(name.busChannel ?? '') : '';
  switch (conversationType) {
    case conversationTypes.private:
    case conversationTypes.system:
      return { conversationType, targetId, busChannel, conversationKey: privateConversationKey(userId, targetId) };
    case conversationTypes.group:
    case conversationTypes.chatroom:
    case conversationTypes.ultraGroup:
      return { conversationType, targetId, busChannel, conversationKey: targetId };
    default:
      throw new ParleyError('badParameter', `conversationType ${conversationType} has no history`);
  }
}

/** Who may read or mark a conversation from a device: its two users, group members, the channel's audience, the room's members. */
export class ConversationAccess {
  constructor(
    private readonly groups: GroupRules,
    private readonly ultraGroups: UltraGroupRules,
    private readonly roomMembers: ChatroomMembers,
  ) {}

  async refFor(app: App, userId: string, name: ConversationName): Promise<ConversationRef> {
    const ref = conversationRef(userId, name);
    switch (ref.conversationType) {
      case conversationTypes.group:
        if (!(await this.groups.members(app, ref.targetId)).includes(userId)) throw new ParleyError('notInGroup');
        break;
      case conversationTypes.ultraGroup:
        if (!(await this.ultraGroups.audience(app, ref.targetId, ref.busChannel)).includes(userId)) throw new ParleyError('notInUltraGroup');
        break;
      case conversationTypes.chatroom:
        if (!(await this.roomMembers.sessions(app.appKey, ref.targetId)).some((m) => m.userId === userId)) throw new ParleyError('notInChatroom');
        break;
    }
    return ref;
  }
}
