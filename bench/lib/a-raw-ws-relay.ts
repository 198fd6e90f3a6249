/**
 * The ws-relay baseline: a bare `ws` server that forwards every frame from the socket
 * that connected with `?role=a` to the one that connected with `?role=b`, untouched.
 * Prints `{"port":N}` once listening.
 */
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';

const http = createServer();
const wss = new WebSocketServer({ server: http, path: '/ws' });
let receiver: WebSocket | undefined;
wss.on('connection', (socket, request) => {
  const role = new URL(request.url ?? '/', 'http://relay').searchParams.get('role');
  if (role === 'b') {
    receiver = socket;
    return;
  }
  socket.on('message', (data: Buffer, isBinary) => {
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
