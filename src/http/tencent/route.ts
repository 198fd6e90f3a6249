import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App, AppRegistry } from '../../core/apps.js';
import type { RateLimits } from '../../core/rate-limits.js';
import type { Clock } from '../../model/clock.js';
import { json } from '../openapi.js';
import { notAdministratorCode, parseTencentBody, registerTencentErrors, TencentRefusal, type TencentService } from './errors.js';
import { createUserSigChecker, type UserSigProblem } from './user-sig.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The administrator account a Tencent call is signed by (its `identifier`). */
    tencentIdentifier: string;
  }
}

/** The query every Tencent REST call carries (`contenttype=json` is the only content type). */
const callQuery = z.object({
  sdkappid: z.string().regex(/^\d{1,10}$/),
  identifier: z.string().min(1).max(64),
  usersig: z.string().min(1).max(4096),
  random: z.string().regex(/^\d{1,10}$/),
  contenttype: z.literal('json').optional(),
});

const userSigCodes: Record<UserSigProblem, number> = { malformed: 70003, badSignature: 70009, expired: 70001, otherIdentifier: 70013, otherApp: 70014 };

const success = json(z.looseObject({ ActionStatus: z.literal('OK'), ErrorCode: z.literal(0), ErrorInfo: z.string() }), 'Done, or refused as `ActionStatus: FAIL` with Tencent\'s `ErrorCode` (HTTP 200 either way)');

export interface TencentCommand<S extends z.ZodType> {
  command: string;
  summary: string;
  body: S;
}

export type TencentHandler<S extends z.ZodType> = (input: z.infer<S>, request: FastifyRequest) => Promise<Record<string, unknown>>;

export interface TencentDeps {
  apps: AppRegistry;
  clock: Clock;
  rateLimits: Pick<RateLimits, 'check'>;
}

/**
 * Registers one Tencent IM service, `/v4/<service>/<command>` (docs/tencent-im.md): each call
 * names its app by `sdkappid` and is signed by a UserSig of one of the app's administrators;
 * answers are `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}` with the command's fields.
 */
export async function tencentService(http: FastifyInstance, service: TencentService, deps: TencentDeps, commands: (add: <S extends z.ZodType>(spec: TencentCommand<S>, handler: TencentHandler<S>) => void) => void): Promise<void> {
  const checkUserSig = createUserSigChecker();
  await http.register(
    async (scope) => {
      registerTencentErrors(scope, service);
      scope.addHook('onRequest', async (request, reply) => {
        const app = authenticate(request, deps, service, checkUserSig);
        request.imApp = app;
        request.log = reply.log = request.log.child({ appKey: app.appKey });
        await deps.rateLimits.check(app, request.routeOptions.url ?? request.url);
      });
      commands((spec, handler) => {
        scope.post(`/${spec.command}`, {
          schema: { summary: spec.summary, tags: [`tencent ${service}`], querystring: callQuery, body: spec.body, consumes: ['application/json'], response: { 200: success } },
          handler: async (request) => ({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', ...(await handler(parseTencentBody(service, spec.body, request.body), request)) }),
        });
      });
    },
    { prefix: `/v4/${service}` },
  );
}

function authenticate(request: FastifyRequest, deps: TencentDeps, service: TencentService, checkUserSig: ReturnType<typeof createUserSigChecker>): App {
  const query = callQuery.safeParse(request.query);
  if (!query.success) {
    const fields = query.error.issues.map((i) => String(i.path[0]));
    // 60012: "the REST API needs the SDKAppID"; 70002: "the UserSig is empty"; else 60002: "the URL does not parse".
    const code = fields.includes('sdkappid') ? 60012 : fields.length === 1 && fields[0] === 'usersig' && !(request.query as Record<string, unknown>).usersig ? 70002 : 60002;
    throw new TencentRefusal('badSignature', code, `query: needs sdkappid, identifier, usersig and random (${fields.join(', ')})`);
  }
  const { sdkappid, identifier, usersig } = query.data;
  const app = deps.apps.byTencentAppId(Number(sdkappid));
  if (!app?.tencent) throw new TencentRefusal('badSignature', 70020, `no app of SDKAppID ${sdkappid}`);
  const problem = checkUserSig(usersig, { identifier, sdkAppId: app.tencent.sdkAppId, secretKey: app.tencent.secretKey, nowSeconds: Math.floor(deps.clock.now() / 1000) });
  if (problem) throw new TencentRefusal('badSignature', userSigCodes[problem], `UserSig: ${problem}`);
  if (!app.tencent.administrators.includes(identifier)) throw new TencentRefusal('badSignature', notAdministratorCode[service], `identifier: ${identifier} is not an administrator of the app`);
  request.tencentIdentifier = identifier;
  return app;
}
