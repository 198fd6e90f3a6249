/** One callback request: a signed URL and its body. */
export interface CallbackRequest {
  url: string;
  contentType: 'application/x-www-form-urlencoded' | 'application/json';
  body: string;
  timeoutMs: number;
}

/** The most of an answer's body a callback reads (a pre-send answer is a few hundred bytes). */
export const maxAnswerBytes = 256 * 1024;

/**
 * Sends callback requests to app backends (src/http/callback-poster.ts). Resolves with the
 * answer's body when the receiver answered 200; rejects with what went wrong otherwise (an
 * error status, no answer in time, no connection, a body over `maxAnswerBytes`).
 */
export interface CallbackPoster {
  post(request: CallbackRequest): Promise<string>;
}
