/**
 * The ws-relay baseline: a bare `ws` server that forwards every frame from the socket
 * that connected with `?role=a&pair=N` to the one that connected with `?role=b&pair=N`,
 * untouched. Prints `{"port":N}` once listening.
 */
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';

const http = createServer();
const wss = new WebSocketServer({ server: http, path: '/ws' });
const receivers = new Map<string, WebSocket>();
wss.on('connection', (socket, request) => {
  const query = new URL(request.url ?? '/', 'http://relay').searchParams;
  const pair = query.get('pair') ?? '0';
  if (query.get('role') === 'b') {
    receivers.set(pair, socket);
    return;
  }
  socket.on('message', (data: Buffer, isBinary) => {
    const receiver = receivers.get(pair);
    if (receiver?.readyState === WebSocket.OPEN) receiver.send(data, { binary: isBinary });
  });
});
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => {
  wss.close();
  http.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
});
