/**
 * Rendering shared by the CLI commands: progress bars drawn from WorkHooks on the io's stderr
 * (only when it is a terminal), problem lines with a cap on how many are shown, text tables, and
 * the MRT statistics block (`cairn mrt stats` and `cairn demo`).
 *
 * @example
 * const hooks = { ...progressHooks(io, options.progress), ...problemPrinter(io) };
 * const result = await countryReport(input, hooks);
 */
import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';
import type { MrtStatsResult, ProgressReport, WorkHooks } from '../app/index.js';
import { CairnError, escapeForTerminal, type ErrorCode } from '../errors/index.js';
import { noteProblem, type CliIo } from './io.js';

/** Loaded on the first bar: most runs draw none (not a terminal, --no-progress, --json). */
let cliProgress: typeof CliProgress | undefined;
const load = (): typeof CliProgress =>
  (cliProgress ??= createRequire(import.meta.url)('cli-progress') as typeof CliProgress);

export interface Progress {
  update(done: number, total: number | undefined): void;
  stop(): void;
}

/** A progress bar on the io's stderr when it is a terminal; a no-op otherwise. */
export function progressBar(io: CliIo, label: string, enabled = true): Progress {
  if (!enabled || !io.stderrIsTTY) return { update() {}, stop() {} };
  const { Presets, SingleBar } = load();
  const bar = new SingleBar(
    {
      format: `${escapeForTerminal(label)} [{bar}] {percentage}% | {value}/{total} bytes | {eta_formatted}`,
      stream: io.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total ?? done, 0);
        started = true;
      }
      if (total !== undefined) bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/**
 * WorkHooks that draw one bar per labelled piece of work (only when `enabled` and stderr is a
 * terminal; otherwise no hooks at all, so the work does not even build progress reports).
 */
export function progressHooks(io: CliIo, enabled = true): Pick<WorkHooks, 'onProgress' | 'onDone'> {
  if (!enabled || !io.stderrIsTTY) return {};
  const bars = new Map<string, Progress>();
  return {
    onProgress(report: ProgressReport) {
      let bar = bars.get(report.label);
      if (bar === undefined) bars.set(report.label, (bar = progressBar(io, report.label)));
      bar.update(report.done, report.total);
    },
    onDone(label: string) {
      bars.get(label)?.stop();
      bars.delete(label);
    },
  };
}

/** One line for a problem, escaped for the terminal. */
export function problemLine(problem: unknown): string {
  if (problem instanceof CairnError) return escapeForTerminal(problem.describe());
  return escapeForTerminal(problem instanceof Error ? problem.message : String(problem));
}

export interface ProblemPrinter extends Pick<WorkHooks, 'onProblem'> {
  /** Problems seen so far. */
  readonly count: number;
}

/** Prints the first `limit` problems as `cairn: ...` lines on stderr (none when `quiet`) and counts all. */
export function problemPrinter(io: CliIo, options: { limit?: number; quiet?: boolean } = {}): ProblemPrinter {
  const limit = options.limit ?? 20;
  let count = 0;
  return {
    get count() {
      return count;
    },
    onProblem(problem: CairnError) {
      count++;
      noteProblem(io, problem);
      if (!options.quiet && count <= limit) io.stderr.write(`cairn: ${problemLine(problem)}\n`);
    },
  };
}

/** Columns padded to their widest cell, two spaces apart. */
export function textTable(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The statistics of one MRT file, one labelled row each. */
export function formatStats(stats: MrtStatsResult): string {
  const lines: string[] = [];
  const row = (label: string, value: string | number): void => {
    lines.push(`${label.padEnd(22)} ${typeof value === 'number' ? value.toLocaleString('en-US') : value}`);
  };
  row('file', escapeForTerminal(stats.file));
  row('compression', `${stats.compression} (decompressed by ${stats.decompressor})`);
  if (stats.jobs !== undefined) row('jobs', `${stats.jobs} (files decoded at once)`);
  row('decompressed bytes', stats.bytes);
  row('records', stats.records);
  for (const [type, count] of Object.entries(stats.recordTypes)) row(`  ${type}`, count);
  const total = stats.elements.A + stats.elements.W + stats.elements.B + stats.elements.STATE;
  row('elements', total);
  for (const type of ['A', 'W', 'B', 'STATE'] as const)
    if (stats.elements[type] > 0) row(`  ${type}`, stats.elements[type]);
  row('peers', stats.peers);
  row('IPv4 prefixes', stats.ipv4Prefixes);
  row('IPv6 prefixes', stats.ipv6Prefixes);
  row('time span', `${stats.firstTimestamp ?? '-'} .. ${stats.lastTimestamp ?? '-'}`);
  row('problems', stats.problems.count);
  for (const [code, count] of Object.entries(stats.problems.byCode)) row(`  ${code}`, count);
  for (const problem of stats.problems.first.slice(0, 5)) {
    lines.push(`    ${problemLine(new CairnError(problem.code as ErrorCode, problem.message, problem))}`);
  }
  return lines.join('\n');
}
