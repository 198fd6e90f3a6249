import type { App } from './apps.js';
import { conversationTypes } from '../model/message.js';

/** Whether the app keeps cloud history of this conversation kind (ARCHITECTURE.md, history column). */
export function keepsHistory(app: App, conversationType: number): boolean {
  if (conversationType === conversationTypes.ultraGroup) return true;
  if (conversationType === conversationTypes.chatroom) return app.features.historyChatroom;
  return app.features.historyPrivateGroup;
}

/** Rows sent before this are past the kind's retention: not read even before the sweep deletes them. */
export function retentionCutoff(app: App, conversationType: number, now: number): number {
  const { historyPrivateGroupDays, historyChatroomDays, historyUltraGroupDays } = app.features;
  const days =
    conversationType === conversationTypes.chatroom ? historyChatroomDays : conversationType === conversationTypes.ultraGroup ? historyUltraGroupDays : historyPrivateGroupDays;
  return now - days * 86_400_000;
}
