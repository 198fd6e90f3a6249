import { TypedEmitter } from './emitter.js';
import type {
  ClientMessage,
  ConnectFields,
  ConnectResult,
  ExpansionChange,
  KickedFrame,
  Op,
  Platform,
  PushProvider,
  Requests,
  SendFields,
  SendResult,
  ServerFrame,
  SyncedFrame,
} from './protocol.js';

/**
 * What the client needs of a WebSocket: the standard (WHATWG) one of browsers and Node 22,
 * which `ws` implements too. Text frames arrive as strings.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Opens a socket to `url`; the default uses the global `WebSocket`. */
export type SocketFactory = (url: string) => WebSocketLike;

/** The standard readyState values. */
const OPEN = 1;
const CLOSED = 3;

type Timer = ReturnType<typeof setTimeout>;

/** The global `WebSocket` (browsers, Node 22); Node without one passes a factory (the `parley/client` Node entry does). */
export const globalSocket: SocketFactory = (url) => {
  const Global = (globalThis as { WebSocket?: new (url: string) => unknown }).WebSocket;
  if (!Global) throw new Error('no global WebSocket here: pass createSocket (on Node, import the Node entry of parley/client, which falls back to ws)');
  return new Global(url) as WebSocketLike;
};

export interface ClientOptions {
  /** `ws://host:port/ws` */
  url: string;
  token: string;
  deviceId: string;
  platform: Platform;
  /** When given, the server refuses a token of another app. */
  appKey?: string;
  /** The highest inbox seq this device already holds (0: none). */
  lastSeq?: number;
  epoch?: string;
  requestTimeoutMs?: number;
  /**
   * Acknowledge received inbox entries (after `synced`, and shortly after live ones);
   * default true. An unacked entry stays owed to the user's devices.
   */
  autoAck?: boolean;
  /** Reconnect after an unexpected close, with exponential backoff; `false` to stay closed. */
  reconnect?: false | { initialDelayMs: number; maxDelayMs: number };
  /** How sockets are opened (default: the global `WebSocket`). */
  createSocket?: SocketFactory;
}

export class ParleyRequestError extends Error {
  override name = 'ParleyRequestError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ClientEvents {
  message: [ClientMessage];
  expansion: [ExpansionChange];
  synced: [SyncedFrame];
  kicked: [KickedFrame['reason']];
  connected: [ConnectResult];
  close: [code: number, reason: string];
}

interface Pending {
  resolve(data: unknown): void;
  reject(err: Error): void;
  timer: Timer;
}

/** Close codes after which reconnecting cannot help. */
const finalCloseCodes = new Set([4001, 4002]);

/**
 * The typed Parley device client (docs/protocol.md): handshake, requests with ids and
 * timeouts, and automatic reconnect that resumes from the highest `seq` it holds.
 *
 * It holds a seq once it holds every seq below it too (a contiguous watermark): a live
 * push may overtake another or be lost in transit, so a seq above a hole is emitted but
 * not yet counted; a hole that stays open is filled with `sync`, and a reconnect resumes
 * from the watermark. Messages it already emitted are never emitted twice.
 */
export class ParleyClient extends TypedEmitter<ClientEvents> {
  private socket: WebSocketLike | undefined;
  /** Settles when the current socket closed. */
  private socketClosed: Promise<void> = Promise.resolve();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedByUser = false;
  private reconnectTimer: Timer | undefined;
  private attempt = 0;
  /** Every inbox seq up to here is held. */
  private seq: number;
  /** Seqs held above the watermark (emitted, waiting for the hole below them). */
  private readonly ahead = new Set<number>();
  private holeTimer: Timer | undefined;
  /** Holes during a catch-up are expected (entries not owed); only live ones are filled. */
  private live = false;
  private currentEpoch: string | undefined;
  private ackTimer: Timer | undefined;
  private ackedSeq = 0;

  constructor(private readonly options: ClientOptions) {
    super();
    this.seq = options.lastSeq ?? 0;
    this.currentEpoch = options.epoch;
  }

  /** Highest inbox seq held with nothing missing below it (what a reconnect resumes from). */
  get lastSeq(): number {
    return this.seq;
  }

  get epoch(): string | undefined {
    return this.currentEpoch;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN;
  }

  /** Opens the socket and performs the handshake; rejects with the server's code on refusal. */
  async connect(): Promise<ConnectResult> {
    this.closedByUser = false;
    const socket = (this.options.createSocket ?? globalSocket)(this.options.url);
    this.socket = socket;
    const opened = new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      this.socketClosed = new Promise<void>((closed) => {
        socket.onclose = ({ code, reason }) => {
          closed();
          this.onClose(socket, code, reason);
          reject(new ParleyRequestError(code, `socket closed before open (${code})`));
        };
      });
    });
    socket.onmessage = ({ data }) => this.onFrame(JSON.parse(String(data)) as ServerFrame);
    socket.onerror = () => undefined; // followed by 'close', which does the work
    await opened;
    const handshake: ConnectFields = {
      token: this.options.token,
      deviceId: this.options.deviceId,
      platform: this.options.platform,
      lastSeq: this.seq,
      ...(this.currentEpoch !== undefined && { epoch: this.currentEpoch }),
      ...(this.options.appKey !== undefined && { appKey: this.options.appKey }),
    };
    const result = await this.request<ConnectResult>('connect', { ...handshake });
    this.attempt = 0;
    this.currentEpoch = result.epoch;
    this.emit('connected', result);
    return result;
  }

  /** Sends one request and resolves with its `data`, or rejects with its code. */
  request<O extends Op>(op: O, fields?: Requests[O]['fields']): Promise<Requests[O]['data']>;
  /**
   * An op this client does not type (a newer server's, or a malformed request in a test), its
   * data typed by the caller; with an explicit `T`, a typed op too. A typed op with inferred
   * types must match its fields (the `O & …` makes it fall to the signature above).
   */
  request<T = Record<string, unknown>, O extends string = string>(op: O & (O extends Op ? never : unknown), fields?: Record<string, unknown>): Promise<T>;
  request<T>(op: string, fields: object = {}): Promise<T> {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) {
      return Promise.reject(new ParleyRequestError(33001, 'not connected'));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ParleyRequestError(30003, `${op} timed out`));
      }, this.options.requestTimeoutMs ?? 10_000);
      this.pending.set(id, { resolve: (data) => resolve(data as T), reject, timer });
      socket.send(JSON.stringify({ ...fields, op, id }));
    });
  }

  /** Sends a message; its own inbox seq (if any) counts as held, so it is not fetched back. */
  async send(fields: SendFields): Promise<SendResult> {
    const result = await this.request('send', fields);
    if (result.seq !== undefined) this.hold(result.seq, false);
    return result;
  }

  /**
   * Binds this device's push token to its user (docs/protocol.md "Push tokens"): the server
   * pushes it what it is owed while it is not connected. Registering again replaces it.
   */
  async registerPush(provider: PushProvider, token: string): Promise<void> {
    await this.request('push.register', { provider, token });
  }

  /** This device gets no more pushes. */
  async unregisterPush(): Promise<void> {
    await this.request('push.unregister');
  }

  /** Logs the user out on this device (no more pushes to it); the server closes the socket, which stays closed. */
  async logout(): Promise<void> {
    this.closedByUser = true;
    clearTimeout(this.reconnectTimer);
    const closed = this.socketClosed;
    await this.request('logout');
    await closed;
  }

  /** Closes for good: no reconnect. */
  async close(): Promise<void> {
    this.closedByUser = true;
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (!socket || socket.readyState === CLOSED) return;
    const closed = this.socketClosed;
    socket.close(1000);
    await closed;
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.op) {
      case 'result': {
        const pending = typeof frame.id === 'number' ? this.pending.get(frame.id) : undefined;
        if (!pending || typeof frame.id !== 'number') return;
        this.pending.delete(frame.id);
        clearTimeout(pending.timer);
        if (frame.ok) pending.resolve(frame.data);
        else pending.reject(new ParleyRequestError(frame.code, frame.error));
        return;
      }
      case 'message':
        this.receive(frame.message);
        return;
      case 'expansion':
        this.receiveExpansion(frame.expansion);
        return;
      case 'synced':
        // The server settled everything up to here: sent, or not owed to this device.
        this.live = true;
        this.hold(frame.seq, true);
        this.scheduleAck(0);
        this.emit('synced', frame);
        return;
      case 'kicked':
        this.emit('kicked', frame.reason);
        return;
    }
  }

  /** Emits a message unless it is a duplicate of one already held. */
  private receive(message: ClientMessage): void {
    if (this.isNew(message.seq)) this.emit('message', message);
  }

  /** An expansion change takes an inbox seq like a message. */
  private receiveExpansion(change: ExpansionChange): void {
    if (this.isNew(change.seq)) this.emit('expansion', change);
  }

  /** An entry without a seq (not stored) is always new; one with a seq is held from now on. */
  private isNew(seq: number | undefined): boolean {
    if (seq === undefined) return true;
    if (seq <= this.seq || this.ahead.has(seq)) return false;
    this.hold(seq, false);
    return true;
  }

  /**
   * Records `seq` as held; with `settled`, everything up to it is. Moves the watermark
   * over what is contiguous, and watches a hole that remains.
   */
  private hold(seq: number, settled: boolean): void {
    if (settled && seq > this.seq) this.seq = seq;
    else if (seq > this.seq) this.ahead.add(seq);
    for (const s of this.ahead) if (s <= this.seq) this.ahead.delete(s);
    while (this.ahead.delete(this.seq + 1)) this.seq++;
    this.scheduleAck(20);
    clearTimeout(this.holeTimer);
    this.holeTimer = this.live && this.ahead.size > 0 ? setTimeout(() => this.fillHole(), 500) : undefined;
  }

  /** Asks for what is missing below the seqs held ahead of the watermark. */
  private fillHole(): void {
    if (this.ahead.size === 0 || !this.isOpen) return;
    this.request('sync', { afterSeq: this.seq, limit: 500 }).then(
      ({ messages, expansions }) => {
        messages.forEach((m) => this.receive(m));
        expansions?.forEach((e) => this.receiveExpansion(e));
      },
      () => undefined, // a reconnect resumes from the watermark anyway
    );
  }

  /** Acks the highest seq held, at most once per `delayMs` window. */
  private scheduleAck(delayMs: number): void {
    if (this.options.autoAck === false || this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      if (this.seq <= this.ackedSeq || !this.isOpen) return;
      const seq = this.seq;
      this.request('ack', { seq }).then(
        () => (this.ackedSeq = Math.max(this.ackedSeq, seq)),
        () => undefined, // the next ack, or the next connect's lastSeq, covers it
      );
    }, delayMs);
  }

  private onClose(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    clearTimeout(this.holeTimer); // seqs held ahead stay known, so a resend of them is dropped
    this.live = false;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new ParleyRequestError(code, `socket closed (${code} ${reason})`));
      this.pending.delete(id);
    }
    this.emit('close', code, reason);
    const policy = this.options.reconnect ?? { initialDelayMs: 250, maxDelayMs: 10_000 };
    if (this.closedByUser || policy === false || finalCloseCodes.has(code)) return;
    const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** this.attempt++);
    // Jitter spreads the reconnects of many devices after a node goes away.
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch(() => undefined); // a failed attempt closes the socket, which schedules the next
    }, delay / 2 + Math.random() * (delay / 2));
  }
}
