import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Deps } from './deps.js';
import { Gateway, defaultGatewayOptions, type GatewayOptions } from './gateway/gateway.js';
import { registerBodyParsers } from './http/body-parsers.js';
import { registerErrorHandling } from './http/errors.js';
import { adminRoutes } from './http/routes/admin.js';
import { demoRoutes } from './http/routes/demo.js';
import { defaultPageOptions, pageRoutes, type PageOptions } from './http/routes/pages.js';
import { healthRoute } from './http/routes/health.js';
import { metricsRoute } from './http/routes/metrics.js';
import { historyExportRoutes, historyFileRoute } from './http/routes/history-export.js';
import { registerOpenApi } from './http/openapi.js';
import { messageRoutes } from './http/routes/messages.js';
import { permissionRoutes } from './http/routes/permissions.js';
import { friendRoutes } from './http/routes/friends.js';
import { accountRoutes } from './http/routes/accounts.js';
import { conversationRoutes } from './http/routes/conversations.js';
import { modifyRoutes } from './http/routes/modify.js';
import { ultraGroupV2Routes } from './http/routes/ultragroups-v2.js';
import { conversationMessageRoutes } from './http/routes/conversation-messages.js';
import { groupRoutes } from './http/routes/groups.js';
import { chatroomRoutes } from './http/routes/chatrooms.js';
import { ultraGroupRoutes } from './http/routes/ultragroups.js';
import { userRoutes } from './http/routes/users.js';
import { historyRoutes } from './http/routes/history.js';
import { expansionRoutes } from './http/routes/expansion.js';
import { eventRoutes } from './http/routes/events.js';
import { pushAudienceRoutes } from './http/routes/push-audience.js';
import { pushRoutes } from './http/routes/push.js';
import { nexconnRoutes } from './http/routes/v4/index.js';
import { tencentAccountRoutes } from './http/routes/tencent/accounts.js';
import { tencentMessageRoutes } from './http/routes/tencent/messages.js';
import { tencentSnsRoutes } from './http/routes/tencent/sns.js';
import { tencentGroupRoutes } from './http/routes/tencent/groups.js';
import { serializeRequest } from './http/log-redaction.js';
import { verifySignature } from './http/signature.js';
import type { RongCloudOptions } from './gateway/rongcloud/connection.js';
import { defaultRongCloudOptions, rongCloudEndpoint } from './gateway/rongcloud/endpoint.js';
import { registerNavigation } from './gateway/rongcloud/navi.js';
import type { App } from './core/apps.js';

export interface ParleyServer {
  http: FastifyInstance;
  gateway: Gateway;
  /** Stops accepting, closes sockets (devices reconnect elsewhere), then the HTTP server. */
  close(): Promise<void>;
}

/** A request id a caller may choose: a token that cannot break a log line or a header. */
const callerRequestId = /^[\w.:@-]{1,128}$/;

/** Request ids unique across nodes and restarts: the node id (which names its boot), then a count. */
function requestIds(nodeId: string): (request: IncomingMessage) => string {
  let count = 0;
  return (request) => {
    const given = request.headers['x-request-id'];
    return typeof given === 'string' && callerRequestId.test(given) ? given : `${nodeId}-${(++count).toString(36)}`;
  };
}

/** Builds a ready server around `deps`; never listens (main.ts and tests do). */
export async function buildApp(
  deps: Deps,
  gatewayOptions: Partial<GatewayOptions> = {},
  rongCloudOptions: Partial<RongCloudOptions> = {},
  pageOptions: Partial<PageOptions> = {},
): Promise<ParleyServer> {
  // Widened to Fastify's logger type so plugins and routes need no logger generic.
  const loggerInstance: FastifyBaseLogger = deps.logger.child({}, { serializers: { req: serializeRequest } });
  const http = Fastify({
    loggerInstance,
    // The caller's X-Request-Id when it is a plain token, else this node's own (echoed in
    // every answer, so a backend can quote it and it is found in this node's logs).
    requestIdHeader: false,
    genReqId: requestIds(deps.nodeId),
    bodyLimit: 16 * 1024 * 1024,
    // The Go SDK asks for `//user/deactivate/query.json` (a doubled slash in its URL format).
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
  });
  http.decorate('routeCatalog', []);
  http.decorateRequest('imApp', undefined as unknown as App);
  http.decorateRequest('tencentIdentifier', '');
  http.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(http);
  await registerBodyParsers(http);
  await registerOpenApi(http);

  healthRoute(http, () => deps.healthy());
  metricsRoute(http, deps.metrics, deps.metricsToken);
  historyFileRoute(http, deps.historyExports);
  if (deps.adminToken !== undefined) await adminRoutes(http, deps.appSettings, deps, deps.adminToken);
  pageRoutes(http, { ...defaultPageOptions, ...pageOptions });
  // The demo's unsigned tokens exist only where the development app is the one in use.
  if (deps.devApp) demoRoutes(http, { devApp: () => deps.devApp, users: deps.users, groups: deps.groups });

  await http.register(async (signed) => {
    signed.addHook('onRequest', async (request, reply) => {
      const app = await verifySignature(request, deps.apps, deps.signedCalls);
      request.imApp = app;
      // The reply's logger too: it writes the "request completed" line.
      request.log = reply.log = request.log.child({ appKey: app.appKey });
      await deps.rateLimits.check(app, request.routeOptions.url ?? request.url);
    });
    userRoutes(signed, deps.users);
    messageRoutes(signed, deps.delivery, deps.broadcasts);
    permissionRoutes(signed, deps.permissions);
    friendRoutes(signed, deps.friends);
    accountRoutes(signed, deps.accounts, deps.users);
    conversationRoutes(signed, deps.conversationList);
    modifyRoutes(signed, deps.modifications);
    ultraGroupV2Routes(signed, deps.ultraGroups, deps.delivery);
    conversationMessageRoutes(signed, deps.delivery);
    groupRoutes(signed, deps.groups, deps.delivery);
    chatroomRoutes(signed, deps.chatrooms);
    ultraGroupRoutes(signed, deps.ultraGroups);
    historyRoutes(signed, deps.history, deps.recalls);
    historyExportRoutes(signed, deps.historyExports);
    expansionRoutes(signed, deps.expansion);
    eventRoutes(signed, deps.eventFeed);
    pushRoutes(signed, deps.push.tokens);
    pushAudienceRoutes(signed, deps.push.audience);
    nexconnRoutes(signed, deps);
  });

  // Tencent IM's REST dialect (docs/tencent-im.md): UserSig-signed, over the same services.
  const tencent = { apps: deps.apps, clock: deps.clock, rateLimits: deps.rateLimits };
  await tencentAccountRoutes(http, { ...tencent, users: deps.users, accounts: deps.accounts });
  await tencentMessageRoutes(http, { ...tencent, delivery: deps.delivery, history: deps.history, recalls: deps.recalls, users: deps.users, conversationList: deps.conversationList });
  await tencentSnsRoutes(http, { ...tencent, friends: deps.friends, permissions: deps.permissions });
  await tencentGroupRoutes(http, { ...tencent, groups: deps.groups, delivery: deps.delivery, history: deps.history });

  const gateway = new Gateway(deps.logger, deps.devices, deps.connectionLimits, { ...defaultGatewayOptions, ...gatewayOptions }, (protocol) => deps.metrics.frameCounter(protocol));
  // RongCloud's client protocol: its SDKs navigate here, then open `/websocket`.
  const rongCloud = { clock: deps.clock, users: deps.users, expansion: deps.expansion, roomEntries: deps.chatrooms };
  registerNavigation(http, rongCloud.users);
  gateway.addEndpoint(rongCloudEndpoint(rongCloud, { ...defaultRongCloudOptions, ...rongCloudOptions }));
  gateway.attach(http);
  await http.ready();

  return {
    http,
    gateway,
    async close() {
      await gateway.close();
      await http.close();
    },
  };
}
