/** Why a session is closed by the server (PROTOCOL.md "Server pushes"). */
export type KickReason = 'same-platform-login' | 'web-limit' | 'token-revoked' | 'user-blocked';
