import type { CallbackPoster } from '../core/callbacks/poster.js';
import { callbackUserAgent } from '../core/callbacks/signing.js';

/** Callback requests over HTTP(S) with the runtime's fetch; only a 200 counts as received (as RongCloud's). */
export const fetchCallbackPoster: CallbackPoster = {
  async post({ url, contentType, body, timeoutMs }) {
    let status: number;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType, 'user-agent': callbackUserAgent },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read to the end (within the same time limit), so the connection is reused.
      await response.arrayBuffer();
      status = response.status;
    } catch (err) {
      throw new Error(`no answer: ${reason(err)}`);
    }
    if (status !== 200) throw new Error(`the receiver answered HTTP ${status}`);
  },
};

/** fetch hides the network error (ECONNREFUSED, …) in `cause`; a timeout is its own error name. */
function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return `timed out`;
  const cause = err.cause as { code?: unknown } | undefined;
  return typeof cause?.code === 'string' ? cause.code : err.message;
}
