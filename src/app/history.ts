/**
 * History questions answered from the store (what `cairn ingest` kept): the visibility of a
 * country, an AS or a prefix over a time range, a country's dependency over time with the change
 * against the previous snapshot, the outages list, the origin and upstream changes of a prefix or
 * an AS, and what changed for a country between two times. Each result is a zod schema, so the
 * CLI's --json and the HTTP API print the same objects.
 *
 * @example
 * const series = await historyVisibility({ country: 'KP', from: '2014-12-22T00:00:00Z', to: '2014-12-23T00:00:00Z' });
 * series.points[0].ipv4Slash24s; // 4
 */
import { z } from 'zod';
import { ParseError } from '../errors/index.js';
import { parseAsn, parsePrefix } from '../net/index.js';
import { parseCountryCode, type DependencySnapshot } from '../observatory/index.js';
import type { AsNames } from '../registry/index.js';
import type { CairnStore, VisibilityScope } from '../store/index.js';
import { DEFAULT_ASNAMES_FILE } from './defaults.js';
import { withExistingStore } from './ingest.js';
import { OutageEventLine, OutageEventSchema } from './outages.js';
import { loadAsNamesFile } from './registry-files.js';

const iso = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();

/** A time given as ISO 8601 (`2014-12-22T16:15:00Z`, `2014-12-22`) or Unix seconds. */
export function parseTime(text: string | number, field: string): number {
  if (typeof text === 'number' && Number.isFinite(text)) return text;
  const value = String(text).trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(value)) return Number(value);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new ParseError(
      'CLI_BAD_OPTION',
      `--${field} must be an ISO 8601 time or Unix seconds, not ${JSON.stringify(value.slice(0, 40))}`,
      {
        field,
      },
    );
  return ms / 1000;
}

const TimeInput = z.union([z.string(), z.number()]);

const StoreInput = z.object({
  /** The store file (default: `defaultStorePath`). */
  db: z.string().optional(),
  from: TimeInput.optional(),
  to: TimeInput.optional(),
});

/**
 * The range asked for; what is left out is the store's first bin and its last element time (a
 * snapshot taken after the last bin started, as a lone RIB dump's is, falls inside it).
 */
async function rangeOf(
  store: CairnStore,
  input: { from?: string | number; to?: string | number },
): Promise<{ from: number; to: number }> {
  const stored = await store.timeRange();
  const from = input.from !== undefined ? parseTime(input.from, 'from') : (stored?.first ?? 0);
  let to = input.to !== undefined ? parseTime(input.to, 'to') : (stored?.last ?? 0);
  if (input.to === undefined)
    for (const file of await store.files('mrt'))
      if (file.lastTime !== undefined && file.lastTime > to) to = file.lastTime;
  if (to < from)
    throw new ParseError('CLI_BAD_OPTION', `--to (${iso(to)}) is before --from (${iso(from)})`, {
      field: 'to',
    });
  return { from, to };
}

// ---- visibility ---------------------------------------------------------------------------------

export const HistoryVisibilityInput = StoreInput.extend({
  country: z.string().optional(),
  asn: z.union([z.string(), z.number()]).optional(),
  prefix: z.string().optional(),
});
export type HistoryVisibilityInput = z.input<typeof HistoryVisibilityInput>;

export const VisibilityPointLine = z.object({
  time: z.string(),
  binStart: z.number(),
  ipv4Slash24s: z.number(),
  ipv6Slash48s: z.number(),
  prefixes: z.number().int(),
  peers: z.number().int(),
});
export type VisibilityPointLine = z.infer<typeof VisibilityPointLine>;

export const HistoryVisibilityResult = z.object({
  scope: z.enum(['country', 'asn', 'prefix']),
  key: z.string(),
  from: z.number(),
  to: z.number(),
  points: z.array(VisibilityPointLine),
});
export type HistoryVisibilityResult = z.infer<typeof HistoryVisibilityResult>;

function scopeOf(input: { country?: string; asn?: string | number; prefix?: string }): {
  scope: VisibilityScope;
  key: string;
} {
  const given = [input.country, input.asn, input.prefix].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new ParseError('CLI_BAD_OPTION', 'give exactly one of --country, --asn, --prefix', {
      field: 'selection',
    });
  if (input.country !== undefined) return { scope: 'country', key: parseCountryCode(input.country) };
  if (input.asn !== undefined) return { scope: 'asn', key: String(parseAsn(String(input.asn))) };
  return { scope: 'prefix', key: parsePrefix(input.prefix!).toString() };
}

/** Visibility of a country, an AS or a prefix at every ingested bin of the range. */
export async function historyVisibility(
  raw: HistoryVisibilityInput,
  held?: CairnStore,
): Promise<HistoryVisibilityResult> {
  const input = HistoryVisibilityInput.parse(raw);
  const { scope, key } = scopeOf(input);
  return withExistingStore(held ?? input.db, async (store) => {
    const { from, to } = await rangeOf(store, input);
    const points = await store.visibilitySeries(scope, key, from, to);
    return HistoryVisibilityResult.parse({
      scope,
      key,
      from,
      to,
      points: points.map((p) => ({
        time: iso(p.binStart),
        binStart: p.binStart,
        ipv4Slash24s: p.ipv4Slash24s,
        ipv6Slash48s: p.ipv6Slash48s,
        prefixes: p.prefixes,
        peers: p.peers,
      })),
    });
  });
}

/** The series as CSV, for plotting. */
export function visibilityCsv(result: HistoryVisibilityResult): string {
  const lines = ['time,bin_start,ipv4_slash24s,ipv6_slash48s,prefixes,peers'];
  for (const p of result.points)
    lines.push([p.time, p.binStart, p.ipv4Slash24s, p.ipv6Slash48s, p.prefixes, p.peers].join(','));
  return lines.join('\n') + '\n';
}

// ---- dependency ---------------------------------------------------------------------------------

export const HistoryDependencyInput = StoreInput.extend({
  country: z.string(),
  /** ASes per snapshot (largest dependency first). */
  top: z.number().int().min(1).max(1000).default(10),
});
export type HistoryDependencyInput = z.input<typeof HistoryDependencyInput>;

export const DependencyLine = z.object({
  asn: z.number().int(),
  name: z.string(),
  hegemony: z.number(),
  /** Against the previous snapshot (an AS new to the list moved from 0). */
  change: z.number(),
});

export const DependencySnapshotLine = z.object({
  time: z.string(),
  at: z.number(),
  peers: z.number().int(),
  dependency: z.array(DependencyLine),
  upstreams: z.array(z.object({ asn: z.number().int(), name: z.string(), share: z.number() })),
});
export type DependencySnapshotLine = z.infer<typeof DependencySnapshotLine>;

export const HistoryDependencyResult = z.object({
  country: z.string(),
  from: z.number(),
  to: z.number(),
  snapshots: z.array(DependencySnapshotLine),
});
export type HistoryDependencyResult = z.infer<typeof HistoryDependencyResult>;

let namesLoaded: Promise<AsNames | undefined> | undefined;

/** The bundled AS names, read once per process (a server asks for them on every request). */
function loadNames(): Promise<AsNames | undefined> {
  namesLoaded ??= loadAsNamesFile(DEFAULT_ASNAMES_FILE).catch(() => undefined);
  return namesLoaded;
}

/** A country's dependency snapshots in the range, each with the change against the one before. */
export async function historyDependency(
  raw: HistoryDependencyInput,
  held?: CairnStore,
): Promise<HistoryDependencyResult> {
  const input = HistoryDependencyInput.parse(raw);
  const country = parseCountryCode(input.country);
  const names = await loadNames();
  const name = (asn: number): string => names?.get(asn)?.name ?? '';
  return withExistingStore(held ?? input.db, async (store) => {
    const { from, to } = await rangeOf(store, input);
    const series = await store.dependencySeries(country, from, to);
    const before = series.length > 0 ? await store.dependencyAt(country, series[0].time - 1e-6) : undefined;
    let previous = new Map((before?.dependency ?? []).map((d) => [d.asn, d.hegemony]));
    const snapshots = series.map((s) => {
      const line = {
        time: iso(s.time),
        at: s.time,
        peers: s.peers,
        dependency: s.dependency.slice(0, input.top).map((d) => ({
          asn: d.asn,
          name: name(d.asn),
          hegemony: d.hegemony,
          change: d.hegemony - (previous.get(d.asn) ?? 0),
        })),
        upstreams: s.upstreams.map((u) => ({ asn: u.asn, name: name(u.asn), share: u.share })),
      };
      previous = new Map(s.dependency.map((d) => [d.asn, d.hegemony]));
      return line;
    });
    return HistoryDependencyResult.parse({ country, from, to, snapshots });
  });
}

// ---- outages ------------------------------------------------------------------------------------

export const HistoryOutagesInput = StoreInput.extend({
  country: z.string().optional(),
  /** A selection label as detectors name it (`country KP`); --country is the usual way. */
  selection: z.string().optional(),
  open: z.boolean().optional(),
});
export type HistoryOutagesInput = z.input<typeof HistoryOutagesInput>;

export const StoredOutageLine = OutageEventSchema.extend({
  selection: z.string(),
  startTime: z.string(),
  endTime: z.string().nullable(),
  // Every phase of observatory's life cycle (escalate, no-data, unresolved, ...), not only three.
  phases: z.array(z.object({ phase: OutageEventLine.shape.phase, time: z.number() })),
});
export type StoredOutageLine = z.infer<typeof StoredOutageLine>;

export const HistoryOutagesResult = z.object({ outages: z.array(StoredOutageLine) });
export type HistoryOutagesResult = z.infer<typeof HistoryOutagesResult>;

/** Outage events kept by ingest, latest state of each, filtered. */
export async function historyOutages(
  raw: HistoryOutagesInput,
  held?: CairnStore,
): Promise<HistoryOutagesResult> {
  const input = HistoryOutagesInput.parse(raw);
  const selection =
    input.country !== undefined ? `country ${parseCountryCode(input.country)}` : input.selection;
  return withExistingStore(held ?? input.db, async (store) => {
    const records = await store.outages({
      ...(selection !== undefined ? { selection } : {}),
      ...(input.from !== undefined ? { from: parseTime(input.from, 'from') } : {}),
      ...(input.to !== undefined ? { to: parseTime(input.to, 'to') } : {}),
      ...(input.open === true ? { openOnly: true } : {}),
    });
    return HistoryOutagesResult.parse({
      outages: records.map((r) => ({
        ...r.event,
        selection: r.selection,
        startTime: iso(r.event.start),
        endTime: r.event.end === undefined ? null : iso(r.event.end),
        phases: r.phases,
      })),
    });
  });
}

// ---- changes ------------------------------------------------------------------------------------

export const PrefixChangeLine = z.object({
  kind: z.enum(['origin', 'upstream']),
  prefix: z.string(),
  time: z.string(),
  at: z.number(),
  before: z.array(z.number().int()),
  after: z.array(z.number().int()),
});
export type PrefixChangeLine = z.infer<typeof PrefixChangeLine>;

export const HistoryPrefixChangesInput = StoreInput.extend({
  prefix: z.string().optional(),
  asn: z.union([z.string(), z.number()]).optional(),
  kind: z.enum(['origin', 'upstream']).optional(),
});
export type HistoryPrefixChangesInput = z.input<typeof HistoryPrefixChangesInput>;

export const HistoryPrefixChangesResult = z.object({
  prefix: z.string().optional(),
  asn: z.number().int().optional(),
  changes: z.array(PrefixChangeLine),
});
export type HistoryPrefixChangesResult = z.infer<typeof HistoryPrefixChangesResult>;

/** Origin (MOAS) and upstream changes of a prefix, or of the prefixes an AS appears in. */
export async function historyPrefixChanges(
  raw: HistoryPrefixChangesInput,
  held?: CairnStore,
): Promise<HistoryPrefixChangesResult> {
  const input = HistoryPrefixChangesInput.parse(raw);
  if ((input.prefix === undefined) === (input.asn === undefined))
    throw new ParseError('CLI_BAD_OPTION', 'give exactly one of --prefix, --asn (or --country)', {
      field: 'selection',
    });
  const prefix = input.prefix !== undefined ? parsePrefix(input.prefix).toString() : undefined;
  const asn = input.asn !== undefined ? parseAsn(String(input.asn)) : undefined;
  return withExistingStore(held ?? input.db, async (store) => {
    const changes = await store.prefixChanges({
      ...(prefix !== undefined ? { prefix } : {}),
      ...(asn !== undefined ? { asn } : {}),
      ...(input.kind !== undefined ? { kind: input.kind } : {}),
      ...(input.from !== undefined ? { from: parseTime(input.from, 'from') } : {}),
      ...(input.to !== undefined ? { to: parseTime(input.to, 'to') } : {}),
    });
    return HistoryPrefixChangesResult.parse({
      ...(prefix !== undefined ? { prefix } : {}),
      ...(asn !== undefined ? { asn } : {}),
      changes: changes.map((c) => ({ ...c, time: iso(c.time), at: c.time })),
    });
  });
}

export const HistoryCountryChangesInput = StoreInput.extend({
  country: z.string(),
  /** Dependency moves smaller than this (absolute hegemony) are left out. */
  threshold: z.number().min(0).max(1).default(0.1),
});
export type HistoryCountryChangesInput = z.input<typeof HistoryCountryChangesInput>;

const NamedShare = z.object({ asn: z.number().int(), name: z.string(), share: z.number() });

export const HistoryCountryChangesResult = z.object({
  country: z.string(),
  from: z.number(),
  to: z.number(),
  /** The snapshots compared: the last at or before each time (null when there is none). */
  before: z.object({ time: z.string(), at: z.number() }).nullable(),
  after: z.object({ time: z.string(), at: z.number() }).nullable(),
  upstreamsGained: z.array(NamedShare),
  upstreamsLost: z.array(NamedShare),
  dependencyMoved: z.array(
    z.object({
      asn: z.number().int(),
      name: z.string(),
      before: z.number(),
      after: z.number(),
      change: z.number(),
    }),
  ),
  threshold: z.number(),
  /** Outage events of the country that overlap the range. */
  outages: z.number().int(),
});
export type HistoryCountryChangesResult = z.infer<typeof HistoryCountryChangesResult>;

/** What changed for a country between two times: upstreams gained or lost, dependency moved. */
export async function historyCountryChanges(
  raw: HistoryCountryChangesInput,
  held?: CairnStore,
): Promise<HistoryCountryChangesResult> {
  const input = HistoryCountryChangesInput.parse(raw);
  const country = parseCountryCode(input.country);
  const names = await loadNames();
  const name = (asn: number): string => names?.get(asn)?.name ?? '';
  return withExistingStore(held ?? input.db, async (store) => {
    const { from, to } = await rangeOf(store, input);
    const before = await store.dependencyAt(country, from);
    const after = await store.dependencyAt(country, to);
    const upstreams = (s: DependencySnapshot | undefined) =>
      new Map((s?.upstreams ?? []).map((u) => [u.asn, u.share]));
    const u0 = upstreams(before);
    const u1 = upstreams(after);
    const hegemony = (s: DependencySnapshot | undefined) =>
      new Map((s?.dependency ?? []).map((d) => [d.asn, d.hegemony]));
    const h0 = hegemony(before);
    const h1 = hegemony(after);
    const moved = [...new Set([...h0.keys(), ...h1.keys()])]
      .map((asn) => ({ asn, before: h0.get(asn) ?? 0, after: h1.get(asn) ?? 0 }))
      .map((m) => ({ ...m, name: name(m.asn), change: m.after - m.before }))
      .filter((m) => Math.abs(m.change) > input.threshold)
      .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.asn - b.asn);
    const outages = await store.outages({ selection: `country ${country}`, from, to });
    const snapshotTime = (s: DependencySnapshot | undefined) =>
      s === undefined ? null : { time: iso(s.time), at: s.time };
    return HistoryCountryChangesResult.parse({
      country,
      from,
      to,
      before: snapshotTime(before),
      after: snapshotTime(after),
      upstreamsGained: [...u1]
        .filter(([asn]) => !u0.has(asn))
        .map(([asn, share]) => ({ asn, name: name(asn), share })),
      upstreamsLost: [...u0]
        .filter(([asn]) => !u1.has(asn))
        .map(([asn, share]) => ({ asn, name: name(asn), share })),
      dependencyMoved: moved,
      threshold: input.threshold,
      outages: outages.length,
    });
  });
}
