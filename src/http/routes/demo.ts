import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../core/apps.js';
import type { GroupService } from '../../core/groups.js';
import type { UserService } from '../../core/users.js';
import { parse } from '../route.js';
import { errorResponses, json } from '../openapi.js';
import { id } from '../params.js';

/** The group every demo user joins. */
export const demoGroupId = 'demo-group';

const demoBody = z.object({ userId: id });
const demoAnswer = z.object({ code: z.literal(200), appKey: z.string(), userId: z.string(), token: z.string(), groupId: z.string() });

export interface DemoSources {
  /** The development app while it is in use; undefined once an operator replaced it. */
  devApp: () => App | undefined;
  users: UserService;
  groups: GroupService;
}

/**
 * `POST /demo/token` (docs/decisions.md "The demo's unsigned tokens"): a token for any user
 * id of the development app, unsigned, so that the demo page needs no app secret; the user
 * joins the demo group. Registered only on a development start, and 404 there too once the
 * development app is no longer the one in use: never a way into an operator's app.
 */
export function demoRoutes(http: FastifyInstance, { devApp, users, groups }: DemoSources): void {
  const schema = {
    summary: 'A token for a user of the development app, who joins the demo group (development start only)',
    tags: ['pages'],
    security: [],
    body: demoBody,
    response: { 200: json(demoAnswer, 'The token, for the WebSocket at /ws'), ...errorResponses(['badParameter', 'notFound', 'userDeactivated', 'internal', 'storageTimeout']) },
  };
  http.post('/demo/token', { schema }, async (request, reply) => {
    const app = devApp();
    if (!app) return reply.callNotFound();
    const { userId } = parse(demoBody, request.body);
    const token = await users.getToken(app, { userId, name: userId, portraitUri: '' });
    await groups.join(app, demoGroupId, [userId], 'Demo group');
    return { code: 200, appKey: app.appKey, userId, token, groupId: demoGroupId };
  });
}
