import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppSettings } from '../../core/app-settings.js';
import type { App, VersionedApp } from '../../core/apps.js';
import { appSchema, describeIssues } from '../../config.js';
import { ParleyError } from '../../errors.js';
import { requireBearer } from '../bearer.js';

/** The path's app key, with the rule the app schema has for it. */
const appKeyParams = z.object({ appKey: appSchema.shape.appKey }).strict();

function appKeyOf(request: FastifyRequest): string {
  const parsed = appKeyParams.safeParse(request.params);
  if (!parsed.success) throw new ParleyError('badParameter', describeIssues(parsed.error));
  return parsed.data.appKey;
}

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
 */
export async function adminRoutes(http: FastifyInstance, settings: AppSettings, token: string): Promise<void> {
  await http.register(
    async (admin) => {
      admin.addHook('onRequest', requireBearer(token, 'the admin API needs the bearer token (ADMIN_TOKEN)'));
      admin.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });

      admin.get('/apps', async () => ({ code: 200, apps: (await settings.list()).map(view) }));

      admin.get('/apps/:appKey', async (request) => ({ code: 200, app: view(await settings.get(appKeyOf(request))) }));

      admin.put('/apps/:appKey', async (request, reply) => {
        const appKey = appKeyOf(request);
        const { app, created } = await settings.put(appKey, request.body);
        request.log.info({ appKey, version: app.version, created }, 'app settings replaced');
        return reply.status(created ? 201 : 200).send({ code: 200, app: view(app) });
      });

      admin.patch('/apps/:appKey', async (request) => {
        const appKey = appKeyOf(request);
        const app = await settings.patch(appKey, request.body);
        request.log.info({ appKey, version: app.version, changed: Object.keys(request.body as object) }, 'app settings changed');
        return { code: 200, app: view(app) };
      });

      admin.delete('/apps/:appKey', async (request) => {
        const appKey = appKeyOf(request);
        await settings.remove(appKey);
        request.log.info({ appKey }, 'app deleted');
        return { code: 200 };
      });

      admin.post('/apps/:appKey/secret', async (request) => {
        const appKey = appKeyOf(request);
        const appSecret = await settings.rotateSecret(appKey);
        request.log.info({ appKey }, 'app secret rotated');
        return { code: 200, appKey, appSecret };
      });
    },
    { prefix: '/admin/v1' },
  );
}
