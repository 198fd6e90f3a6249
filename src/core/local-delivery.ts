import type { PushItem } from '../store/bus.js';

/**
 * The hand-off from the core to the sessions this node holds; the gateway installs
 * the handler when it starts. Pushes before that have no session to reach.
 */
export class LocalDelivery {
  private handler: ((appKey: string, items: readonly PushItem[]) => void) | undefined;

  install(handler: (appKey: string, items: readonly PushItem[]) => void): void {
    this.handler = handler;
  }

  deliver(appKey: string, items: readonly PushItem[]): void {
    this.handler?.(appKey, items);
  }
}
