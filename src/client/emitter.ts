/** Listener lists keyed by event name, typed by `Events` (node:events is not in browsers). */
export class TypedEmitter<Events extends { [E in keyof Events]: unknown[] }> {
  /** Listeners of each event (stored untyped: `on` types them per event). */
  private readonly listeners = new Map<keyof Events, unknown[]>();

  on<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  once<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): this {
    const wrapped = (...args: Events[E]) => {
      this.off(event, wrapped);
      listener(...args);
    };
    return this.on(event, wrapped);
  }

  off<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): this {
    const list = this.listeners.get(event) ?? [];
    const index = list.indexOf(listener);
    if (index >= 0) this.listeners.set(event, [...list.slice(0, index), ...list.slice(index + 1)]);
    return this;
  }

  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    return this;
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Calls each listener in order; the list is copied on change, so one that removes itself does not skip another. */
  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): boolean {
    const list = this.listeners.get(event) ?? [];
    for (const listener of list as Array<(...args: Events[E]) => void>) listener(...args);
    return list.length > 0;
  }
}
