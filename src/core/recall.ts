import { ParleyError } from '../errors.js';
import type { HistoryStore, StoredMessage } from '../store/history.js';
import type { App } from './apps.js';
import type { Clock } from '../model/clock.js';
import { keepsHistory } from './history-policy.js';
import type { Deliverer } from './delivery/deliver.js';
import type { CoreEvents } from './delivery/events.js';
import { targetOf, type Origin } from './delivery/send.js';
import { conversationTypes } from '../model/message.js';
import { isMessageUId, messageUIdTime } from './message-uid.js';

/** The recall command clients act on, and the notice a recalled row shows (docs/server-api.md "Recall and history"). */
export const recallCommand = 'RC:RcCmd';
const recallNotice = 'RC:RcNtf';

/** The message being recalled, as its sender addressed it. */
export interface RecalledMessage {
  conversationType: number;
  targetId: string;
  busChannel: string;
  sentTime: number;
}

export interface RecallRequest {
  app: App;
  /** A device may recall only its own user's messages; the app backend names the sender. */
  origin: Origin;
  fromUserId: string;
  messageUId: string;
  /** The app backend describes the message; it must match the stored row. */
  described?: RecalledMessage | undefined;
  isAdmin: boolean;
  isDelete: boolean;
  extra: string;
  /** RongCloud's disablePush: the recall notice is not pushed to devices not connected. */
  disablePush?: boolean | undefined;
}

/**
 * Recall (docs/server-api.md "Recall and history", docs/protocol.md `recall`): RC:RcCmd goes to the message's
 * conversation like the message did (and to the sender's other devices with
 * multiDeviceSync), then the stored row is marked recalled and shows the recall notice
 * (`delete: true` with `isDelete`, for devices to drop it silently). The command goes first, so a failure leaves the row as it was and the
 * caller's retry does the whole recall again.
 */
export class RecallService {
  constructor(
    private readonly history: HistoryStore,
    private readonly deliverer: Pick<Deliverer, 'deliver'>,
    private readonly events: CoreEvents,
    private readonly clock: Clock,
  ) {}

  async recall(request: RecallRequest): Promise<void> {
    const { app, messageUId } = request;
    const row = await this.history.find(app.appKey, messageUId);
    if (row?.recalled) return;
    const message = row ? this.checkStored(request, row) : this.checkUnstored(request);
    await this.sendCommand(request, message);
    if (!row) return;
    const now = this.clock.now();
    const notice = {
      operatorId: request.fromUserId,
      recallTime: now,
      recallActionTime: now,
      originalObjectName: row.objectName,
      admin: request.isAdmin,
      delete: request.isDelete,
      extra: request.extra,
    };
    await this.history.recall(app.appKey, messageUId, { objectName: recallNotice, content: JSON.stringify(notice) });
    this.events.emit({ type: 'message.recalled', app, messageUId, operatorId: request.fromUserId, conversationType: row.conversationType, targetId: row.targetId, busChannel: row.busChannel });
  }

  /** `/message/broadcast/recall`: broadcasts are not kept, so the id must carry its `sentTime`. */
  async broadcastRecall(app: App, fromUserId: string, messageUId: string, sentTime: number, flags: Pick<RecallRequest, 'isAdmin' | 'isDelete' | 'extra'>): Promise<string> {
    assertIdOf(messageUId, sentTime);
    const content = commandContent(messageUId, { conversationType: conversationTypes.system, targetId: fromUserId, busChannel: '', sentTime }, flags);
    const delivered = await this.deliverer.deliver({ kind: 'everyone', app, origin: { kind: 'api', echo: false }, fromUserId, objectName: recallCommand, content: { content } });
    return delivered.messageUIds[0]!.messageUId;
  }

  private checkStored(request: RecallRequest, row: StoredMessage): RecalledMessage {
    if (row.fromUserId !== request.fromUserId) {
      if (request.origin.kind === 'device') throw new ParleyError('recallNotSender');
      throw new ParleyError('recallInvalid', 'fromUserId: not the sender of this message');
    }
    const stored = { conversationType: row.conversationType, targetId: row.targetId, busChannel: row.busChannel, sentTime: row.sentTime };
    const described = request.described;
    if (described) {
      for (const field of ['conversationType', 'targetId', 'busChannel', 'sentTime'] as const) {
        if (described[field] !== stored[field]) throw new ParleyError('recallInvalid', `${field}: does not match the message`);
      }
    }
    return stored;
  }

  /**
   * A message not in cloud history: the app keeps none of its kind, so the app backend's
   * description is taken once the id is well formed and carries `sentTime`. Where history
   * is kept, a message not found does not exist (or is past retention).
   */
  private checkUnstored(request: RecallRequest): RecalledMessage {
    const described = request.described;
    if (request.origin.kind === 'device' || !described || keepsHistory(request.app, described.conversationType)) {
      throw new ParleyError('recallInvalid', `messageUID: no message ${request.messageUId} in cloud history`);
    }
    assertIdOf(request.messageUId, described.sentTime);
    return described;
  }

  /**
   * RC:RcCmd goes where the message went, as a notice (a block made since must not stop it);
   * the sender's other devices get it with multiDeviceSync. A chatroom is whoever is joined
   * now: the recalling device need not be one of them.
   */
  private async sendCommand(request: RecallRequest, message: RecalledMessage): Promise<void> {
    const { app, fromUserId } = request;
    const fromDevice = request.origin.kind === 'device' && message.conversationType !== conversationTypes.chatroom;
    await this.deliverer.deliver({
      ...targetOf(message),
      app,
      origin: fromDevice ? request.origin : { kind: 'api', echo: app.features.multiDeviceSync },
      fromUserId,
      objectName: recallCommand,
      content: { content: commandContent(request.messageUId, message, request) },
      notice: true,
      ...(request.disablePush && { push: { disablePush: true } }),
    });
  }
}

function commandContent(messageUId: string, message: RecalledMessage, flags: Pick<RecallRequest, 'isAdmin' | 'isDelete' | 'extra'>): string {
  return JSON.stringify({
    messageUId,
    conversationType: message.conversationType,
    targetId: message.targetId,
    sentTime: message.sentTime,
    isAdmin: flags.isAdmin ? 1 : 0,
    isDelete: flags.isDelete ? 1 : 0,
    extra: flags.extra,
    ...(message.busChannel !== '' && { channelId: message.busChannel }),
  });
}

function assertIdOf(messageUId: string, sentTime: number): void {
  if (!isMessageUId(messageUId) || messageUIdTime(messageUId) !== sentTime) {
    throw new ParleyError('recallInvalid', 'messageUID: not a message sent at sentTime');
  }
}
