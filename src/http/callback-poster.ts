import { maxAnswerBytes, type CallbackPoster } from '../core/callbacks/poster.js';
import { callbackUserAgent } from '../core/callbacks/signing.js';

/** Callback requests over HTTP(S) with the runtime's fetch; only a 200 counts as received (as RongCloud's). */
export const fetchCallbackPoster: CallbackPoster = {
  async post({ url, contentType, body, timeoutMs }) {
    let status: number;
    let answer: string;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType, 'user-agent': callbackUserAgent },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read to the end (within the same time limit), so the connection is reused.
      answer = await bodyOf(response);
      status = response.status;
    } catch (err) {
      throw new Error(`no answer: ${reason(err)}`);
    }
    if (status !== 200) throw new Error(`the receiver answered HTTP ${status}`);
    return answer;
  },
};

/** The answer's body, refused past `maxAnswerBytes` without reading the rest into memory. */
async function bodyOf(response: Response): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!response.body) return '';
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxAnswerBytes) {
      await response.body?.cancel();
      throw new Error(`the answer is over ${maxAnswerBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** fetch hides the network error (ECONNREFUSED, …) in `cause`; a timeout is its own error name. */
function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return `timed out`;
  const cause = err.cause as { code?: unknown } | undefined;
  return typeof cause?.code === 'string' ? cause.code : err.message;
}
