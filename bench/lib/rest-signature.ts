/**
 * The headers of a signed REST call, for the scenarios and for the load processes (which
 * import only this, not the scenario scaffolding and its Postgres and Redis clients).
 */
import { createHash } from 'node:crypto';

/**
 * Headers of a signed form POST: the signature is sha1(secret + nonce + timestamp), hex,
 * valid as long as the app has no freshness window (signatureMaxAgeSeconds 0), so one set
 * can serve a whole run.
 */
export function signedFormHeaders(app: { appKey: string; appSecret: string }): Record<string, string> {
  const nonce = String(Math.floor(Math.random() * 0xffffff));
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    'App-Key': app.appKey,
    Nonce: nonce,
    Timestamp: timestamp,
    Signature: createHash('sha1').update(app.appSecret + nonce + timestamp).digest('hex'),
    'Content-Type': 'application/x-www-form-urlencoded',
  };
}
