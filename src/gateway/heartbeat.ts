import type { Logger } from 'pino';
import type { WebSocket } from 'ws';

/**
 * One socket's side of the gateway's heartbeat: any sign of life (a pong, a frame) marks
 * it alive; a probe drops a socket that gave none since the previous probe, else pings it.
 */
export class Heartbeat {
  private alive = true;

  constructor(private readonly socket: WebSocket) {
    socket.on('pong', () => this.seen());
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
