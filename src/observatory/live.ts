/**
 * Live outage detection: BGP UPDATEs applied to a routing table as they arrive, a session leaving
 * Established as a peer down, the outage detector (outages.ts) watching a selection, and its
 * events turned into typed alerts:
 *
 * - `outage-open`: the visible space of the selection fell below the warning threshold; with the
 *   classification so far (always `blip` at first), the prefixes lost, the share lost, the cause hint.
 * - `outage-escalated` / `outage-de-escalated`: the event's current state got worse (partial to
 *   full, warning to critical) / better (part of the space came back); `previous` as below.
 * - `outage-update`: the classification grew (blip -> outage -> sustained-outage), or the worst
 *   level or extent, the cause or the prefix count changed; `previous` holds what the last alert said.
 * - `outage-close`: the space is back (re-announcement), at the exact time; with duration and
 *   severity (the life cycle's "recovered"), followed by
 * - `outage-recovery`: the separate, short recovery alert a subscriber acts on.
 * - `outage-unresolved`: the event ended without a known end: data was lost and came back with
 *   the space (`no-data`), or the collector stopped / the input ended with it still down.
 * - `outage-detector-ready` / `outage-detector-warming-up`: the detector has its baseline (after
 *   minHistorySeconds of history) / lost it (the full-feed set moved the signal: warm-up again).
 * - `outage-detector-no-data`: too few full-feed peers (sessions down) or a gap in the input: no
 *   data, neither an outage nor a recovery; `outage-detector-ready` again when data is back.
 * - `session-reset`: one peer's session went down and took its routes, the selection's space did
 *   not move: not an outage. `session-restored` when that peer announces again.
 *
 * Time. Every input carries its own time (Unix seconds of data time: the collector's arrival
 * stamp, an archive's record time, or a virtual clock's), and the pipeline never reads a clock:
 * classification depends on those times only. `advance(time)` moves the detector when no message
 * comes (the caller ticks it), so bins close and a long silence is seen. Times are used in whole
 * seconds and never go backwards (a late stamp counts at the latest time seen).
 *
 * An UPDATE is applied whole before any alert goes out, so an `outage-open` describes every
 * prefix that UPDATE withdrew, not just the first; it is emitted synchronously in the handling of
 * the message that crossed the threshold.
 *
 * @example
 * const live = new LiveOutageDetection({ select: selectCountry(registry, 'KP'), selection: 'country KP' });
 * live.onAlert((alert) => publish(alert));
 * live.update({ address: '192.0.2.1', asn: 64496 }, update, arrivalSeconds);
 * live.advance(nowSeconds); // on a timer
 */
import type { BgpUpdate, FamilyPrefixes } from '../bgp/index.js';
import type { MrtElement } from '../mrt/index.js';
import { parseAddress, parsePrefix } from '../net/index.js';
import { ESTABLISHED, RoutingTable } from '../routing/index.js';
import {
  OutageDetector,
  formatDuration,
  type NoDataReason,
  type OutageCause,
  type OutageClassification,
  type OutageCoverage,
  type OutageEvent,
  type OutageLevel,
  type OutageExtent,
  type OutageOptions,
  type OutageWindow,
  type SessionReset,
} from './outages.js';
import { OutageLifecycle, type OutageAlertState, type OutageLifecycleEntry } from './outages-lifecycle.js';

export type { OutageAlertState };
import type { PrefixSelector, VisibilityOptions } from './visibility.js';

/** Prefixes (and origins) listed in one alert; the count is always given. */
export const MAX_ALERT_PREFIXES = 100;
/** Upstreams listed in one alert. */
export const MAX_ALERT_UPSTREAMS = 5;

/** The fields every outage alert carries. */
export interface OutageAlertFields {
  /** ISO 8601 UTC: when what the alert says happened (data time). */
  time: string;
  eventId: number;
  start: string;
  classification: OutageClassification;
  level: OutageEvent['level'];
  extent: OutageEvent['extent'];
  lostShare: number;
  baseline: number;
  minimum: number;
  unit: OutageEvent['unit'];
  prefixCount: number;
  /** The first MAX_ALERT_PREFIXES prefixes. */
  prefixes: string[];
  origins: number[];
  upstreams: Array<{ asn: number; routesLost: number }>;
  cause: OutageCause;
  causeEvidence: string;
  /** Seconds from the start to `time`. */
  duration: number;
  /** Level, extent and drop now (level and extent above are the worst reached). */
  currentLevel: OutageLevel;
  currentExtent: OutageExtent;
  currentLostShare: number;
  coverage: OutageCoverage;
  /** Spread of the full-feed peers' losses around the start. */
  startWindow: OutageWindow;
  /** One sentence on where the event stands. */
  status: string;
  selection?: string;
}

export interface OutageOpenAlert extends OutageAlertFields {
  kind: 'outage-open';
}
export interface OutageUpdateAlert extends OutageAlertFields {
  kind: 'outage-update';
  previous: OutageAlertState;
}
export interface OutageEscalationAlert extends OutageAlertFields {
  kind: 'outage-escalated' | 'outage-de-escalated';
  previous: OutageAlertState;
}
export interface OutageCloseAlert extends OutageAlertFields {
  kind: 'outage-close';
  end: string;
  endReason: 'recovered';
  /** Spread of the full-feed peers' re-announcements up to the end. */
  endWindow: OutageWindow;
  /** IODA alert area, whole seconds. */
  severity: number;
}
/** The recovery, on its own: what a subscriber acts on. */
export interface OutageRecoveryAlert {
  kind: 'outage-recovery';
  /** The end (ISO 8601). */
  time: string;
  eventId: number;
  start: string;
  end: string;
  duration: number;
  classification: OutageClassification;
  level: OutageLevel;
  extent: OutageExtent;
  prefixCount: number;
  message: string;
  selection?: string;
}
/** An event that ended without a known end, or was still down when the input stopped. */
export interface OutageUnresolvedAlert extends OutageAlertFields {
  kind: 'outage-unresolved';
  reason: 'no-data' | 'input-ended' | 'collector-stopped';
  /** The last time the event is known to have lasted. */
  knownUntil: string;
  /** For no-data: from the loss of data to its return, the end is in there. */
  endWindow?: OutageWindow;
  severity: number;
}
export interface DetectorStateAlert {
  kind: 'outage-detector-ready' | 'outage-detector-warming-up' | 'outage-detector-no-data';
  time: string;
  baseline: number | null;
  fullFeedPeers: number;
  trackedPrefixes: number;
  /** For no-data: why. */
  reason?: NoDataReason;
  /** The event open when data was lost or came back, if any. */
  openEvent?: number;
  selection?: string;
}
export interface SessionResetAlert {
  kind: 'session-reset';
  time: string;
  peer: string;
  peerAsn: number;
  routesRemoved: number;
  selectedPrefixesLost: number;
  cause: 'peer-session-reset';
  /** Whether an outage was open when it happened. */
  outage: boolean;
  selection?: string;
}
export interface SessionRestoredAlert {
  kind: 'session-restored';
  time: string;
  peer: string;
  peerAsn: number;
  downSeconds: number;
}

/** Every alert the live pipeline emits, one member per kind. */
export type Alert =
  | OutageOpenAlert
  | OutageUpdateAlert
  | OutageEscalationAlert
  | OutageCloseAlert
  | OutageRecoveryAlert
  | OutageUnresolvedAlert
  | DetectorStateAlert
  | SessionResetAlert
  | SessionRestoredAlert;
export type AlertKind = Alert['kind'];
export type AlertListener = (alert: Alert) => void;

/** A BGP peer as the pipeline knows it. */
export interface LivePeer {
  address: string;
  asn: number;
}

export interface LiveDetectionOptions extends OutageOptions, Omit<VisibilityOptions, 'select'> {
  select: PrefixSelector;
  /** What the selection is, for the alerts (`country KP`, `AS131279`...). */
  selection?: string;
  /** Called for an input the table refuses (counted in `stats.refused`; the pipeline goes on). */
  onRefused?(what: string, value: string, error: unknown): void;
}

const iso = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();

type DetectorState = 'warming-up' | 'ready' | 'no-data';

/** The pipeline: `new LiveOutageDetection(options)`, then feed it until `stop()`. */
export class LiveOutageDetection {
  readonly table = new RoutingTable();
  readonly detector: OutageDetector;
  /** Counters: UPDATEs applied, prefixes announced / withdrawn, inputs refused, alerts emitted. */
  readonly stats = { updates: 0, announced: 0, withdrawn: 0, refused: 0, alerts: 0 };

  private readonly selection: string | undefined;
  private readonly onRefused: LiveDetectionOptions['onRefused'];
  private readonly listeners: AlertListener[] = [];
  private readonly detachers: (() => void)[] = [];
  private lastTime = Number.NEGATIVE_INFINITY;
  /** The events' life cycle, told after each input (an UPDATE is applied whole first). */
  private readonly lifecycle: OutageLifecycle;
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
  /** Warming up, armed (a baseline), or without data; announced by an alert when it changes. */
  private state: DetectorState = 'warming-up';

  constructor(options: LiveDetectionOptions) {
    const { selection, onRefused, ...detection } = options;
    this.selection = selection;
    this.onRefused = onRefused;
    this.detector = new OutageDetector(this.table, detection);
    this.lifecycle = new OutageLifecycle(this.detector);
    this.lifecycle.onStep((entry) => this.onStep(entry));
    // Registered after the detector's own listener: its session resets are recorded by then.
    this.detachers.push(
      this.table.onEvent((event) => {
        if (event.kind === 'peer-down') this.publishResets();
        else if (event.kind === 'announce' && this.openResets.length > 0) this.publishRestored();
      }),
    );
  }

  /** Adds an alert listener; returns a function that removes it. */
  onAlert(listener: AlertListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** The latest data time seen (whole seconds), or -Infinity before any. */
  get time(): number {
    return this.lastTime;
  }

  /** Advances the detector to `time` (data seconds) and emits what changed: the caller's tick. */
  advance(time: number): void {
    if (this.stopped) return;
    this.detector.onUpdate(this.at(time));
    this.flush();
  }

  /**
   * Applies an UPDATE from `peer` received at `time` (data seconds). `update` is the effective
   * update (RFC 7606 treat-as-withdraw already turned into withdrawals).
   */
  update(peer: LivePeer, update: BgpUpdate, time: number): void {
    if (this.stopped) return;
    const seconds = this.at(time);
    this.detector.onUpdate(seconds);
    const e = this.element;
    e.timestamp = seconds;
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
          this.stats.refused += family.prefixes.length - 1;
          this.refuse(error, peer.address, 'attributes');
          continue;
        }
        this.applyAll(family, peerId, seconds, attributesId);
      }
    }
    this.flush();
  }

  /** `peer`'s session left Established for state `to` (a BGP FSM state number) at `time`. */
  peerDown(peer: LivePeer, to: number, time: number): void {
    if (this.stopped) return;
    const e = this.element;
    e.type = 'STATE';
    e.timestamp = this.at(time);
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
      this.refuse(error, peer.address, 'peer down');
    }
    delete e.oldState;
    delete e.newState;
    this.flush();
  }

  /**
   * Stops listening to the table. An event still open stays open and is announced as such
   * (`outage-unresolved`, "collector stopped at T" by default, never a recovery).
   */
  stop(reason: 'collector-stopped' | 'input-ended' = 'collector-stopped'): void {
    if (this.stopped) return;
    this.detector.end(this.lastTime, reason);
    this.flush();
    this.stopped = true;
    for (const detach of this.detachers.splice(0)) detach();
    this.detector.close();
  }

  /** Whole data seconds, never earlier than the last. */
  private at(time: number): number {
    const t = Math.floor(time);
    if (t > this.lastTime) this.lastTime = t;
    return this.lastTime;
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
    this.onRefused?.(what, value, error);
  }

  // ---- alerts ---------------------------------------------------------------------------------

  private emit(alert: Alert): void {
    this.stats.alerts++;
    for (const listener of this.listeners) listener(alert);
  }

  private withSelection<T extends object>(alert: T): T & { selection?: string } {
    return this.selection !== undefined ? { ...alert, selection: this.selection } : alert;
  }

  private flush(): void {
    const d = this.detector;
    const noData = d.noData;
    const state: DetectorState =
      noData !== undefined ? 'no-data' : d.currentBaseline !== undefined ? 'ready' : 'warming-up';
    if (state !== this.state) {
      this.state = state;
      const t = d.tracker;
      const open = d.openEvent;
      this.emit(
        this.withSelection({
          kind: `outage-detector-${state}` as const,
          time: iso(noData !== undefined ? noData.from : this.lastTime),
          baseline: d.currentBaseline ?? null,
          fullFeedPeers: t.fullFeedPeers,
          trackedPrefixes: t.trackedCount,
          ...(noData !== undefined ? { reason: noData.reason } : {}),
          ...(open !== undefined ? { openEvent: open.id } : {}),
        }),
      );
    }
    this.lifecycle.flush();
  }

  /** One life-cycle step as alerts (data lost and back are the detector state alerts above). */
  private onStep({ step, time, event, previous }: OutageLifecycleEntry): void {
    if (event === undefined || step === 'no-data' || step === 'data-restored') return;
    switch (step) {
      case 'opened':
        this.emit({ kind: 'outage-open', ...this.fields(event, event.start) });
        return;
      case 'escalated':
      case 'de-escalated':
      case 'updated':
        // Told at the time the input or tick that noticed it was handled.
        this.emit({
          kind: step === 'updated' ? 'outage-update' : `outage-${step}`,
          ...this.fields(event, Math.max(time, this.lastTime)),
          previous: previous!,
        });
        return;
      case 'recovered':
        for (const alert of outageRecoveryAlerts(event, this.selection)) this.emit(alert);
        return;
      default:
        this.emit({
          kind: 'outage-unresolved',
          ...this.fields(event, event.knownUntil),
          reason: step === 'ended-without-data' ? 'no-data' : step,
          knownUntil: iso(event.knownUntil),
          ...(event.endWindow !== undefined ? { endWindow: event.endWindow } : {}),
          severity: Math.round(event.severity),
        });
    }
  }

  private fields(event: Readonly<OutageEvent>, time: number): OutageAlertFields {
    return outageAlertFields(event, time, this.selection);
  }

  private publishResets(): void {
    const resets = this.detector.sessionResets;
    for (; this.resetsPublished < resets.length; this.resetsPublished++) {
      const reset = resets[this.resetsPublished];
      this.openResets.push(reset);
      this.emit(
        this.withSelection({
          kind: 'session-reset' as const,
          time: iso(reset.time),
          peer: reset.peerAddress,
          peerAsn: reset.peerAsn,
          routesRemoved: reset.routesRemoved,
          selectedPrefixesLost: reset.selectedPrefixesLost,
          cause: reset.cause,
          outage: this.detector.openEvent !== undefined,
        }),
      );
    }
  }

  private publishRestored(): void {
    for (let i = this.openResets.length - 1; i >= 0; i--) {
      const reset = this.openResets[i];
      if (reset.end === undefined) continue;
      this.openResets.splice(i, 1);
      this.emit({
        kind: 'session-restored',
        time: iso(reset.end),
        peer: reset.peerAddress,
        peerAsn: reset.peerAsn,
        downSeconds: reset.end - reset.time,
      });
    }
  }
}

/** What an alert reads of an event: the detector's event, or an event line copied from one. */
export type OutageAlertSource = Readonly<
  Pick<
    OutageEvent,
    | 'id'
    | 'start'
    | 'duration'
    | 'classification'
    | 'level'
    | 'extent'
    | 'lostShare'
    | 'baseline'
    | 'minimum'
    | 'unit'
    | 'prefixes'
    | 'origins'
    | 'upstreams'
    | 'cause'
    | 'causeEvidence'
    | 'currentLevel'
    | 'currentExtent'
    | 'currentLostShare'
    | 'coverage'
    | 'startWindow'
    | 'status'
    | 'severity'
  > &
    Partial<Pick<OutageEvent, 'end' | 'endWindow'>>
>;

/**
 * The fields of every alert about `event`, told at `time` (Unix seconds): the one definition of
 * what an outage alert says, for the live detection and for alerts replayed from an archive.
 */
export function outageAlertFields(
  event: OutageAlertSource,
  time: number,
  selection?: string,
): OutageAlertFields {
  return {
    time: iso(time),
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
    upstreams: event.upstreams.slice(0, MAX_ALERT_UPSTREAMS),
    cause: event.cause,
    causeEvidence: event.causeEvidence,
    duration: event.duration,
    currentLevel: event.currentLevel,
    currentExtent: event.currentExtent,
    currentLostShare: event.currentLostShare,
    coverage: { ...event.coverage },
    startWindow: { ...event.startWindow },
    status: event.status,
    ...(selection !== undefined ? { selection } : {}),
  };
}

/** The close of an event that recovered at `event.end`, then the short recovery alert on its own. */
export function outageRecoveryAlerts(
  event: OutageAlertSource,
  selection?: string,
): [OutageCloseAlert, OutageRecoveryAlert] {
  const end = event.end!;
  const fields = outageAlertFields(event, end, selection);
  return [
    {
      kind: 'outage-close',
      ...fields,
      end: iso(end),
      endReason: 'recovered',
      endWindow: event.endWindow ?? { from: end, to: end },
      severity: Math.round(event.severity),
    },
    {
      kind: 'outage-recovery',
      time: iso(end),
      eventId: event.id,
      start: fields.start,
      end: iso(end),
      duration: event.duration,
      classification: event.classification,
      level: event.level,
      extent: event.extent,
      prefixCount: event.prefixes.length,
      message:
        `recovered at ${iso(end)} after ${formatDuration(event.duration)}: ` +
        `${event.classification}, ${event.extent} ${event.level}, ${event.prefixes.length} prefixes`,
      ...(selection !== undefined ? { selection } : {}),
    },
  ];
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
