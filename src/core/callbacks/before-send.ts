import { ParleyError } from '../../errors.js';
import type { Clock } from '../../model/clock.js';
import type { App } from '../apps.js';
import { checkValues, parseRongCloudChange } from '../expansion-rules.js';
import { expansionNoticeType } from '../expansion.js';
import { resolveMessage } from '../message-types.js';
import type { Content, Origin } from '../delivery/send.js';
import { channelTypeOf, sourceOf, type ConversationKind } from './message-route.js';
import type { CallbackPoster } from './poster.js';
import { signedUrl } from './signing.js';

/** What the app's pre-send callback is asked about: one message as it would be delivered. */
export interface ModeratedMessage {
  app: App;
  origin: Origin;
  kind: ConversationKind;
  fromUserId: string;
  /** The receiver, group or room it goes to (a send to several: the first). */
  targetId: string;
  /** Every receiver of a one-to-one send, or the members a directed group send names. */
  toUserIds: readonly string[];
  objectName: string;
  content: Content;
  /** The key/values it is sent with (`expansion`), none when sent without. */
  expansion: Readonly<Record<string, string>> | undefined;
  /** The expansion change this is (RC:MsgExMsg): the message it changes. */
  originalMessageUId?: string | undefined;
  messageUId: string;
  sentTime: number;
  busChannel: string;
  disablePush: boolean;
}

/**
 * What became of a message the app was asked about: `passed` unchanged, `replaced` in part,
 * `unanswered` let through without an answer (failOpen).
 */
export type Moderation = 'passed' | 'replaced' | 'unanswered';

export interface Moderated {
  moderation: Moderation;
  content: Content;
  expansion: Readonly<Record<string, string>> | undefined;
}

/**
 * The pre-send callback (docs/callbacks.md "Pre-send moderation", RongCloud's message
 * callback service): a device's message — and the server API's when the app asks — waits
 * for the app backend's answer, which lets it through, refuses it (21501, nothing written)
 * or replaces its content, push content or expansion key/values. No answer in time, or an
 * answer that is not one, lets it through unchanged or refuses it, as `failOpen` says.
 */
export class BeforeSendCallback {
  constructor(
    private readonly poster: CallbackPoster,
    private readonly clock: Clock,
    private readonly onUnanswered: (err: unknown, app: App) => void,
  ) {}

  /** Whether the app asks about this message; status messages (typing …) are never held. */
  applies(app: App, origin: Origin, status: boolean): boolean {
    const beforeSend = app.callbacks?.beforeSend;
    return beforeSend !== undefined && !status && (origin.kind === 'device' || beforeSend.includeServerApi);
  }

  async moderate(message: ModeratedMessage): Promise<Moderated> {
    const config = message.app.callbacks?.beforeSend;
    if (!config) throw new Error('moderate() needs an app with a beforeSend callback');
    let moderated: Moderated | 'refused';
    try {
      const body = await this.poster.post({
        url: signedUrl(config.url, message.app.appSecret, this.clock.now()),
        contentType: 'application/json',
        body: JSON.stringify(requestOf(message)),
        timeoutMs: config.timeoutMs,
      });
      const answer = parseAnswer(body);
      moderated = answer.pass ? applied(message, answer) : 'refused';
    } catch (err) {
      this.onUnanswered(err, message.app);
      if (!config.failOpen) throw new ParleyError('sensitiveWordBlocked', "rejected: the app's moderation did not answer in time");
      return { moderation: 'unanswered', content: message.content, expansion: message.expansion };
    }
    if (moderated === 'refused') throw new ParleyError('sensitiveWordBlocked', "rejected by the app's moderation");
    return moderated;
  }
}

/** RongCloud's request fields (docs/callbacks.md "Pre-send moderation"). */
function requestOf(message: ModeratedMessage): Record<string, unknown> {
  return {
    fromUserId: message.fromUserId,
    targetId: message.targetId,
    toUserIds: message.toUserIds,
    msgType: message.objectName,
    content: message.content.content,
    pushContent: message.content.pushContent ?? '',
    pushData: message.content.pushData ?? '',
    disablePush: message.disablePush,
    expansion: message.expansion !== undefined,
    extraContent: message.expansion ? JSON.stringify(message.expansion) : '',
    channelType: channelTypeOf[message.kind],
    msgTimeStamp: message.sentTime,
    messageId: message.messageUId,
    originalMsgUID: message.originalMessageUId ?? '',
    os: sourceOf(message.origin),
    busChannel: message.busChannel,
  };
}

interface Answer {
  pass: boolean;
  replaceContent?: string;
  replacePushContent?: string;
  replaceExpansion?: Record<string, string>;
}

/** The app's answer: `pass` 1 or 0 (true or false), the optional replacements; anything else is no answer. */
function parseAnswer(body: string): Answer {
  const answer: unknown = JSON.parse(body);
  if (typeof answer !== 'object' || answer === null) throw new Error('the answer is not a JSON object');
  const { pass, replaceContent, replacePushContent, replaceExpansion } = answer as Record<string, unknown>;
  if (pass !== 0 && pass !== 1 && pass !== true && pass !== false) throw new Error('the answer has no pass 0 or 1');
  const result: Answer = { pass: pass === 1 || pass === true };
  if (replaceContent !== undefined && replaceContent !== null && replaceContent !== '') result.replaceContent = textOf(replaceContent);
  if (replacePushContent !== undefined && replacePushContent !== null) result.replacePushContent = textOf(replacePushContent);
  if (replaceExpansion !== undefined && replaceExpansion !== null) result.replaceExpansion = keyValuesOf(replaceExpansion);
  return result;
}

/** RongCloud's answers carry content as a JSON string; an object is taken as that JSON. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  throw new Error('a replacement is neither text nor a JSON object');
}

function keyValuesOf(value: unknown): Record<string, string> {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new Error('replaceExpansion is not an object of string values');
  }
  return parsed as Record<string, string>;
}

/** The message as the answer leaves it; a replacement the message's own rules refuse makes the answer no answer. */
function applied(message: ModeratedMessage, answer: Answer): Moderated {
  const { replaceContent, replacePushContent, replaceExpansion } = answer;
  if (replaceContent === undefined && replacePushContent === undefined && replaceExpansion === undefined) {
    return { moderation: 'passed', content: message.content, expansion: message.expansion };
  }
  if (replaceContent !== undefined) resolveMessage({ objectName: message.objectName, content: replaceContent });
  if (replaceContent !== undefined && message.objectName === expansionNoticeType) parseRongCloudChange(replaceContent);
  // Key/values replace those a message is sent with; a message sent without gets none.
  const expansion = message.expansion && (replaceExpansion ?? message.expansion);
  if (expansion && replaceExpansion && Object.keys(expansion).length > 0) checkValues('replaceExpansion', Object.entries(expansion));
  return {
    moderation: 'replaced',
    content: { ...message.content, content: replaceContent ?? message.content.content, pushContent: replacePushContent ?? message.content.pushContent },
    expansion,
  };
}
