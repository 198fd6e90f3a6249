import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppSettings } from '../../core/app-settings.js';
import type { App, VersionedApp } from '../../core/apps.js';
import { appSchema } from '../../config.js';
import { adminSchema as schema, appKeyOf } from '../admin-schema.js';
import { requireBearer } from '../bearer.js';
import { adminConsoleRoutes, type ConsoleSources } from './admin-console.js';

/** An app as answered: its settings without secrets, and the version they are at. */
const appView = z.looseObject({ appKey: z.string(), version: z.number().int() });
const appAnswer = z.object({ code: z.literal(200), app: appView });
const settingsBody = appSchema.omit({ appKey: true });

/** Without the secrets: the app secret only ever leaves in the rotation's answer, push private keys never. */
function view({ app: { appSecret: _secret, push, ...settings }, version }: VersionedApp): Record<string, unknown> {
  return { ...settings, ...(push && { push: withoutPrivateKeys(push) }), version };
}

function withoutPrivateKeys(push: NonNullable<App['push']>): Record<string, unknown> {
  const strip = <T extends { privateKey: string }>({ privateKey: _key, ...rest }: T) => rest;
  return { ...push, ...(push.apns && { apns: strip(push.apns) }), ...(push.fcm && { fcm: strip(push.fcm) }) };
}

/**
 * The admin API (docs/admin.md): apps' live settings, JSON in and out, behind
 * `Authorization: Bearer <ADMIN_TOKEN>`. Registered only when a token is configured (or made
 * for the development start), so without one every path is 404. Bodies are validated in
 * the core by the app schema the boot uses; answers never carry a secret but the rotated one.
 * The console's reads (src/http/routes/admin-console.ts) sit behind the same token.
 */
export async function adminRoutes(http: FastifyInstance, settings: AppSettings, sources: ConsoleSources, token: string): Promise<void> {
  await http.register(
    async (admin) => {
      admin.addHook('onRequest', requireBearer(token, 'the admin API needs the bearer token (ADMIN_TOKEN)'));
      admin.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });

      // Polled by an open console (public/console.js): at warn, as its other reads.
      admin.get('/apps', { logLevel: 'warn', schema: schema({ summary: 'Every app, without secrets', answer: z.object({ code: z.literal(200), apps: z.array(appView) }), inPath: false }) }, async () => ({ code: 200, apps: (await settings.list()).map(view) }));

      admin.get('/apps/:appKey', { schema: schema({ summary: 'One app, without secrets', answer: appAnswer }) }, async (request) => ({ code: 200, app: view(await settings.get(appKeyOf(request))) }));

      admin.put('/apps/:appKey', { schema: schema({ summary: 'Create or replace an app', answer: appAnswer, body: settingsBody, creates: true }) }, async (request, reply) => {
        const appKey = appKeyOf(request);
        const { app, created } = await settings.put(appKey, request.body);
        request.log.info({ appKey, version: app.version, created }, 'app settings replaced');
        return reply.status(created ? 201 : 200).send({ code: 200, app: view(app) });
      });

      admin.patch('/apps/:appKey', { schema: schema({ summary: 'Change some settings (an RFC 7396 merge patch of these fields)', answer: appAnswer, body: settingsBody.partial() }) }, async (request) => {
        const appKey = appKeyOf(request);
        const app = await settings.patch(appKey, request.body);
        request.log.info({ appKey, version: app.version, changed: Object.keys(request.body as object) }, 'app settings changed');
        return { code: 200, app: view(app) };
      });

      admin.delete('/apps/:appKey', { schema: schema({ summary: 'Delete an app', answer: z.object({ code: z.literal(200) }) }) }, async (request) => {
        const appKey = appKeyOf(request);
        await settings.remove(appKey);
        request.log.info({ appKey }, 'app deleted');
        return { code: 200 };
      });

      admin.post('/apps/:appKey/secret', { schema: schema({ summary: 'Rotate the app secret (the only answer carrying it)', answer: z.object({ code: z.literal(200), appKey: z.string(), appSecret: z.string() }) }) }, async (request) => {
        const appKey = appKeyOf(request);
        const appSecret = await settings.rotateSecret(appKey);
        request.log.info({ appKey }, 'app secret rotated');
        return { code: 200, appKey, appSecret };
      });

      adminConsoleRoutes(admin, sources);
    },
    { prefix: '/admin/v1' },
  );
}
