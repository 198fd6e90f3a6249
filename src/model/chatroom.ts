// Chatroom moderation vocabulary shared by the store, the core and the REST routes.

/** `gag` and `block` hold per room; `ban` is app-wide (stored under room ''). */
export type LimitKind = 'gag' | 'block' | 'ban';

/** `whitelist`: exempt from gag, ban and room mute; `mute_whitelist`: exempt from room mute. */
export type RoomUserListKind = 'whitelist' | 'mute_whitelist';

/** Per-app objectName lists: always-sendable types, and high-priority types. */
export type ObjectNameKind = 'whitelist' | 'priority';
