import type { FrameCounter } from './gateway.js';
import type { WebSocket } from 'ws';
import { closeCodes } from './close-codes.js';

/** What one session may have written but not yet handed to the OS (a peer that stops reading). */
export interface SendBufferLimits {
  bytes: number;
  frames: number;
}

/**
 * Enough for a catch-up page and a burst of live messages; a device that reads nothing
 * for this long is cut off, and finds its inbox messages again when it reconnects.
 */
export const defaultSendBufferLimits: SendBufferLimits = { bytes: 2 * 1024 * 1024, frames: 2_000 };

/** How long a socket closed for being too slow has to take its close frame before it is cut off. */
const cutOffMs = 1_000;

/** A paced writer waits for the OS to take what is buffered once this much is waiting. */
const pacedHighWaterBytes = 256 * 1024;

/**
 * Writes frames to one socket and bounds what a peer that stops reading can cost: past
 * the limits the socket is closed with `tooSlow`, then destroyed, so its buffered frames
 * are freed. Callers that send much at once (catch-up) pace themselves with `drained()`.
 */
export class SocketWriter {
  private unflushed = 0;
  private overflowed = false;
  private waiters: Array<() => void> = [];
  private readonly flushedOne = () => {
    if (--this.unflushed === 0) this.wake();
  };

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: SendBufferLimits,
    private readonly onOverflow: () => void,
    private readonly counter: Pick<FrameCounter, 'sent'>,
  ) {}

  /** False when the frame was not written: the socket is closed, or over its limits (and now closing). */
  write(data: string | Uint8Array): boolean {
    if (this.overflowed || this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > this.limits.bytes || this.unflushed >= this.limits.frames) {
      this.cutOff();
      return false;
    }
    this.unflushed++;
    this.socket.send(data, this.flushedOne);
    this.counter.sent();
    return true;
  }

  /**
   * Writes like `write`, first waiting while much is buffered: for senders of many frames at
   * once (catch-up), which then go at the pace the device reads and never hit the limits.
   */
  async writePaced(data: string | Uint8Array): Promise<boolean> {
    if (this.socket.bufferedAmount > pacedHighWaterBytes || this.unflushed >= this.limits.frames / 2) await this.drained();
    return this.write(data);
  }

  /** Resolves once every frame written so far has reached the OS (or the socket is gone). */
  drained(): Promise<void> {
    if (this.unflushed === 0 || this.socket.readyState !== this.socket.OPEN) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The socket closed: nobody waits for frames that will never be written. */
  closed(): void {
    this.wake();
  }

  /** Gives up on a peer that does not keep up: closed with `tooSlow`, then destroyed. */
  cutOff(): void {
    if (this.overflowed) return;
    this.overflowed = true;
    this.onOverflow();
    this.socket.close(closeCodes.tooSlow, 'not reading: reconnect to catch up');
    setTimeout(() => this.socket.terminate(), cutOffMs).unref();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
