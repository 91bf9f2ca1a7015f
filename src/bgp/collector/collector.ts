/**
 * The passive BGP collector: a TCP server that accepts sessions from configured peers only,
 * runs the RFC 4271 state machine on each (hold timer, keepalives), negotiates 4-byte ASNs,
 * IPv4/IPv6 unicast, route refresh, extended messages and ADD-PATH receive, never announces a
 * route, hands every received message and state change to its archive (a `CollectorArchive`:
 * MRT files, wired by src/app), and each decoded message to listeners. Every timer runs on the
 * `Clock` it is given, so tests drive hold timers and keepalives in virtual time.
 *
 * Everything a peer sends is hostile until proven otherwise: header errors, bad OPENs and
 * session-reset UPDATEs end that session with the NOTIFICATION RFC 4271 / RFC 7606 name; the
 * lesser RFC 7606 outcomes (treat-as-withdraw, attribute-discard) are delivered and logged.
 * Each incident is logged with the peer and the offending bytes (hex, bounded). Memory per
 * session is bounded by one socket read plus one partial message; when the archive or a
 * listener falls behind, sockets are paused (back-pressure) and the hold timer does not count
 * the time we made the peer wait.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { Logger, pino as Pino } from 'pino';
import { CairnError, type ErrorCode, type ErrorLocation } from '../../errors/index.js';
import { formatAddress, parseAddress, unmapIPv4, type IpAddress } from '../../net/index.js';
import { AS_TRANS, BGP_HEADER_LENGTH } from '../constants.js';
import {
  BgpMessageError,
  decodeBgpMessage,
  encodeKeepalive,
  encodeNotification,
  encodeOpen,
  encodeRouteRefresh,
  negotiateSession,
  readBgpHeader,
  type AfiSafi,
  type BgpMessage,
  type BgpOpen,
  type BgpUpdate,
  type Capability,
  type DecodeOptions,
  type NotificationSpec,
  type SessionOptions,
} from '../message.js';
import type { CollectorArchive, SessionArchive } from './archive.js';
import { systemClock, unixTime, type Clock, type Timer, type UnixTime } from '../clock.js';
import { canonicalAddress, type CollectorConfig, type CollectorPeerConfig } from './config.js';
import { LogLimiter, SourceRateLimiter } from './admission.js';

const require = createRequire(import.meta.url);
/** JSON lines on stderr; loads pino only when a logger is made, so importing this module does not load it. */
function stderrLogger(level: string): Logger {
  const pino = (require('pino') as { pino: typeof Pino }).pino;
  return pino({ level, base: { component: 'collector' } }, pino.destination(2));
}

/** BGP FSM states, numbered as MRT STATE_CHANGE records number them (RFC 6396 4.4.1). */
export const BgpState = {
  IDLE: 1,
  CONNECT: 2,
  ACTIVE: 3,
  OPEN_SENT: 4,
  OPEN_CONFIRM: 5,
  ESTABLISHED: 6,
} as const;
export type BgpState = (typeof BgpState)[keyof typeof BgpState];

const STATE_NAMES = ['', 'Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

export function bgpStateName(state: number): string {
  return STATE_NAMES[state] ?? `state ${state}`;
}

/** A peer as listeners see it. `session` is set once its OPEN has been accepted. */
export interface CollectorPeer {
  address: string;
  asn: number;
  description?: string;
  /** Our address on the connection. */
  localAddress: string;
  remotePort: number;
  bgpId?: string;
  holdTime?: number;
  /** What the session negotiated (4-byte ASNs, ADD-PATH receive families, extended messages). */
  session?: Required<SessionOptions>;
  /** AFI/SAFI pairs both sides announced (IPv4 unicast when the peer announced none). */
  families?: AfiSafi[];
  /** The peer announced the route refresh capability. */
  routeRefresh?: boolean;
}

/** Called for every message received and decoded. A returned promise pauses the peer until it settles. */
export type MessageListener = (
  peer: CollectorPeer,
  time: number,
  message: BgpMessage,
  raw: Uint8Array,
) => void | Promise<void>;
export type StateListener = (
  peer: CollectorPeer,
  oldState: BgpState,
  newState: BgpState,
  time: number,
) => void;

/** Something a peer (or a stranger) did wrong, and what the collector did about it. */
export interface CollectorIncident {
  peer: string;
  asn?: number;
  /** 'refused': connection not accepted; 'reset': NOTIFICATION sent and session closed; 'closed': closed without one; 'kept': logged, session goes on. */
  action: 'refused' | 'reset' | 'closed' | 'kept';
  error: CairnError;
  /** The offending bytes in hex, at most `maxIncidentBytes` of them. */
  bytes: string;
  /** Length of the offending bytes before truncation. */
  byteLength: number;
  notification?: { code: number; subcode: number };
}
export type IncidentListener = (incident: CollectorIncident) => void;

export interface CollectorOptions {
  /** pino logger; default: JSON lines on stderr at the configured level. */
  logger?: Logger;
  /**
   * Where every received message and state change goes (src/app/collect-archive.ts builds the MRT
   * one from the configuration); false: nothing is archived. Required, so that a caller cannot
   * lose the archive by forgetting it.
   */
  archive: CollectorArchive | false;
  /** The time and timers (hold, keepalive, open timeout, close grace); default the real ones. */
  clock?: Clock;
  /** Largest number of offending bytes logged per incident. Default 256. */
  maxIncidentBytes?: number;
}

export interface CollectorStats {
  connections: number;
  /** Connections from addresses that are not configured peers, closed with Cease / Connection Rejected. */
  refused: number;
  /** Connections beyond their source's rate limit, closed unanswered. */
  dropped: number;
  /** Bytes received from configured peers. */
  bytes: number;
  messages: number;
  updates: number;
  incidents: number;
}

const KEEPALIVE = encodeKeepalive();
/** A peer that does not read what we send (keepalives, a NOTIFICATION) is dropped past this. */
const MAX_OUTPUT_BACKLOG = 64 * 1024;
/** How long to wait for a peer to close after our NOTIFICATION. */
const CLOSE_GRACE_MS = 1000;
/** The window of the refused/dropped connection log limit (`connectionLogLines` per window). */
const CONNECTION_LOG_WINDOW_MS = 10_000;

function hexBounded(bytes: Uint8Array, max: number): string {
  const n = Math.min(bytes.length, max);
  return Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('hex') + (bytes.length > max ? '...' : '');
}

interface PeerDefinition {
  config: CollectorPeerConfig;
  open: Uint8Array;
  decodedOpen: BgpOpen;
}

export class BgpCollector {
  readonly logger: Logger;
  readonly archive: CollectorArchive | undefined;
  readonly clock: Clock;
  readonly stats: CollectorStats = {
    connections: 0,
    refused: 0,
    dropped: 0,
    bytes: 0,
    messages: 0,
    updates: 0,
    incidents: 0,
  };
  private readonly peersByAddress = new Map<string, PeerDefinition>();
  private readonly sessions = new Map<string, PeerSession>();
  private readonly messageListeners: MessageListener[] = [];
  private readonly stateListeners: StateListener[] = [];
  private readonly incidentListeners: IncidentListener[] = [];
  private server: Server | undefined;
  private stopping = false;
  readonly maxIncidentBytes: number;
  private readonly sourceLimits: SourceRateLimiter;
  private readonly connectionLog: LogLimiter;

  constructor(
    readonly config: CollectorConfig,
    options: CollectorOptions,
  ) {
    this.logger = options.logger ?? stderrLogger(config.logLevel);
    this.maxIncidentBytes = options.maxIncidentBytes ?? 256;
    if ((options.archive as CollectorArchive | false | undefined) === undefined) {
      throw new CairnError(
        'COLLECTOR_NO_ARCHIVE',
        'no archive given: pass an archive (the MRT one from src/app) or archive: false',
        { field: 'archive' },
      );
    }
    this.archive = options.archive === false ? undefined : options.archive;
    this.clock = options.clock ?? systemClock;
    this.sourceLimits = new SourceRateLimiter(
      { burst: config.connectionBurst, perSecond: config.connectionsPerSecond },
      this.clock,
    );
    this.connectionLog = new LogLimiter(
      config.connectionLogLines,
      CONNECTION_LOG_WINDOW_MS,
      this.clock,
      (suppressed, total) =>
        this.logger.warn(
          { suppressed, total, refused: this.stats.refused, dropped: this.stats.dropped },
          `${total} more refused or dropped connections not logged one by one`,
        ),
    );
    this.archive?.onDrain(() => {
      for (const session of this.sessions.values()) session.unpause('archive');
    });
    for (const peer of config.peers) {
      const capabilities: Capability[] = [
        { kind: 'multiprotocol', code: 1, afi: 1, safi: 1 },
        { kind: 'multiprotocol', code: 1, afi: 2, safi: 1 },
        { kind: 'route-refresh', code: 2 },
        { kind: 'four-octet-as', code: 65, asn: config.localAsn },
      ];
      if (config.extendedMessages) capabilities.push({ kind: 'extended-message', code: 6 });
      if (peer.addPath) {
        capabilities.push({
          kind: 'add-path',
          code: 69,
          families: [
            { afi: 1, safi: 1, receive: true, send: false },
            { afi: 2, safi: 1, receive: true, send: false },
          ],
        });
      }
      const open = encodeOpen({
        asn: config.localAsn,
        holdTime: config.holdTime,
        bgpId: config.bgpId,
        capabilities,
      });
      this.peersByAddress.set(canonicalAddress(peer.address), {
        config: peer,
        open,
        decodedOpen: decodeBgpMessage(open) as BgpOpen,
      });
    }
  }

  /** Adds a listener for every decoded message; returns a function that removes it. */
  onMessage(listener: MessageListener): () => void {
    return addListener(this.messageListeners, listener);
  }

  onStateChange(listener: StateListener): () => void {
    return addListener(this.stateListeners, listener);
  }

  onIncident(listener: IncidentListener): () => void {
    return addListener(this.incidentListeners, listener);
  }

  /** Starts listening; resolves with the bound address and port. */
  async start(): Promise<{ address: string; port: number }> {
    if (this.server !== undefined) throw new CairnError('COLLECTOR_STARTED', 'collector already started');
    // No server.maxConnections: strangers are closed at once, so they cannot fill a shared limit;
    // configured peers hold at most two sockets each (a session and its replacement).
    const server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.accept(socket));
    this.server = server;
    server.on('error', (error) => this.logger.error(this.errorFields(error), 'listener error'));
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void =>
        reject(
          new CairnError(
            'COLLECTOR_LISTEN_FAILED',
            `cannot listen on ${this.config.listenAddress}:${this.config.listenPort}: ${error.message}`,
          ),
        );
      server.once('error', fail);
      // A deep accept queue, so that a burst of strangers does not make a peer's SYN wait.
      server.listen({ port: this.config.listenPort, host: this.config.listenAddress, backlog: 4096 }, () => {
        server.off('error', fail);
        resolve();
      });
    });
    const bound = this.address();
    this.logger.info({ ...bound, peers: this.config.peers.length }, 'collector listening');
    return bound!;
  }

  address(): { address: string; port: number } | undefined {
    const a = this.server?.address();
    if (a === null || a === undefined || typeof a === 'string') return undefined;
    return { address: a.address, port: a.port };
  }

  /** Configured peers and the state of their session. */
  peerStates(): { address: string; asn: number; description?: string; state: BgpState }[] {
    return this.config.peers.map((p) => {
      const session = this.sessions.get(canonicalAddress(p.address));
      const row: { address: string; asn: number; description?: string; state: BgpState } = {
        address: p.address,
        asn: p.asn,
        state: session?.state ?? BgpState.IDLE,
      };
      if (p.description !== undefined) row.description = p.description;
      return row;
    });
  }

  /**
   * Asks an established peer to send its routes again (RFC 2918). Returns false when the peer is
   * not established or did not announce route refresh.
   */
  requestRouteRefresh(address: string, afi: number, safi: number): boolean {
    const session = this.sessions.get(canonicalAddress(address));
    if (session === undefined || session.state !== BgpState.ESTABLISHED || !session.peer.routeRefresh)
      return false;
    session.send(encodeRouteRefresh({ afi, safi }));
    return true;
  }

  /** Ends every session with Cease / Administrative Shutdown, stops listening, closes the archive. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const server = this.server;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    await Promise.all(
      [...this.sessions.values()].map((s) => s.shutdown({ code: 6, subcode: 2 }, 'collector shutting down')),
    );
    await closed;
    await this.archive?.close();
    this.connectionLog.flush();
    this.logger.info(this.stats, 'collector stopped');
  }

  // ----- internals used by sessions -----

  private accept(socket: Socket): void {
    this.stats.connections++;
    const remote = canonicalAddress(socket.remoteAddress ?? '');
    socket.on('error', (error) => this.logger.debug({ peer: remote, err: error.message }, 'socket error'));
    if (!this.sourceLimits.take(remote)) {
      // Over its rate: not a word, not a byte read, and one log line per window at most.
      this.stats.dropped++;
      if (this.connectionLog.allow('dropped'))
        this.logger.warn(
          { peer: remote, code: 'COLLECTOR_CONNECTION_RATE', action: 'dropped', dropped: this.stats.dropped },
          `connection from ${remote} dropped: over ${this.config.connectionsPerSecond}/s`,
        );
      socket.destroy();
      return;
    }
    const definition = this.peersByAddress.get(remote);
    if (definition === undefined || this.stopping) {
      this.stats.refused++;
      this.incident(
        {
          peer: remote,
          action: 'refused',
          error: new CairnError(
            'COLLECTOR_UNKNOWN_PEER',
            this.stopping
              ? `connection from ${remote} while stopping`
              : `connection from unconfigured peer ${remote}`,
            { file: `peer ${remote}` },
          ),
          bytes: '',
          byteLength: 0,
          notification: { code: 6, subcode: 5 },
        },
        this.connectionLog.allow('refused'),
      );
      // Cease / Connection Rejected (RFC 4486), nothing read, and closed as soon as it is sent: a
      // stranger holds a socket for no longer than one write.
      socket.end(encodeNotification({ code: 6, subcode: 5 }), () => socket.destroy());
      this.clock.setTimeout(() => socket.destroy(), CLOSE_GRACE_MS, true);
      return;
    }
    const existing = this.sessions.get(remote);
    if (existing !== undefined) {
      if (existing.state === BgpState.ESTABLISHED) {
        // RFC 4271 6.8: keep the established session, refuse the newcomer.
        this.incident({
          peer: remote,
          asn: definition.config.asn,
          action: 'refused',
          error: new CairnError('COLLECTOR_COLLISION', `second connection from ${remote} while established`, {
            file: `peer ${remote}`,
          }),
          bytes: '',
          byteLength: 0,
          notification: { code: 6, subcode: 7 },
        });
        socket.end(encodeNotification({ code: 6, subcode: 7 }));
        socket.resume();
        this.clock.setTimeout(() => socket.destroy(), CLOSE_GRACE_MS, true);
        return;
      }
      void existing.shutdown({ code: 6, subcode: 7 }, 'replaced by a newer connection');
    }
    const session = new PeerSession(this, socket, definition);
    this.sessions.set(remote, session);
    session.start();
  }

  /** How an error goes into a log line: its message and code, its stack only at debug level. */
  private errorFields(error: unknown): Record<string, unknown> {
    if (!(error instanceof Error)) return { err: String(error) };
    const fields: Record<string, unknown> = { err: error.message };
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') fields.errorCode = code;
    if (this.logger.isLevelEnabled('debug')) fields.stack = error.stack;
    return fields;
  }

  /** @internal */
  sessionClosed(session: PeerSession): void {
    if (this.sessions.get(session.key) === session) this.sessions.delete(session.key);
  }

  /** @internal `log`: false when the connection log limiter has suppressed the line. */
  incident(incident: CollectorIncident, log = true): void {
    this.stats.incidents++;
    const fields: Record<string, unknown> = {
      peer: incident.peer,
      code: incident.error.code,
      action: incident.action,
      bytes: incident.bytes,
      byteLength: incident.byteLength,
      ...incident.error.location,
    };
    if (incident.asn !== undefined) fields.asn = incident.asn;
    if (incident.notification !== undefined) fields.notification = incident.notification;
    if (log) this.logger.warn(fields, incident.error.message);
    for (const listener of this.incidentListeners) {
      try {
        listener(incident);
      } catch (error) {
        this.logger.error(this.errorFields(error), 'incident listener failed');
      }
    }
  }

  /** @internal */
  emitState(peer: CollectorPeer, oldState: BgpState, newState: BgpState, time: number): void {
    for (const listener of this.stateListeners) {
      try {
        listener(peer, oldState, newState, time);
      } catch (error) {
        this.logger.error({ ...this.errorFields(error), peer: peer.address }, 'state listener failed');
      }
    }
  }

  /** @internal Delivers a message; returns the promises of listeners that returned one. */
  emitMessage(
    peer: CollectorPeer,
    time: number,
    message: BgpMessage,
    raw: Uint8Array,
  ): Promise<void>[] | undefined {
    let waits: Promise<void>[] | undefined;
    for (const listener of this.messageListeners) {
      try {
        const result = listener(peer, time, message, raw);
        if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
          (waits ??= []).push(
            (result as Promise<void>).catch((error: unknown) =>
              this.logger.error(
                { ...this.errorFields(error), peer: peer.address },
                'message listener failed',
              ),
            ),
          );
        }
      } catch (error) {
        this.logger.error({ ...this.errorFields(error), peer: peer.address }, 'message listener failed');
      }
    }
    return waits;
  }
}

function addListener<T>(list: T[], listener: T): () => void {
  list.push(listener);
  return () => {
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  };
}

function families(open: BgpOpen): AfiSafi[] {
  const out: AfiSafi[] = [];
  for (const c of open.capabilities) if (c.kind === 'multiprotocol') out.push({ afi: c.afi, safi: c.safi });
  return out;
}

/** One TCP connection from a configured peer and its FSM. */
class PeerSession {
  state: BgpState = BgpState.IDLE;
  readonly key: string;
  readonly peer: CollectorPeer;
  private readonly label: string;
  private archive: SessionArchive | undefined;
  private pending: Buffer | undefined;
  /** Bytes of the peer's stream consumed so far (offsets in incidents count from here). */
  private streamOffset = 0;
  private decodeOptions: DecodeOptions;
  private addPathFamilies: AfiSafi[] = [];
  private lastReceived: number;
  private holdMs: number;
  private holdTimer: Timer | undefined;
  private keepaliveTimer: Timer | undefined;
  private readonly pauses = new Set<string>();
  private consumerWaits = 0;
  private ended = false;
  private closedPromise: Promise<void>;

  constructor(
    private readonly collector: BgpCollector,
    private readonly socket: Socket,
    private readonly definition: PeerDefinition,
  ) {
    const config = definition.config;
    this.key = canonicalAddress(socket.remoteAddress ?? '');
    this.label = `peer ${this.key} AS${config.asn}`;
    const local = unmapIPv4(parseAddress(socket.localAddress ?? '0.0.0.0'));
    const remote: IpAddress = unmapIPv4(parseAddress(this.key));
    this.peer = {
      address: this.key,
      asn: config.asn,
      localAddress: formatAddress(local),
      remotePort: socket.remotePort ?? 0,
    };
    if (config.description !== undefined) this.peer.description = config.description;
    // A record names both ends in one family; a mixed pair (v4 peer on a v6 socket) is not archived.
    this.archive =
      local.family === remote.family
        ? collector.archive?.session({
            peerAsn: config.asn,
            localAsn: collector.config.localAsn,
            peerAddress: remote,
            localAddress: local,
            as4: true,
          })
        : undefined;
    this.lastReceived = collector.clock.now();
    this.decodeOptions = { file: this.label, asn4: true, extendedMessages: false };
    this.holdMs = collector.config.openTimeout * 1000;
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.once('close', () => this.onClose());
  }

  start(): void {
    const time = this.now();
    this.setState(BgpState.ACTIVE, time);
    this.send(this.definition.open);
    this.setState(BgpState.OPEN_SENT, time);
    this.armHoldTimer();
    this.socket.resume();
  }

  send(bytes: Uint8Array): void {
    if (this.ended) return;
    if (this.socket.writableLength > MAX_OUTPUT_BACKLOG) {
      this.closeWith('COLLECTOR_PEER_NOT_READING', 'peer does not read what we send', undefined, 'closed');
      return;
    }
    this.socket.write(bytes);
  }

  pause(reason: string): void {
    if (this.pauses.size === 0) this.socket.pause();
    this.pauses.add(reason);
  }

  unpause(reason: string): void {
    if (!this.pauses.delete(reason) || this.pauses.size > 0 || this.ended) return;
    // The peer was waiting on us: it gets a full hold time from now.
    this.lastReceived = this.collector.clock.now();
    this.socket.resume();
  }

  private now(): UnixTime {
    return unixTime(this.collector.clock.now());
  }

  private setState(next: BgpState, time = this.now()): void {
    const old = this.state;
    if (old === next) return;
    this.state = next;
    if (this.archive !== undefined) {
      this.archive.stateChange(time, old, next);
      if (this.collector.archive!.congested) this.pause('archive');
    }
    this.collector.logger.info(
      { peer: this.key, asn: this.peer.asn, from: bgpStateName(old), to: bgpStateName(next) },
      'state change',
    );
    this.collector.emitState(this.peer, old, next, time.seconds + time.micros / 1e6);
  }

  private armHoldTimer(): void {
    this.holdTimer?.cancel();
    if (this.holdMs === 0 || this.ended) return;
    const due = this.lastReceived + this.holdMs - this.collector.clock.now();
    // At least 1 ms: a real timer that fires a little early re-arms instead of spinning.
    this.holdTimer = this.collector.clock.setTimeout(() => this.checkHold(), Math.max(1, due));
  }

  private checkHold(): void {
    if (this.ended) return;
    const now = this.collector.clock.now();
    // Time the peer spent paused by us does not count against it.
    if (this.pauses.size > 0) this.lastReceived = now;
    if (now - this.lastReceived < this.holdMs) {
      this.armHoldTimer();
      return;
    }
    const opening = this.state === BgpState.OPEN_SENT;
    this.closeWith(
      opening ? 'COLLECTOR_OPEN_TIMEOUT' : 'COLLECTOR_HOLD_TIMER_EXPIRED',
      opening
        ? `no OPEN within ${this.holdMs / 1000} s`
        : `nothing received for ${this.holdMs / 1000} s (hold time)`,
      { code: 4, subcode: 0 },
      'reset',
      this.pending ?? new Uint8Array(0),
    );
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    this.collector.stats.bytes += chunk.length;
    const arrival = this.collector.clock.now();
    let buf = chunk;
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    const time = unixTime(arrival);
    let p = 0;
    while (buf.length - p >= BGP_HEADER_LENGTH && !this.ended) {
      let length: number;
      let type: number;
      try {
        const header = readBgpHeader(buf, p, { ...this.decodeOptions, baseOffset: this.streamOffset - p });
        length = header!.length;
        type = header!.type;
      } catch (error) {
        this.protocolError(
          error,
          buf.subarray(p, p + Math.max(BGP_HEADER_LENGTH, this.collector.maxIncidentBytes)),
        );
        return;
      }
      if (buf.length - p < length) break;
      const message = buf.subarray(p, p + length);
      // Only a whole message restarts the hold timer (RFC 4271 8.2.2), and in OpenSent the only
      // whole message that does not end the session is the OPEN: bytes dripped in extend nothing.
      this.lastReceived = arrival;
      this.handle(message, type, time);
      p += length;
      this.streamOffset += length;
    }
    // A partial message is at most one maximum-size message: the header was checked above.
    if (p < buf.length && !this.ended) this.pending = Buffer.from(buf.subarray(p));
  }

  private handle(raw: Buffer, type: number, time: { seconds: number; micros: number }): void {
    this.collector.stats.messages++;
    let message: BgpMessage | undefined;
    let decodeError: unknown;
    try {
      message = decodeBgpMessage(raw, 0, { ...this.decodeOptions, baseOffset: this.streamOffset });
    } catch (error) {
      decodeError = error;
    }
    this.archiveMessage(raw, message);
    if (message === undefined) {
      this.protocolError(decodeError, raw);
      return;
    }
    switch (this.state) {
      case BgpState.OPEN_SENT:
        if (message.type === 'open') this.acceptOpen(message, raw, time);
        else this.unexpected(message, raw, 1);
        return;
      case BgpState.OPEN_CONFIRM:
        if (message.type === 'keepalive') {
          this.setState(BgpState.ESTABLISHED, time);
          this.deliver(message, raw, time);
        } else this.unexpected(message, raw, 2);
        return;
      case BgpState.ESTABLISHED:
        if (message.type === 'update') this.acceptUpdate(message, raw, time);
        else if (message.type === 'open') this.unexpected(message, raw, 3);
        else if (message.type === 'notification') this.unexpected(message, raw, 3);
        else this.deliver(message, raw, time);
        return;
      default:
        return;
    }
  }

  private archiveMessage(raw: Uint8Array, message: BgpMessage | undefined): void {
    const archive = this.archive;
    if (archive === undefined) return;
    let addPath = false;
    if (message?.type === 'update' && this.addPathFamilies.length > 0) {
      const hit = (f: AfiSafi): boolean =>
        this.addPathFamilies.some((a) => a.afi === f.afi && a.safi === f.safi);
      addPath = message.announced.some(hit) || message.withdrawn.some(hit);
    }
    archive.message(this.now(), raw, addPath);
    if (this.collector.archive!.congested) this.pause('archive');
  }

  private deliver(message: BgpMessage, raw: Uint8Array, time: { seconds: number; micros: number }): void {
    const waits = this.collector.emitMessage(this.peer, time.seconds + time.micros / 1e6, message, raw);
    if (waits === undefined) return;
    this.consumerWaits++;
    this.pause('consumer');
    void Promise.all(waits).then(() => {
      if (--this.consumerWaits === 0) this.unpause('consumer');
    });
  }

  private acceptOpen(open: BgpOpen, raw: Uint8Array, time: { seconds: number; micros: number }): void {
    const config = this.definition.config;
    const refuse = (code: ErrorCode, message: string, notification: NotificationSpec, field: string): void =>
      this.closeWith(code, message, notification, 'reset', raw, field);
    if (open.asn !== config.asn || (open.asn <= 0xffff && open.myAsn !== open.asn)) {
      refuse(
        'COLLECTOR_BAD_PEER_AS',
        `OPEN from ${this.key} says AS${open.asn}, configured AS${config.asn}`,
        { code: 2, subcode: 2, data: Uint8Array.of((open.myAsn >>> 8) & 0xff, open.myAsn & 0xff) },
        'asn',
      );
      return;
    }
    if (open.myAsn === AS_TRANS && !open.capabilities.some((c) => c.kind === 'four-octet-as')) {
      refuse(
        'COLLECTOR_BAD_PEER_AS',
        'OPEN has AS_TRANS without a 4-octet AS capability',
        { code: 2, subcode: 2 },
        'asn',
      );
      return;
    }
    if (open.bgpId === this.collector.config.bgpId) {
      refuse(
        'COLLECTOR_BAD_BGP_ID',
        `peer uses our BGP identifier ${open.bgpId}`,
        { code: 2, subcode: 3 },
        'bgpId',
      );
      return;
    }
    if (open.parameters.length > 0) {
      // RFC 4271 6.2: an optional parameter other than capabilities is not recognized.
      const first = open.parameters[0];
      refuse(
        'COLLECTOR_UNSUPPORTED_PARAMETER',
        `OPEN optional parameter type ${first.type} is not supported`,
        { code: 2, subcode: 4 },
        'parameters',
      );
      return;
    }
    const negotiated = negotiateSession(this.definition.decodedOpen, open);
    const ours = this.collector.config.holdTime;
    const hold = ours === 0 || open.holdTime === 0 ? 0 : Math.min(ours, open.holdTime);
    const peerFamilies = families(open);
    const offered = families(this.definition.decodedOpen);
    const common =
      peerFamilies.length === 0
        ? [{ afi: 1, safi: 1 }]
        : offered.filter((f) => peerFamilies.some((g) => g.afi === f.afi && g.safi === f.safi));
    this.addPathFamilies = negotiated.addPath as AfiSafi[];
    if (!negotiated.asn4 && this.archive !== undefined) {
      // From here on the AS_PATHs are 2-byte: the archive uses the 2-byte subtypes (RFC 6396 4.4).
      this.archive = this.collector.archive!.session({
        peerAsn: config.asn,
        localAsn: this.collector.config.localAsn,
        peerAddress: unmapIPv4(parseAddress(this.key)),
        localAddress: unmapIPv4(parseAddress(this.peer.localAddress)),
        as4: false,
      });
    }
    this.decodeOptions = {
      file: this.label,
      asn4: negotiated.asn4,
      addPath: negotiated.addPath,
      extendedMessages: negotiated.extendedMessages,
    };
    Object.assign(this.peer, {
      bgpId: open.bgpId,
      holdTime: hold,
      session: negotiated,
      families: common,
      routeRefresh: open.capabilities.some((c) => c.kind === 'route-refresh'),
    });
    this.send(KEEPALIVE);
    this.setState(BgpState.OPEN_CONFIRM, time);
    this.holdMs = hold * 1000;
    this.armHoldTimer();
    if (hold > 0) {
      const every = Math.max(1000, Math.floor((hold * 1000) / 3));
      this.keepaliveTimer = this.collector.clock.setInterval(() => this.send(KEEPALIVE), every);
    }
    this.deliver(open, raw, time);
  }

  private acceptUpdate(update: BgpUpdate, raw: Buffer, time: { seconds: number; micros: number }): void {
    this.collector.stats.updates++;
    if (update.outcome !== 'ok') {
      const problem =
        update.problems.find((p) => p.action === update.outcome) ??
        update.problems[update.problems.length - 1];
      const location: ErrorLocation = { file: this.label, offset: problem.offset, recordType: 'UPDATE' };
      if (problem.attributeType !== undefined) location.field = `attribute ${problem.attributeType}`;
      const error = new CairnError(
        problem.code,
        `${problem.message} (RFC 7606: ${update.outcome})`,
        location,
      );
      if (update.outcome === 'session-reset') {
        this.fail(error, problem.notification, raw, 'reset');
        return;
      }
      this.report(error, raw, 'kept');
    }
    this.deliver(update, raw, time);
  }

  /** A message the FSM does not expect in this state (RFC 4271 6.6), or the peer's NOTIFICATION. */
  private unexpected(message: BgpMessage, raw: Uint8Array, subcode: number): void {
    if (message.type === 'notification') {
      this.collector.logger.info(
        {
          peer: this.key,
          asn: this.peer.asn,
          code: message.code,
          subcode: message.subcode,
          reason: `${message.codeName} / ${message.subcodeName}`,
          shutdown: message.shutdownCommunication,
          data: hexBounded(message.data, this.collector.maxIncidentBytes),
        },
        'peer sent NOTIFICATION',
      );
      this.deliver(message, raw, this.now());
      this.end();
      return;
    }
    this.closeWith(
      'COLLECTOR_UNEXPECTED_MESSAGE',
      `${message.type.toUpperCase()} received in state ${bgpStateName(this.state)}`,
      { code: 5, subcode, data: Uint8Array.of(raw[18]) },
      'reset',
      raw,
    );
  }

  private protocolError(error: unknown, bytes: Uint8Array): void {
    if (error instanceof BgpMessageError) {
      this.fail(error, error.notification, bytes, 'reset');
      return;
    }
    const wrapped = new CairnError('COLLECTOR_INTERNAL', `unexpected error: ${String(error)}`, {
      file: this.label,
    });
    this.fail(wrapped, { code: 6, subcode: 0 }, bytes, 'reset');
  }

  private closeWith(
    code: ErrorCode,
    message: string,
    notification: NotificationSpec | undefined,
    action: CollectorIncident['action'],
    bytes: Uint8Array = new Uint8Array(0),
    field?: string,
  ): void {
    const location: ErrorLocation = { file: this.label, offset: this.streamOffset };
    if (field !== undefined) location.field = field;
    this.fail(new CairnError(code, message, location), notification, bytes, action);
  }

  private report(
    error: CairnError,
    bytes: Uint8Array,
    action: CollectorIncident['action'],
    notification?: NotificationSpec,
  ): void {
    const incident: CollectorIncident = {
      peer: this.key,
      asn: this.peer.asn,
      action,
      error,
      bytes: hexBounded(bytes, this.collector.maxIncidentBytes),
      byteLength: bytes.length,
    };
    if (notification !== undefined)
      incident.notification = { code: notification.code, subcode: notification.subcode };
    this.collector.incident(incident);
  }

  private fail(
    error: CairnError,
    notification: NotificationSpec | undefined,
    bytes: Uint8Array,
    action: CollectorIncident['action'],
  ): void {
    if (this.ended) return;
    this.report(error, bytes, notification === undefined ? 'closed' : action, notification);
    if (notification !== undefined && this.socket.writableLength <= MAX_OUTPUT_BACKLOG)
      this.socket.write(encodeNotification(notification));
    this.end();
  }

  /** Sends a NOTIFICATION and closes (administrative shutdown, collision); resolves when closed. */
  shutdown(notification: NotificationSpec, reason: string): Promise<void> {
    if (!this.ended) {
      this.collector.logger.info({ peer: this.key, asn: this.peer.asn, reason }, 'closing session');
      this.socket.write(encodeNotification(notification));
      this.end();
    }
    return this.closedPromise;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.pending = undefined;
    this.holdTimer?.cancel();
    this.keepaliveTimer?.cancel();
    this.socket.end();
    this.collector.clock.setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS, true);
    this.socket.resume();
    this.setState(BgpState.IDLE);
    this.collector.sessionClosed(this);
  }

  private onClose(): void {
    if (!this.ended && this.pending !== undefined && this.pending.length > 0) {
      this.report(
        new CairnError(
          'COLLECTOR_TRUNCATED_MESSAGE',
          `connection closed inside a message (${this.pending.length} bytes of it received)`,
          { file: this.label, offset: this.streamOffset },
        ),
        this.pending,
        'closed',
      );
    } else if (!this.ended) {
      this.collector.logger.info({ peer: this.key, asn: this.peer.asn }, 'peer closed the connection');
    }
    this.end();
  }
}
