/**
 * `cairn mrt dump` and `cairn mrt stats`: thin wrappers over src/mrt.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { CairnError } from '../errors/index.js';
import {
  BgpdumpFormatter,
  recordTypeName,
  scanMrt,
  type ElementCursor,
  type ElementType,
  type MrtProblem,
  type ScanSummary,
} from '../mrt/index.js';
import { parseAsn, parsePrefix, type Prefix } from '../net/index.js';
import { BufferedWriter, problemLine, progressBar } from './output.js';

/** Exit code when --strict stops at a problem in the input. */
export const EXIT_INPUT_PROBLEM = 2;

interface DumpOptions {
  format: 'bgpdump' | 'jsonl';
  type?: ElementType[];
  prefix?: Prefix[];
  peerAs?: number[];
  originAs?: number[];
  strict?: boolean;
  progress: boolean;
  quiet?: boolean;
  decompressor?: 'auto' | 'native' | 'js' | 'lbzip2' | 'bzip2';
}

function collect<T>(parse: (text: string) => T) {
  return (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(value)];
}

function parseOption<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

function parseType(text: string): ElementType {
  const upper = text.toUpperCase();
  if (upper === 'A' || upper === 'W' || upper === 'B' || upper === 'STATE') return upper;
  throw new InvalidArgumentError(`element type must be A, W, B or STATE, not ${JSON.stringify(text)}`);
}

/** True when the cursor's prefix equals `filter` or lies inside it. */
function prefixWithin(cursor: ElementCursor, filter: Prefix): boolean {
  if (cursor.type === 'STATE' || cursor.prefixFamily !== filter.family || cursor.prefixLength < filter.length)
    return false;
  const bits = filter.length;
  const whole = bits >>> 3;
  const bytes = cursor.prefixBytes;
  for (let i = 0; i < whole; i++) if (bytes[i] !== filter.bytes[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[whole] & mask) === filter.bytes[whole];
}

export function makeElementFilter(options: Pick<DumpOptions, 'type' | 'prefix' | 'peerAs' | 'originAs'>) {
  const types = options.type;
  const prefixes = options.prefix;
  const peers = options.peerAs;
  const origins = options.originAs;
  return (cursor: ElementCursor): boolean => {
    if (types !== undefined && !types.includes(cursor.type)) return false;
    if (peers !== undefined && !peers.includes(cursor.peerAsn)) return false;
    if (prefixes !== undefined && !prefixes.some((p) => prefixWithin(cursor, p))) return false;
    if (origins !== undefined) {
      const attributes = cursor.attributes;
      if (cursor.type === 'W' || cursor.type === 'STATE' || attributes === undefined) return false;
      if (!attributes.originAsns().some((asn) => origins.includes(asn))) return false;
    }
    return true;
  };
}

async function dump(files: string[], options: DumpOptions): Promise<number> {
  const out = new BufferedWriter(process.stdout, 1 << 20, options.format === 'bgpdump');
  const accept = makeElementFilter(options);
  let problems = 0;
  for (const file of files) {
    const formatter = new BgpdumpFormatter();
    const progress = progressBar(file, options.progress);
    const visit =
      options.format === 'bgpdump'
        ? (cursor: ElementCursor, decoder: { attributeGeneration: number }) => {
            if (accept(cursor)) formatter.writeBytes(cursor, decoder.attributeGeneration, out);
          }
        : (cursor: ElementCursor) => {
            if (accept(cursor)) out.line(JSON.stringify(cursor.toElement()));
          };
    try {
      await scanMrt(file, visit, {
        strict: options.strict,
        decompressor: options.decompressor,
        bgpdumpCompatible: options.format === 'bgpdump',
        onProblem(problem: MrtProblem) {
          problems++;
          if (!options.quiet && problems <= 20) process.stderr.write(`cairn: ${problemLine(problem)}\n`);
        },
        async afterChunk(state) {
          progress.update(state.compressedBytesRead, state.compressedSize);
          await out.flush();
        },
      });
    } catch (error) {
      progress.stop();
      await out.flush(true);
      if (options.strict && error instanceof CairnError) return EXIT_INPUT_PROBLEM;
      throw error;
    }
    progress.stop();
    await out.flush(true);
    if (out.isClosed) break;
  }
  if (problems > 20 && !options.quiet)
    process.stderr.write(`cairn: ${problems} problems in all (first 20 shown)\n`);
  return 0;
}

export interface MrtStats {
  file: string;
  compression: string;
  decompressor: string;
  bytes: number;
  records: number;
  recordTypes: Record<string, number>;
  elements: Record<ElementType, number>;
  peers: number;
  ipv4Prefixes: number;
  ipv6Prefixes: number;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  problems: { count: number; byCode: Record<string, number>; first: ReturnType<CairnError['toJSON']>[] };
}

/** Decodes a file and counts what is in it. */
export async function computeStats(
  file: string,
  options: { strict?: boolean; onProgress?: (done: number, total: number | undefined) => void } = {},
): Promise<MrtStats> {
  const recordTypes = new Map<string, number>();
  const elements: Record<ElementType, number> = { A: 0, W: 0, B: 0, STATE: 0 };
  const peers = new Set<string>();
  const ipv4 = new Set<number>();
  const ipv6 = new Set<string>();
  const byCode: Record<string, number> = {};
  let first = Infinity;
  let last = -Infinity;
  let lastRecordKey = -1;
  let lastRecordName = '';
  const summary: ScanSummary = await scanMrt(
    file,
    (cursor) => {
      elements[cursor.type]++;
      peers.add(`${cursor.peerAddress()}|${cursor.peerAsn}`);
      if (cursor.type !== 'STATE') {
        const b = cursor.prefixBytes;
        if (cursor.prefixFamily === 4) {
          ipv4.add(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) * 64 + cursor.prefixLength);
        } else {
          ipv6.add(cursor.prefix());
        }
      }
    },
    {
      strict: options.strict,
      keepProblems: 20,
      onRecord(header) {
        const key = header.type * 65536 + header.subtype;
        if (key !== lastRecordKey) {
          lastRecordKey = key;
          lastRecordName = recordTypeName(header.type, header.subtype);
        }
        recordTypes.set(lastRecordName, (recordTypes.get(lastRecordName) ?? 0) + 1);
        const time = header.timestamp + header.microseconds / 1e6;
        if (time < first) first = time;
        if (time > last) last = time;
      },
      onProblem(problem) {
        byCode[problem.code] = (byCode[problem.code] ?? 0) + 1;
      },
      afterChunk(state) {
        options.onProgress?.(state.compressedBytesRead, state.compressedSize);
      },
    },
  );
  const iso = (t: number): string | null => (Number.isFinite(t) ? new Date(t * 1000).toISOString() : null);
  return {
    file,
    compression: summary.compression,
    decompressor: summary.decompressor,
    bytes: summary.bytes,
    records: summary.records,
    recordTypes: Object.fromEntries(recordTypes),
    elements,
    peers: peers.size,
    ipv4Prefixes: ipv4.size,
    ipv6Prefixes: ipv6.size,
    firstTimestamp: iso(first),
    lastTimestamp: iso(last),
    problems: { count: summary.problemCount, byCode, first: summary.problems.map((p) => p.toJSON()) },
  };
}

export function formatStats(stats: MrtStats): string {
  const lines: string[] = [];
  const row = (label: string, value: string | number): void => {
    lines.push(`${label.padEnd(22)} ${typeof value === 'number' ? value.toLocaleString('en-US') : value}`);
  };
  row('file', stats.file);
  row('compression', `${stats.compression} (decompressed by ${stats.decompressor})`);
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
    lines.push(`    ${problemLine(new CairnError(problem.code, problem.message, problem))}`);
  }
  return lines.join('\n');
}

export function mrtCommand(): Command {
  const mrt = new Command('mrt').description('decode MRT routing archives (RIPE RIS, RouteViews)');
  mrt
    .command('dump')
    .description('print the elements of MRT files, as bgpdump -m does or as JSON lines')
    .argument('<file...>', 'MRT files: plain, gzip or bzip2 (detected from their first bytes)')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['bgpdump', 'jsonl']).default('bgpdump'),
    )
    .option(
      '-t, --type <type>',
      'only elements of this type: A, W, B or STATE (repeatable)',
      collect(parseType),
    )
    .option(
      '-p, --prefix <prefix>',
      'only elements for this prefix or prefixes inside it (repeatable)',
      collect(parseOption((t) => parsePrefix(t))),
    )
    .option('--peer-as <asn>', 'only elements from this peer AS (repeatable)', collect(parseOption(parseAsn)))
    .option(
      '--origin-as <asn>',
      'only routes originated by this AS (repeatable)',
      collect(parseOption(parseAsn)),
    )
    .option('--strict', 'stop at the first problem in the input, with exit code 2')
    .addOption(
      new Option('--decompressor <how>', 'bzip2 decompressor')
        .choices(['auto', 'native', 'js', 'lbzip2', 'bzip2'])
        .default('auto'),
    )
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)')
    .option('-q, --quiet', 'do not print problems found in the input')
    .action(async (files: string[], options: DumpOptions) => {
      process.exitCode = await dump(files, {
        ...options,
        progress: options.progress && process.stderr.isTTY === true,
      });
    });
  mrt
    .command('stats')
    .description('count records, elements, peers and prefixes in MRT files, and the problems found')
    .argument('<file...>', 'MRT files')
    .option('--json', 'one JSON object per file')
    .option('--strict', 'stop at the first problem in the input, with exit code 2')
    .option('--no-progress', 'no progress bar')
    .action(async (files: string[], options: { json?: boolean; strict?: boolean; progress: boolean }) => {
      for (const file of files) {
        const progress = progressBar(file, options.progress && process.stderr.isTTY === true);
        let stats: MrtStats;
        try {
          stats = await computeStats(file, {
            strict: options.strict,
            onProgress: (d, t) => progress.update(d, t),
          });
        } catch (error) {
          progress.stop();
          if (options.strict && error instanceof CairnError) {
            process.stderr.write(`cairn: ${problemLine(error)}\n`);
            process.exitCode = EXIT_INPUT_PROBLEM;
            return;
          }
          throw error;
        }
        progress.stop();
        process.stdout.write(options.json ? JSON.stringify(stats) + '\n' : formatStats(stats) + '\n\n');
      }
    });
  return mrt;
}
