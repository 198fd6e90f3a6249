import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { asParleyError } from '../../errors.js';
import { errorResponses, json } from '../../http/openapi.js';
import type { RongCloudServices } from './services.js';

/** The navigation paths of RongCloud's SDKs: the current POST and the older script form. */
const postPath = '/v2/navi.json';
const scriptPath = '/navi.js';
/** `serverAddr[].protocol` of plain and TLS WebSockets. */
const wsProtocol = { plain: 5, tls: 6 } as const;

const postBody = z.object({ token: z.string().max(1024) }).loose();
const scriptQuery = z.object({ appId: z.string().max(64), token: z.string().max(1024), callBack: z.string().regex(/^[A-Za-z_$][\w$]*$/).max(64).optional() }).loose();

const answers = {
  200: json(z.looseObject({ code: z.literal(200), userId: z.string(), server: z.string() }), 'Where to open the WebSocket'),
  401: json(z.object({ code: z.literal(401) }), 'The token is not valid for this app (the SDK reports 31004)'),
  ...errorResponses(['internal', 'storageTimeout']),
};
const described = (summary: string, request: object, response: object) => ({ summary, tags: ['navigation'], security: [], ...request, response });
const preflight = described('CORS preflight', {}, { 204: { description: 'Allowed from every origin', content: { 'text/plain': { schema: z.string().max(0) } } } });
const postSchema = described('RongCloud SDK navigation (the `RC-Appkey` header names the app)', { body: postBody, consumes: ['application/x-www-form-urlencoded', 'application/json'] }, answers);
const scriptSchema = described('RongCloud SDK navigation, older script form', { querystring: scriptQuery }, {
  ...answers,
  200: { description: 'The answer as JSON, or `callBack(json);`', content: { 'application/javascript': { schema: z.string() } } },
});

/**
 * RongCloud's navigation (docs/rongcloud-client-protocol.md §1): tells the SDK to open
 * its WebSocket on this same host, or refuses a token that is not valid with 401 (the
 * SDK reports 31004 without opening a socket). Answers every origin: app pages are
 * served from their own.
 */
export function registerNavigation(http: FastifyInstance, users: RongCloudServices['users']): void {
  void http.register(async (scope) => {
    scope.addHook('onSend', async (request, reply) => {
      reply.header('Access-Control-Allow-Origin', request.headers.origin ?? '*');
      reply.header('Vary', 'Origin');
    });
    for (const path of [postPath, scriptPath]) {
      scope.options(path, { schema: preflight }, async (_request, reply) =>
        reply
          .code(204)
          .header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS')
          .header('Access-Control-Allow-Headers', 'RC-Appkey, RC-Negotiate, Content-Type')
          .header('Access-Control-Max-Age', '86400')
          .send(),
      );
    }
    scope.post(postPath, { schema: postSchema }, async (request, reply) => {
      const body = postBody.safeParse(request.body ?? {});
      const appKey = request.headers['rc-appkey'];
      const answer = await navigation(request, users, typeof appKey === 'string' ? appKey : '', body.success ? body.data.token : '');
      return reply.code(answer.code).send(answer);
    });
    scope.get(scriptPath, { schema: scriptSchema }, async (request, reply) => {
      const query = scriptQuery.safeParse(request.query);
      const answer = await navigation(request, users, query.success ? query.data.appId : '', query.success ? query.data.token : '');
      const json = JSON.stringify(answer);
      return sendScript(reply.code(answer.code), query.success && query.data.callBack ? `${query.data.callBack}(${json});` : json);
    });
  });
}

function sendScript(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('application/javascript; charset=utf-8').send(body);
}

async function navigation(request: FastifyRequest, users: RongCloudServices['users'], appKey: string, token: string) {
  const userId = await tokenUser(users, token.replace(/@.*$/, ''), appKey);
  if (!userId) {
    request.log.info({ appKey }, 'navigation refused: token incorrect');
    return { code: 401 };
  }
  const tls = request.headers['x-forwarded-proto'] === 'https' || request.protocol === 'https';
  const host = request.headers['x-forwarded-host'] ?? request.headers.host ?? '';
  return {
    code: 200,
    userId,
    server: host,
    serverAddr: [{ addr: host, protocol: tls ? wsProtocol.tls : wsProtocol.plain, weight: 1 }],
    historyMsg: true,
    chatroomMsg: true,
    kvStorage: 1,
    joinMChrm: true,
    // Live messages not in the inbox come as they are; inbox messages by notice and pull.
    openHistoryMsg: 0,
    // Ultra groups on: the SDK pulls their messages after a notice (no per-user sync).
    ugMsg: 1,
    logSwitch: 0,
    logPolicy: '',
    voipCallInfo: null,
  };
}

/** The user a token names when it is valid for `appKey`; undefined otherwise (no ban check: connect reports that). */
async function tokenUser(users: RongCloudServices['users'], token: string, appKey: string): Promise<string | undefined> {
  try {
    return (await users.authenticate(token, appKey)).user.userId;
  } catch (err) {
    // A store that fails is the server's error (5xx), not a wrong token.
    if (asParleyError(err)?.kind === 'tokenIncorrect') return undefined;
    throw err;
  }
}
