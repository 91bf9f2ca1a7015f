/**
 * `cairn fetch --source ris|routeviews|rir|asnames --collector NAME... --from ISO --to ISO
 * [--kind ribs,updates] [--dir DIR] [--concurrency N] [--base-url URL] [--json]`: fetches the
 * public archives' files into a local mirror (app fetchArchives) and lists them, or prints the
 * result as one JSON object. A progress bar (files, bytes received, ETA) is drawn when stderr is
 * a terminal. Exit code 2 when a file is missing or failed (the others are fetched all the same).
 */
import { Command, Option } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import {
  FETCH_BYTES_LABEL,
  FETCH_FILES_LABEL,
  MAX_FETCH_CONCURRENCY,
  DEFAULT_FETCH_CONCURRENCY,
  fetchArchives,
  type FetchHooks,
  type FetchInput,
  type FetchResult,
  type ProgressReport,
} from '../app/surface-fetch.js';
import { ParseError, escapeForTerminal } from '../errors/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_INPUT_PROBLEM, EXIT_OK, type CliIo } from './io.js';
import { problemPrinter, textTable } from './output.js';

interface FetchCliOptions {
  source: FetchInput['source'];
  collector?: string[];
  from?: string;
  to?: string;
  kind?: string;
  dir?: string;
  concurrency: string;
  baseUrl?: string;
  retries?: string;
  reverify?: boolean;
  json?: boolean;
  progress?: boolean;
}

function integerOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text.trim()) || !(value >= min && value <= max))
    throw new ParseError('CLI_BAD_OPTION', `--${name} must be an integer from ${min} to ${max}`, {
      field: name,
    });
  return value;
}

/** `ribs,updates` or repeated names; commas and spaces both separate. */
function listOf(values: readonly string[] | string | undefined): string[] {
  if (values === undefined) return [];
  return (typeof values === 'string' ? [values] : values)
    .flatMap((v) => v.split(/[,\s]+/))
    .filter((v) => v !== '');
}

function kindsOf(text: string | undefined): FetchInput['kinds'] {
  if (text === undefined) return undefined;
  const kinds = listOf(text);
  for (const kind of kinds)
    if (kind !== 'ribs' && kind !== 'updates')
      throw new ParseError(
        'CLI_BAD_OPTION',
        `--kind takes ribs, updates or both, not ${JSON.stringify(kind)}`,
        {
          field: 'kind',
        },
      );
  return kinds as ('ribs' | 'updates')[];
}

const MIB = 1024 * 1024;
const size = (bytes: number): string =>
  bytes >= MIB
    ? `${(bytes / MIB).toFixed(1)} MiB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${bytes} B`;

/** One bar: files done of planned, with the bytes received so far. */
function fetchBar(io: CliIo, enabled: boolean): Pick<FetchHooks, 'onProgress' | 'onDone'> {
  if (!enabled || !io.stderrIsTTY) return {};
  const bar = new SingleBar(
    {
      format: 'fetch [{bar}] {value}/{total} files | {received} received | {eta_formatted}',
      stream: io.stderr,
      // The io says whether stderr is a terminal (checked above), not the stream's own flag.
      noTTYOutput: true,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  let received = 0;
  let files = { done: 0, total: 0 };
  const draw = (): void => {
    if (!started) {
      bar.start(Math.max(files.total, 1), files.done, { received: size(received) });
      started = true;
    }
    bar.setTotal(Math.max(files.total, 1));
    bar.update(files.done, { received: size(received) });
  };
  return {
    onProgress(report: ProgressReport) {
      if (report.label === FETCH_BYTES_LABEL) received = report.done;
      else if (report.label === FETCH_FILES_LABEL)
        files = { done: report.done, total: report.total ?? report.done };
      draw();
    },
    onDone(label: string) {
      if (label === FETCH_FILES_LABEL && started) bar.stop();
    },
  };
}

function text(result: FetchResult): string {
  const rows: string[][] = [['status', 'bytes', 'file']];
  for (const file of result.files) {
    const where = file.status === 'missing' || file.status === 'failed' ? file.url : file.path;
    const resumed = file.resumedFrom.length > 0 ? ` (resumed ${file.resumedFrom.length}x)` : '';
    rows.push([file.status, file.verified ? size(file.bytes) : '-', escapeForTerminal(where) + resumed]);
  }
  const s = result.summary;
  return (
    `${textTable(rows)}\n` +
    `${s.planned} files: ${s.downloaded} downloaded, ${s.cached} cached, ${s.missing} missing, ${s.failed} failed; ` +
    `${size(s.bytesReceived)} received, ${size(s.bytesOnDisk)} on disk in ${escapeForTerminal(result.dir)}\n`
  );
}

export function fetchCommand(context: CliContext): Command {
  const { io } = context;
  return new Command('fetch')
    .description(
      'Fetch public archive files (RIPE RIS, RouteViews, RIR statistics, AS names) into a local mirror, ' +
        'resuming, retrying and verifying each one',
    )
    .addOption(
      new Option('--source <source>', 'which archive')
        .choices(['ris', 'routeviews', 'rir', 'asnames'])
        .makeOptionMandatory(),
    )
    .option(
      '-c, --collector <name...>',
      'collectors (rrc00; route-views2, route-views.linx) or registries (apnic, ...); repeat or separate with commas',
    )
    .option('--from <time>', 'start of the range, ISO 8601 (UTC unless an offset is given), inclusive')
    .option('--to <time>', 'end of the range, ISO 8601, exclusive')
    .option('--kind <kinds>', 'ribs, updates or ribs,updates (default both)')
    .option('--dir <dir>', 'local mirror (default $CAIRN_ARCHIVE_DIR, else ~/.cache/cairn/archives)')
    .option('--concurrency <n>', 'downloads at a time', String(DEFAULT_FETCH_CONCURRENCY))
    .option(
      '--base-url <url>',
      'archive root URL (the file URL for asnames); default from $CAIRN_RIS_URL, $CAIRN_ROUTEVIEWS_URL, $CAIRN_RIR_URL, $CAIRN_ASNAMES_URL, else the public archive',
    )
    .option('--retries <n>', 'retries per file after a failure that may pass (default 5)')
    .option('--reverify', 'decompress cached files again before trusting them')
    .option('--json', 'print one JSON object instead of a table')
    .option('--no-progress', 'no progress bar')
    .action(
      action(context, async (options: FetchCliOptions) => {
        const input: FetchInput = {
          source: options.source,
          collectors: listOf(options.collector),
          ...(options.from !== undefined ? { from: options.from } : {}),
          ...(options.to !== undefined ? { to: options.to } : {}),
          ...(options.kind !== undefined ? { kinds: kindsOf(options.kind) } : {}),
          ...(options.dir !== undefined ? { dir: options.dir } : {}),
          concurrency: integerOption('concurrency', options.concurrency, 1, MAX_FETCH_CONCURRENCY),
          ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
          ...(options.retries !== undefined
            ? { retries: integerOption('retries', options.retries, 0, 50) }
            : {}),
          ...(options.reverify === true ? { reverify: true } : {}),
        };
        const problems = problemPrinter(io);
        const result = await fetchArchives(input, {
          ...fetchBar(io, options.progress !== false),
          ...problems,
        });
        io.stdout.write(options.json === true ? `${JSON.stringify(result)}\n` : text(result));
        return result.summary.missing + result.summary.failed > 0 ? EXIT_INPUT_PROBLEM : EXIT_OK;
      }),
    );
}
