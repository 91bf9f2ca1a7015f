/**
 * The RIS Live client: one WebSocket (`ws`) to a RIS Live server, the subscriptions sent on every
 * connection, reconnection with exponential back-off and jitter when the connection fails or
 * closes, a `ping` keepalive with an idle bound, and a bounded queue between the socket and the
 * consumer. What the server sends that is not usable (not JSON, not in the documented shape, an
 * unknown type, a `ris_error`) is counted and reported with its position, never thrown; a flood
 * past the queue bound is dropped, counted and reported, so memory stays bounded.
 *
 * Timers (back-off, keepalive) run on the injected Clock, so a test drives them in virtual time.
 * The consumer pulls `ris_message` payloads in arrival order with `next()` or `for await`.
 *
 * @example
 * const client = new RisLiveClient({ subscriptions: [{ host: 'rrc00', type: 'UPDATE' }] });
 * client.onProblem((error) => log(error.describe()));
 * client.start();
 * for await (const { data, position } of client) handle(data, position);
 */
import { createRequire } from 'node:module';
import type WebSocket from 'ws';
import { systemClock, type Clock, type Timer } from '../../bgp/index.js';
import { CairnError, type ErrorCode } from '../../errors/index.js';
import {
  parseServerMessage,
  pingMessage,
  rrcListRequest,
  subscribeMessage,
  type FrameProblem,
  type RisMessageData,
  type RisSocketOptions,
  type RisSubscription,
} from './protocol.js';
import { backoffDelay, type BackoffOptions } from '../backoff.js';

const require = createRequire(import.meta.url);
let wsClass: typeof WebSocket | undefined;
/** Loads `ws` on first connection, so importing feeds costs nothing for commands that never watch. */
function webSocket(): typeof WebSocket {
  wsClass ??= require('ws') as typeof WebSocket;
  return wsClass;
}

/** The public RIS Live endpoint. */
export const RIS_LIVE_URL = 'wss://ris-live.ripe.net/v1/ws/';

export interface RisLiveClientOptions {
  /** ws:// or wss:// URL (default RIS_LIVE_URL); `client=` is added when the query has none. */
  url?: string;
  /** Name sent as `?client=` (RIS Live asks clients to identify themselves; default `cairn`). */
  clientName?: string;
  /** Sent on every connection, in order (default one subscription without filters: everything). */
  subscriptions?: readonly RisSubscription[];
  /** Socket options, sent with the first subscription. */
  socketOptions?: RisSocketOptions;
  /** Timers and time (default the machine's). */
  clock?: Clock;
  /** Random numbers in [0, 1) for the jitter (default Math.random). */
  random?: () => number;
  backoff?: BackoffOptions;
  /** Clock ms between pings (default 30000). */
  pingIntervalMs?: number;
  /** Clock ms without any message before the connection counts as dead (default 3 pings). */
  idleTimeoutMs?: number;
  /** Messages held for the consumer at most (default 100000); past it they are dropped. */
  maxQueue?: number;
  /** Largest WebSocket message accepted, bytes (default 16 MiB). */
  maxMessageBytes?: number;
  /** Reconnections before giving up (default: never give up). */
  maxReconnects?: number;
}

/** Where a message was in the stream: its connection, its number there and overall (1-based). */
export interface RisLivePosition {
  connection: number;
  index: number;
  sequence: number;
}

export interface RisLiveItem {
  data: RisMessageData;
  position: RisLivePosition;
  /** Clock time (ms) it arrived. */
  arrival: number;
}

export type RisLiveStatus =
  | { state: 'connecting'; attempt: number }
  | { state: 'open'; connection: number }
  | { state: 'closed'; connection: number; code: number; reason: string; reconnectInMs: number | undefined }
  | { state: 'stopped' };

export interface RisLiveStats {
  /** Connections opened. */
  connections: number;
  /** Connection attempts after the first. */
  reconnects: number;
  /** WebSocket messages received. */
  frames: number;
  /** `ris_message`s queued for the consumer. */
  messages: number;
  /** Handed to the consumer. */
  delivered: number;
  /** Dropped because the queue was full. */
  dropped: number;
  /** Not JSON. */
  malformed: number;
  /** JSON, not in the documented shape. */
  invalid: number;
  unknownTypes: number;
  serverErrors: number;
  pongs: number;
  subscribeOks: number;
  pingTimeouts: number;
  /** Most messages held at once. */
  queuePeak: number;
  /** Held now. */
  queued: number;
}

export type ProblemListener = (error: CairnError, position: RisLivePosition | undefined) => void;
export type StatusListener = (status: RisLiveStatus) => void;

const bounded = (name: string, value: number, min: number, max: number): number => {
  if (!(value >= min && value <= max))
    throw new CairnError('RIS_LIVE_BAD_OPTION', `${name} must be from ${min} to ${max}, got ${value}`, {
      field: name,
    });
  return value;
};

/** The URL with `client=` added when absent; RIS_LIVE_BAD_OPTION when it is not ws(s)://. */
export function risLiveUrl(url: string, clientName = 'cairn'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CairnError('RIS_LIVE_BAD_OPTION', `not a URL: ${url}`, { field: 'url' });
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')
    throw new CairnError('RIS_LIVE_BAD_OPTION', `the URL must be ws:// or wss://, got ${parsed.protocol}`, {
      field: 'url',
    });
  if (!parsed.searchParams.has('client')) parsed.searchParams.set('client', clientName);
  return parsed.toString();
}

export class RisLiveClient implements AsyncIterable<RisLiveItem> {
  readonly url: string;
  readonly stats: RisLiveStats = {
    connections: 0,
    reconnects: 0,
    frames: 0,
    messages: 0,
    delivered: 0,
    dropped: 0,
    malformed: 0,
    invalid: 0,
    unknownTypes: 0,
    serverErrors: 0,
    pongs: 0,
    subscribeOks: 0,
    pingTimeouts: 0,
    queuePeak: 0,
    queued: 0,
  };
  /** The collectors of the last `ris_rrc_list`. */
  rrcs: string[] = [];

  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly subscriptions: readonly RisSubscription[];
  private readonly socketOptions: RisSocketOptions | undefined;
  private readonly backoff: BackoffOptions;
  private readonly pingIntervalMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxQueue: number;
  private readonly maxMessageBytes: number;
  private readonly maxReconnects: number;

  private socket: WebSocket | undefined;
  private started = false;
  private stopped = false;
  private attempts = 0;
  /** Failed attempts since a connection last delivered a message (drives the back-off). */
  private failures = 0;
  private connection = 0;
  private index = 0;
  private sequence = 0;
  private lastReceived = 0;
  private pingTimer: Timer | undefined;
  private reconnectTimer: Timer | undefined;
  private lastError: string | undefined;
  private delivering = false;

  /** The queue: items[head..] are pending; compacted as the head moves on. */
  private items: RisLiveItem[] = [];
  private head = 0;
  private waiter: ((item: RisLiveItem | undefined) => void) | undefined;
  private dropStart: RisLivePosition | undefined;
  private dropCount = 0;

  private readonly problemListeners: ProblemListener[] = [];
  private readonly statusListeners: StatusListener[] = [];
  private closed: Promise<void> = Promise.resolve();

  constructor(options: RisLiveClientOptions = {}) {
    this.url = risLiveUrl(options.url ?? RIS_LIVE_URL, options.clientName);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.subscriptions = options.subscriptions ?? [{}];
    this.socketOptions = options.socketOptions;
    this.backoff = options.backoff ?? {};
    bounded('backoff.initialMs', this.backoff.initialMs ?? 1000, 0, 3_600_000);
    bounded('backoff.maxMs', this.backoff.maxMs ?? 60_000, 0, 86_400_000);
    bounded('backoff.factor', this.backoff.factor ?? 2, 1, 100);
    bounded('backoff.jitter', this.backoff.jitter ?? 0.5, 0, 1);
    this.pingIntervalMs = bounded('pingIntervalMs', options.pingIntervalMs ?? 30_000, 1, 3_600_000);
    this.idleTimeoutMs = bounded(
      'idleTimeoutMs',
      options.idleTimeoutMs ?? 3 * this.pingIntervalMs,
      this.pingIntervalMs,
      86_400_000,
    );
    this.maxQueue = bounded('maxQueue', options.maxQueue ?? 100_000, 1, 10_000_000);
    this.maxMessageBytes = bounded('maxMessageBytes', options.maxMessageBytes ?? 16 << 20, 1024, 1 << 30);
    this.maxReconnects = bounded('maxReconnects', options.maxReconnects ?? Infinity, 0, Infinity);
    if (this.subscriptions.length === 0)
      throw new CairnError('RIS_LIVE_BAD_OPTION', 'give at least one subscription', {
        field: 'subscriptions',
      });
  }

  onProblem(listener: ProblemListener): () => void {
    this.problemListeners.push(listener);
    return () => void this.problemListeners.splice(this.problemListeners.indexOf(listener) >>> 0, 1);
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.push(listener);
    return () => void this.statusListeners.splice(this.statusListeners.indexOf(listener) >>> 0, 1);
  }

  /** Connects (once); reconnects on its own until `stop()`. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  /** Asks the server for its collectors (answered by `ris_rrc_list`, kept in `rrcs`). */
  requestRrcList(): void {
    if (this.socket?.readyState === webSocket().OPEN) this.socket.send(rrcListRequest());
  }

  /** Closes the connection, cancels the timers and ends the iteration; resolves once closed. */
  async stop(): Promise<void> {
    if (this.stopped) return this.closed;
    this.stopped = true;
    this.reconnectTimer?.cancel();
    this.pingTimer?.cancel();
    this.endDropEpisode();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
    const socket = this.socket;
    if (socket !== undefined && socket.readyState !== webSocket().CLOSED) {
      this.closed = new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        // A server that never answers the close frame must not hold the stop.
        const force = setTimeout(() => socket.terminate(), 2000);
        force.unref();
        socket.once('close', () => clearTimeout(force));
      });
      if (socket.readyState === webSocket().CONNECTING) socket.terminate();
      else socket.close(1000, 'client stop');
    }
    await this.closed;
    this.emitStatus({ state: 'stopped' });
  }

  /** The next message, in arrival order; undefined once stopped. */
  next(): Promise<RisLiveItem | undefined> {
    if (this.head < this.items.length) return Promise.resolve(this.take());
    if (this.stopped) return Promise.resolve(undefined);
    if (this.waiter !== undefined)
      throw new CairnError('RIS_LIVE_BAD_OPTION', 'one consumer at a time: next() is already waiting', {
        field: 'next',
      });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RisLiveItem> {
    for (;;) {
      const item = await this.next();
      if (item === undefined) return;
      yield item;
    }
  }

  // ---- connection -----------------------------------------------------------------------------

  private connect(): void {
    if (this.stopped) return;
    this.attempts++;
    if (this.attempts > 1) this.stats.reconnects++;
    this.lastError = undefined;
    this.emitStatus({ state: 'connecting', attempt: this.attempts });
    const socket = new (webSocket())(this.url, {
      maxPayload: this.maxMessageBytes,
      handshakeTimeout: 30_000,
    });
    this.socket = socket;
    let opened = false;
    socket.on('open', () => {
      if (this.socket !== socket) return;
      opened = true;
      this.connection++;
      this.index = 0;
      this.stats.connections++;
      this.lastReceived = this.clock.now();
      this.emitStatus({ state: 'open', connection: this.connection });
      this.subscriptions.forEach((subscription, i) => {
        const data =
          i === 0 && this.socketOptions !== undefined
            ? { ...subscription, socketOptions: this.socketOptions }
            : subscription;
        socket.send(subscribeMessage(data));
      });
      this.pingTimer = this.clock.setInterval(() => this.keepalive(socket), this.pingIntervalMs, true);
    });
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (this.socket !== socket || this.stopped) return;
      this.onFrame(isBinary ? undefined : rawText(data));
    });
    socket.on('error', (error: Error) => {
      this.lastError = error.message;
    });
    socket.on('close', (code: number, reason: Buffer) => {
      if (this.socket !== socket) return;
      this.pingTimer?.cancel();
      this.pingTimer = undefined;
      this.socket = undefined;
      if (this.stopped) return;
      const why = this.lastError ?? (reason.length > 0 ? reason.toString('utf8') : `close code ${code}`);
      const giveUp = this.stats.reconnects >= this.maxReconnects;
      const delay = giveUp ? undefined : backoffDelay(this.failures, this.backoff, this.random);
      this.failures++;
      this.report(
        'RIS_LIVE_DISCONNECTED',
        `${opened ? `connection ${this.connection} closed` : 'cannot connect'}: ${why}; ` +
          (delay === undefined ? 'giving up' : `reconnecting in ${delay} ms`),
        undefined,
      );
      this.emitStatus({
        state: 'closed',
        connection: this.connection,
        code,
        reason: why,
        reconnectInMs: delay,
      });
      if (delay === undefined) {
        void this.stop();
        return;
      }
      this.reconnectTimer = this.clock.setTimeout(() => this.connect(), delay, true);
    });
  }

  private keepalive(socket: WebSocket): void {
    if (this.socket !== socket || socket.readyState !== webSocket().OPEN) return;
    const silent = this.clock.now() - this.lastReceived;
    if (silent > this.idleTimeoutMs) {
      this.stats.pingTimeouts++;
      this.report(
        'RIS_LIVE_PING_TIMEOUT',
        `nothing from the server for ${Math.round(silent)} ms (bound ${this.idleTimeoutMs} ms); reconnecting`,
        undefined,
      );
      this.lastError = 'ping timeout';
      socket.terminate();
      return;
    }
    socket.send(pingMessage());
  }

  // ---- frames ---------------------------------------------------------------------------------

  private onFrame(text: string | undefined): void {
    this.stats.frames++;
    this.lastReceived = this.clock.now();
    this.index++;
    this.sequence++;
    const position = { connection: this.connection, index: this.index, sequence: this.sequence };
    if (text === undefined) {
      this.stats.invalid++;
      this.report('RIS_LIVE_BAD_MESSAGE', 'a binary message (RIS Live sends text)', position);
      return;
    }
    const parsed = parseServerMessage(text);
    if (!parsed.ok) {
      this.frameProblem(parsed.problem, position, text);
      return;
    }
    // The connection works: the next failure starts the back-off from the beginning again.
    this.failures = 0;
    const message = parsed.message;
    switch (message.type) {
      case 'ris_message':
        this.enqueue({ data: message.data, position, arrival: this.lastReceived });
        return;
      case 'ris_error':
        this.stats.serverErrors++;
        this.report('RIS_LIVE_SERVER_ERROR', `server: ${message.data.message.slice(0, 500)}`, position);
        return;
      case 'ris_rrc_list':
        this.rrcs = message.data;
        return;
      case 'ris_subscribe_ok':
        this.stats.subscribeOks++;
        return;
      case 'pong':
        this.stats.pongs++;
        return;
    }
  }

  private frameProblem(problem: FrameProblem, position: RisLivePosition, text: string): void {
    if (problem.code === 'RIS_LIVE_BAD_JSON') this.stats.malformed++;
    else if (problem.code === 'RIS_LIVE_UNKNOWN_TYPE') this.stats.unknownTypes++;
    else this.stats.invalid++;
    const sample = text.length > 80 ? `${text.slice(0, 80)}...` : text;
    this.report(problem.code, `${problem.message}: ${sample}`, position, problem.path);
  }

  private enqueue(item: RisLiveItem): void {
    this.stats.messages++;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      this.endDropEpisode();
      this.stats.delivered++;
      waiter(item);
      return;
    }
    const held = this.items.length - this.head;
    if (held >= this.maxQueue) {
      this.stats.messages--;
      this.stats.dropped++;
      if (this.dropCount === 0) this.dropStart = item.position;
      this.dropCount++;
      return;
    }
    this.endDropEpisode();
    this.items.push(item);
    this.stats.queued = held + 1;
    if (held + 1 > this.stats.queuePeak) this.stats.queuePeak = held + 1;
  }

  private take(): RisLiveItem {
    const item = this.items[this.head++];
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.stats.queued = this.items.length - this.head;
    this.stats.delivered++;
    return item;
  }

  /** Reports the messages dropped since the queue filled, once room is back (or at stop). */
  private endDropEpisode(): void {
    if (this.dropCount === 0 || this.dropStart === undefined || this.delivering) return;
    this.delivering = true;
    const from = this.dropStart;
    const count = this.dropCount;
    this.dropCount = 0;
    this.dropStart = undefined;
    this.report(
      'RIS_LIVE_QUEUE_FULL',
      `queue full (${this.maxQueue} messages): ${count} dropped from message ${from.sequence} ` +
        `(connection ${from.connection}, message ${from.index} there)`,
      from,
    );
    this.delivering = false;
  }

  private report(
    code: Extract<ErrorCode, `RIS_LIVE_${string}`>,
    message: string,
    position: RisLivePosition | undefined,
    path?: string,
  ): void {
    const where =
      position !== undefined ? ` [connection ${position.connection}, message ${position.index}]` : '';
    const error = new CairnError(code, message + where, {
      file: this.url,
      ...(position !== undefined ? { line: position.sequence } : {}),
      ...(path !== undefined ? { path } : {}),
    });
    for (const listener of this.problemListeners) listener(error, position);
  }

  private emitStatus(status: RisLiveStatus): void {
    for (const listener of this.statusListeners) listener(status);
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
