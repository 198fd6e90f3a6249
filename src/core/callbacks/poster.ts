/** One callback request: a signed URL and its body. */
export interface CallbackRequest {
  url: string;
  contentType: 'application/x-www-form-urlencoded' | 'application/json';
  body: string;
  timeoutMs: number;
}

/**
 * Sends callback requests to app backends (src/http/callback-poster.ts). Resolves when the
 * receiver answered 200; rejects with what went wrong otherwise (an error status, no answer
 * in time, no connection).
 */
export interface CallbackPoster {
  post(request: CallbackRequest): Promise<void>;
}
