import type { MessageView } from '../../core/message.js';

/**
 * The chatroom messages one session received, kept until the SDK pulls them
 * (`chrmPull`, docs/rongcloud-client-protocol.md §7). RongCloud's SDK learns of a room
 * message from a notice and then pulls; Parley's chatrooms push to the sessions joined
 * now and store nothing per user, so the session holds what was pushed to it. Each
 * message gets the next number of this feed, the `syncTime` the SDK pulls after.
 */
export class RoomFeed {
  private readonly messages: Array<{ at: number; message: MessageView }> = [];

  /**
   * Numbers start at the join time in ms, so a feed of a later session (the SDK rejoins
   * after a reconnect and keeps its version) numbers above an earlier one.
   */
  constructor(
    private readonly capacity: number,
    private last: number,
  ) {}

  /** Adds a message; returns its number (the notice's time). The oldest go past `capacity`. */
  add(message: MessageView): number {
    this.last += 1;
    this.messages.push({ at: this.last, message });
    if (this.messages.length > this.capacity) this.messages.splice(0, this.messages.length - this.capacity);
    return this.last;
  }

  /** Messages numbered after `syncTime`, oldest first, at most `count`, and the number to pull after next. */
  after(syncTime: number, count: number): { messages: MessageView[]; syncTime: number } {
    const newer = this.messages.filter((m) => m.at > syncTime).slice(0, Math.max(count, 1));
    return { messages: newer.map((m) => m.message), syncTime: newer.at(-1)?.at ?? Math.max(syncTime, this.last) };
  }
}
