import { z } from 'zod';
import { conversationTypes } from '../../../model/message.js';
import { extraKeyVal, flag, id, integer, text } from '../../params.js';
import { pushOptionFields } from '../../push-options.js';
import { content, objectName } from '../messages.js';

/**
 * Field types of Nexconn's v4 API that differ from v1's (docs/nexconn-v4.md "Names and
 * types"): its JSON bodies carry objects where v1 forms carry JSON text.
 */

const objectAsText = (value: unknown) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? JSON.stringify(value) : value);

/** The four channel types and the RongCloud conversation types they are. */
export const channelTypes = {
  direct: conversationTypes.private,
  group: conversationTypes.group,
  open: conversationTypes.chatroom,
  community: conversationTypes.ultraGroup,
} as const;
export type ChannelType = keyof typeof channelTypes;

/** A channel type by its number, as Nexconn's webhooks give `channelType` (the RongCloud numbers). */
const channelTypeByNumber = new Map<unknown, ChannelType>(Object.entries(channelTypes).map(([name, number]) => [number, name as ChannelType]));

/**
 * `channelType`: `direct`, `group`, `open` or `community`, in any case; `DIRECT_CHANNEL`-style
 * names too; or the number (1, 3, 4, 10) Nexconn's own payloads carry.
 */
export const channelType = z.preprocess(
  (value) => (typeof value === 'string' ? value.toLowerCase().replace(/[-_]?channel$/, '') : (channelTypeByNumber.get(value) ?? value)),
  z.enum(Object.keys(channelTypes) as [ChannelType, ...ChannelType[]], { message: 'must be direct, group, open or community' }),
);

/** What every v4 send takes, by its v4 name (the v1 name it stands for in docs/nexconn-v4.md). */
export const sendFields = {
  fromUserId: id,
  messageType: objectName,
  content,
  pushContent: text(1024).optional(),
  pushData: text(4096).optional(),
  isEchoToSender: flag.optional(),
  shouldPersist: flag.optional(),
  isCounted: flag.optional(),
  hasMetadata: flag.optional(),
  metadata: extraKeyVal.optional(),
  msgRandom: integer.optional(),
  // Accepted as v1 accepts them (src/http/routes/messages.ts), with no effect on delivery.
  contentAvailable: flag.optional(),
  disableUpdateLastMsg: flag.optional(),
  needReadReceipt: flag.optional(),
  ...pushOptionFields,
  /** An object here; v1's JSON text. */
  pushExt: z.preprocess(objectAsText, pushOptionFields.pushExt),
};

/** Sends to channels with members take `hasMention` (v1 isMentioned: content must carry mentionedInfo). */
export const mentionFields = { hasMention: flag.optional() };

/** An object of metadata on an open channel (v1 `entryInfo`, a JSON text there). */
export const objectText = <T extends z.ZodType>(schema: T) => z.preprocess(objectAsText, schema);
