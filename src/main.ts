import { pino } from 'pino';
import { buildApp } from './app.js';
import { banner } from './banner.js';
import { ConfigError, loadConfig } from './config.js';
import { createDeps } from './deps.js';

/** A configuration the operator must change (a bad variable, a data folder in use): a message and exit 2. */
async function orRefuse<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`parley: bad configuration: ${err.message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const config = await orRefuse(async () => loadConfig());
  const logger = pino({ level: config.logLevel });
  const deps = await orRefuse(() => createDeps(config, logger));
  // The key only: the secret is for the banner on the terminal, never for the log stream.
  if (deps.devApp) logger.warn({ appKey: deps.devApp.appKey }, 'no IM_APPS configured: using the development app');
  const { framesPerSecond, connectionsPerMinute, trustProxy } = config.websocket;
  const server = await buildApp(deps, { frameRate: { perSecond: framesPerSecond, burst: 2 * framesPerSecond }, connectionsPerMinute, trustProxy });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server
      .close()
      .then(() => deps.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'unclean shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  await server.http.listen({ port: config.port, host: config.host });
  const engine = config.redisUrl ? 'Redis' : config.redisCluster ? 'Redis Cluster' : 'in-process engine';
  const storage = { sql: config.databaseUrl ? 'postgres' : 'pglite', redis: config.redisUrl ? 'redis' : config.redisCluster ? 'redis-cluster' : 'memory' };
  logger.info({ nodeId: deps.nodeId, storage }, 'parley started');
  const address = server.http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  process.stderr.write(
    banner({
      baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      nodeId: deps.nodeId,
      storage: `${config.databaseUrl ? 'Postgres' : `PGlite in ${config.dataDir}`}, ${engine}`,
      devApp: deps.devApp,
      generatedAdminToken: deps.adminTokenGenerated ? deps.adminToken : undefined,
    }),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`parley: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
