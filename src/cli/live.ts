/**
 * Live outage detection in the collector: every decoded UPDATE is applied to a routing table as
 * it arrives, a session leaving Established is a peer down, the outage detector
 * (src/observatory/outages.ts) watches the selection, and its events go out as alerts (JSON lines
 * on stdout and, when configured, the webhook) through the collector's AlertPublisher:
 *
 * - `outage-open`: the visible space of the selection fell below the warning threshold; with the
 *   classification so far (always `blip` at first), the prefixes lost, the share lost, the cause hint.
 * - `outage-update`: the classification grew (blip -> outage -> sustained-outage), or the level,
 *   extent, cause or prefix count changed; `previous` holds what the last alert said.
 * - `outage-close`: the space is back (re-announcement); with duration and severity.
 * - `outage-detector-ready` / `outage-detector-warming-up`: the detector has its baseline (after
 *   minHistorySeconds of history) / lost it (the full-feed set moved the signal: warm-up again).
 * - `session-reset`: one peer's session went down and took its routes, the selection's space did
 *   not move: not an outage. `session-restored` when that peer announces again.
 *
 * Time. The detector works in data time, which a `LiveClock` gives: by default a `ScaledClock`
 * from now at `timeScale` (1 in production: data time is the wall clock). Every threshold is in
 * data seconds and does NOT scale: with `timeScale: 3600` (one wall second is one hour), a 300 s
 * bin lasts 83 ms of wall time, the 1 h warm-up (minHistorySeconds) 1 s, the blip limit (600 s)
 * 167 ms and the sustained limit (3600 s) 1 s; the 1 s clock tick then advances the detector an
 * hour at a time, so an open event can go from blip to sustained-outage in one tick when no
 * message arrives (use a shorter `tickMs` with a large scale). Each message is stamped with the
 * clock when it is handled (whole data seconds, never going backwards), and the detector's clock
 * is advanced on every message and every `tickMs` (default 1000 ms), so bins close and a long
 * silence is seen even when no message arrives.
 *
 * An UPDATE is applied whole before any alert goes out, so an `outage-open` describes every
 * prefix that UPDATE withdrew, not just the first; it is published synchronously in the handling
 * of the message that crossed the threshold.
 */
import { chmod, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { BgpUpdate, FamilyPrefixes } from '../bgp/index.js';
import type { AlertPublisher, BgpCollector, CollectorPeer } from '../bgp/collector/index.js';
import { BgpState, effectiveUpdate } from '../bgp/collector/index.js';
import { CairnError, ParseError } from '../errors/index.js';
import type { MrtElement } from '../mrt/index.js';
import { parseAddress, parseAsn, parsePrefix } from '../net/index.js';
import type {
  OutageEvent,
  OutageOptions,
  PrefixSelector,
  SessionReset,
  VisibilityOptions,
} from '../observatory/index.js';
import {
  OutageDetector,
  ScaledClock,
  parseCountryCode,
  selectCountry,
  selectOrigin,
  selectPrefixes,
} from '../observatory/index.js';
import { Registry } from '../registry/index.js';
import { ESTABLISHED, RoutingTable } from '../routing/index.js';
import type { CollectSetup } from './collect.js';
import { DEFAULT_REGISTRY_FILES } from './country.js';

/** Data time in Unix seconds. `ScaledClock` is one. */
export interface LiveClock {
  now(): number;
}

export interface LiveDetectionOptions extends OutageOptions, Omit<VisibilityOptions, 'select'> {
  select: PrefixSelector;
  /** What the selection is, for the alerts (`country KP`, `AS131279`...). */
  selection?: string;
  /** Data seconds per wall second (default 1). Ignored when `clock` is given. */
  timeScale?: number;
  /** Data time at start, Unix seconds (default: now). Ignored when `clock` is given. */
  origin?: number;
  /** The data clock (default: `new ScaledClock(origin, timeScale)`). */
  clock?: LiveClock;
  /** Wall milliseconds between clock ticks (default 1000). */
  tickMs?: number;
  logger?: Logger;
}

/** Prefixes listed in one alert; the count is always given. */
const MAX_ALERT_PREFIXES = 100;

const iso = (seconds: number | undefined): string | null =>
  seconds === undefined ? null : new Date(Math.round(seconds * 1000)).toISOString();

interface Published {
  classification: OutageEvent['classification'];
  level: OutageEvent['level'];
  extent: OutageEvent['extent'];
  cause: OutageEvent['cause'];
  prefixCount: number;
}

function snapshot(event: Readonly<OutageEvent>): Published {
  return {
    classification: event.classification,
    level: event.level,
    extent: event.extent,
    cause: event.cause,
    prefixCount: event.prefixes.length,
  };
}

/**
 * The live pipeline. `new LiveOutageDetection(collector, alerts, options)` attaches to the
 * collector (before or after it starts) and runs until `stop()`.
 */
export class LiveOutageDetection {
  readonly table = new RoutingTable();
  readonly detector: OutageDetector;
  readonly clock: LiveClock;
  /** Counters: UPDATEs applied, prefixes announced / withdrawn, elements refused, alerts sent. */
  readonly stats = { updates: 0, announced: 0, withdrawn: 0, refused: 0, alerts: 0 };

  private readonly selection: string | undefined;
  private readonly logger: Logger | undefined;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly detachers: (() => void)[] = [];
  private lastTime = Number.NEGATIVE_INFINITY;
  /** Events with something new since the last flush, and whether they opened in it. */
  private readonly dirty = new Map<number, { event: Readonly<OutageEvent>; opened: boolean }>();
  private readonly published = new Map<number, Published>();
  private resetsPublished = 0;
  private readonly openResets: SessionReset[] = [];
  private readonly element: MrtElement = {
    type: 'A',
    timestamp: 0,
    peerAddress: '',
    peerAsn: 0,
    recordType: 'LIVE',
    recordOffset: 0,
  };
  private stopped = false;
  /** Whether the detector has a baseline (warm-up done); announced by an alert when it changes. */
  private armed = false;

  constructor(
    collector: BgpCollector,
    private readonly alerts: AlertPublisher,
    options: LiveDetectionOptions,
  ) {
    const { selection, timeScale, origin, clock, tickMs, logger, ...detection } = options;
    this.selection = selection;
    this.logger = logger;
    this.clock = clock ?? new ScaledClock(origin ?? Date.now() / 1000, timeScale ?? 1);
    const tick = tickMs ?? 1000;
    if (!(tick >= 1 && tick <= 3_600_000))
      throw new CairnError('LIVE_BAD_OPTION', `tickMs must be from 1 to 3600000, got ${tick}`, {
        field: 'tickMs',
      });
    this.detector = new OutageDetector(this.table, detection);
    this.detector.onEvent((event, phase) => {
      const entry = this.dirty.get(event.id);
      if (entry === undefined) this.dirty.set(event.id, { event, opened: phase === 'open' });
      else if (phase === 'open') entry.opened = true;
    });
    // Registered after the detector's own listener: its session resets are recorded by then.
    this.detachers.push(
      this.table.onEvent((event) => {
        if (event.kind === 'peer-down') this.publishResets();
        else if (event.kind === 'announce' && this.openResets.length > 0) this.publishRestored();
      }),
    );
    this.detachers.push(
      collector.onMessage((peer, _time, message) => {
        if (message.type === 'update') this.onUpdate(peer, message);
      }),
    );
    this.detachers.push(
      collector.onStateChange((peer, from, to) => {
        if (from === BgpState.ESTABLISHED && to !== BgpState.ESTABLISHED) this.onPeerDown(peer, to);
      }),
    );
    this.timer = setInterval(() => this.tick(), tick);
    this.timer.unref();
    this.tick();
  }

  /** Data time now: whole seconds, never earlier than the last. */
  now(): number {
    const t = Math.floor(this.clock.now());
    if (t > this.lastTime) this.lastTime = t;
    return this.lastTime;
  }

  /** Advances the detector to the clock and publishes what changed (also run by the timer). */
  tick(): void {
    if (this.stopped) return;
    this.detector.onUpdate(this.now());
    this.flush();
  }

  /** Stops the timer and the listeners; an event still open stays open. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    for (const detach of this.detachers.splice(0)) detach();
    this.detector.close();
  }

  // ---- messages -------------------------------------------------------------------------------

  private onUpdate(peer: CollectorPeer, message: BgpUpdate): void {
    if (this.stopped) return;
    const time = this.now();
    this.detector.onUpdate(time);
    const update = effectiveUpdate(message);
    const e = this.element;
    e.timestamp = time;
    e.peerAddress = peer.address;
    e.peerAsn = peer.asn;
    this.stats.updates++;
    let peerId: number;
    try {
      peerId = this.table.peerIdOf(parseAddress(peer.address), peer.asn);
    } catch (error) {
      this.refuse(error, peer.address, 'peer address');
      return;
    }
    const seconds = Math.floor(time);
    for (const family of update.withdrawn) if (unicast(family)) this.applyAll(family, peerId, seconds, -1);
    if (update.announced.length > 0) {
      const a = update.attributes;
      e.type = 'A';
      clearAttributes(e);
      if (a.asPath !== undefined) e.asPathSegments = a.asPath;
      if (a.origin !== undefined) e.origin = a.origin;
      if (a.med !== undefined) e.med = a.med;
      if (a.localPref !== undefined) e.localPref = a.localPref;
      if (a.atomicAggregate === true) e.atomicAggregate = true;
      if (a.communities !== undefined) e.communities = a.communities;
      if (a.largeCommunities !== undefined) e.largeCommunities = a.largeCommunities;
      for (const family of update.announced) {
        if (!unicast(family)) continue;
        // Classic IPv4 NLRI use NEXT_HOP; MP_REACH families (and IPv4 in MP_REACH) its next hop.
        const nextHop = family.afi === 1 && family.mp !== true ? a.nextHop : a.mpReach?.nextHop;
        if (nextHop !== undefined) e.nextHop = nextHop;
        else delete e.nextHop;
        // One attribute set for all the family's prefixes of this UPDATE.
        let attributesId: number;
        try {
          attributesId = this.table.attributesIdOf(e);
        } catch (error) {
          this.stats.refused += family.prefixes.length;
          this.logger?.warn({ err: error, peer: peer.address }, 'attributes refused');
          continue;
        }
        this.applyAll(family, peerId, seconds, attributesId);
      }
    }
    this.flush();
  }

  /** Withdraws (attributesId -1) or announces every prefix of the family. */
  private applyAll(family: FamilyPrefixes, peerId: number, time: number, attributesId: number): void {
    const table = this.table;
    for (const nlri of family.prefixes) {
      let prefixId: number;
      try {
        prefixId = table.prefixIdOf(parsePrefix(nlri.prefix));
      } catch (error) {
        // The codec has checked the prefixes; a refusal here is a bug or a hostile corner: count, go on.
        this.refuse(error, nlri.prefix, 'prefix');
        continue;
      }
      const addPathId = nlri.pathId ?? 0;
      if (attributesId < 0) {
        table.withdrawIds(prefixId, peerId, addPathId, time);
        this.stats.withdrawn++;
      } else {
        table.announceIds(prefixId, peerId, addPathId, attributesId, time);
        this.stats.announced++;
      }
    }
  }

  private refuse(error: unknown, value: string, what: string): void {
    this.stats.refused++;
    this.logger?.warn({ err: error, value }, `${what} refused`);
  }

  private onPeerDown(peer: CollectorPeer, to: number): void {
    if (this.stopped) return;
    const e = this.element;
    e.type = 'STATE';
    e.timestamp = this.now();
    e.peerAddress = peer.address;
    e.peerAsn = peer.asn;
    e.oldState = ESTABLISHED;
    e.newState = to;
    delete e.prefix;
    delete e.pathId;
    clearAttributes(e);
    try {
      this.table.applyElement(e);
    } catch (error) {
      this.stats.refused++;
      this.logger?.warn({ err: error, peer: peer.address }, 'peer down refused');
    }
    delete e.oldState;
    delete e.newState;
    this.flush();
  }

  // ---- alerts ---------------------------------------------------------------------------------

  private publish(alert: { kind: string; time: string; [field: string]: unknown }): void {
    this.stats.alerts++;
    this.alerts.publish({ ...alert, wallTime: new Date().toISOString() });
  }

  private flush(): void {
    const armed = this.detector.currentBaseline !== undefined;
    if (armed !== this.armed) {
      this.armed = armed;
      const t = this.detector.tracker;
      this.publish({
        kind: armed ? 'outage-detector-ready' : 'outage-detector-warming-up',
        time: iso(this.lastTime)!,
        baseline: this.detector.currentBaseline ?? null,
        fullFeedPeers: t.fullFeedPeers,
        trackedPrefixes: t.trackedCount,
        ...(this.selection !== undefined ? { selection: this.selection } : {}),
      });
    }
    if (this.dirty.size === 0) return;
    const entries = [...this.dirty.values()];
    this.dirty.clear();
    for (const { event, opened } of entries) {
      if (opened) this.publish({ kind: 'outage-open', time: iso(event.start)!, ...this.fields(event) });
      else {
        const previous = this.published.get(event.id);
        const now = snapshot(event);
        if (
          previous !== undefined &&
          event.open &&
          (previous.classification !== now.classification ||
            previous.level !== now.level ||
            previous.extent !== now.extent ||
            previous.cause !== now.cause ||
            previous.prefixCount !== now.prefixCount)
        )
          this.publish({
            kind: 'outage-update',
            time: iso(this.lastTime)!,
            ...this.fields(event),
            previous,
          });
      }
      this.published.set(event.id, snapshot(event));
      if (!event.open) {
        this.publish({
          kind: 'outage-close',
          time: iso(event.end)!,
          ...this.fields(event),
          end: iso(event.end),
          duration: event.duration,
          severity: Math.round(event.severity),
        });
        this.published.delete(event.id);
      }
    }
  }

  private fields(event: Readonly<OutageEvent>): Record<string, unknown> {
    const fields: Record<string, unknown> = {
      eventId: event.id,
      start: iso(event.start),
      classification: event.classification,
      level: event.level,
      extent: event.extent,
      lostShare: event.lostShare,
      baseline: event.baseline,
      minimum: event.minimum,
      unit: event.unit,
      prefixCount: event.prefixes.length,
      prefixes: event.prefixes.slice(0, MAX_ALERT_PREFIXES),
      origins: event.origins.slice(0, MAX_ALERT_PREFIXES),
      upstreams: event.upstreams.slice(0, 5),
      cause: event.cause,
      causeEvidence: event.causeEvidence,
      duration: event.duration,
    };
    if (this.selection !== undefined) fields.selection = this.selection;
    return fields;
  }

  private publishResets(): void {
    const resets = this.detector.sessionResets;
    for (; this.resetsPublished < resets.length; this.resetsPublished++) {
      const reset = resets[this.resetsPublished];
      this.openResets.push(reset);
      const alert: { kind: string; time: string; [field: string]: unknown } = {
        kind: 'session-reset',
        time: iso(reset.time)!,
        peer: reset.peerAddress,
        peerAsn: reset.peerAsn,
        routesRemoved: reset.routesRemoved,
        selectedPrefixesLost: reset.selectedPrefixesLost,
        cause: reset.cause,
        outage: this.detector.openEvent !== undefined,
      };
      if (this.selection !== undefined) alert.selection = this.selection;
      this.publish(alert);
    }
  }

  private publishRestored(): void {
    for (let i = this.openResets.length - 1; i >= 0; i--) {
      const reset = this.openResets[i];
      if (reset.end === undefined) continue;
      this.openResets.splice(i, 1);
      this.publish({
        kind: 'session-restored',
        time: iso(reset.end)!,
        peer: reset.peerAddress,
        peerAsn: reset.peerAsn,
        downSeconds: reset.end - reset.time,
      });
    }
  }
}

function unicast(family: FamilyPrefixes): boolean {
  return family.safi === 1 && (family.afi === 1 || family.afi === 2) && family.unparsed === undefined;
}

function clearAttributes(e: MrtElement): void {
  delete e.asPathSegments;
  delete e.origin;
  delete e.med;
  delete e.localPref;
  delete e.atomicAggregate;
  delete e.communities;
  delete e.largeCommunities;
  delete e.nextHop;
}

// ---- selection and the collect command ------------------------------------------------------

export interface SelectionOptions {
  country?: string;
  asn?: string;
  prefix?: string[];
  registry?: string[];
}

/** The selector of `--country CC | --asn N | --prefix P...`; undefined when none is given. */
export async function selectionFromOptions(
  options: SelectionOptions,
): Promise<{ select: PrefixSelector; selection: string } | undefined> {
  const chosen = [options.country, options.asn, options.prefix].filter((x) => x !== undefined).length;
  if (chosen === 0) return undefined;
  if (chosen !== 1)
    throw new ParseError('CLI_BAD_OPTION', 'give exactly one of --country, --asn, --prefix', {
      field: 'selection',
    });
  if (options.country !== undefined) {
    const cc = parseCountryCode(options.country);
    const loaded = await Registry.load(options.registry ?? DEFAULT_REGISTRY_FILES);
    return { select: selectCountry(loaded.registry, cc), selection: `country ${cc}` };
  }
  if (options.asn !== undefined) {
    const asn = parseAsn(options.asn);
    return { select: selectOrigin(asn), selection: `AS${asn}` };
  }
  const prefixes = (options.prefix ?? []).map((p) => parsePrefix(p));
  return { select: selectPrefixes(prefixes), selection: prefixes.map(String).join(' ') };
}

function numberOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text.trim()) || !(value >= min && value <= max))
    throw new ParseError('CLI_BAD_OPTION', `--${name} must be a number from ${min} to ${max}`, {
      field: name,
    });
  return value;
}

/**
 * The `setup` of `cairn collect` (src/cli/program.ts): with a selection, attaches live outage
 * detection to the collector; without one, the collector only archives and reports sessions.
 */
export const liveCollectSetup: CollectSetup = async (collector, alerts, options) => {
  const chosen = await selectionFromOptions(options);
  const timeScale = numberOption('time-scale', options.timeScale, 0.001, 1e6);
  const binSeconds = numberOption('bin', options.bin, 1, 86400);
  const minFullFeedPeers = numberOption('min-full-feed-peers', options.minFullFeedPeers, 1, 1e6);
  if (chosen === undefined) {
    if (timeScale !== undefined || binSeconds !== undefined || minFullFeedPeers !== undefined)
      throw new ParseError(
        'CLI_BAD_OPTION',
        '--time-scale, --bin and --min-full-feed-peers need a selection (--country, --asn or --prefix)',
        { field: 'selection' },
      );
    return undefined;
  }
  const live = new LiveOutageDetection(collector, alerts, {
    ...chosen,
    ...(timeScale !== undefined ? { timeScale } : {}),
    ...(binSeconds !== undefined ? { binSeconds } : {}),
    ...(minFullFeedPeers !== undefined ? { minFullFeedPeers } : {}),
  });
  return () => live.stop();
};

// ---- the alert stream: `cairn collect --alert-socket` and `cairn outages --live` ---------------

/** Where `cairn collect --alert-socket` listens and `cairn outages --live` connects by default. */
export const DEFAULT_ALERT_SOCKET = join(tmpdir(), 'cairn-alerts.sock');

/** A client that has this many bytes unread is too slow: it is dropped, the collector goes on. */
const MAX_CLIENT_BACKLOG = 1 << 20;

/**
 * A Unix socket (mode 0600) that streams every alert line to each connected client. Clients only
 * read; what they send is discarded. A client that stops reading is disconnected once 1 MiB is
 * queued for it, so a stuck `cairn outages --live` cannot grow the collector's memory.
 */
export class AlertStreamServer {
  private readonly clients = new Set<Socket>();
  /** Counters: clients accepted, lines sent, clients dropped for not reading. */
  readonly stats = { clients: 0, lines: 0, dropped: 0 };

  private constructor(
    private readonly server: Server,
    readonly path: string,
    private readonly logger: Logger | undefined,
  ) {
    server.on('connection', (socket) => {
      this.stats.clients++;
      this.clients.add(socket);
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.once('close', () => this.clients.delete(socket));
    });
  }

  /** Listens on `path`; a stale socket file (nobody listening) is replaced, a live one refused. */
  static async listen(path: string, logger?: Logger): Promise<AlertStreamServer> {
    const server = createServer();
    const tryListen = (): Promise<NodeJS.ErrnoException | undefined> =>
      new Promise((resolve) => {
        const onError = (error: NodeJS.ErrnoException): void => resolve(error);
        server.once('error', onError);
        server.listen(path, () => {
          server.off('error', onError);
          resolve(undefined);
        });
      });
    let error = await tryListen();
    if (error?.code === 'EADDRINUSE') {
      if (await socketAnswers(path))
        throw new CairnError('COLLECT_ALERT_SOCKET_IN_USE', `another collector streams alerts on ${path}`, {
          file: path,
        });
      await unlink(path).catch(() => {});
      error = await tryListen();
    }
    if (error !== undefined)
      throw new CairnError('COLLECT_ALERT_SOCKET', `cannot listen on ${path}: ${error.message}`, {
        file: path,
      });
    await chmod(path, 0o600).catch(() => {});
    return new AlertStreamServer(server, path, logger);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Sends bytes (whole lines) to every client. */
  broadcast(chunk: Uint8Array | string): void {
    if (this.clients.size === 0) return;
    this.stats.lines++;
    for (const client of this.clients) {
      if (client.writableLength > MAX_CLIENT_BACKLOG) {
        this.stats.dropped++;
        this.logger?.warn({ socket: this.path }, 'alert stream client does not read: dropped');
        client.destroy();
        this.clients.delete(client);
        continue;
      }
      client.write(chunk);
    }
  }

  /** A stream that writes to `output` and to every client. */
  tee(output: Writable): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.broadcast(chunk);
        output.write(chunk);
        done();
      },
    });
  }

  /** Ends every client and removes the socket file. */
  async close(): Promise<void> {
    for (const client of this.clients) client.end();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const client of this.clients) client.destroy();
    });
    this.clients.clear();
    await unlink(this.path).catch(() => {});
  }
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Longest alert line a client accepts (a bounded alert is a few KiB). */
const MAX_ALERT_LINE = 1 << 20;

/**
 * Attaches to a collector's alert stream and calls `onAlert` for each alert (parsed JSON object)
 * until the collector closes the stream or `signal` aborts. Throws `OUTAGES_LIVE_UNAVAILABLE`
 * when no collector listens on `path`. Lines that are not JSON objects are skipped and counted.
 */
export async function followAlerts(
  path: string,
  onAlert: (alert: { kind: string; [field: string]: unknown }) => void,
  signal?: AbortSignal,
): Promise<{ alerts: number; skipped: number }> {
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new CairnError(
          'OUTAGES_LIVE_UNAVAILABLE',
          `cairn outages --live: no collector is running with an alert socket at ${path} ` +
            `(${error.code ?? error.message}); start one with cairn collect --config FILE --country CC --alert-socket ${path}`,
          { file: path, field: 'live' },
        ),
      ),
    );
  });
  const counts = { alerts: 0, skipped: 0 };
  let pending = '';
  const line = (text: string): void => {
    if (text.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      counts.skipped++;
      return;
    }
    if (
      typeof value !== 'object' ||
      value === null ||
      typeof (value as { kind?: unknown }).kind !== 'string'
    ) {
      counts.skipped++;
      return;
    }
    counts.alerts++;
    onAlert(value as { kind: string });
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      line(pending.slice(0, end));
      pending = pending.slice(end + 1);
    }
    if (pending.length > MAX_ALERT_LINE) {
      counts.skipped++;
      pending = '';
    }
  });
  const abort = (): void => {
    socket.destroy();
  };
  signal?.addEventListener('abort', abort, { once: true });
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.on('error', () => {});
  });
  signal?.removeEventListener('abort', abort);
  return counts;
}
