/**
 * Outage detection on the visible address space of a selection (a country, an AS, a set of
 * prefixes), the way IODA's BGP signal does it, but incrementally and with exact change points:
 * fed the routing table's events in time order (archives or a live session), it opens an event the
 * moment the visible space falls below the warning threshold of the baseline and closes it when
 * the space is back.
 *
 * Parameters (defaults and why):
 * - binSeconds 300: IODA's BGP signal is computed in 5-minute bins; the baseline and the CSV use them.
 * - historySeconds 86400: IODA's baseline is the median of the past 24 h: long enough to hold a
 *   daily cycle, short enough to follow a network that grows or shrinks.
 * - minHistorySeconds 3600: no detection before one hour of history (12 bins): a median of fewer
 *   bins is the warm-up of the replay (a table filling from update files), not a baseline.
 * - warningThreshold 0.99 and criticalThreshold 0.5: IODA's BGP thresholds; below 99% of the
 *   baseline an event opens (warning), below 50% it is critical.
 * - blipSeconds 600: shorter events are "blips" (flaps, route-flap damping, maintenance); a blip
 *   of BGP visibility is usually not felt by users.
 * - sustainedSeconds 3600: longer events are "sustained outages" (IODA's and Cloudflare Radar's
 *   reports single out outages of an hour or more).
 * - fullLossShare 0.95: an event is "full" when at most 5% of the baseline space stayed visible
 *   at its trough (a shutdown leaves a few prefixes routed elsewhere; a real partial cut loses less).
 * - simultaneitySeconds 180: "withdrew everywhere at once" when every peer lost the prefixes
 *   within 3 minutes: BGP withdrawals cross the Internet in tens of seconds to a couple of
 *   minutes (MRAI 30 s per eBGP hop, path hunting).
 * - causeWindowSeconds 300: losses and vanishings within one bin of the start belong to the event;
 *   the cause hint is re-decided as they come and is final once the clock passes the window's end
 *   (an `update` is emitted if that last decision changed it).
 * - upstreamEvidencePrefixes 3: "paths through one upstream vanished" needs at least three prefixes
 *   of other origins behind the same upstream to vanish in that window (one is background churn).
 *
 * - minFullFeedPeers 2: no detection with fewer full-feed peers: the majority of one vantage point
 *   is that peer, whose own session problems would read as outages (set 1 for a one-peer feed).
 * - gapSeconds 0 (off): an input silent for longer is missing input (a lost update file), not a
 *   quiet network; archive replays set it (app/outages.ts), a live feed is ticked and never gaps.
 *
 * Times. The bins decide whether an event exists (a bin whose lowest signal is below the warning
 * threshold of the baseline holds one); the event's start and end are the exact times of the
 * routing changes that crossed the threshold, down and back up, wherever they fall in the bins,
 * and duration and classification come from them. The event states what the data leaves
 * uncertain: the spread of the full-feed peers' losses around the start (`startWindow`) and of
 * their re-announcements before the end (`endWindow`). While an event is open the full-feed set
 * is held (a peer leaves it only when its session goes down), so peers withdrawing the selection
 * from a small table still count when they re-announce.
 *
 * No data. Fewer full-feed peers than minFullFeedPeers once the detector was armed (sessions
 * down, a collector restarting) or a gap in the input is a state of its own (`noData`): never an
 * outage, never a recovery. An event open when data is lost stays open; when data comes back and
 * the space is back at that very moment, the recovery happened somewhere in the gap: the event
 * ends with `endReason` 'no-data' and no `end`, its `endWindow` the gap.
 *
 * End of input. `finish(time)` settles what it can: an event whose space came back was closed at
 * that time already; one still down stays open with `endReason` 'input-ended' (or
 * 'collector-stopped', `end(time, reason)`) and `knownUntil` the last time seen.
 *
 * A change of the full-feed set (a peer becomes or stops being a full feed at a bin boundary) is
 * a change of the denominator, not of routing: it never opens an event; when it moves the signal
 * by more than the warning margin, the history restarts (warm-up again), because the old baseline
 * described what other vantage points saw. This is what keeps a table that fills from update files
 * (no RIB first) from raising false outages.
 *
 * Severity is IODA's alert area: the integral of the relative drop (1 - value/baseline, floored at
 * 0) over the event, in seconds; a full loss for an hour is 3600.
 */
import { systemClock, type Clock, type Timer } from '../bgp/index.js';
import { CairnError } from '../errors/index.js';
import type { RouteEvent, RoutingTable } from '../routing/index.js';
import {
  LOST,
  LOST_BY_PEER_DOWN,
  SEEN,
  VisibilityTracker,
  type PathFacts,
  type VisibilityOptions,
} from './visibility.js';

export interface OutageOptions {
  binSeconds?: number;
  historySeconds?: number;
  minHistorySeconds?: number;
  warningThreshold?: number;
  criticalThreshold?: number;
  blipSeconds?: number;
  sustainedSeconds?: number;
  fullLossShare?: number;
  simultaneitySeconds?: number;
  causeWindowSeconds?: number;
  upstreamEvidencePrefixes?: number;
  minFullFeedPeers?: number;
  gapSeconds?: number;
}

/** Every parameter with its default (see the module header for the reasons). */
export const OUTAGE_DEFAULTS: Required<OutageOptions> = {
  binSeconds: 300,
  historySeconds: 86400,
  minHistorySeconds: 3600,
  warningThreshold: 0.99,
  criticalThreshold: 0.5,
  blipSeconds: 600,
  sustainedSeconds: 3600,
  fullLossShare: 0.95,
  simultaneitySeconds: 180,
  causeWindowSeconds: 300,
  upstreamEvidencePrefixes: 3,
  minFullFeedPeers: 2,
  gapSeconds: 0,
};

export type OutageClassification = 'blip' | 'outage' | 'sustained-outage';
export type OutageCause = 'origin-withdrawal' | 'upstream-path-loss' | 'peer-sessions-down' | 'unknown';
export type OutageLevel = 'warning' | 'critical';
export type OutageExtent = 'partial' | 'full';
/**
 * How an event ended: its space came back (`recovered`, exact `end`), data was lost and came back
 * with the space (`no-data`: the end is somewhere in `endWindow`), or it was still down when the
 * input ended or the collector stopped (still open).
 */
export type OutageEndReason = 'recovered' | 'no-data' | 'input-ended' | 'collector-stopped';
/** Why there is no data: too few full-feed peers (sessions down), or a gap in the input. */
export type NoDataReason = 'too-few-full-feed-peers' | 'input-gap';

/** A stretch of time the data cannot narrow down further (Unix seconds, inclusive). */
export interface OutageWindow {
  from: number;
  to: number;
}

/** Who saw the loss (full-feed peers, the visibility's denominator). */
export interface OutageCoverage {
  /** Full-feed peers when the event opened. */
  fullFeedPeers: number;
  /** Full-feed peers that lost a route to an affected prefix around the start. */
  peersLost: number;
  /** Full-feed peers (when it opened) that lost none of their routes to the affected prefixes. */
  peersKept: number;
}

/** A period without data. */
export interface NoDataPeriod {
  from: number;
  /** When data came back; undefined while it has not. */
  to: number | undefined;
  reason: NoDataReason;
  fullFeedPeers: number;
}

export interface LostPeer {
  peerId: number;
  peerAsn: number;
  peerAddress: string;
  /** First loss by this peer of an affected prefix. */
  time: number;
  prefix: string;
  /** Upstream (AS next to the origin) of the route it lost. */
  upstream: number;
  byPeerDown: boolean;
}

export interface OutageEvent {
  id: number;
  /** Time the visible space fell below the warning threshold (Unix seconds). */
  start: number;
  /** Time it came back above it (exact); undefined while open or when the end is unknown. */
  end: number | undefined;
  /** Seconds (end - start); while open, up to the latest time seen (knownUntil). */
  duration: number;
  /** How it ended; undefined while it runs. */
  endReason: OutageEndReason | undefined;
  /** The last time the event is known to have lasted: its end, or the latest time seen. */
  knownUntil: number;
  /** One sentence: "recovered at T after D", "open: input ended at T", ... */
  status: string;
  /** Spread of the full-feed peers' losses of the affected prefixes around the start. */
  startWindow: OutageWindow;
  /** Spread of their re-announcements up to the end, or the gap the end fell in. */
  endWindow: OutageWindow | undefined;
  coverage: OutageCoverage;
  /** Periods without data while the event was open. */
  noData: NoDataPeriod[];
  /** Start of the bins holding start and end. */
  startBin: number;
  endBin: number | undefined;
  open: boolean;
  /** Baseline (median of the history) when the event opened, in the signal's unit. */
  baseline: number;
  /** Lowest visible space during the event. */
  minimum: number;
  /** Largest relative drop: 1 - minimum / baseline. */
  lostShare: number;
  unit: 'ipv4-slash24' | 'ipv6-slash48';
  /** Worst level and extent reached. */
  level: OutageLevel;
  classification: OutageClassification;
  extent: OutageExtent;
  /** Level, extent and relative drop now (they go down again when part of the space returns). */
  currentLevel: OutageLevel;
  currentExtent: OutageExtent;
  currentLostShare: number;
  /** IODA alert area: integral of the relative drop over time, in seconds. */
  severity: number;
  prefixes: string[];
  origins: number[];
  /** Peers in the order they lost the affected prefixes (first 10). */
  firstLost: LostPeer[];
  /** Upstreams of the lost routes, most routes first. */
  upstreams: Array<{ asn: number; routesLost: number }>;
  cause: OutageCause;
  /** Why the cause hint says what it says. */
  causeEvidence: string;
}

/** A peer's session left Established: its routes went, the selection's space did not. */
export interface SessionReset {
  time: number;
  peerId: number;
  peerAsn: number;
  peerAddress: string;
  routesRemoved: number;
  /** Selected prefixes this peer lost with the session. */
  selectedPrefixesLost: number;
  /** First announcement from the peer afterwards. */
  end: number | undefined;
  cause: 'peer-session-reset';
}

export interface OutageBin {
  start: number;
  /** Signal at the end of the bin. */
  value: number;
  /** Lowest signal during the bin. */
  minimum: number;
  ipv4Slash24s: number;
  ipv6Slash48s: number;
  visiblePrefixes: number;
  fullFeedPeers: number;
  /** Baseline in force during the bin (undefined during warm-up). */
  baseline: number | undefined;
  /** Whether an event was open during the bin (kept out of the baseline). */
  inEvent: boolean;
  /** Whether the bin had a time without data (kept out of the baseline). */
  noData: boolean;
}

/**
 * The life cycle of an event: `open`; `escalate` (partial to full, warning to critical) and
 * `de-escalate` (back) of its current state; `update` (classification grew, cause, prefixes);
 * `no-data` and `data-restored` while it is open; `close` when it ended (`endReason` recovered or
 * no-data); `unresolved` when the input ended or the collector stopped with it still open.
 */
export type OutagePhase =
  'open' | 'update' | 'escalate' | 'de-escalate' | 'no-data' | 'data-restored' | 'close' | 'unresolved';
export type OutageListener = (event: Readonly<OutageEvent>, phase: OutagePhase) => void;
/** Data was lost (`start`) or came back (`end`: `period.to` is set). */
export type NoDataListener = (period: Readonly<NoDataPeriod>, phase: 'start' | 'end') => void;

const LEVEL_RANK: Record<OutageLevel, number> = { warning: 0, critical: 1 };
const EXTENT_RANK: Record<OutageExtent, number> = { partial: 0, full: 1 };

const isoTime = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();

/** Human duration: 7m10s, 9h31m. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Vanished untracked prefixes (for the upstream cause hint), bounded. */
export const RING = 65536;

/**
 * A ring of prefixes that vanished from every peer (withdrawn by update, no route left): time,
 * upstream, origin, prefix id and owner, the detector tracking the prefix (-1: none). A detector
 * reads the newest RING entries it does not own, as if it kept a ring of its own.
 */
export class VanishedPrefixes {
  private readonly time: Float64Array;
  private readonly upstream: Uint32Array;
  private readonly origin: Uint32Array;
  private readonly prefix: Int32Array;
  private readonly owner: Int32Array;
  private count = 0;

  constructor(readonly capacity: number) {
    this.time = new Float64Array(capacity);
    this.upstream = new Uint32Array(capacity);
    this.origin = new Uint32Array(capacity);
    this.prefix = new Int32Array(capacity);
    this.owner = new Int32Array(capacity);
  }

  push(event: Readonly<RouteEvent>, paths: PathFacts, owner: number): void {
    const i = this.count++ % this.capacity;
    this.time[i] = event.time;
    this.upstream[i] = paths.upstreamOfAttributes(event.attributesId);
    this.origin[i] = paths.originOfAttributes(event.attributesId);
    this.prefix[i] = event.prefixId;
    this.owner[i] = owner;
  }

  /**
   * Prefixes (ids) of origins outside `origins` that vanished behind `upstream` between `from`
   * and `to`, among the newest RING entries whose owner is not `owner`.
   */
  behind(
    from: number,
    to: number,
    upstream: number,
    origins: ReadonlySet<number>,
    owner: number,
  ): Set<number> {
    const out = new Set<number>();
    let read = 0;
    for (let k = this.count - 1; k >= 0 && k >= this.count - this.capacity && read < RING; k--) {
      const i = k % this.capacity;
      if (owner !== -1 && this.owner[i] === owner) continue;
      read++;
      const at = this.time[i];
      if (at < from || at > to) continue;
      if (this.upstream[i] === upstream && !origins.has(this.origin[i])) out.add(this.prefix[i]);
    }
    return out;
  }
}

function checkOption(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max)
    throw new CairnError('OUTAGE_BAD_OPTION', `${name} must be between ${min} and ${max}, got ${value}`, {
      field: name,
    });
  return value;
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >>> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The detector. Attach it to a table before replaying (it creates its VisibilityTracker):
 * `const detector = new OutageDetector(table, { select: selectCountry(registry, 'KP') })`, replay,
 * then `detector.finish(lastTime)`; `detector.events`, `detector.bins`, `detector.sessionResets`.
 */
export class OutageDetector {
  readonly options: Required<OutageOptions>;
  readonly tracker: VisibilityTracker;
  readonly events: OutageEvent[] = [];
  readonly bins: OutageBin[] = [];
  readonly sessionResets: SessionReset[] = [];
  /** Periods without data (after the detector was first armed), in order. */
  readonly noDataPeriods: NoDataPeriod[] = [];

  private readonly listeners: OutageListener[] = [];
  private readonly noDataListeners: NoDataListener[] = [];
  /** The no-data period in progress. */
  private noDataNow: NoDataPeriod | undefined;
  /** When data last came back (a recovery at that very time happened in the gap). */
  private dataBackAt = Number.NaN;
  private armedOnce = false;
  /** End of an input gap being crossed. */
  private gapUntil = Number.NaN;
  private binHadNoData = false;
  private lastInput = Number.NaN;
  private readonly binValues: number[] = [];
  private readonly binExcluded: boolean[] = [];
  /** Start of the current (open) bin; NaN before the first event. */
  private binStart = Number.NaN;
  private binMinimum = Number.POSITIVE_INFINITY;
  private binHadEvent = false;
  private baseline: number | undefined;
  private lastBaseline: number | undefined;
  private historyBins = 0;
  private current: OutageEvent | undefined;
  private affected = new Set<number>();
  private lastTime = Number.NaN;
  private lastRatio = 1;
  private refreshing = false;
  /** Times the history restarted because the full-feed set moved the signal. */
  rebases = 0;
  private readonly openResets = new Map<number, SessionReset>();
  private readonly detach: () => void;

  /** Untracked prefixes that vanished from every peer (shared by `CountryOutageDetectors`). */
  private readonly vanishedPrefixes: VanishedPrefixes;
  /** This detector's owner number in a shared ring (-1: the ring is its own). */
  private readonly ringOwner: number;

  /**
   * `sharing` is for `CountryOutageDetectors` only: the ring of vanished prefixes it keeps once
   * for all its detectors (it pushes them; this detector reads the entries of other owners).
   */
  constructor(
    readonly table: RoutingTable,
    options: OutageOptions & VisibilityOptions,
    sharing?: { vanished: VanishedPrefixes; owner: number },
  ) {
    const o = { ...OUTAGE_DEFAULTS, ...stripUndefined(options) };
    checkOption('binSeconds', o.binSeconds, 1, 86400);
    checkOption('historySeconds', o.historySeconds, o.binSeconds, 90 * 86400);
    checkOption('minHistorySeconds', o.minHistorySeconds, 0, o.historySeconds);
    checkOption('warningThreshold', o.warningThreshold, 0, 1);
    checkOption('criticalThreshold', o.criticalThreshold, 0, o.warningThreshold);
    checkOption('fullLossShare', o.fullLossShare, 0, 1);
    checkOption('minFullFeedPeers', o.minFullFeedPeers, 1, 1e6);
    checkOption('gapSeconds', o.gapSeconds, 0, 90 * 86400);
    this.options = o;
    this.tracker = new VisibilityTracker(table, options);
    this.tracker.onClock((time) => this.onInput(time));
    this.tracker.onPrefixVisibility((index, visible, time) => this.onPrefix(index, visible, time));
    this.tracker.onSpaceChange((time) => this.evaluate(time));
    this.vanishedPrefixes = sharing?.vanished ?? new VanishedPrefixes(RING);
    this.ringOwner = sharing?.owner ?? -1;
    this.detach = (options.events ?? table).onEvent((event) => this.onTableEvent(event));
  }

  /** Whether a session reset waits for its peer's next announcement (internal, for the router). */
  get hasOpenResets(): boolean {
    return this.openResets.size !== 0;
  }

  /** Whether a session reset of peer `peerId` waits for its next announcement (internal, for the router). */
  hasOpenResetOf(peerId: number): boolean {
    return this.openResets.has(peerId);
  }

  /** Registers a listener for the events' life cycle (OutagePhase). */
  onEvent(listener: OutageListener): void {
    this.listeners.push(listener);
  }

  /** Registers a listener for data lost and back. */
  onNoData(listener: NoDataListener): void {
    this.noDataListeners.push(listener);
  }

  /** The no-data period in progress, if any. */
  get noData(): Readonly<NoDataPeriod> | undefined {
    return this.noDataNow;
  }

  /** A time of the input (a table event): a silence longer than gapSeconds is a gap. */
  private onInput(time: number): void {
    const gap = this.options.gapSeconds;
    if (gap > 0 && time - this.lastInput > gap) this.gap(this.lastInput, time);
    if (!(time <= this.lastInput)) this.lastInput = time;
    this.onUpdate(time);
  }

  /**
   * No input from `from` to `to` (a missing archive file): no data in between; the bins of the gap
   * are kept out of the baseline. Called by the detector itself for silences over gapSeconds.
   */
  gap(from: number, to: number): void {
    if (!(to > from)) return;
    this.onUpdate(from);
    this.gapUntil = to;
    this.enterNoData(Math.max(from, this.lastTime), 'input-gap');
    this.onUpdate(to);
    this.gapUntil = Number.NaN;
    this.evaluate(to);
  }

  close(): void {
    this.detach();
    this.tracker.close();
  }

  /** The event open now, if any. */
  get openEvent(): OutageEvent | undefined {
    return this.current;
  }

  get currentBaseline(): number | undefined {
    return this.baseline;
  }

  /** The latest time seen (Unix seconds), NaN before any. */
  get time(): number {
    return this.lastTime;
  }

  /**
   * The clock: closes every bin that ends at or before `time` (the live collector calls it on a
   * timer, so bins close and long silences are seen even when no message arrives).
   */
  onUpdate(time: number): void {
    if (!Number.isFinite(time)) return;
    const bin = this.options.binSeconds;
    if (Number.isNaN(this.binStart)) {
      this.binStart = Math.floor(time / bin) * bin;
      this.lastTime = time;
      return;
    }
    if (time < this.lastTime) return;
    const maxBins = Math.ceil(this.options.historySeconds / bin) + 1;
    if (time - this.binStart > maxBins * bin) {
      // A gap longer than the history: the skipped bins would all hold the same value.
      this.integrate(this.binStart + bin);
      this.closeBin();
      const skipTo = Math.floor(time / bin) * bin - maxBins * bin;
      if (skipTo > this.binStart) {
        this.lastTime = Math.max(this.lastTime, skipTo);
        this.binStart = skipTo;
      }
    }
    while (time >= this.binStart + bin) {
      this.integrate(this.binStart + bin);
      this.closeBin();
    }
    this.integrate(time);
    this.settleCause(time);
  }

  /**
   * Once the clock passes the end of an open event's cause window, decides its cause one last
   * time with all the window's evidence. Until then the cause is re-decided only when the
   * selection's space moves or a bin closes, and evidence arriving in between (another peer
   * losing a prefix already invisible, customers of the same upstream vanishing) would be missed:
   * the hint would depend on where the start fell inside its bin.
   */
  private settleCause(time: number): void {
    const event = this.current;
    if (event === undefined || this.causeSettled === event) return;
    if (time - event.start < this.options.causeWindowSeconds) return;
    this.causeSettled = event;
    const cause = event.cause;
    const evidence = event.causeEvidence;
    this.refresh(event, time);
    if (event.cause !== cause || event.causeEvidence !== evidence) this.emit(event, 'update');
  }

  /** The event whose cause window has passed and whose cause is final. */
  private causeSettled: OutageEvent | undefined;

  /**
   * Ends the replay at `time`: closes the bins up to it; an event still open stays open, with
   * `endReason` 'input-ended' (recovered ones were closed when their space came back).
   */
  finish(time: number): void {
    this.end(time, 'input-ended');
  }

  /** Ends the input at `time` for `reason`: see finish. */
  end(time: number, reason: 'input-ended' | 'collector-stopped'): void {
    if (Number.isFinite(time)) this.onUpdate(time);
    const event = this.current;
    if (event === undefined || event.endReason !== undefined) return;
    const at = Math.max(this.lastTime, event.start);
    this.refresh(event, at);
    event.endReason = reason;
    event.knownUntil = at;
    event.duration = at - event.start;
    event.classification = this.classify(event.duration);
    const stillDown = `still down after ${formatDuration(event.duration)}`;
    event.status =
      this.noDataNow !== undefined
        ? `open: ${reason === 'input-ended' ? 'input ended' : 'collector stopped'} at ${isoTime(at)} without data since ${isoTime(this.noDataNow.from)}`
        : `open: ${reason === 'input-ended' ? 'input ended' : 'collector stopped'} at ${isoTime(at)}, ${stillDown}`;
    this.emit(event, 'unresolved');
  }

  // ---- bins and baseline ----------------------------------------------------------------------

  private closeBin(): void {
    const t = this.tracker;
    const bin = this.options.binSeconds;
    const value = t.signal;
    const unknown = t.fullFeedPeers === 0;
    const noData = this.binHadNoData || this.noDataNow !== undefined;
    this.bins.push({
      start: this.binStart,
      value,
      minimum: Math.min(this.binMinimum, value),
      ipv4Slash24s: t.ipv4Slash24s,
      ipv6Slash48s: t.ipv6Slash48s,
      visiblePrefixes: t.visiblePrefixes,
      fullFeedPeers: t.fullFeedPeers,
      baseline: this.baseline,
      inEvent: this.binHadEvent || this.current !== undefined,
      noData,
    });
    this.binValues.push(value);
    this.binExcluded.push(this.binHadEvent || this.current !== undefined || unknown || noData);
    this.historyBins++;
    const keep = Math.ceil(this.options.historySeconds / bin);
    while (this.binValues.length > keep) {
      this.binValues.shift();
      this.binExcluded.shift();
    }
    this.binStart += bin;
    this.binMinimum = value;
    this.binHadEvent = this.current !== undefined;
    this.binHadNoData = this.noDataNow !== undefined;
    this.baseline = this.computeBaseline();
    if (this.baseline !== undefined) this.armedOnce = true;
    // IODA decides the full-feed peers per bin: a peer that came back counts again from here.
    const before = t.signal;
    const beforePeers = t.fullFeedPeers;
    this.refreshing = true;
    try {
      t.refreshFullFeed(this.binStart);
    } finally {
      this.refreshing = false;
    }
    const after = t.signal;
    const moved = Math.abs(after - before) > (1 - this.options.warningThreshold) * Math.max(before, after);
    if (this.current === undefined && (moved || (beforePeers === 0) !== (t.fullFeedPeers === 0))) {
      if (moved) this.rebases++;
      this.binValues.length = 0;
      this.binExcluded.length = 0;
      this.historyBins = 0;
      this.baseline = undefined;
      this.lastBaseline = undefined;
    }
    this.binMinimum = Math.min(this.binMinimum, after);
    this.evaluate(this.binStart);
  }

  private computeBaseline(): number | undefined {
    if (this.historyBins * this.options.binSeconds < this.options.minHistorySeconds) return undefined;
    const values: number[] = [];
    for (let i = 0; i < this.binValues.length; i++) if (!this.binExcluded[i]) values.push(this.binValues[i]);
    if (values.length === 0) return this.lastBaseline;
    this.lastBaseline = median(values);
    return this.lastBaseline;
  }

  /** Adds the alert area from the last time to `time` at the last ratio. */
  private integrate(time: number): void {
    if (Number.isNaN(this.lastTime)) this.lastTime = time;
    if (time <= this.lastTime) return;
    const previous = this.lastTime;
    const event = this.current;
    this.lastTime = time;
    if (event !== undefined) {
      if (this.noDataNow === undefined) event.severity += (time - previous) * Math.max(0, 1 - this.lastRatio);
      event.duration = time - event.start;
      event.knownUntil = time;
      const classification = this.classify(event.duration);
      if (classification !== event.classification) {
        // An open event grows from blip to outage to sustained outage: tell the listeners.
        event.classification = classification;
        this.emit(event, 'update');
      }
    }
  }

  // ---- detection ------------------------------------------------------------------------------

  private onPrefix(index: number, visible: boolean, time: number): void {
    if (visible) this.visibleSince[index] = time;
    else {
      this.lostAt[index] = time;
      if (this.current !== undefined) this.affected.add(index);
    }
  }

  private lostAt: Record<number, number> = {};
  /** The full-feed peers when the open event opened. */
  private fullFeedAtOpen: number[] = [];
  private visibleSince: Record<number, number> = {};

  private evaluate(time: number): void {
    if (this.refreshing) return;
    this.onUpdate(time);
    const t = this.tracker;
    const value = t.signal;
    this.binMinimum = Math.min(this.binMinimum, value);
    const baseline = this.baseline;
    const gap = !Number.isNaN(this.gapUntil) && time < this.gapUntil;
    if (gap || t.fullFeedPeers < this.options.minFullFeedPeers) {
      if (this.armedOnce || this.current !== undefined)
        this.enterNoData(time, gap ? 'input-gap' : 'too-few-full-feed-peers');
      this.lastRatio = 1;
      return;
    }
    if (this.noDataNow !== undefined) this.leaveNoData(time);
    if (this.current === undefined && (baseline === undefined || baseline <= 0)) {
      this.lastRatio = 1;
      return;
    }
    const o = this.options;
    const event = this.current;
    if (event === undefined) {
      const ratio = value / baseline!;
      this.lastRatio = ratio;
      if (ratio < o.warningThreshold) this.openAt(time, value, baseline!);
      return;
    }
    const eventRatio = value / event.baseline;
    this.lastRatio = eventRatio;
    if (eventRatio >= o.warningThreshold) {
      this.closeAt(event, time);
      return;
    }
    let changed = false;
    if (value < event.minimum) {
      event.minimum = value;
      event.lostShare = 1 - value / event.baseline;
      event.extent = event.lostShare >= o.fullLossShare ? 'full' : 'partial';
      changed = true;
    }
    if (eventRatio < o.criticalThreshold && event.level !== 'critical') {
      event.level = 'critical';
      changed = true;
    }
    const rankBefore = LEVEL_RANK[event.currentLevel] + EXTENT_RANK[event.currentExtent];
    const levelBefore = event.currentLevel;
    const extentBefore = event.currentExtent;
    this.setCurrent(event, value);
    if (time - event.start <= o.causeWindowSeconds) {
      this.refresh(event, time);
      changed = true;
    }
    const rankAfter = LEVEL_RANK[event.currentLevel] + EXTENT_RANK[event.currentExtent];
    const moved = event.currentLevel !== levelBefore || event.currentExtent !== extentBefore;
    if (moved)
      this.emit(
        event,
        rankAfter > rankBefore ? 'escalate' : rankAfter < rankBefore ? 'de-escalate' : 'update',
      );
    else if (changed) this.emit(event, 'update');
  }

  /** The current level, extent and drop of an open event at signal `value`. */
  private setCurrent(event: OutageEvent, value: number): void {
    const o = this.options;
    const lost = Math.max(0, 1 - value / event.baseline);
    event.currentLostShare = lost;
    event.currentExtent = lost >= o.fullLossShare ? 'full' : 'partial';
    event.currentLevel = value / event.baseline < o.criticalThreshold ? 'critical' : 'warning';
  }

  // ---- no data ---------------------------------------------------------------------------------

  private enterNoData(time: number, reason: NoDataReason): void {
    if (this.noDataNow !== undefined) return;
    const period: NoDataPeriod = {
      from: time,
      to: undefined,
      reason,
      fullFeedPeers: this.tracker.fullFeedPeers,
    };
    this.noDataNow = period;
    this.binHadNoData = true;
    this.noDataPeriods.push(period);
    for (const listener of this.noDataListeners) listener(period, 'start');
    const event = this.current;
    if (event !== undefined) {
      event.noData.push({ ...period });
      this.emit(event, 'no-data');
    }
  }

  private leaveNoData(time: number): void {
    const period = this.noDataNow;
    if (period === undefined) return;
    period.to = time;
    this.noDataNow = undefined;
    this.dataBackAt = time;
    for (const listener of this.noDataListeners) listener(period, 'end');
    const event = this.current;
    if (event !== undefined) {
      const own = event.noData.at(-1);
      if (own !== undefined && own.to === undefined) own.to = time;
      this.emit(event, 'data-restored');
    }
  }

  private openAt(time: number, value: number, baseline: number): void {
    const o = this.options;
    this.affected = new Set();
    for (let index = 0; index < this.tracker.trackedCount; index++) {
      if (!this.tracker.isVisible(index) && (this.lostAt[index] ?? -Infinity) >= time - o.binSeconds)
        this.affected.add(index);
    }
    const lostShare = 1 - value / baseline;
    const level = value / baseline < o.criticalThreshold ? 'critical' : 'warning';
    const extent = lostShare >= o.fullLossShare ? 'full' : 'partial';
    const event: OutageEvent = {
      id: this.events.length + 1,
      start: time,
      end: undefined,
      duration: 0,
      endReason: undefined,
      knownUntil: time,
      status: `open since ${isoTime(time)}`,
      startWindow: { from: time, to: time },
      endWindow: undefined,
      coverage: { fullFeedPeers: this.tracker.fullFeedPeers, peersLost: 0, peersKept: 0 },
      noData: [],
      startBin: Math.floor(time / o.binSeconds) * o.binSeconds,
      endBin: undefined,
      open: true,
      baseline,
      minimum: value,
      lostShare,
      unit: this.tracker.signalUnit,
      level,
      classification: 'blip',
      extent,
      currentLevel: level,
      currentExtent: extent,
      currentLostShare: lostShare,
      severity: 0,
      prefixes: [],
      origins: [],
      firstLost: [],
      upstreams: [],
      cause: 'unknown',
      causeEvidence: '',
    };
    this.current = event;
    this.binHadEvent = true;
    this.lastRatio = value / baseline;
    this.events.push(event);
    this.tracker.holdFullFeed = true;
    this.fullFeedAtOpen = this.tracker.fullFeedPeerIds();
    this.refresh(event, time);
    this.emit(event, 'open');
  }

  private closeAt(event: OutageEvent, time: number): void {
    const o = this.options;
    // Back at the very time data came back: it came back somewhere in the gap, not at `time`.
    const inGap = time === this.dataBackAt && event.noData.length > 0;
    event.endBin = Math.floor(time / o.binSeconds) * o.binSeconds;
    event.open = false;
    if (inGap) {
      const gap = event.noData[event.noData.length - 1];
      event.end = undefined;
      event.endReason = 'no-data';
      event.knownUntil = gap.from;
      event.duration = gap.from - event.start;
      event.endWindow = { from: gap.from, to: time };
      event.status =
        `ended without data: no data from ${isoTime(gap.from)} (${gap.reason}); ` +
        `back at ${isoTime(time)} with the space`;
    } else {
      event.end = time;
      event.endReason = 'recovered';
      event.knownUntil = time;
      event.duration = time - event.start;
    }
    this.refresh(event, time);
    if (!inGap) event.status = `recovered at ${isoTime(time)} after ${formatDuration(event.duration)}`;
    event.currentLevel = 'warning';
    event.currentExtent = 'partial';
    event.currentLostShare = 0;
    this.current = undefined;
    this.tracker.holdFullFeed = false;
    this.lastRatio = 1;
    this.emit(event, 'close');
  }

  private emit(event: OutageEvent, phase: OutagePhase): void {
    for (const listener of this.listeners) listener(event, phase);
  }

  private classify(duration: number): OutageClassification {
    const o = this.options;
    return duration < o.blipSeconds ? 'blip' : duration > o.sustainedSeconds ? 'sustained-outage' : 'outage';
  }

  /** Recomputes the descriptive fields of an event from the per-peer series. */
  private refresh(event: OutageEvent, time: number): void {
    const o = this.options;
    const t = this.tracker;
    const duration = (event.end ?? (event.endReason === undefined ? time : event.knownUntil)) - event.start;
    event.duration = duration;
    event.classification = this.classify(duration);
    const prefixes = [...this.affected].sort((a, b) => t.trackedPrefix(a).compare(t.trackedPrefix(b)));
    event.prefixes = prefixes.map((i) => t.trackedPrefix(i).toString());

    // Losses of the affected prefixes around the start, oldest first.
    const from = event.start - o.causeWindowSeconds;
    const to = Math.min(time, event.start + o.causeWindowSeconds);
    const c = t.changeColumns();
    let first = c.count;
    while (first > 0 && c.time[first - 1] >= from) first--;
    const firstByPeer = new Map<number, LostPeer>();
    const lossTimes = new Map<number, number[]>();
    const upstreamCounts = new Map<number, number>();
    const origins = new Set<number>();
    let byUpdate = 0;
    let byPeerDown = 0;
    let firstLoss = Number.POSITIVE_INFINITY;
    let lastLoss = Number.NEGATIVE_INFINITY;
    const lostBy = new Set<number>();
    for (let i = first; i < c.count && c.time[i] <= to; i++) {
      const kind = c.kind[i];
      if (kind !== LOST && kind !== LOST_BY_PEER_DOWN) continue;
      if (!this.affected.has(c.key[i])) continue;
      const peerId = c.peer[i];
      if (t.isFullFeed(peerId) || kind === LOST_BY_PEER_DOWN) {
        lostBy.add(peerId);
        firstLoss = Math.min(firstLoss, c.time[i]);
        lastLoss = Math.max(lastLoss, c.time[i]);
      }
      const upstream = t.paths.upstreamOfAttributes(c.attributes[i]);
      origins.add(t.paths.originOfAttributes(c.attributes[i]));
      upstreamCounts.set(upstream, (upstreamCounts.get(upstream) ?? 0) + 1);
      if (kind === LOST) byUpdate++;
      else byPeerDown++;
      let times = lossTimes.get(c.key[i]);
      if (times === undefined) lossTimes.set(c.key[i], (times = []));
      times.push(c.time[i]);
      if (!firstByPeer.has(peerId)) {
        const peer = this.table.peer(peerId);
        firstByPeer.set(peerId, {
          peerId,
          peerAsn: peer.asn,
          peerAddress: peer.address,
          time: c.time[i],
          prefix: t.trackedPrefix(c.key[i]).toString(),
          upstream,
          byPeerDown: kind === LOST_BY_PEER_DOWN,
        });
      }
    }
    event.firstLost = [...firstByPeer.values()].slice(0, 10);
    event.upstreams = [...upstreamCounts]
      .map(([asn, routesLost]) => ({ asn, routesLost }))
      .sort((a, b) => b.routesLost - a.routesLost || a.asn - b.asn);
    event.origins = [...origins].sort((a, b) => a - b);
    event.coverage.peersLost = lostBy.size;
    let kept = 0;
    for (const peer of this.fullFeedAtOpen) if (!lostBy.has(peer)) kept++;
    event.coverage.peersKept = kept;
    if (lostBy.size > 0)
      event.startWindow = { from: Math.min(firstLoss, event.start), to: Math.max(lastLoss, event.start) };
    if (event.endReason === 'recovered' && event.end !== undefined) event.endWindow = this.endWindow(event);
    if (event.end === undefined || time - event.start <= o.causeWindowSeconds)
      this.decideCause(event, byUpdate, byPeerDown, lossTimes);
  }

  private decideCause(
    event: OutageEvent,
    byUpdate: number,
    byPeerDown: number,
    lossTimes: Map<number, number[]>,
  ): void {
    const o = this.options;
    if (byUpdate + byPeerDown === 0) {
      event.cause = 'unknown';
      event.causeEvidence = 'no per-peer loss of the affected prefixes near the start';
      return;
    }
    if (byUpdate === 0) {
      event.cause = 'peer-sessions-down';
      event.causeEvidence = `all ${byPeerDown} lost routes went with their peers' sessions (collector side)`;
      return;
    }
    // The upstream that carried most lost routes.
    const upstream = event.upstreams[0]?.asn ?? 0;
    const onlyOne = event.upstreams.length === 1 && upstream !== 0;
    if (upstream !== 0) {
      const origins = new Set(event.origins);
      const vanishedBehind = this.vanishedPrefixes.behind(
        event.start - o.causeWindowSeconds,
        event.start + o.causeWindowSeconds,
        upstream,
        origins,
        this.ringOwner,
      );
      if (vanishedBehind.size >= o.upstreamEvidencePrefixes) {
        event.cause = 'upstream-path-loss';
        event.causeEvidence =
          `${vanishedBehind.size} prefixes of other origins behind AS${upstream} vanished within ` +
          `${o.causeWindowSeconds} s of the start: AS${upstream} stopped carrying them`;
        return;
      }
      const survivors = this.survivingUpstreams(upstream);
      if (onlyOne && survivors.size > 0) {
        event.cause = 'upstream-path-loss';
        event.causeEvidence =
          `every lost route went through AS${upstream}; routes through ` +
          `${[...survivors].map((a) => `AS${a}`).join(', ')} remain`;
        return;
      }
    }
    let spread = 0;
    for (const times of lossTimes.values())
      spread = Math.max(spread, Math.max(...times) - Math.min(...times));
    if (spread <= o.simultaneitySeconds) {
      event.cause = 'origin-withdrawal';
      event.causeEvidence =
        `${lossTimes.size} prefixes withdrawn by ${event.coverage.peersLost} full-feed peers within ${spread} s` +
        (upstream !== 0 ? `, while AS${upstream} kept its other routes` : '');
      return;
    }
    event.cause = 'unknown';
    event.causeEvidence = `losses spread over ${spread} s through ${event.upstreams.length} upstreams`;
  }

  /**
   * Spread of the re-announcements that brought the space back: for each affected prefix visible
   * again at the end, its full-feed peers' re-announcements since they last lost it.
   */
  private endWindow(event: OutageEvent): OutageWindow {
    const end = event.end!;
    const back = new Set<number>();
    for (const index of this.affected) if (this.visibleSince[index] === end) back.add(index);
    const c = this.tracker.changeColumns();
    let from = end;
    for (let i = c.count - 1; i >= 0 && back.size > 0 && c.time[i] >= event.start; i--) {
      const key = c.key[i];
      if (!back.has(key) || !this.tracker.isFullFeed(c.peer[i]) || c.time[i] > end) continue;
      if (c.kind[i] === SEEN) from = Math.min(from, c.time[i]);
      else back.delete(key);
    }
    return { from, to: end };
  }

  /** Upstreams other than `lost` of the routes the affected prefixes still have. */
  private survivingUpstreams(lost: number): Set<number> {
    const out = new Set<number>();
    for (const index of this.affected) {
      const prefixId = this.tracker.trackedPrefixId(index);
      this.table.forEachRouteOfPrefix(prefixId, (_prefix, _peer, attributesId) => {
        const upstream = this.tracker.paths.upstreamOfAttributes(attributesId);
        if (upstream !== lost && upstream !== 0) out.add(upstream);
      });
    }
    return out;
  }

  // ---- table events: vanished prefixes, session resets ------------------------------------------

  private onTableEvent(event: Readonly<RouteEvent>): void {
    if (event.kind === 'withdraw') {
      if (
        this.ringOwner === -1 &&
        event.cause === 'update' &&
        this.table.prefixRouteCount(event.prefixId) === 0 &&
        this.tracker.indexOfPrefixId(event.prefixId) === -1
      )
        this.vanishedPrefixes.push(event, this.tracker.paths, -1);
      return;
    }
    if (event.kind === 'announce') {
      if (this.openResets.size !== 0) {
        const reset = this.openResets.get(event.peerId);
        if (reset !== undefined) {
          reset.end = event.time;
          this.openResets.delete(event.peerId);
        }
      }
      return;
    }
    if (event.routesRemoved === 0) return;
    const peer = this.table.peer(event.peerId);
    const c = this.tracker.changeColumns();
    let lost = 0;
    for (let i = c.count - 1; i >= 0 && c.time[i] === event.time; i--)
      if (c.kind[i] === LOST_BY_PEER_DOWN && c.peer[i] === event.peerId) lost++;
    const reset: SessionReset = {
      time: event.time,
      peerId: event.peerId,
      peerAsn: peer.asn,
      peerAddress: peer.address,
      routesRemoved: event.routesRemoved,
      selectedPrefixesLost: lost,
      end: undefined,
      cause: 'peer-session-reset',
    };
    this.sessionResets.push(reset);
    this.openResets.set(event.peerId, reset);
  }
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(options))
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}

/**
 * A clock that runs `scale` times faster than `clock` from `origin` (Unix seconds of data time):
 * tests replay nine hours in seconds; the live collector uses scale 1.
 */
export class ScaledClock {
  private readonly start: number;

  constructor(
    readonly origin: number,
    readonly scale = 1,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {
    if (!(scale > 0) || !Number.isFinite(scale))
      throw new CairnError('OUTAGE_BAD_OPTION', `clock scale must be a positive number, got ${scale}`, {
        field: 'scale',
      });
    this.start = clock.now();
  }

  /** Data time of the wall time `wallMs` (milliseconds, the clock's unit), in Unix seconds. */
  at(wallMs: number): number {
    return this.origin + ((wallMs - this.start) / 1000) * this.scale;
  }

  /** Data time now, in Unix seconds. */
  now(): number {
    return this.at(this.clock.now());
  }
}

/**
 * Drives `detector.onUpdate` from a data clock every `intervalMs` on `clock`'s timers (background
 * ones: a ticking detector never keeps a process alive on its own), so bins close and long
 * silences are noticed without messages. Returns a function that stops it.
 */
export function runDetectorClock(
  detector: OutageDetector,
  dataClock: { now(): number },
  intervalMs = 1000,
  clock: Clock = systemClock,
): () => void {
  let stopped = false;
  let timer: Timer;
  const tick = (): void => {
    if (stopped) return;
    detector.onUpdate(dataClock.now());
    timer = clock.setTimeout(tick, intervalMs, true);
  };
  timer = clock.setTimeout(tick, intervalMs, true);
  return () => {
    stopped = true;
    timer.cancel();
  };
}
