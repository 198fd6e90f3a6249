/**
 * The rest-publish baseline: a bare Fastify server whose one route parses the same form
 * body Parley gets and answers `{"code":200}`. Prints `{"port":N}` once listening.
 */
import formBody from '@fastify/formbody';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
await app.register(formBody);
app.post('/message/private/publish.json', async () => ({ code: 200 }));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
process.on('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
