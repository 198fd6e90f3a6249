import type { Logger } from 'pino';
import type { WebSocket } from 'ws';

/* One `pong` listener for every socket (found through this map): a socket holds no closure of its own. */
const bySocket = new WeakMap<WebSocket, Heartbeat>();

function onSocketPong(this: WebSocket): void {
  bySocket.get(this)?.seen();
}

/**
 * One socket's side of the gateway's heartbeat, whichever protocol it speaks: any sign of
 * life (a pong, a frame) marks it alive; a probe drops a socket that gave none since the
 * previous probe, else pings it.
 */
export class Heartbeat {
  private alive = true;

  constructor(private readonly socket: WebSocket) {
    bySocket.set(socket, this);
    socket.on('pong', onSocketPong);
  }

  seen(): void {
    this.alive = true;
  }

  probe(log: Logger): void {
    if (!this.alive) {
      log.info('no pong: dropping dead socket');
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }
}
