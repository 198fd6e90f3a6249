import { conversationTypes } from '../../model/message.js';
import type { Notification } from '../../model/push.js';
import type { MessageCommitted } from '../delivery/events.js';
import { recallCommand } from '../recall.js';

/** Bodies of the built-in types that are pushed without pushContent (docs/push.md "What is pushed"); an app may override them. */
export const defaultBodies: Readonly<Record<string, string>> = {
  'RC:ImgMsg': '[图片]',
  'RC:GIFMsg': '[图片]',
  'RC:VcMsg': '[语音]',
  'RC:HQVCMsg': '[语音]',
  'RC:FileMsg': '[文件]',
  'RC:LBSMsg': '[位置]',
  'RC:SightMsg': '[小视频]',
  'RC:ImgTextMsg': '[图文]',
  'RC:CombineMsg': '[聊天记录]',
  [recallCommand]: '[撤回了一条消息]',
};

/** Text bodies are cut here (characters), with an ellipsis. */
export const maxTextBody = 100;
const textTypes = new Set(['RC:TxtMsg', 'RC:ReferenceMsg']);

/**
 * The body a message is pushed with before any sender name, or none: `pushContent` when
 * given; else the text (cut), or the type's default; other types (signalling, notices,
 * the app's own types) push nothing without pushContent.
 */
export function bodyOf(objectName: string, content: string, pushContent: string, overrides: Readonly<Record<string, string>> | undefined): string | undefined {
  if (pushContent !== '') return pushContent;
  const override = overrides?.[objectName];
  if (override !== undefined) return override;
  if (textTypes.has(objectName)) {
    const text = textOf(content);
    if (text === '') return undefined;
    return text.length > maxTextBody ? `${text.slice(0, maxTextBody)}…` : text;
  }
  return defaultBodies[objectName];
}

function textOf(content: string): string {
  try {
    const parsed = JSON.parse(content) as { content?: unknown };
    return typeof parsed.content === 'string' ? parsed.content : '';
  } catch {
    return '';
  }
}

const inGroup = (conversationType: number) => conversationType === conversationTypes.group || conversationType === conversationTypes.ultraGroup;

/**
 * What a committed message shows when pushed, or none: the title is the sender's name
 * (one-to-one, system) or the group's (groups, ultra groups), unless pushExt gives one;
 * in groups the body starts with the sender's name.
 */
export function notificationOf(event: MessageCommitted, groupName: string | undefined, overrides: Readonly<Record<string, string>> | undefined): Notification | undefined {
  const { message, push } = event;
  const body = bodyOf(message.objectName, message.content, message.pushContent, overrides);
  if (body === undefined) return undefined;
  const senderName = message.sender.name || event.fromUserId;
  const group = inGroup(message.conversationType);
  const ext = push?.ext;
  return {
    title: ext?.title ?? (group ? groupName || event.targetId : senderName),
    body: group ? `${senderName}: ${body}` : body,
    ...(message.pushData !== '' && { data: message.pushData }),
    conversationType: message.conversationType,
    // The conversation as the receiver names it: the sender one-to-one, else the group.
    targetId: message.targetId,
    objectName: message.objectName,
    ...(push?.badge !== undefined && { badge: push.badge }),
    ...(ext?.apns && { apns: ext.apns }),
    ...(ext?.fcm && { fcm: ext.fcm }),
  };
}
