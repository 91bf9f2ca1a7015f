/**
 * `cairn outages --mrt FILE... [--country CC | --asn N | --prefix P...]`: outage events replayed
 * from archives (app replayOutages), as a table or JSON lines (events as they open and each step
 * of their life cycle as it happens, then every event, no-data period, session reset and bin), and
 * optionally the series as CSV. `cairn outages --live [--socket PATH]` follows a running
 * `cairn collect --alert-socket` (app followOutages) and prints its alerts as they come; events
 * still open when the stream ends are said to be open ("collector stopped"), never recovered.
 * Thin: parse, call app, render.
 */
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import {
  DEFAULT_ALERT_SOCKET,
  OUTAGE_DEFAULTS,
  followOutages,
  outageBinsCsv,
  replayOutages,
  ARCHIVE_GAP_SECONDS,
  type AlertJson,
  type NoDataLine,
  type OutageEventLine,
  type SessionResetLine,
  type SelectionInput,
} from '../app/surface-outages.js';
import { ParseError, escapeForTerminal } from '../errors/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_OK, type CliIo } from './io.js';
import { problemPrinter, progressHooks } from './output.js';

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
  gap: string;
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

/** 7m10s under an hour, 9h31m above. */
function minutes(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const isoOf = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();

function eventsText(events: OutageEventLine[], resets: SessionResetLine[], noData: NoDataLine[]): string {
  const lines: string[] = [];
  if (events.length === 0) lines.push('No outage events.');
  for (const e of events) {
    lines.push(
      `#${e.id} ${e.startTime} .. ${e.endTime ?? 'open'} (${minutes(e.duration)}) ` +
        `${e.classification} ${e.extent} ${e.level}: lost ${(e.lostShare * 100).toFixed(1)}% of ${e.baseline} ` +
        `${e.unit === 'ipv4-slash24' ? '/24s' : '/48s'}, severity ${Math.round(e.severity)} s`,
    );
    lines.push(`   ${escapeForTerminal(e.status)}`);
    const window = (w: { from: number; to: number }): string =>
      w.from === w.to ? isoOf(w.from) : `${isoOf(w.from)} .. ${isoOf(w.to)} (${w.to - w.from} s)`;
    lines.push(
      `   peers lost routes ${window(e.startWindow)}` +
        (e.endWindow !== undefined
          ? `; ${e.endReason === 'no-data' ? 'back somewhere in' : 're-announced'} ${window(e.endWindow)}`
          : ''),
    );
    lines.push(
      `   coverage: ${e.coverage.peersLost} of ${e.coverage.fullFeedPeers} full-feed peers lost routes, ` +
        `${e.coverage.peersKept} kept them`,
    );
    for (const gap of e.noData)
      lines.push(
        `   no data ${isoOf(gap.from)} .. ${gap.to === undefined ? 'end' : isoOf(gap.to)} (${gap.reason})`,
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
          .map((p) => `AS${p.peerAsn} ${escapeForTerminal(p.peerAddress)} at ${isoOf(p.time)}`)
          .join(', ')}`,
      );
  }
  for (const n of noData)
    lines.push(`no data (not an outage, not a recovery): ${n.fromTime} .. ${n.toTime ?? 'end'}, ${n.reason}`);
  for (const r of resets)
    lines.push(
      `session reset (not an outage): AS${r.peerAsn} ${escapeForTerminal(r.peerAddress)} at ${r.startTime}, ` +
        `${r.routesRemoved} routes, back ${r.end === undefined ? 'never' : isoOf(r.end)}`,
    );
  return lines.join('\n') + '\n';
}

/** Text line of a live alert (its strings come from a socket: escaped for the terminal). */
export function alertText(alert: AlertJson): string {
  const text = (value: unknown): string => escapeForTerminal(String(value));
  const a = alert;
  switch (a.kind) {
    case 'outage-recovery':
      return `outage-recovery ${text(a.time)} #${a.eventId}: ${text(a.message)}`;
    case 'outage-unresolved':
      return `outage-unresolved ${text(a.time)} #${a.eventId} ${a.classification}: ${text(a.status)}`;
    case 'outage-open':
    case 'outage-update':
    case 'outage-escalated':
    case 'outage-de-escalated':
    case 'outage-close': {
      const tail =
        a.kind === 'outage-close'
          ? `, ${minutes(a.duration)}, severity ${a.severity} s`
          : a.kind === 'outage-escalated' || a.kind === 'outage-de-escalated'
            ? `, now ${a.currentExtent} ${a.currentLevel} (was ${a.previous.currentExtent} ${a.previous.currentLevel})`
            : `, cause ${a.cause}`;
      return (
        `${a.kind} ${text(a.time)} #${a.eventId} ${a.classification} ${a.extent} ${a.level}: ` +
        `lost ${(a.lostShare * 100).toFixed(1)}%${tail}; prefixes: ${a.prefixes.map(text).join(' ')}` +
        (a.prefixCount > a.prefixes.length ? ` (${a.prefixCount} in all)` : '')
      );
    }
    case 'session-reset':
      return (
        `session-reset ${text(a.time)} AS${a.peerAsn} ${text(a.peer)}: ${a.routesRemoved} routes ` +
        `(not an outage)`
      );
    default: {
      const rest = Object.entries(a)
        .filter(([key]) => key !== 'kind' && key !== 'time')
        .map(([key, value]) => `${key}=${text(typeof value === 'object' ? JSON.stringify(value) : value)}`)
        .join(' ');
      return `${a.kind} ${text(a.time)} ${rest}`;
    }
  }
}

function selectionOf(options: OutageCliOptions): SelectionInput {
  return {
    ...(options.country !== undefined ? { country: options.country } : {}),
    ...(options.asn !== undefined ? { asn: options.asn } : {}),
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    ...(options.registry !== undefined ? { registry: options.registry } : {}),
  };
}

/** `--live`: prints each alert of a collector's stream until it ends or SIGINT/SIGTERM. */
async function runLive(io: CliIo, options: OutageCliOptions): Promise<number> {
  if (options.mrt !== undefined)
    throw new ParseError('CLI_BAD_OPTION', '--live and --mrt exclude each other', { field: 'live' });
  const selection = selectionOf(options);
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await followOutages(
      {
        ...(options.socket !== undefined ? { socket: options.socket } : {}),
        ...(Object.keys(selection).length > 0 ? { selection } : {}),
        signal: controller.signal,
      },
      (alert) => {
        io.stdout.write((options.json === true ? JSON.stringify(alert) : alertText(alert)) + '\n');
      },
    );
    // The stream ended with events never closed: open when the collector stopped, not recovered.
    for (const e of result.stillOpen)
      io.stderr.write(
        `cairn: event #${e.eventId} (from ${escapeForTerminal(e.start)}) still open: ` +
          `collector stopped after ${escapeForTerminal(e.lastAlert)}, no recovery seen\n`,
      );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return EXIT_OK;
}

async function runReplay(io: CliIo, options: OutageCliOptions): Promise<number> {
  const binSeconds = numberOption('bin', options.bin, 1, 86400);
  const printer = problemPrinter(io, { limit: MAX_PROBLEM_LINES });
  const jsonLines = options.json === true;
  const result = await replayOutages(
    {
      mrt: options.mrt ?? [],
      selection: selectionOf(options),
      detector: {
        binSeconds,
        historySeconds: numberOption('history', options.history, 1, 90 * 86400),
        minHistorySeconds: numberOption('min-history', options.minHistory, 0, 90 * 86400),
        fullFeedShare: numberOption('full-feed-share', options.fullFeedShare, 0, 1),
        minFullFeedPeers: numberOption('min-full-feed-peers', options.minFullFeedPeers, 1, 1e6),
        gapSeconds: numberOption('gap', options.gap, 0, 90 * 86400),
      },
    },
    {
      onOpen: jsonLines ? (line) => io.stdout.write(JSON.stringify(line) + '\n') : undefined,
      onLifecycle: jsonLines ? (line) => io.stdout.write(JSON.stringify(line) + '\n') : undefined,
      ...progressHooks(io, options.progress !== false),
      ...printer,
    },
  );
  if (printer.count > MAX_PROBLEM_LINES)
    io.stderr.write(`cairn: ${printer.count} problems in the input, ${MAX_PROBLEM_LINES} shown\n`);
  if (jsonLines) {
    const out = [...result.events, ...result.noData, ...result.resets, ...result.bins].map((line) =>
      JSON.stringify(line),
    );
    io.stdout.write(out.join('\n') + (out.length > 0 ? '\n' : ''));
  } else {
    io.stdout.write(eventsText(result.events, result.resets, result.noData));
    io.stdout.write(
      `${result.bins.length} bins of ${result.binSeconds} s, ${result.trackedPrefixes} prefixes tracked, ` +
        `${result.fullFeedPeers} full-feed peers at the end\n`,
    );
  }
  if (options.csv !== undefined) await writeFile(options.csv, outageBinsCsv(result.bins));
  return EXIT_OK;
}

export function outagesCommand(context: CliContext): Command {
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
      '--gap <seconds>',
      'an input silent this long is a gap: no data (0: never)',
      String(ARCHIVE_GAP_SECONDS),
    )
    .option(
      '--registry <file...>',
      'RIR delegated files for --country (default: the bundled APNIC 2014 file)',
    )
    .option(
      '--json',
      'JSON lines: events as they open and their life cycle, then every event, no-data period, session reset and bin',
    )
    .option('--csv <file>', 'write the binned visibility series as CSV')
    .option('--live', "follow a running collector's alerts (cairn collect --alert-socket)")
    .option('--socket <path>', `the collector's alert socket for --live (default ${DEFAULT_ALERT_SOCKET})`)
    .option('--no-progress', 'no progress bar on stderr')
    .action(
      action(context, (options: OutageCliOptions) =>
        options.live === true ? runLive(context.io, options) : runReplay(context.io, options),
      ),
    );
}
