import type { WebSocket } from 'ws';

/* One `pong` listener for every socket (found through this map): a socket holds no closure of its own. */
const bySocket = new WeakMap<WebSocket, Heartbeat>();

function onSocketPong(this: WebSocket): void {
  bySocket.get(this)?.seen();
}

/**
 * One socket's side of the gateway's heartbeat, whichever protocol it speaks: any sign of
 * life (a pong, a frame) marks it alive; a probe drops a socket that gave none since the
 * previous probe (and says so, for the caller to log), else pings it.
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

  /** False when the socket was dropped. */
  probe(): boolean {
    if (!this.alive) {
      this.socket.terminate();
      return false;
    }
    this.alive = false;
    this.socket.ping();
    return true;
  }
}
