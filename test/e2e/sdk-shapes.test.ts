import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageUIdTime } from '../../src/core/message-uid.js';
import { startServer, type TestApp, type TestServer } from '../helpers/server.js';
import { conversationRequests, groupEndRequests, groupRequests, messageRequests } from '../sdk-shapes/groups.js';
import { pushRequests } from '../sdk-shapes/push.js';
import type { Replay } from '../sdk-shapes/replay.js';
import { chatroomRequests, ultraGroupRequests } from '../sdk-shapes/rooms.js';
import { friendRequests, sensitiveRequests, userRequests } from '../sdk-shapes/users.js';

// Every path the official Go and Java server SDKs call that Parley serves, replayed in each
// SDK's own request shape (method, encoding, field names, repeated or comma-joined lists),
// as read from rongcloud/server-sdk-go v4.0.7 and rongcloud/server-sdk-java (2026-03).
const requests: Replay[] = [
  ...userRequests,
  ...friendRequests,
  ...sensitiveRequests,
  ...groupRequests,
  ...conversationRequests,
  ...chatroomRequests,
  ...messageRequests,
  ...ultraGroupRequests,
  ...groupEndRequests,
  ...pushRequests,
];

let t: TestServer;
let app: TestApp;
beforeAll(async () => {
  t = await startServer({ apps: [{ features: { historyPrivateGroup: true, historyChatroom: true } }] });
  app = t.app();
});
afterAll(() => t.close());

const hourMs = 3_600_000;
/** An hour that ended a while ago, as `/message/history.json` names it (UTC). */
const pastHour = new Date(Math.floor(Date.now() / hourMs) * hourMs - 2 * hourMs).toISOString().slice(0, 13).replace(/[-T]/g, '');
const captured = new Map<string, string>();

function fill(body: string): string {
  return body
    .replace(/\bUID([a-z]\w*)/g, (_, name: string) => captured.get(name) ?? `missing-${name}`)
    .replace(/\bTIME([a-z]\w*)/g, (_, name: string) => String(messageUIdTime(captured.get(name) ?? '')))
    .replace(/\bNOW\b/g, String(Date.now() + 60_000))
    .replace(/\bDAYAGO\b/g, String(Date.now() - 86_400_000))
    .replace(/\bHOUR\b/g, pastHour);
}

/** A replayed path as the table writes it: no query, `{id}` for the `/v2` path parameters. */
const asDocumented = (path: string) => path.split('?')[0]!.replace(/\/(sh-[\w-]+|talk)(?=\/|$)/g, '/{id}');

function firstMessageUId(body: Record<string, unknown>): string | undefined {
  const list = (body.messageUIDs ?? (body.data as { message_uids?: unknown } | undefined)?.message_uids) as Array<Record<string, string>> | undefined;
  return (body.messageUID as string | undefined) ?? list?.[0]?.messageUID ?? list?.[0]?.message_uid;
}

describe('the Go and Java SDKs\' requests, replayed', () => {
  it('covers, for each SDK, every served path it calls (the table in docs/server-api.md)', () => {
    const doc = readFileSync(new URL('../../docs/server-api.md', import.meta.url), 'utf8');
    for (const sdk of ['go', 'java'] as const) {
      const calls = new RegExp(`^\\| \`(/[^\`]+)\` \\| [^|]*${sdk === 'go' ? 'Go' : 'Java'}[^|]* \\| (served|differs)`);
      const served = doc.split('\n').flatMap((line) => calls.exec(line)?.[1] ?? []);
      const replayed = new Set(requests.filter((r) => r.sdk === sdk).map((r) => asDocumented(r.path)));
      expect(served.length).toBeGreaterThan(100);
      expect(served.filter((path) => !replayed.has(path)), sdk).toEqual([]);
    }
  });

  it('answers each with success, in order', async () => {
    for (const request of requests) {
      const body = request.body === undefined ? undefined : fill(request.body);
      const contentType = request.contentType === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
      const res = await app.raw(request.method, fill(request.path), body, { 'Content-Type': contentType });
      expect(res.body.code, `${request.sdk} ${request.method} ${request.path} ${body ?? ''} → ${JSON.stringify(res.body)}`).toBe(request.code);
      if (request.capture) {
        const uid = firstMessageUId(res.body);
        expect(uid, `${request.path} answered no message id`).toEqual(expect.any(String));
        captured.set(request.capture, uid!);
      }
    }
  });
});
