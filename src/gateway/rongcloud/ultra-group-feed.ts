import type { OutgoingMessage } from '../../core/outgoing.js';

/**
 * The ultra-group messages one session was pushed, kept until the SDK pulls them
 * (`pullUgMsg`, docs/rongcloud-client-protocol.md §7). The SDK learns of ultra-group
 * messages by a notice and then pulls everything after its version; Parley's ultra
 * groups have no per-user inbox (its own devices read by channel), so the session holds
 * what was pushed to it while connected. Earlier messages come from history.
 */
export class UltraGroupFeed {
  private readonly messages: Array<{ at: number; message: OutgoingMessage }> = [];

  /**
   * Numbers start at the session's start in ms, so a later session (the SDK keeps its
   * version only while connected) numbers above an earlier one.
   */
  constructor(
    private readonly capacity: number,
    private last: number,
  ) {}

  add(message: OutgoingMessage): void {
    this.last += 1;
    this.messages.push({ at: this.last, message });
    if (this.messages.length > this.capacity) this.messages.splice(0, this.messages.length - this.capacity);
  }

  /** Messages numbered after `syncTime`, oldest first, and the version to pull after next (never lower). */
  after(syncTime: number): { messages: OutgoingMessage[]; syncTime: number } {
    return { messages: this.messages.filter((m) => m.at > syncTime).map((m) => m.message), syncTime: Math.max(syncTime, this.last) };
  }
}
