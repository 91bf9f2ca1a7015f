/**
 * `cairn watch --ris-live [--url URL] --country CC [--host rrc00...] [--rib FILE...] [--json]`: follows RIPE RIS
 * Live (app watchRisLive) and prints outage and peer alerts as they happen (JSON lines with
 * --json, one escaped line each otherwise) until SIGINT/SIGTERM, then what it saw (one
 * `watch-stats` JSON line, or a few lines of text). Connection problems go to stderr. Thin:
 * parse, call app, render.
 */
import { Command } from 'commander';
import { watchRisLive, type AlertJson, type WatchStats } from '../app/surface-outages.js';
import { ParseError, escapeForTerminal } from '../errors/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_INPUT_PROBLEM, EXIT_OK, unreadableInputs, type CliIo } from './io.js';
import { problemPrinter } from './output.js';

interface WatchCliOptions {
  risLive?: boolean;
  url?: string;
  country?: string;
  asn?: string;
  prefix?: string[];
  registry?: string[];
  host?: string[];
  json?: boolean;
  bin?: string;
  minHistory?: string;
  minFullFeedPeers?: string;
  timeScale?: string;
  rib?: string[];
  publish?: string;
}

/** Problem lines shown on stderr; a long watch counts the rest in the stats. */
const MAX_PROBLEM_LINES = 100;

function numberOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text.trim()) || !(value >= min && value <= max))
    throw new ParseError('CLI_BAD_OPTION', `--${name} must be a number from ${min} to ${max}`, {
      field: name,
    });
  return value;
}

const text = (value: unknown): string => escapeForTerminal(String(value));

/** One line for people per alert. */
export function alertLine(alert: AlertJson): string {
  const a = alert;
  switch (a.kind) {
    case 'outage-open':
    case 'outage-update':
    case 'outage-close':
      return (
        `${a.kind} ${text(a.time)} #${a.eventId} ${text(a.selection ?? '')} ${a.classification} ${a.extent} ` +
        `${a.level}: lost ${(a.lostShare * 100).toFixed(1)}%, ${a.prefixCount} prefixes, cause ${a.cause}` +
        (a.kind === 'outage-close' ? `, ${Math.round(a.duration / 60)} min, severity ${a.severity} s` : '') +
        `; ${a.prefixes.map(text).join(' ')}` +
        (a.prefixCount > a.prefixes.length ? ' ...' : '')
      );
    case 'peer-up':
    case 'peer-down':
      return `${a.kind} ${text(a.time)} AS${a.peerAsn} ${text(a.peer)} at ${text(a.description ?? '?')}`;
    default: {
      const rest = Object.entries(a)
        .filter(([key]) => key !== 'kind' && key !== 'time' && key !== 'wallTime')
        .map(([key, value]) => `${key}=${text(typeof value === 'object' ? JSON.stringify(value) : value)}`)
        .join(' ');
      return `${a.kind} ${text(a.time)} ${rest}`;
    }
  }
}

function statsText(stats: WatchStats): string {
  const m = stats.messages;
  const c = stats.connection;
  const alerts = Object.entries(stats.alerts)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  return [
    `watched ${text(stats.selection)} on ${text(stats.url)} from ${stats.firstTime ?? '-'} to ${stats.lastTime ?? '-'}`,
    `messages: ${m.update} updates (${stats.announced} prefixes announced, ${stats.withdrawn} withdrawn), ` +
      `${m.peerState} peer states, ${m.open + m.notification + m.keepalive} other` +
      (m.otherHost > 0 ? `, ${m.otherHost} from other hosts` : ''),
    `peers: ${stats.peers} at ${stats.hosts.map(text).join(' ') || '-'}; ` +
      `detector: ${stats.detector.trackedPrefixes} prefixes tracked, ${stats.detector.fullFeedPeers} full-feed peers` +
      (stats.detector.openEvent ? ', an outage open' : ''),
    `connection: ${c.connections} opened, ${c.reconnects} reconnects, ${c.frames} frames, ${c.dropped} dropped, ` +
      `${c.malformed} malformed, ${c.invalid} invalid, ${c.unknownTypes} unknown types, ${c.serverErrors} server errors`,
    `alerts: ${alerts || 'none'}; problems: ${stats.problems}`,
  ].join('\n');
}

async function runWatch(io: CliIo, options: WatchCliOptions): Promise<number> {
  if (options.risLive !== true)
    throw new ParseError('CLI_BAD_OPTION', 'give --ris-live (the one live source for now)', {
      field: 'ris-live',
    });
  const binSeconds = numberOption('bin', options.bin, 1, 86400);
  const minHistorySeconds = numberOption('min-history', options.minHistory, 0, 90 * 86400);
  const minFullFeedPeers = numberOption('min-full-feed-peers', options.minFullFeedPeers, 1, 1e6);
  const timeScale = numberOption('time-scale', options.timeScale, 0.000001, 1e6);
  const printer = problemPrinter(io, { limit: MAX_PROBLEM_LINES });
  const json = options.json === true;
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const watch = await watchRisLive(
      {
        ...(options.url !== undefined ? { url: options.url } : {}),
        selection: {
          ...(options.country !== undefined ? { country: options.country } : {}),
          ...(options.asn !== undefined ? { asn: options.asn } : {}),
          ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
          ...(options.registry !== undefined ? { registry: options.registry } : {}),
        },
        ...(options.host !== undefined ? { hosts: options.host } : {}),
        ...(options.rib !== undefined ? { rib: options.rib } : {}),
        ...(options.publish !== undefined ? { publish: options.publish } : {}),
        ...(timeScale !== undefined ? { timeScale } : {}),
        detection: {
          ...(binSeconds !== undefined ? { binSeconds } : {}),
          ...(minHistorySeconds !== undefined ? { minHistorySeconds } : {}),
          ...(minFullFeedPeers !== undefined ? { minFullFeedPeers } : {}),
        },
      },
      (alert) => io.stdout.write((json ? JSON.stringify(alert) : alertLine(alert)) + '\n'),
      printer,
    );
    // An input that could not be read (the registry) makes the watch meaningless: stop now.
    const unreadable = unreadableInputs(io);
    if (unreadable.length > 0) {
      await watch.stop();
      io.stderr.write(`cairn: could not read ${escapeForTerminal(unreadable.join(', '))}: not watching\n`);
      return EXIT_INPUT_PROBLEM;
    }
    if (!controller.signal.aborted)
      await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve()));
    const stats = await watch.stop();
    if (printer.count > MAX_PROBLEM_LINES)
      io.stderr.write(`cairn: ${printer.count} problems, ${MAX_PROBLEM_LINES} shown\n`);
    io.stdout.write((json ? JSON.stringify(stats) : statsText(stats)) + '\n');
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return EXIT_OK;
}

export function watchCommand(context: CliContext): Command {
  return new Command('watch')
    .description('follow a live BGP feed and print outage alerts as they happen (until Ctrl-C)')
    .option('--ris-live', 'follow RIPE RIS Live')
    .option('--url <url>', 'RIS Live WebSocket URL (default wss://ris-live.ripe.net/v1/ws/)')
    .option('--country <cc>', 'watch a country (registry longest match)')
    .option('--asn <asn>', 'watch an origin AS')
    .option('--prefix <prefix...>', 'watch prefixes (and their more-specifics)')
    .option('--registry <file...>', 'RIR delegated files for --country (default: the bundled APNIC file)')
    .option('--host <rrc...>', 'only these RIS collectors (default all)')
    .option(
      '--rib <file...>',
      'start the table from these RIB dumps (MRT bview/RIB of the collectors followed)',
    )
    .option('--json', 'alerts and the final stats as JSON lines')
    .option('--bin <seconds>', 'detector bin width in data seconds (default 300)')
    .option('--min-history <seconds>', 'history before the first alert (default 3600)')
    .option('--min-full-feed-peers <n>', 'detect only with this many full-feed peers (default 2)')
    .option('--time-scale <x>', 'data seconds per wall second between messages (replays, tests; default 1)')
    .option('--publish <url>', 'also publish every UPDATE to the element bus: nats://host:port')
    .action(action(context, (options: WatchCliOptions) => runWatch(context.io, options)));
}
