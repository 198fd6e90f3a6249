/**
 * The one error catalog: every failure Parley reports, with the RongCloud code app
 * backends and SDKs already know (docs/errors.md), its HTTP status and a default
 * message. REST bodies are `{"code":N,"errorMessage":"…"}`; WebSocket results carry
 * the same code. docs/errors.md lists the table; a test keeps the two in step.
 */
export const errorCatalog = {
  internal: { code: 1000, status: 500, message: 'internal server error', retryable: true },
  appKeyMismatch: { code: 1001, status: 401, message: 'App-Key and App-Secret do not match', retryable: false },
  badParameter: { code: 1002, status: 400, message: 'parameter error', retryable: false },
  noPostData: { code: 1003, status: 400, message: 'no POST data', retryable: false },
  badSignature: { code: 1004, status: 401, message: 'signature verification failed', retryable: false },
  parameterTooLong: { code: 1005, status: 400, message: 'parameter length exceeded', retryable: false },
  appLocked: { code: 1006, status: 401, message: 'app locked or deleted', retryable: false },
  methodRestricted: { code: 1007, status: 401, message: 'method restricted for this app', retryable: false },
  rateLimited: { code: 1008, status: 429, message: 'rate limit exceeded', retryable: true },
  serviceDisabled: { code: 1009, status: 403, message: 'service not enabled for this app', retryable: false },
  /** A store (Postgres, Redis) is down or did not answer in time: nothing was done, retry. */
  storageTimeout: { code: 1050, status: 503, message: 'internal service timeout: a store did not answer, retry', retryable: true },
  notFound: { code: 404, status: 404, message: 'not found', retryable: false },
  /** A history-file download link whose signature is wrong or whose time is up. */
  historyLinkInvalid: { code: 403, status: 403, message: 'the download link is not valid or has expired', retryable: false },
  /** RongCloud client code 31004 (TOKEN_INCORRECT): bad, forged, foreign or expired token. */
  tokenIncorrect: { code: 31004, status: 401, message: 'token incorrect or expired', retryable: false },
  /** RongCloud REJECTED_BY_BLACKLIST: the receiver blocked the sender. */
  rejectedByBlacklist: { code: 405, status: 403, message: 'rejected: the receiver blocked the sender', retryable: false },
  /** RongCloud NOT_IN_WHITELIST: the receiver accepts only its allowlist. */
  notInWhitelist: { code: 407, status: 403, message: 'rejected: the sender is not on the receiver\'s allowlist', retryable: false },
  /** RongCloud RC_FRIEND_NOT_FRIEND: friends-only app, sender not the receiver's friend. */
  notFriend: { code: 25469, status: 403, message: 'rejected: this app only delivers between friends', retryable: false },
  /** RongCloud RC_MSG_BLOCKED_SENSITIVE_WORD: the message holds a blocking word. */
  sensitiveWordBlocked: { code: 21501, status: 403, message: 'rejected: the message contains a blocked word', retryable: false },
  /** RongCloud RC_CONN_USER_BLOCKED: the user is banned (`/user/block.json`). */
  userBanned: { code: 31009, status: 403, message: 'the user is banned', retryable: false },
  /** RongCloud NOT_IN_GROUP. */
  notInGroup: { code: 22406, status: 403, message: 'the sender is not a member of the group', retryable: false },
  /** RongCloud FORBIDDEN_IN_GROUP: gagged member, or the whole group muted. */
  forbiddenInGroup: { code: 22408, status: 403, message: 'the sender may not speak in the group now', retryable: false },
  /** RongCloud RC_GROUP_ID_NOT_EXIST. */
  groupNotExist: { code: 25410, status: 404, message: 'no such group', retryable: false },
  /** RongCloud NOT_IN_CHATROOM. */
  notInChatroom: { code: 23406, status: 403, message: 'the user is not in the chatroom', retryable: false },
  /** RongCloud FORBIDDEN_IN_CHATROOM: gagged or banned in chatrooms. */
  forbiddenInChatroom: { code: 23408, status: 403, message: 'the user may not speak in the chatroom now', retryable: false },
  /** RongCloud KICKED_FROM_CHATROOM: blocked from the room. */
  kickedFromChatroom: { code: 23409, status: 403, message: 'the user is blocked from the chatroom', retryable: false },
  /** RongCloud RC_CHATROOM_NOT_EXIST. */
  chatroomNotExist: { code: 23410, status: 404, message: 'no such chatroom', retryable: false },
  /** RongCloud RC_KEY_NOT_EXIST (chatroom attributes). */
  chatroomKeyNotExist: { code: 23427, status: 404, message: 'no such chatroom attribute', retryable: false },
  /** RongCloud RC_NOT_IN_ULTRA_GROUP. */
  notInUltraGroup: { code: 24406, status: 403, message: 'the sender is not a member of the ultra group', retryable: false },
  /** RongCloud RC_FORBIDDEN_IN_ULTRA_GROUP: muted member or muted group/channel. */
  forbiddenInUltraGroup: { code: 24408, status: 403, message: 'the sender may not speak in the ultra group now', retryable: false },
  /** RongCloud RC_ULTRA_GROUP_NOT_EXIST. */
  ultraGroupNotExist: { code: 24410, status: 404, message: 'no such ultra group', retryable: false },
  /** RongCloud RC_ULTRA_GROUP_CHANNEL_ID_NOT_EXIST. */
  ultraGroupChannelNotExist: { code: 24414, status: 404, message: 'no such ultra group channel', retryable: false },
  /** RongCloud RC_ULTRA_GROUP_USER_NOT_IN_PRIVATE_CHANNEL. */
  notInPrivateChannel: { code: 24416, status: 403, message: 'the sender is not a member of the private channel', retryable: false },
  /** RongCloud RC_RECALLMESSAGE_PARAMETER_INVALID: no such message, or not the one described. */
  recallInvalid: { code: 25101, status: 404, message: 'no such message to recall', retryable: false },
  /** RongCloud RC_MESSAGE_STORAGE_SERVICE_UNAVAILABLE: the app keeps no cloud history of this kind. */
  historyDisabled: { code: 25102, status: 403, message: 'cloud history is not enabled for this app', retryable: false },
  /** RongCloud RC_RECALL_MESSAGE_USER_INVALID: a device may recall only its user's own messages. */
  recallNotSender: { code: 25107, status: 403, message: 'only the sender may recall this message', retryable: false },
  /** RongCloud RC_FRIEND_NEED_ACCEPT: the target approves friend requests (Parley keeps none, so nothing is added). */
  friendNeedsApproval: { code: 25461, status: 403, message: 'the target user adds friends only after approving a request', retryable: false },
  /** RongCloud RC_FRIEND_OTHER_NOT_ALLOW_ADD_FRIEND. */
  friendAddForbidden: { code: 25471, status: 403, message: 'the target user accepts no friend requests', retryable: false },
  /** RongCloud RC_OPERATION_BLOCKED: a user muted in one-to-one chat (`/user/chat/fb/set.json`) sends one. */
  mutedInPrivateChat: { code: 20605, status: 403, message: 'the sender may not send one-to-one messages', retryable: false },
  /** RongCloud RC_CONN_USER_ABANDON: the account is deactivated (`/user/deactivate.json`). */
  userDeactivated: { code: 31029, status: 403, message: 'the user account is deactivated', retryable: false },
  /** RongCloud MESSAGE_UNSUPPORTED_MODIFY: a recalled message, or another type than the original. */
  modifyUnsupported: { code: 20116, status: 403, message: 'this message cannot be modified', retryable: false },
  /** RongCloud client code 33001 (not connected): a request before a successful `connect`. */
  notConnected: { code: 33001, status: 400, message: 'connect first', retryable: false },
} as const satisfies Record<string, ErrorSpec>;

export interface ErrorSpec {
  code: number;
  status: number;
  message: string;
  retryable: boolean;
}

export type ErrorName = keyof typeof errorCatalog;

/** An expected failure with a catalogued code; anything else thrown is a fault (1000). */
export class ParleyError extends Error {
  override name = 'ParleyError';
  readonly code: number;
  readonly status: number;
  readonly retryable: boolean;

  constructor(
    readonly kind: ErrorName,
    detail?: string,
  ) {
    const spec: ErrorSpec = errorCatalog[kind];
    super(detail ?? spec.message);
    this.code = spec.code;
    this.status = spec.status;
    this.retryable = spec.retryable;
  }
}

export function isParleyError(err: unknown): err is ParleyError {
  return err instanceof ParleyError;
}

/**
 * The connection and timeout failures of the store drivers (pg, ioredis): the store is
 * down, frozen or unreachable, which the caller is told as a retryable 1050, not as a
 * fault of ours. Recognised by the drivers' error codes and messages.
 */
const outageCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '53300']);
const outageMessages = [
  /^Command timed out/, // ioredis commandTimeout
  /^Connection is closed\./, // ioredis
  /^Stream isn't writeable/, // ioredis without an offline queue
  /^Reached the max retries per request limit/, // ioredis MaxRetriesPerRequestError
  /^Connection terminated/, // pg
  /^timeout exceeded when trying to connect/, // pg pool connectionTimeoutMillis
  /^Query read timeout/, // pg query_timeout
  /^Client has encountered a connection error/, // pg
];

export function isStoreOutage(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (outageCodes.has(code) || code.startsWith('08'))) return true;
  return outageMessages.some((pattern) => pattern.test(err.message));
}

/** The catalogued error for `err`: itself, or 1050 for a store outage; undefined for a fault (1000). */
export function asParleyError(err: unknown): ParleyError | undefined {
  if (isParleyError(err)) return err;
  if (isStoreOutage(err)) return new ParleyError('storageTimeout');
  return undefined;
}
