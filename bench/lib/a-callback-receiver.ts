/**
 * The callbacks bench's app backend: `POST /ok` is answered 200 at once and counted,
 * `POST /hang` is never answered (a receiver that hangs), `GET /count` answers
 * `{"ok":N,"hung":N}`. Prints `{"port":N}` once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const counts = { ok: 0, hung: 0 };
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
    return;
  }
  req.resume();
  req.on('end', () => {
    if (req.url?.startsWith('/hang')) counts.hung++;
    else {
      counts.ok++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    }
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
