import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PushTokens } from '../../core/push/tokens.js';
import { id, integer } from '../params.js';
import { post } from '../route.js';

/** HH:MM:SS on the app's wall clock (`timezone`). */
const startTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, 'must be HH:MM:SS');

/** docs/server-api.md "Push": the user's quiet hours (RongCloud's blockPushPeriod, the Go and Java SDK shapes). */
export function pushRoutes(app: FastifyInstance, tokens: PushTokens): void {
  post(
    app,
    {
      path: '/user/blockPushPeriod/set',
      summary: 'Set a user\'s daily quiet hours: no push from startTime for period minutes',
      // period 0 is "not set"; level 0 lets everything through, 1 mentions only, 5 nothing.
      body: z.object({ userId: id, startTime, period: integer.pipe(z.number().min(0).max(1439)), level: integer.pipe(z.union([z.literal(0), z.literal(1), z.literal(5)])).optional() }),
    },
    async (input, req) => {
      await tokens.setQuietHours(req.imApp, input.userId, { startTime: input.startTime, period: input.period, level: input.level ?? 1 });
      return {};
    },
  );
  post(app, { path: '/user/blockPushPeriod/get', summary: 'Read a user\'s quiet hours', body: z.object({ userId: id }) }, async (input, req) => {
    const hours = await tokens.getQuietHours(req.imApp, input.userId);
    return { data: hours ? { startTime: hours.startTime, period: hours.period, unPushLevel: hours.level } : {} };
  });
  post(app, { path: '/user/blockPushPeriod/delete', summary: 'Remove a user\'s quiet hours', body: z.object({ userId: id }) }, async (input, req) => {
    await tokens.deleteQuietHours(req.imApp, input.userId);
    return {};
  });
}
