/**
 * The raw `ws` baseline of the fanout, catch-up and idle-memory scenarios: a plain
 * WebSocketServer on /ws with no storage, no sessions, no per-connection state.
 *
 * - A `connect` frame is answered with a `result`, then the stored frames (if any),
 *   then `synced`, so the load process drives it exactly like Parley.
 * - `chatroom.join` is answered with an empty `result` (every client is "in the room").
 * - `POST /broadcast` (body: one frame's text) sends that frame to every open client:
 *   encoded once, written to each socket.
 * - `POST /store` (body: JSON array of frame texts) keeps frames to send on `connect`
 *   (the catch-up baseline).
 *
 * Prints `{"port":N}` on its first stdout line once it listens. Stops on SIGTERM.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

let stored: Buffer[] = [];

const wss = new WebSocketServer({ noServer: true });

const result = (id: unknown, data: object) => Buffer.from(JSON.stringify({ op: 'result', id, ok: true, data }));

wss.on('connection', (ws: WebSocket) => {
  ws.on('message', (data: Buffer) => {
    let frame: { op?: string; id?: unknown };
    try {
      frame = JSON.parse(data.toString()) as typeof frame;
    } catch {
      return;
    }
    if (frame.op === 'connect') {
      ws.send(result(frame.id, { userId: '', sessionId: '', seq: 0, epoch: '' }));
      for (const f of stored) ws.send(f);
      ws.send('{"op":"synced","seq":0}');
    } else if (frame.op === 'chatroom.join' || frame.op === 'ping') {
      ws.send(result(frame.id, {}));
    }
  });
  ws.on('error', () => undefined);
});

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const server = createServer((req, res) => {
  void body(req).then((payload) => {
    if (req.url === '/broadcast') {
      let sent = 0;
      for (const client of wss.clients) {
        if (client.readyState !== client.OPEN) continue;
        client.send(payload, { binary: false });
        sent++;
      }
      res.end(JSON.stringify({ code: 200, sent }));
    } else if (req.url === '/store') {
      stored = (JSON.parse(payload.toString()) as string[]).map((f) => Buffer.from(f));
      res.end(JSON.stringify({ code: 200, stored: stored.length }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
});

server.on('upgrade', (req, socket, head) => {
  if ((req.url ?? '').split('?')[0] !== '/ws') {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});

process.on('SIGTERM', () => {
  for (const client of wss.clients) client.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
});
