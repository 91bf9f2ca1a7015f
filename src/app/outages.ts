/**
 * Outages of a selection (a country, an origin AS, a set of prefixes): replayed from MRT archives
 * (`replayOutages`: events, session resets and the binned visibility series), or followed live
 * from a running collector's alert stream (`followOutages`). The JSON shapes of events, resets
 * and bins are the zod schemas here, with one serialiser each.
 *
 * @example
 * const result = await replayOutages({ mrt: ['updates.gz'], selection: { country: 'KP' } });
 * result.events[0].classification; // 'sustained-outage'
 */
import { z } from 'zod';
import { ParseError } from '../errors/index.js';
import { parseAsn, parsePrefix } from '../net/index.js';
import {
  OutageDetector,
  OutageLifecycle,
  parseCountryCode,
  selectCountry,
  selectOrigin,
  selectPrefixes,
  type NoDataPeriod,
  type OutageBin,
  type OutageEvent,
  type OutageLifecycleEntry,
  type OutageOptions,
  type OutagePhase,
  type PrefixSelector,
  type SessionReset,
  type VisibilityOptions,
} from '../observatory/index.js';
import { RoutingTable } from '../routing/index.js';
// The stream's client (and live detection's schemas it checks lines with) loads for --live only.
import { DEFAULT_ALERT_SOCKET } from './alert-socket.js';
import { DEFAULT_REGISTRY_FILES } from './defaults.js';
import type { AlertJson } from './live.js';
import type { WorkHooks } from './progress.js';
import { replayMrtFiles } from './replay.js';
import { loadRegistryFiles } from './registry-files.js';

// ---- selection ---------------------------------------------------------------------------------

/** Which space to watch: exactly one of country, asn, prefix. */
export interface SelectionInput {
  country?: string;
  asn?: string | number;
  prefix?: readonly string[];
  /** RIR delegated files for `country` (default: the bundled APNIC file). */
  registry?: readonly string[];
}

export interface Selection {
  select: PrefixSelector;
  /** What it is, as alerts name it: `country KP`, `AS131279`, `175.45.176.0/22`. */
  label: string;
}

function chosen(input: SelectionInput): number {
  return [input.country, input.asn, input.prefix].filter((x) => x !== undefined).length;
}

/** The label of a selection, without loading anything; undefined when none is given. */
export function selectionLabel(input: SelectionInput): string | undefined {
  if (chosen(input) === 0) return undefined;
  if (chosen(input) !== 1)
    throw new ParseError('CLI_BAD_OPTION', 'give exactly one of --country, --asn, --prefix', {
      field: 'selection',
    });
  if (input.country !== undefined) return `country ${parseCountryCode(input.country)}`;
  if (input.asn !== undefined) return `AS${parseAsn(String(input.asn))}`;
  return (input.prefix ?? []).map((p) => parsePrefix(p).toString()).join(' ');
}

/** The selector of a selection (the registry loaded for a country); undefined when none is given. */
export async function resolveSelection(
  input: SelectionInput,
  hooks: WorkHooks = {},
): Promise<Selection | undefined> {
  const label = selectionLabel(input);
  if (label === undefined) return undefined;
  if (input.country !== undefined) {
    const loaded = await loadRegistryFiles([...(input.registry ?? DEFAULT_REGISTRY_FILES)]);
    for (const problem of loaded.problems) hooks.onProblem?.(problem);
    return { select: selectCountry(loaded.registry, parseCountryCode(input.country)), label };
  }
  if (input.asn !== undefined) return { select: selectOrigin(parseAsn(String(input.asn))), label };
  return { select: selectPrefixes((input.prefix ?? []).map((p) => parsePrefix(p))), label };
}

// ---- JSON shapes -------------------------------------------------------------------------------

const iso = (seconds: number | undefined): string | null =>
  seconds === undefined ? null : new Date(Math.round(seconds * 1000)).toISOString();

const Level = z.enum(['warning', 'critical']);
const Extent = z.enum(['partial', 'full']);
const Window = z.object({ from: z.number(), to: z.number() });
export const NoDataPeriodSchema = z.object({
  from: z.number(),
  to: z.number().optional(),
  reason: z.enum(['too-few-full-feed-peers', 'input-gap']),
  fullFeedPeers: z.number().int(),
});

export const OutageEventSchema = z.object({
  id: z.number().int(),
  /** When the visible space fell below the warning threshold (exact, Unix seconds). */
  start: z.number(),
  /** When it came back above it (exact); absent while open or when the end is unknown. */
  end: z.number().optional(),
  duration: z.number(),
  endReason: z.enum(['recovered', 'no-data', 'input-ended', 'collector-stopped']).optional(),
  knownUntil: z.number(),
  status: z.string(),
  startWindow: Window,
  endWindow: Window.optional(),
  coverage: z.object({
    fullFeedPeers: z.number().int(),
    peersLost: z.number().int(),
    peersKept: z.number().int(),
  }),
  noData: z.array(NoDataPeriodSchema),
  startBin: z.number(),
  endBin: z.number().optional(),
  open: z.boolean(),
  baseline: z.number(),
  minimum: z.number(),
  lostShare: z.number(),
  unit: z.enum(['ipv4-slash24', 'ipv6-slash48']),
  level: Level,
  classification: z.enum(['blip', 'outage', 'sustained-outage']),
  extent: Extent,
  currentLevel: Level,
  currentExtent: Extent,
  currentLostShare: z.number(),
  severity: z.number(),
  prefixes: z.array(z.string()),
  origins: z.array(z.number().int()),
  firstLost: z.array(
    z.object({
      peerId: z.number().int(),
      peerAsn: z.number().int(),
      peerAddress: z.string(),
      time: z.number(),
      prefix: z.string(),
      upstream: z.number().int(),
      byPeerDown: z.boolean(),
    }),
  ),
  upstreams: z.array(z.object({ asn: z.number().int(), routesLost: z.number().int() })),
  cause: z.enum(['origin-withdrawal', 'upstream-path-loss', 'peer-sessions-down', 'unknown']),
  causeEvidence: z.string(),
});

const Phase = z.enum([
  'open',
  'update',
  'escalate',
  'de-escalate',
  'no-data',
  'data-restored',
  'close',
  'unresolved',
]);

/** One event line: the event as it was at `phase`, with its times in ISO 8601. */
export const OutageEventLine = OutageEventSchema.extend({
  type: z.literal('event'),
  phase: Phase,
  startTime: z.string(),
  endTime: z.string().nullable(),
});
export type OutageEventLine = z.infer<typeof OutageEventLine>;

/**
 * One step of the life cycle, as it happened: an event opened, escalated, de-escalated, was
 * updated, recovered (with its duration), ended without data, or was still open when the input
 * ended or the collector stopped; data lost and back (with or without an event open).
 */
export const OutageLifecycleLine = z.object({
  type: z.literal('lifecycle'),
  step: z.enum([
    'opened',
    'escalated',
    'de-escalated',
    'updated',
    'recovered',
    'ended-without-data',
    'input-ended',
    'collector-stopped',
    'no-data',
    'data-restored',
  ]),
  /** The event's id; null for data lost or back with no event open. */
  eventId: z.number().int().nullable(),
  time: z.number(),
  timeIso: z.string(),
  message: z.string(),
  classification: z.enum(['blip', 'outage', 'sustained-outage']).optional(),
  level: Level.optional(),
  extent: Extent.optional(),
  currentLevel: Level.optional(),
  currentExtent: Extent.optional(),
  lostShare: z.number().optional(),
  duration: z.number().optional(),
});
export type OutageLifecycleLine = z.infer<typeof OutageLifecycleLine>;

export const NoDataLine = NoDataPeriodSchema.extend({
  type: z.literal('no-data'),
  fromTime: z.string(),
  toTime: z.string().nullable(),
});
export type NoDataLine = z.infer<typeof NoDataLine>;

export const SessionResetLine = z.object({
  type: z.literal('session-reset'),
  time: z.number(),
  startTime: z.string(),
  peerId: z.number().int(),
  peerAsn: z.number().int(),
  peerAddress: z.string(),
  routesRemoved: z.number().int(),
  selectedPrefixesLost: z.number().int(),
  end: z.number().optional(),
  cause: z.literal('peer-session-reset'),
});
export type SessionResetLine = z.infer<typeof SessionResetLine>;

export const OutageBinLine = z.object({
  type: z.literal('bin'),
  time: z.string(),
  start: z.number(),
  value: z.number(),
  minimum: z.number(),
  ipv4Slash24s: z.number().int(),
  ipv6Slash48s: z.number().int(),
  visiblePrefixes: z.number().int(),
  fullFeedPeers: z.number().int(),
  baseline: z.number().optional(),
  inEvent: z.boolean(),
  noData: z.boolean(),
});
export type OutageBinLine = z.infer<typeof OutageBinLine>;

/** A copy of `event` as a line (the event object goes on changing while it is open). */
export function outageEventLine(event: Readonly<OutageEvent>, phase: OutagePhase): OutageEventLine {
  const copy = structuredClone(event) as Partial<OutageEvent>;
  // Absent, not undefined: the line goes through JSON and the schemas as it is.
  for (const key of ['end', 'endBin', 'endReason', 'endWindow'] as const)
    if (copy[key] === undefined) delete copy[key];
  return {
    type: 'event',
    phase,
    ...(copy as OutageEvent),
    noData: event.noData.map(noDataShape),
    startTime: iso(event.start)!,
    endTime: iso(event.end),
  };
}

function noDataShape(period: Readonly<NoDataPeriod>): z.infer<typeof NoDataPeriodSchema> {
  const { to, ...rest } = period;
  return to === undefined ? { ...rest } : { ...rest, to };
}

export function noDataLine(period: Readonly<NoDataPeriod>): NoDataLine {
  return { type: 'no-data', ...noDataShape(period), fromTime: iso(period.from)!, toTime: iso(period.to) };
}

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;

/** A life-cycle step as a line, with one sentence saying it. */
export function outageLifecycleLine(entry: OutageLifecycleEntry): OutageLifecycleLine {
  const { step, time, event, noData } = entry;
  const at = iso(time)!;
  let message: string;
  if (step === 'no-data' || step === 'data-restored') {
    const period = noData!;
    message =
      step === 'no-data'
        ? `no data from ${at}: ${period.reason} (${period.fullFeedPeers} full-feed peers); neither an outage nor a recovery`
        : `data back at ${at}, none since ${iso(period.from)}`;
    if (event !== undefined) message = `#${event.id} ${message}`;
  } else {
    const e = event!;
    const now = `${e.classification} ${e.currentExtent} ${e.currentLevel}`;
    switch (step) {
      case 'opened':
        message =
          `opened at ${at}: ${now}, lost ${pct(e.currentLostShare)} of ${e.baseline}; ` +
          `${e.coverage.peersLost} of ${e.coverage.fullFeedPeers} full-feed peers lost routes, ${e.coverage.peersKept} kept them`;
        break;
      case 'escalated':
      case 'de-escalated':
        message = `${step} at ${at} to ${e.currentExtent} ${e.currentLevel}: lost ${pct(e.currentLostShare)}`;
        break;
      case 'updated':
        message = `updated at ${at}: ${now}, cause ${e.cause}, ${e.prefixes.length} prefixes`;
        break;
      default:
        message = e.status;
    }
    message = `#${e.id} ${message}`;
  }
  const fields =
    event === undefined
      ? {}
      : {
          classification: event.classification,
          level: event.level,
          extent: event.extent,
          currentLevel: event.currentLevel,
          currentExtent: event.currentExtent,
          lostShare: event.lostShare,
          duration: event.duration,
        };
  return { type: 'lifecycle', step, eventId: event?.id ?? null, time, timeIso: at, message, ...fields };
}

export function sessionResetLine(reset: Readonly<SessionReset>): SessionResetLine {
  return { type: 'session-reset', ...reset, startTime: iso(reset.time)! };
}

export function outageBinLine(bin: Readonly<OutageBin>): OutageBinLine {
  const { baseline, ...rest } = bin;
  return { type: 'bin', time: iso(bin.start)!, ...rest, ...(baseline !== undefined ? { baseline } : {}) };
}

/** The binned visibility series as CSV, for charting. */
export function outageBinsCsv(bins: readonly OutageBinLine[]): string {
  const lines = [
    'time,value,minimum,ipv4_slash24s,ipv6_slash48s,visible_prefixes,full_feed_peers,baseline,in_event',
  ];
  for (const b of bins)
    lines.push(
      [
        b.time,
        b.value,
        b.minimum,
        b.ipv4Slash24s,
        b.ipv6Slash48s,
        b.visiblePrefixes,
        b.fullFeedPeers,
        b.baseline ?? '',
        b.inEvent ? 1 : 0,
      ].join(','),
    );
  return lines.join('\n') + '\n';
}

// ---- replay ------------------------------------------------------------------------------------

export interface ReplayOutagesInput {
  /** MRT files: RIB dumps and/or update files, replayed in time order. */
  mrt: readonly string[];
  selection: SelectionInput;
  /**
   * Detector parameters (OUTAGE_DEFAULTS for what is left out, but gapSeconds
   * ARCHIVE_GAP_SECONDS) and the full-feed share.
   */
  detector?: OutageOptions & Omit<VisibilityOptions, 'select'>;
}

/**
 * An archive silent this long is missing input (no data), not a quiet network: a full feed is
 * never silent for two 5-minute bins, and a lost 15-minute RouteViews file is longer.
 */
export const ARCHIVE_GAP_SECONDS = 600;

export const OutagesResult = z.object({
  selection: z.string(),
  /** Every event at the end of the replay (open ones stay open, with "input ended at T"). */
  events: z.array(OutageEventLine),
  /** The life cycle of the events and of the data, in order. */
  lifecycle: z.array(OutageLifecycleLine),
  /** Periods without data. */
  noData: z.array(NoDataLine),
  /** Data time the input ended (its last record). */
  inputEnd: z.number(),
  resets: z.array(SessionResetLine),
  bins: z.array(OutageBinLine),
  binSeconds: z.number(),
  trackedPrefixes: z.number().int(),
  fullFeedPeers: z.number().int(),
});
export type OutagesResult = z.infer<typeof OutagesResult>;

export interface OutageHooks extends WorkHooks {
  /** An event opened during the replay (before the final result). */
  onOpen?(line: OutageEventLine): void;
  /** A step of the life cycle, as it happens. */
  onLifecycle?(line: OutageLifecycleLine): void;
  /** The event as it stood at each phase the detector reported (open, each update, close). */
  onPhase?(line: OutageEventLine): void;
}

/** Replays the files through a routing table and the outage detector. */
export async function replayOutages(
  input: ReplayOutagesInput,
  hooks: OutageHooks = {},
): Promise<OutagesResult> {
  if (input.mrt.length === 0)
    throw new ParseError('CLI_BAD_OPTION', '--mrt FILE... is required (or --live)', { field: 'mrt' });
  const selection = await resolveSelection(input.selection, hooks);
  if (selection === undefined)
    throw new ParseError('CLI_BAD_OPTION', 'give exactly one of --country, --asn, --prefix', {
      field: 'selection',
    });
  const options = { gapSeconds: ARCHIVE_GAP_SECONDS, ...stripUndefined(input.detector ?? {}) };
  if (options.binSeconds !== undefined && options.historySeconds !== undefined)
    options.historySeconds = Math.max(options.binSeconds, options.historySeconds);
  const table = new RoutingTable();
  const detector = new OutageDetector(table, { ...options, select: selection.select });
  let last = 0;
  table.onEvent((event) => {
    if (event.time > last) last = event.time;
  });
  const lifecycle: OutageLifecycleLine[] = [];
  const steps = new OutageLifecycle(detector);
  steps.onStep((entry) => {
    if (entry.step === 'opened' && entry.event !== undefined)
      hooks.onOpen?.(outageEventLine(entry.event, 'open'));
    const line = outageLifecycleLine(entry);
    lifecycle.push(line);
    hooks.onLifecycle?.(line);
  });
  if (hooks.onPhase !== undefined)
    detector.onEvent((event, phase) => {
      if (phase !== 'no-data' && phase !== 'data-restored') hooks.onPhase?.(outageEventLine(event, phase));
    });
  // Told when the clock moves on: everything at the previous time has been applied.
  detector.tracker.onClock(() => steps.flush());
  await replayMrtFiles(input.mrt, table, { ...hooks, verb: 'replaying' });
  detector.finish(last);
  steps.flush();
  detector.close();
  return {
    selection: selection.label,
    events: detector.events.map((event) => outageEventLine(event, event.open ? 'unresolved' : 'close')),
    lifecycle,
    noData: detector.noDataPeriods.map(noDataLine),
    inputEnd: last,
    resets: detector.sessionResets.map(sessionResetLine),
    bins: detector.bins.map(outageBinLine),
    binSeconds: detector.options.binSeconds,
    trackedPrefixes: detector.tracker.trackedCount,
    fullFeedPeers: detector.tracker.fullFeedPeers,
  };
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(options))
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}

// ---- live --------------------------------------------------------------------------------------

export interface FollowOutagesInput {
  /** The collector's alert socket (default DEFAULT_ALERT_SOCKET). */
  socket?: string;
  /** Only the alerts of this selection (alerts without one, such as peer-up, always pass). */
  selection?: SelectionInput;
  signal?: AbortSignal;
}

export interface FollowOutagesResult {
  alerts: number;
  skipped: number;
  /**
   * Events opened and neither closed nor announced unresolved when the stream ended (a collector
   * that died without saying so): still open, with the time of the last alert seen.
   */
  stillOpen: Array<{ eventId: number; start: string; lastAlert: string; selection?: string }>;
}

/**
 * Follows a running collector's alerts (`cairn collect --alert-socket`) until it stops or the
 * signal aborts; `OUTAGES_LIVE_UNAVAILABLE` when none listens.
 */
export async function followOutages(
  input: FollowOutagesInput,
  onAlert: (alert: AlertJson) => void,
): Promise<FollowOutagesResult> {
  const wanted = input.selection !== undefined ? selectionLabel(input.selection) : undefined;
  const open = new Map<string, FollowOutagesResult['stillOpen'][number]>();
  let last = '';
  const { followAlerts } = await import('./alert-stream.js');
  const result = await followAlerts(
    input.socket ?? DEFAULT_ALERT_SOCKET,
    (alert) => {
      const label = 'selection' in alert ? alert.selection : undefined;
      if (wanted !== undefined && label !== undefined && label !== wanted) return;
      last = alert.time;
      if ('eventId' in alert) {
        const key = `${label ?? ''}#${alert.eventId}`;
        if (alert.kind === 'outage-open')
          open.set(key, {
            eventId: alert.eventId,
            start: alert.start,
            lastAlert: alert.time,
            ...(label !== undefined ? { selection: label } : {}),
          });
        else if (alert.kind === 'outage-close' || alert.kind === 'outage-unresolved') open.delete(key);
      }
      onAlert(alert);
    },
    input.signal,
  );
  return { ...result, stillOpen: [...open.values()].map((e) => ({ ...e, lastAlert: last || e.lastAlert })) };
}
