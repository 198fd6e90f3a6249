import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { maxAnswerBytes, type CallbackPoster } from '../core/callbacks/poster.js';
import { callbackUserAgent } from '../core/callbacks/signing.js';

/**
 * Kept-alive connections to app backends. node:http rather than fetch: a callback is posted
 * for every routed message, and fetch's web streams and abort signals cost several times
 * the CPU of a plain request (docs/callbacks.md "Cost").
 */
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

/** Callback requests over HTTP(S); only a 200 counts as received (as RongCloud's). */
export const httpCallbackPoster: CallbackPoster = {
  async post({ url, contentType, body, timeoutMs }) {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`no answer: ${target.protocol} is not HTTP`);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const { status, answer } = await new Promise<{ status: number; answer: string }>((resolve, reject) => {
      const req = send(target, {
        method: 'POST',
        agent: agents[target.protocol as keyof typeof agents],
        headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'user-agent': callbackUserAgent },
      });
      // One limit for the whole exchange: connecting, sending and reading the answer.
      const timer = setTimeout(() => req.destroy(new Error('timed out')), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(new Error(`no answer: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      };
      req.on('error', fail);
      req.on('response', (response: IncomingMessage) => {
        readAnswer(response).then(
          (answer) => {
            clearTimeout(timer);
            resolve({ status: response.statusCode ?? 0, answer });
          },
          (err: Error) => {
            clearTimeout(timer);
            req.destroy();
            reject(err);
          },
        );
      });
      req.end(body);
    });
    if (status !== 200) throw new Error(`the receiver answered HTTP ${status}`);
    return answer;
  },
};

/** The answer's body, refused past `maxAnswerBytes` without reading the rest into memory. */
function readAnswer(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxAnswerBytes) {
        response.destroy();
        reject(new Error(`the answer is over ${maxAnswerBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('no answer: the connection closed mid-answer')));
  });
}
