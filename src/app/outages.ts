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
  parseCountryCode,
  selectCountry,
  selectOrigin,
  selectPrefixes,
  type OutageBin,
  type OutageEvent,
  type OutageOptions,
  type OutagePhase,
  type PrefixSelector,
  type SessionReset,
  type VisibilityOptions,
} from '../observatory/index.js';
import { Registry } from '../registry/index.js';
import { RoutingTable } from '../routing/index.js';
import { DEFAULT_ALERT_SOCKET, followAlerts } from './alert-stream.js';
import { DEFAULT_REGISTRY_FILES } from './defaults.js';
import type { AlertJson } from './live.js';
import type { WorkHooks } from './progress.js';
import { replayMrtFiles } from './replay.js';

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
    const loaded = await Registry.load([...(input.registry ?? DEFAULT_REGISTRY_FILES)]);
    for (const problem of loaded.problems) hooks.onProblem?.(problem);
    return { select: selectCountry(loaded.registry, parseCountryCode(input.country)), label };
  }
  if (input.asn !== undefined) return { select: selectOrigin(parseAsn(String(input.asn))), label };
  return { select: selectPrefixes((input.prefix ?? []).map((p) => parsePrefix(p))), label };
}

// ---- JSON shapes -------------------------------------------------------------------------------

const iso = (seconds: number | undefined): string | null =>
  seconds === undefined ? null : new Date(Math.round(seconds * 1000)).toISOString();

export const OutageEventSchema = z.object({
  id: z.number().int(),
  start: z.number(),
  end: z.number().optional(),
  duration: z.number(),
  startBin: z.number(),
  endBin: z.number().optional(),
  open: z.boolean(),
  baseline: z.number(),
  minimum: z.number(),
  lostShare: z.number(),
  unit: z.enum(['ipv4-slash24', 'ipv6-slash48']),
  level: z.enum(['warning', 'critical']),
  classification: z.enum(['blip', 'outage', 'sustained-outage']),
  extent: z.enum(['partial', 'full']),
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

/** One event line: the event as it was at `phase`, with its times in ISO 8601. */
export const OutageEventLine = OutageEventSchema.extend({
  type: z.literal('event'),
  phase: z.enum(['open', 'update', 'close']),
  startTime: z.string(),
  endTime: z.string().nullable(),
});
export type OutageEventLine = z.infer<typeof OutageEventLine>;

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
});
export type OutageBinLine = z.infer<typeof OutageBinLine>;

/** A copy of `event` as a line (the event object goes on changing while it is open). */
export function outageEventLine(event: Readonly<OutageEvent>, phase: OutagePhase): OutageEventLine {
  return {
    type: 'event',
    phase,
    ...structuredClone(event),
    startTime: iso(event.start)!,
    endTime: iso(event.end),
  };
}

export function sessionResetLine(reset: Readonly<SessionReset>): SessionResetLine {
  return { type: 'session-reset', ...reset, startTime: iso(reset.time)! };
}

export function outageBinLine(bin: Readonly<OutageBin>): OutageBinLine {
  return { type: 'bin', time: iso(bin.start)!, ...bin };
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
  /** Detector parameters (OUTAGE_DEFAULTS for what is left out) and the full-feed share. */
  detector?: OutageOptions & Omit<VisibilityOptions, 'select'>;
}

export const OutagesResult = z.object({
  selection: z.string(),
  /** Every event at the end of the replay (open ones stay open). */
  events: z.array(OutageEventLine),
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
  /** Every phase of every event as it happens (open, each update, close): its life cycle. */
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
  const options = { ...input.detector };
  if (options.binSeconds !== undefined && options.historySeconds !== undefined)
    options.historySeconds = Math.max(options.binSeconds, options.historySeconds);
  const table = new RoutingTable();
  const detector = new OutageDetector(table, { ...options, select: selection.select });
  let last = 0;
  table.onEvent((event) => {
    if (event.time > last) last = event.time;
  });
  detector.onEvent((event, phase) => {
    if (phase === 'open') hooks.onOpen?.(outageEventLine(event, phase));
    hooks.onPhase?.(outageEventLine(event, phase));
  });
  await replayMrtFiles(input.mrt, table, { ...hooks, verb: 'replaying' });
  detector.finish(last);
  detector.close();
  return {
    selection: selection.label,
    events: detector.events.map((event) => outageEventLine(event, event.open ? 'open' : 'close')),
    resets: detector.sessionResets.map(sessionResetLine),
    bins: detector.bins.map(outageBinLine),
    binSeconds: detector.options.binSeconds,
    trackedPrefixes: detector.tracker.trackedCount,
    fullFeedPeers: detector.tracker.fullFeedPeers,
  };
}

// ---- live --------------------------------------------------------------------------------------

export interface FollowOutagesInput {
  /** The collector's alert socket (default DEFAULT_ALERT_SOCKET). */
  socket?: string;
  /** Only the alerts of this selection (alerts without one, such as peer-up, always pass). */
  selection?: SelectionInput;
  signal?: AbortSignal;
}

/**
 * Follows a running collector's alerts (`cairn collect --alert-socket`) until it stops or the
 * signal aborts; `OUTAGES_LIVE_UNAVAILABLE` when none listens.
 */
export async function followOutages(
  input: FollowOutagesInput,
  onAlert: (alert: AlertJson) => void,
): Promise<{ alerts: number; skipped: number }> {
  const wanted = input.selection !== undefined ? selectionLabel(input.selection) : undefined;
  return followAlerts(
    input.socket ?? DEFAULT_ALERT_SOCKET,
    (alert) => {
      const label = 'selection' in alert ? alert.selection : undefined;
      if (wanted !== undefined && label !== undefined && label !== wanted) return;
      onAlert(alert);
    },
    input.signal,
  );
}
