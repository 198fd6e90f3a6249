import type { ChatroomService } from '../../core/chatrooms.js';
import type { ExpansionService } from '../../core/expansion.js';
import type { UserService } from '../../core/users.js';
import type { Clock } from '../../model/clock.js';

/**
 * What the RongCloud gateway uses of the core besides a device session (which its
 * connections reach through the gateway's `Devices`): the token check of navigation, and
 * what the SDK changes from a device that Parley's own protocol leaves to the server API
 * (a message's key/values, a chatroom's key/values).
 */
export interface RongCloudServices {
  clock: Clock;
  users: Pick<UserService, 'authenticate'>;
  expansion: Pick<ExpansionService, 'set' | 'remove'>;
  roomEntries: Pick<ChatroomService, 'entries' | 'setEntry' | 'removeEntry'>;
}
