import type { InboxPull } from '../../core/device-session.js';
import type { OutgoingMessage } from '../../core/outgoing.js';

/**
 * The inbox entries pushed live to one session since the SDK last pulled. The SDK takes
 * inbox messages only from its pulls (docs/rongcloud-client-protocol.md §5), so every live
 * message costs a notice and a pull; a pull that these entries answer whole — the first
 * right after the SDK's syncTime, none missing up to the newest — is answered from here
 * rather than by reading the inbox again. Anything else (the first pull after connecting,
 * an entry that was not pushed live, such as one sent from this device, or entries out of
 * order) is read from the inbox as before, so the stream keeps no hole and no duplicate.
 */
export class LiveEntries {
  private entries: Array<{ message: OutgoingMessage; seq: number }> = [];

  /** At most `max` are kept (the oldest dropped), which then makes the next pull read the inbox. */
  constructor(private readonly max: number) {}

  add(message: OutgoingMessage, seq: number): void {
    this.entries.push({ message, seq });
    if (this.entries.length > this.max) this.entries.shift();
  }

  /** The answer to a pull after `afterSeq`, when the entries held make it whole. */
  answer(afterSeq: number): InboxPull | undefined {
    const after = this.entries.filter((entry) => entry.seq > afterSeq);
    if (after.length === 0 || after.some((entry, i) => entry.seq !== afterSeq + 1 + i)) return undefined;
    return { messages: after, syncedUpTo: after[after.length - 1]!.seq, more: false };
  }

  /** The SDK was answered up to `seq`: those entries are its own now. */
  pulled(seq: number): void {
    this.entries = this.entries.filter((entry) => entry.seq > seq);
  }
}
