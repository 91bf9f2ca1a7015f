/**
 * `cairn ingest --mrt FILE|DIR... [--registry FILE...] [--intel PATH...] [--db FILE | --store URL]`: writes
 * what cairn keeps from its inputs into the store (app ingest), one transaction per file, skipping
 * files already there. A bar on a terminal (files, elements/s, ETA), then a summary (JSON with
 * --json). Thin: parse, call app, render.
 *
 * `--fetch --source ris|routeviews --collector C... --from T --to T [--dir DIR]` first fetches the
 * archive's files into the local mirror (app fetchArchives, as `cairn fetch`) and ingests the
 * verified ones in time order (app fetchedFilePaths); a file missing or failed is reported and
 * the command ends with exit code 2 after ingesting the rest.
 */
import { Command, Option } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import {
  DEFAULT_FETCH_CONCURRENCY,
  INGEST_ELEMENTS_LABEL,
  INGEST_FILES_LABEL,
  MAX_FETCH_CONCURRENCY,
  ingest,
  isBusUrl,
  type IngestResult,
  type WorkHooks,
} from '../app/surface-store.js';
// Types only: the fetcher and the bus load when --fetch or a bus URL asks for them.
import type { BusIngestResult } from '../app/surface-bus.js';
import type { FetchResult } from '../app/surface-fetch.js';
import { ParseError, escapeForTerminal } from '../errors/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_INPUT_PROBLEM, EXIT_OK, type CliIo } from './io.js';
import { problemPrinter, progressHooks } from './output.js';

interface IngestCliOptions {
  mrt?: string[];
  registry?: string[];
  intel?: string[];
  db?: string;
  store?: string;
  bin: string;
  dependencyInterval: string;
  outageCountry?: string[];
  json?: boolean;
  progress?: boolean;
  fetch?: boolean;
  source?: 'ris' | 'routeviews';
  collector?: string[];
  from?: string;
  to?: string;
  kind?: string;
  dir?: string;
  baseUrl?: string;
  concurrency: string;
  jobs?: string;
  durable?: string;
  untilIdle?: boolean;
}

/** `ribs,updates` or repeated names; commas and spaces both separate. */
function listOf(values: readonly string[] | string | undefined): string[] {
  if (values === undefined) return [];
  return (typeof values === 'string' ? [values] : values)
    .flatMap((v) => v.split(/[,\s]+/))
    .filter((v) => v !== '');
}

/** With --fetch: the archive's files fetched into the mirror (app fetchArchives). */
async function fetchForIngest(io: CliIo, options: IngestCliOptions): Promise<FetchResult> {
  if (options.source === undefined)
    throw new ParseError('CLI_BAD_OPTION', '--fetch needs --source ris or routeviews', { field: 'source' });
  const kinds = listOf(options.kind);
  for (const kind of kinds)
    if (kind !== 'ribs' && kind !== 'updates')
      throw new ParseError(
        'CLI_BAD_OPTION',
        `--kind takes ribs, updates or both, not ${JSON.stringify(kind)}`,
        {
          field: 'kind',
        },
      );
  const { FETCH_FILES_LABEL, fetchArchives } = await import('../app/surface-fetch.js');
  const fetchLabels = new Set([FETCH_FILES_LABEL]);
  const bars = progressHooks(io, options.progress !== false);
  return fetchArchives(
    {
      source: options.source,
      collectors: listOf(options.collector),
      ...(options.from !== undefined ? { from: options.from } : {}),
      ...(options.to !== undefined ? { to: options.to } : {}),
      ...(kinds.length > 0 ? { kinds: kinds as ('ribs' | 'updates')[] } : {}),
      ...(options.dir !== undefined ? { dir: options.dir } : {}),
      ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
      concurrency: integerOption('concurrency', options.concurrency, 1, MAX_FETCH_CONCURRENCY),
    },
    {
      // One bar for the files (the bytes label would draw a second one).
      onProgress: (report) => (fetchLabels.has(report.label) ? bars.onProgress?.(report) : undefined),
      onDone: (label) => bars.onDone?.(label),
      ...problemPrinter(io, { limit: MAX_PROBLEM_LINES }),
    },
  );
}

function fetchLine(result: FetchResult): string {
  const s = result.summary;
  return (
    `fetched ${s.planned} files from ${result.source}: ${s.downloaded} downloaded, ${s.cached} cached, ` +
    `${s.missing} missing, ${s.failed} failed (${escapeForTerminal(result.dir)})\n`
  );
}

const MAX_PROBLEM_LINES = 20;

function integerOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text.trim()) || !(value >= min && value <= max))
    throw new ParseError('CLI_BAD_OPTION', `--${name} must be a whole number from ${min} to ${max}`, {
      field: name,
    });
  return value;
}

/** The bar: files done of all, elements per second, ETA (by files), on a terminal only. */
function ingestBar(io: CliIo, enabled: boolean): Pick<WorkHooks, 'onProgress' | 'onDone'> & { stop(): void } {
  if (!enabled || !io.stderrIsTTY) return { stop() {} };
  const bar = new SingleBar(
    {
      format: 'ingest [{bar}] {value}/{total} files | {rate} elements/s | ETA {eta_formatted}',
      stream: io.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  let elements = 0;
  let running = false;
  const rate = (): string => {
    const seconds = (Date.now() - started) / 1000;
    return seconds > 0 ? Math.round(elements / seconds).toLocaleString('en-US') : '0';
  };
  return {
    onProgress(report) {
      if (report.label === INGEST_ELEMENTS_LABEL) {
        elements = report.done;
        if (running) bar.update({ rate: rate() });
      } else if (report.label === INGEST_FILES_LABEL) {
        if (!running) {
          bar.start(report.total ?? report.done, 0, { rate: '0' });
          running = true;
        }
        bar.update(report.done, { rate: rate() });
      }
    },
    onDone(label) {
      if (label === INGEST_FILES_LABEL && running) {
        bar.stop();
        running = false;
      }
    },
    stop() {
      if (running) bar.stop();
    },
  };
}

function summaryText(result: IngestResult): string {
  const rate = result.seconds > 0 ? Math.round(result.elements / result.seconds) : 0;
  const c = result.counts;
  return (
    [
      `store ${escapeForTerminal(result.db)}: ${result.ingested} files ingested, ${result.skipped} already there`,
      `${result.elements.toLocaleString('en-US')} elements in ${result.seconds.toFixed(1)} s ` +
        `(${rate.toLocaleString('en-US')}/s), ${result.elementsWritten.toLocaleString('en-US')} from files written`,
      `the store holds ${c.files} files, ${c.bins} bins, ${c.visibilityPoints} visibility points, ` +
        `${c.dependencySnapshots} dependency snapshots, ${c.changes} prefix changes, ${c.outages} outages, ` +
        `${c.resets} session resets, ${c.evidence} evidence objects (${result.storeBytes.toLocaleString('en-US')} bytes)`,
    ].join('\n') + '\n'
  );
}

/** `--from nats://...`: the ingest worker on the element bus (app busIngest) until SIGINT/SIGTERM. */
async function runBusWorker(io: CliIo, options: IngestCliOptions, bus: string): Promise<number> {
  if (!isBusUrl(bus))
    throw new ParseError('CLI_BAD_OPTION', `--from takes a bus URL nats://host:port, not ${bus}`, {
      field: 'from',
    });
  if (options.mrt !== undefined || options.intel !== undefined || options.fetch === true)
    throw new ParseError(
      'CLI_BAD_OPTION',
      '--from reads the bus alone: no --mrt, --intel or --fetch with it',
      {
        field: 'from',
      },
    );
  const printer = problemPrinter(io, { limit: MAX_PROBLEM_LINES });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const { busIngest } = await import('../app/surface-bus.js');
  let result: BusIngestResult;
  try {
    result = await busIngest(
      {
        bus,
        ...((options.store ?? options.db) !== undefined ? { db: options.store ?? options.db } : {}),
        ...(options.durable !== undefined ? { durable: options.durable } : {}),
        untilIdle: options.untilIdle === true,
        ...(options.registry !== undefined ? { registry: options.registry } : {}),
        binSeconds: integerOption('bin', options.bin, 1, 86400),
        dependencySeconds: integerOption('dependency-interval', options.dependencyInterval, 60, 30 * 86400),
        ...(options.outageCountry !== undefined ? { outageCountries: options.outageCountry } : {}),
      },
      printer,
      { signal: controller.signal },
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  const rate = result.seconds > 0 ? Math.round(result.elements / result.seconds) : 0;
  io.stdout.write(
    options.json === true
      ? JSON.stringify(result) + '\n'
      : `store ${escapeForTerminal(result.db)} from ${escapeForTerminal(result.bus)}: ${result.ingested} segments ` +
          `ingested, ${result.skipped} already there, ${result.replayed} replayed for state\n` +
          `${result.elements.toLocaleString('en-US')} elements in ${result.seconds.toFixed(1)} s ` +
          `(${rate.toLocaleString('en-US')}/s), ${result.redelivered} messages delivered again\n`,
  );
  return EXIT_OK;
}

async function runIngest(io: CliIo, options: IngestCliOptions): Promise<number> {
  // --from names a time range with --fetch and the element bus without it.
  if (options.from !== undefined && isBusUrl(options.from)) return runBusWorker(io, options, options.from);
  let fetched: FetchResult | undefined;
  if (options.fetch === true) fetched = await fetchForIngest(io, options);
  else if (options.source !== undefined)
    throw new ParseError('CLI_BAD_OPTION', '--source is read with --fetch only', { field: 'fetch' });
  const fetchedPaths =
    fetched !== undefined ? (await import('../app/surface-fetch.js')).fetchedFilePaths(fetched) : [];
  const mrt = [...(options.mrt ?? []), ...fetchedPaths];
  if (fetched !== undefined) {
    // With --json, stdout holds the ingest result alone.
    (options.json === true ? io.stderr : io.stdout).write(fetchLine(fetched));
    if (mrt.length === 0 && options.intel === undefined && options.registry === undefined) {
      io.stderr.write('cairn: no file was fetched: nothing to ingest\n');
      return EXIT_INPUT_PROBLEM;
    }
  }
  const printer = problemPrinter(io, { limit: MAX_PROBLEM_LINES });
  const bar = ingestBar(io, options.progress !== false);
  let result: IngestResult;
  try {
    result = await ingest(
      {
        mrt,
        intel: options.intel ?? [],
        ...(options.registry !== undefined ? { registry: options.registry } : {}),
        ...((options.store ?? options.db) !== undefined ? { db: options.store ?? options.db } : {}),
        binSeconds: integerOption('bin', options.bin, 1, 86400),
        dependencySeconds: integerOption('dependency-interval', options.dependencyInterval, 60, 30 * 86400),
        ...(options.outageCountry !== undefined ? { outageCountries: options.outageCountry } : {}),
        ...(options.jobs !== undefined ? { jobs: integerOption('jobs', options.jobs, 1, 256) } : {}),
      },
      { ...bar, ...printer },
    );
  } finally {
    bar.stop();
  }
  if (printer.count > MAX_PROBLEM_LINES)
    io.stderr.write(`cairn: ${printer.count} problems in the input, ${MAX_PROBLEM_LINES} shown\n`);
  io.stdout.write(options.json === true ? JSON.stringify(result) + '\n' : summaryText(result));
  if (fetched !== undefined && fetched.summary.missing + fetched.summary.failed > 0)
    return EXIT_INPUT_PROBLEM;
  return EXIT_OK;
}

export function ingestCommand(context: CliContext): Command {
  return new Command('ingest')
    .description('keep what cairn computes from MRT, registry and evidence files in the store, once per file')
    .option(
      '--mrt <path...>',
      'MRT files or folders: RIB dumps and update files, any mix, replayed in time order',
    )
    .option(
      '--registry <file...>',
      'RIR delegated files (default: those in the store, else the bundled APNIC file)',
    )
    .option('--intel <path...>', 'evidence files or folders (STIX, MISP, ATT&CK, CSV, IoC lists)')
    .option('--db <file>', 'the store (default: $CAIRN_DB, else ~/.local/share/cairn/cairn.duckdb)')
    .option(
      '--store <url>',
      'a ClickHouse cluster store instead of a file: clickhouse://host:port[,host:port...]/database',
    )
    .option('--bin <seconds>', 'visibility bin width', '300')
    .option('--dependency-interval <seconds>', 'seconds between dependency snapshots', '3600')
    .option(
      '--outage-country <cc...>',
      'countries whose outages are detected (default: every country of the registry)',
    )
    .option(
      '-j, --jobs <n>',
      'threads: 1 runs all on one, 2 or more detects outages in a worker (default: the cores from 3 cores and large inputs, else 1)',
    )
    .option('--fetch', 'fetch the archive files first (as cairn fetch) and ingest them with the rest')
    .addOption(new Option('--source <source>', 'with --fetch: the archive').choices(['ris', 'routeviews']))
    .option('-c, --collector <name...>', 'with --fetch: collectors (rrc00; route-views2, route-views.linx)')
    .option(
      '--from <time|url>',
      'with --fetch: start of the range, ISO 8601, inclusive; nats://...: run as the bus worker',
    )
    .option('--to <time>', 'with --fetch: end of the range, ISO 8601, exclusive')
    .option('--kind <kinds>', 'with --fetch: ribs, updates or ribs,updates (default both)')
    .option('--dir <dir>', 'with --fetch: the local mirror (default as cairn fetch)')
    .option('--base-url <url>', 'with --fetch: the archive root URL (default as cairn fetch)')
    .option('--concurrency <n>', 'with --fetch: downloads at a time', String(DEFAULT_FETCH_CONCURRENCY))
    .option('--durable <name>', 'with --from nats://: the durable consumer (default cairn-ingest)')
    .option('--until-idle', 'with --from nats://: end once the bus has nothing left to deliver')
    .option('--json', 'the summary as JSON')
    .option('--no-progress', 'no progress bar on stderr')
    .action(action(context, (options: IngestCliOptions) => runIngest(context.io, options)));
}
