/**
 * `cairn outages --mrt FILE... [--country CC | --asn N | --prefix P...]`: replays archived RIB and
 * update files through the routing table and the outage detector (src/observatory/outages.ts) and
 * prints the events (a table, or JSON lines with --json, followed by the binned visibility series)
 * and optionally the series as CSV for charting. Thin: the logic is in routing and observatory.
 * `cairn outages --live [--socket PATH]` instead attaches to a running `cairn collect
 * --alert-socket` and prints its alerts (outage-open/update/close, session-reset) as they come.
 */
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { CairnError, ParseError, escapeForTerminal } from '../errors/index.js';
import { parseAsn, parsePrefix } from '../net/index.js';
import type { OutageBin, OutageEvent, PrefixSelector, SessionReset } from '../observatory/index.js';
import {
  OUTAGE_DEFAULTS,
  OutageDetector,
  parseCountryCode,
  selectCountry,
  selectOrigin,
  selectPrefixes,
} from '../observatory/index.js';
import { Registry } from '../registry/index.js';
import { RoutingTable } from '../routing/index.js';
import { DEFAULT_REGISTRY_FILES } from './country.js';
import { replayMrtFiles } from './replay.js';
import { DEFAULT_ALERT_SOCKET, followAlerts } from './live.js';
import { problemLine } from './output.js';

interface OutageCliOptions {
  mrt?: string[];
  country?: string;
  asn?: string;
  prefix?: string[];
  bin: string;
  history: string;
  minHistory: string;
  fullFeedShare: string;
  minFullFeedPeers: string;
  registry?: string[];
  json?: boolean;
  csv?: string;
  live?: boolean;
  socket?: string;
  progress?: boolean;
}

const MAX_PROBLEM_LINES = 20;

function numberOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text.trim()) || !(value >= min && value <= max))
    throw new ParseError('CLI_BAD_OPTION', `--${name} must be a number from ${min} to ${max}`, {
      field: name,
    });
  return value;
}

const iso = (seconds: number | undefined): string | null =>
  seconds === undefined ? null : new Date(Math.round(seconds * 1000)).toISOString();

function minutes(seconds: number): string {
  const m = Math.round(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m`;
}

function eventJson(event: OutageEvent): object {
  return {
    type: 'event',
    ...event,
    startTime: iso(event.start),
    endTime: iso(event.end),
  };
}

function binCsv(bins: OutageBin[]): string {
  const lines = [
    'time,value,minimum,ipv4_slash24s,ipv6_slash48s,visible_prefixes,full_feed_peers,baseline,in_event',
  ];
  for (const b of bins)
    lines.push(
      [
        iso(b.start),
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

function eventsText(events: OutageEvent[], resets: SessionReset[]): string {
  const lines: string[] = [];
  if (events.length === 0) lines.push('No outage events.');
  for (const e of events) {
    lines.push(
      `#${e.id} ${iso(e.start)} .. ${e.end === undefined ? 'open' : iso(e.end)} (${minutes(e.duration)}) ` +
        `${e.classification} ${e.extent} ${e.level}: lost ${(e.lostShare * 100).toFixed(1)}% of ${e.baseline} ` +
        `${e.unit === 'ipv4-slash24' ? '/24s' : '/48s'}, severity ${Math.round(e.severity)} s`,
    );
    lines.push(`   cause: ${e.cause} (${escapeForTerminal(e.causeEvidence)})`);
    lines.push(
      `   prefixes: ${e.prefixes.slice(0, 20).join(' ')}${e.prefixes.length > 20 ? ` ... ${e.prefixes.length - 20} more` : ''}`,
    );
    if (e.upstreams.length > 0)
      lines.push(
        `   upstreams: ${e.upstreams
          .slice(0, 5)
          .map((u) => `AS${u.asn} (${u.routesLost} routes)`)
          .join(', ')}`,
      );
    if (e.firstLost.length > 0)
      lines.push(
        `   first lost by: ${e.firstLost
          .slice(0, 5)
          .map((p) => `AS${p.peerAsn} ${p.peerAddress} at ${iso(p.time)}`)
          .join(', ')}`,
      );
  }
  for (const r of resets)
    lines.push(
      `session reset (not an outage): AS${r.peerAsn} ${r.peerAddress} at ${iso(r.time)}, ` +
        `${r.routesRemoved} routes, back ${r.end === undefined ? 'never' : iso(r.end)}`,
    );
  return lines.join('\n') + '\n';
}

async function selector(options: OutageCliOptions): Promise<PrefixSelector> {
  const chosen = [options.country, options.asn, options.prefix].filter((x) => x !== undefined).length;
  if (chosen !== 1)
    throw new ParseError('CLI_BAD_OPTION', 'give exactly one of --country, --asn, --prefix', {
      field: 'selection',
    });
  if (options.country !== undefined) {
    const cc = parseCountryCode(options.country);
    const loaded = await Registry.load(options.registry ?? DEFAULT_REGISTRY_FILES);
    return selectCountry(loaded.registry, cc);
  }
  if (options.asn !== undefined) return selectOrigin(parseAsn(options.asn));
  return selectPrefixes((options.prefix ?? []).map((p) => parsePrefix(p)));
}

/** Text line of a live alert (fields come from the socket: escaped for the terminal). */
function alertText(alert: { kind: string; [field: string]: unknown }): string {
  const text = (value: unknown): string => escapeForTerminal(String(value));
  const a = alert;
  if (a.kind.startsWith('outage-')) {
    const prefixes = Array.isArray(a.prefixes) ? a.prefixes.map(text).join(' ') : '';
    const count = typeof a.prefixCount === 'number' ? a.prefixCount : 0;
    const lost = typeof a.lostShare === 'number' ? `${(a.lostShare * 100).toFixed(1)}%` : '?';
    const tail =
      a.kind === 'outage-close'
        ? `, ${minutes(Number(a.duration) || 0)}, severity ${text(a.severity)} s`
        : `, cause ${text(a.cause)}`;
    return (
      `${text(a.kind)} ${text(a.time)} #${text(a.eventId)} ${text(a.classification)} ${text(a.extent)} ` +
      `${text(a.level)}: lost ${lost}${tail}; prefixes: ${prefixes}` +
      (count > (Array.isArray(a.prefixes) ? a.prefixes.length : 0) ? ` (${count} in all)` : '')
    );
  }
  if (a.kind === 'session-reset')
    return (
      `session-reset ${text(a.time)} AS${text(a.peerAsn)} ${text(a.peer)}: ${text(a.routesRemoved)} routes ` +
      `(not an outage)`
    );
  const rest = Object.entries(a)
    .filter(([key]) => key !== 'kind' && key !== 'time')
    .map(([key, value]) => `${key}=${text(typeof value === 'object' ? JSON.stringify(value) : value)}`)
    .join(' ');
  return `${text(a.kind)} ${text(a.time)} ${rest}`;
}

/** The `selection` label the collector puts on its alerts for these options, if one is given. */
function selectionLabel(options: OutageCliOptions): string | undefined {
  if (options.country !== undefined) return `country ${parseCountryCode(options.country)}`;
  if (options.asn !== undefined) return `AS${parseAsn(options.asn)}`;
  if (options.prefix !== undefined) return options.prefix.map((p) => parsePrefix(p).toString()).join(' ');
  return undefined;
}

/** `--live`: attaches to a collector's alert stream and prints each alert until it ends or SIGINT. */
async function runLive(options: OutageCliOptions): Promise<void> {
  if (options.mrt !== undefined)
    throw new ParseError('CLI_BAD_OPTION', '--live and --mrt exclude each other', { field: 'live' });
  const wanted = selectionLabel(options);
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await followAlerts(
      options.socket ?? DEFAULT_ALERT_SOCKET,
      (alert) => {
        if (wanted !== undefined && typeof alert.selection === 'string' && alert.selection !== wanted) return;
        process.stdout.write((options.json === true ? JSON.stringify(alert) : alertText(alert)) + '\n');
      },
      controller.signal,
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function runOutages(options: OutageCliOptions): Promise<void> {
  if (options.live) {
    await runLive(options);
    return;
  }
  if (options.mrt === undefined || options.mrt.length === 0)
    throw new ParseError('CLI_BAD_OPTION', '--mrt FILE... is required (or --live)', { field: 'mrt' });
  const select = await selector(options);
  const binSeconds = numberOption('bin', options.bin, 1, 86400);
  const table = new RoutingTable();
  const detector = new OutageDetector(table, {
    select,
    binSeconds,
    historySeconds: Math.max(binSeconds, numberOption('history', options.history, 1, 90 * 86400)),
    minHistorySeconds: numberOption('min-history', options.minHistory, 0, 90 * 86400),
    fullFeedShare: numberOption('full-feed-share', options.fullFeedShare, 0, 1),
    minFullFeedPeers: numberOption('min-full-feed-peers', options.minFullFeedPeers, 1, 1e6),
  });
  let last = 0;
  table.onEvent((event) => {
    if (event.time > last) last = event.time;
  });
  const jsonLines = options.json === true;
  if (jsonLines)
    detector.onEvent((event, phase) => {
      if (phase === 'open') process.stdout.write(JSON.stringify({ phase, ...eventJson(event) }) + '\n');
    });
  let shown = 0;
  let problems = 0;
  const report = (problem: unknown): void => {
    problems++;
    if (shown++ < MAX_PROBLEM_LINES) process.stderr.write(`cairn: ${problemLine(problem)}\n`);
  };
  await replayMrtFiles(options.mrt, table, {
    verb: 'replaying',
    progress: options.progress !== false,
    report,
  });
  if (shown > MAX_PROBLEM_LINES)
    process.stderr.write(`cairn: ${problems} problems in the input, ${MAX_PROBLEM_LINES} shown\n`);
  detector.finish(last);
  if (jsonLines) {
    const out: string[] = [];
    for (const event of detector.events)
      out.push(JSON.stringify({ phase: event.open ? 'open' : 'close', ...eventJson(event) }));
    for (const reset of detector.sessionResets)
      out.push(JSON.stringify({ type: 'session-reset', ...reset, startTime: iso(reset.time) }));
    for (const bin of detector.bins) out.push(JSON.stringify({ type: 'bin', time: iso(bin.start), ...bin }));
    process.stdout.write(out.join('\n') + (out.length > 0 ? '\n' : ''));
  } else {
    process.stdout.write(eventsText(detector.events, detector.sessionResets));
    process.stdout.write(
      `${detector.bins.length} bins of ${binSeconds} s, ${detector.tracker.trackedCount} prefixes tracked, ` +
        `${detector.tracker.fullFeedPeers} full-feed peers at the end\n`,
    );
  }
  if (options.csv !== undefined) await writeFile(options.csv, binCsv(detector.bins));
}

export function outagesCommand(): Command {
  const d = OUTAGE_DEFAULTS;
  return new Command('outages')
    .description(
      'outage events and visible address space over time, replayed from MRT archives (IODA BGP method)',
    )
    .option('--mrt <file...>', 'MRT files: RIB dumps and/or update files, replayed in time order')
    .option('--country <cc>', 'a country (registry longest match of each prefix)')
    .option('--asn <asn>', 'an origin AS')
    .option('--prefix <prefix...>', 'prefixes (and their more-specifics)')
    .option('--bin <seconds>', 'bin width', String(d.binSeconds))
    .option('--history <seconds>', 'baseline window (median of the bins)', String(d.historySeconds))
    .option('--min-history <seconds>', 'history needed before detecting', String(d.minHistorySeconds))
    .option('--full-feed-share <share>', 'full feed: more than this share of the largest peer', '0.9')
    .option(
      '--min-full-feed-peers <n>',
      'detect only with at least this many full-feed peers',
      String(d.minFullFeedPeers),
    )
    .option(
      '--registry <file...>',
      'RIR delegated files for --country (default: the bundled APNIC 2014 file)',
    )
    .option('--json', 'JSON lines: events as they open, then every event, session reset and bin')
    .option('--csv <file>', 'write the binned visibility series as CSV')
    .option('--live', "follow a running collector's alerts (cairn collect --alert-socket)")
    .option('--socket <path>', `the collector's alert socket for --live (default ${DEFAULT_ALERT_SOCKET})`)
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (options: OutageCliOptions) => {
      try {
        await runOutages(options);
      } catch (error) {
        if (error instanceof CairnError) {
          process.stderr.write(`cairn: ${escapeForTerminal(error.describe())}\n`);
          process.exitCode = 1;
          return;
        }
        throw error;
      }
    });
}
