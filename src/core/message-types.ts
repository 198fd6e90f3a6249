import { ParleyError } from '../errors.js';
import { isTooDeepJson, maxJsonDepth } from './input-rules.js';

/**
 * Built-in RongCloud message types (docs/architecture.md "Message types") and the rules a message must pass
 * before it is stored or delivered: content size, content shape for `RC:` types, and the
 * storage flags that follow from the type and the sender's overrides.
 */

export interface MessageFlags {
  /** Kept in history and in offline inboxes. */
  persisted: boolean;
  /** Raises the recipient's unread count; never without `persisted`. */
  counted: boolean;
  /** Online-only: not stored anywhere, no messageUId worth keeping. */
  status: boolean;
}

export interface BuiltInType {
  flags: MessageFlags;
  /** Content fields without which clients cannot render or act on the message. */
  required: readonly string[];
}

/** RC:SRSMsg: a user's read position in a conversation, synced to the user's own devices. */
export const readSyncType = 'RC:SRSMsg';

/** RongCloud's limit on the `content` string, in UTF-8 bytes. */
export const maxContentBytes = 128 * 1024;

const maxObjectNameLength = 32;
const mb = 1024 * 1024;

const stored: MessageFlags = { persisted: true, counted: true, status: false };
const storedUncounted: MessageFlags = { persisted: true, counted: false, status: false };
const none: MessageFlags = { persisted: false, counted: false, status: false };
const status: MessageFlags = { persisted: false, counted: false, status: true };

/**
 * Required fields are deliberately few: only what a client needs to show or act on the
 * message. Optional fields (user, extra, thumbnails, mentionedInfo) vary between SDK
 * versions, and refusing what RongCloud accepts would break existing apps.
 */
export const builtInMessageTypes: Readonly<Record<string, BuiltInType>> = {
  'RC:TxtMsg': { flags: stored, required: ['content'] },
  'RC:ImgMsg': { flags: stored, required: ['imageUri'] },
  'RC:GIFMsg': { flags: stored, required: ['remoteUrl'] },
  'RC:VcMsg': { flags: stored, required: ['content', 'duration'] },
  'RC:HQVCMsg': { flags: stored, required: ['remoteUrl', 'duration'] },
  'RC:FileMsg': { flags: stored, required: ['name', 'size', 'fileUrl'] },
  'RC:SightMsg': { flags: stored, required: ['sightUrl', 'duration'] },
  'RC:LBSMsg': { flags: stored, required: ['latitude', 'longitude'] },
  'RC:ImgTextMsg': { flags: stored, required: ['title'] },
  'RC:ReferenceMsg': { flags: stored, required: ['content', 'referMsgUserId'] },
  'RC:CombineMsg': { flags: stored, required: ['remoteUrl'] },
  'RC:InfoNtf': { flags: storedUncounted, required: ['message'] },
  'RC:ContactNtf': { flags: storedUncounted, required: ['operation', 'sourceUserId', 'targetUserId'] },
  'RC:ProfileNtf': { flags: storedUncounted, required: [] },
  'RC:GrpNtf': { flags: storedUncounted, required: ['operation'] },
  'RC:CmdNtf': { flags: storedUncounted, required: ['name'] },
  'RC:RcNtf': { flags: storedUncounted, required: [] },
  // The docs say stored-not-counted, the web SDK says none; stored keeps chatroom KV
  // changes visible to members who fetch history after the fact.
  'RC:chrmKVNotiMsg': { flags: storedUncounted, required: ['type', 'key'] },
  'RC:CmdMsg': { flags: none, required: ['name'] },
  // Sources disagree (web table: P, newer Android: 0). The recall itself is applied to the
  // stored original; the command only needs delivering, so it is not kept as a message.
  'RC:RcCmd': { flags: none, required: ['messageUId'] },
  'RC:TypSts': { flags: status, required: ['typingContentType'] },
  'RC:ReadNtf': { flags: none, required: ['lastMessageSendTime'] },
  'RC:RRReqMsg': { flags: none, required: ['messageUId'] },
  'RC:RRRspMsg': { flags: none, required: [] },
  'RC:SRSMsg': { flags: none, required: ['lastMessageSendTime'] },
  'RC:MsgExMsg': { flags: none, required: [] },
  // Parley's notice of a modified message (core/modify.ts).
  'RC:MsgModify': { flags: none, required: ['messageUId'] },
};

/** Declared media sizes RongCloud caps: images and audio at 28 MB, files and video at 100 MB. */
const sizeLimits: Readonly<Record<string, { field: string; maxBytes: number; label: string }>> = {
  'RC:ImgMsg': { field: 'size', maxBytes: 28 * mb, label: '28 MB' },
  'RC:GIFMsg': { field: 'gifDataSize', maxBytes: 28 * mb, label: '28 MB' },
  'RC:VcMsg': { field: 'size', maxBytes: 28 * mb, label: '28 MB' },
  'RC:HQVCMsg': { field: 'size', maxBytes: 28 * mb, label: '28 MB' },
  'RC:FileMsg': { field: 'size', maxBytes: 100 * mb, label: '100 MB' },
  'RC:SightMsg': { field: 'size', maxBytes: 100 * mb, label: '100 MB' },
};

/**
 * RongCloud has more `RC:` types than the table lists (RTC call signals, public-service and
 * customer-service messages). Such a name is accepted as built-in namespace: stored and
 * counted like an ordinary message, content only required to be a JSON object, since its
 * fields are unknown here and refusing it would break SDK features that use it.
 */
const unlistedBuiltIn: BuiltInType = { flags: stored, required: [] };

export function isBuiltInType(objectName: string): boolean {
  return objectName.startsWith('RC:');
}

/** 1 to 32 characters, as RongCloud allows (docs/server-api.md "Sending"); 1002 otherwise. */
export function validateObjectName(objectName: string): void {
  if (objectName.length < 1 || objectName.length > maxObjectNameLength) {
    throw new ParleyError('badParameter', `objectName: must be 1 to ${maxObjectNameLength} characters`);
  }
}

export interface MessageInput {
  objectName: string;
  /** The message content as sent: a JSON string for `RC:` types, anything for custom ones. */
  content: string;
  /** Sender's `isPersisted`; can only turn storage off for built-in types. */
  isPersisted?: boolean;
  /** Sender's `isCounted`; can only turn counting off for built-in types. */
  isCounted?: boolean;
  /** Set by the status-message endpoints: online-only whatever the type. */
  forceStatus?: boolean;
}

/**
 * Validates a message about to be sent and decides how it is kept. Throws 1002 naming the
 * problem; custom types are opaque to the server, so only their size is checked.
 */
export function resolveMessage(input: MessageInput): { flags: MessageFlags } {
  const { objectName, content } = input;
  validateObjectName(objectName);
  if (Buffer.byteLength(content, 'utf8') > maxContentBytes) {
    throw new ParleyError('badParameter', `content: larger than ${maxContentBytes} bytes`);
  }
  // Custom content is opaque, but JSON content is walked later (word filter, history files).
  if (isTooDeepJson(content)) throw new ParleyError('badParameter', `content: JSON nested deeper than ${maxJsonDepth} levels`);
  if (!isBuiltInType(objectName)) {
    const persisted = input.isPersisted ?? true;
    const counted = persisted && (input.isCounted ?? true);
    return { flags: input.forceStatus ? { ...status } : { persisted, counted, status: false } };
  }

  const type = builtInMessageTypes[objectName] ?? unlistedBuiltIn;
  checkContent(objectName, type, content);
  if (input.forceStatus) return { flags: { ...status } };
  const persisted = type.flags.persisted && input.isPersisted !== false;
  const counted = persisted && type.flags.counted && input.isCounted !== false;
  return { flags: { persisted, counted, status: type.flags.status } };
}

function checkContent(objectName: string, type: BuiltInType, content: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw new ParleyError('badParameter', 'content: not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ParleyError('badParameter', `content: ${objectName} requires a JSON object`);
  }
  const fields = parsed as Record<string, unknown>;
  for (const field of type.required) {
    // null is how some SDKs serialise an unset field, so it counts as missing.
    if (fields[field] === undefined || fields[field] === null) {
      throw new ParleyError('badParameter', `content: ${objectName} requires "${field}"`);
    }
  }
  const limit = sizeLimits[objectName];
  const size = limit && fields[limit.field];
  if (limit && size !== undefined && size !== null) {
    if (typeof size !== 'number' || !Number.isFinite(size) || size < 0) {
      throw new ParleyError('badParameter', `content: ${objectName} ${limit.field} must be a non-negative number`);
    }
    if (size > limit.maxBytes) {
      throw new ParleyError('badParameter', `content: ${objectName} ${limit.field} ${size} exceeds ${limit.label}`);
    }
  }
}
