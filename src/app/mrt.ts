/**
 * The MRT questions: what is in these files (`mrtStats`), and every element of them as bgpdump
 * text or JSON lines, filtered (`dumpMrt`, streamed into the `Writable` it is handed).
 *
 * @example
 * const stats = await mrtStats({ file: 'data/mrt/ripe-bgpdump/updates.20100722.2015.gz' });
 * stats.elements.A; // announcements
 * await dumpMrt({ files: [file], format: 'jsonl', prefix: ['175.45.176.0/22'] }, process.stdout);
 *
 * The one app file a face may import besides index.ts (eslint-rules/layering.js): it loads only
 * the decoder, so `cairn mrt dump` on a small file is not slowed by the other questions' modules.
 */
import type { Writable } from 'node:stream';
import { CairnError } from '../errors/index.js';
import {
  BgpdumpFormatter,
  END_OF_STREAM,
  recordTypeName,
  scanMrt,
  type ElementCursor,
  type ElementType,
  type MrtDecoder,
} from '../mrt/index.js';
import { parseAsn, parsePrefix, type Prefix } from '../net/index.js';
import { BufferedWriter } from './buffered-writer.js';
import type { DumpInput, DumpSummary, ElementFilter, MrtStatsInput, MrtStatsResult } from './mrt-schemas.js';
import type { WorkHooks } from './progress.js';
import { mrtJobsFor } from './mrt-jobs.js';
import { workersAvailable } from './worker-pool.js';

export type {
  DecompressorChoice,
  DumpInput,
  DumpSummary,
  ElementFilter,
  MrtStatsInput,
  MrtStatsResult,
  ProblemJson,
} from './mrt-schemas.js';

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

const asNumber = (asn: number | string): number => parseAsn(String(asn));

/**
 * The filter as a predicate over the decoder's cursor. Throws ParseError for a prefix or AS
 * number that does not parse, before any file is read.
 */
export function elementPredicate(filter: ElementFilter): (cursor: ElementCursor) => boolean {
  const types = filter.type;
  const prefixes = filter.prefix?.map((text) => parsePrefix(text));
  const peers = filter.peerAs?.map(asNumber);
  const origins = filter.originAs?.map(asNumber);
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

/**
 * Writes the elements of `files` that pass the filter to `sink`, as `bgpdump -m` prints them or
 * as one JSON object per line, waiting for the sink between input chunks. Problems go to
 * `hooks.onProblem`; under `strict` the first one is thrown (after what came before it is
 * written). Stops early, without error, when the sink closes.
 */
export async function dumpMrt(input: DumpInput, sink: Writable, hooks: WorkHooks = {}): Promise<DumpSummary> {
  const options = input;
  const jobs = jobsToRun(input.files, input.jobs);
  if (jobs > 1) {
    elementPredicate(options); // a bad filter is reported before any worker starts
    const { dumpMrtParallel } = await import('./mrt-parallel.js');
    return dumpMrtParallel(input, sink, jobs, hooks);
  }
  const accept = elementPredicate(options);
  const bgpdump = (options.format ?? 'bgpdump') === 'bgpdump';
  const out = new BufferedWriter(sink, 1 << 20, bgpdump);
  let problems = 0;
  let files = 0;
  for (const file of options.files) {
    const formatter = new BgpdumpFormatter();
    const visit = bgpdump
      ? (cursor: ElementCursor, decoder: MrtDecoder) => {
          if (accept(cursor)) formatter.writeBytes(cursor, decoder.attributeGeneration, out);
        }
      : (cursor: ElementCursor) => {
          if (accept(cursor)) out.line(JSON.stringify(cursor.toElement()));
        };
    try {
      await scanMrt(file, visit, {
        strict: options.strict,
        decompressor: options.decompressor,
        bgpdumpCompatible: bgpdump,
        onProblem(problem) {
          problems++;
          hooks.onProblem?.(problem);
        },
        async afterChunk(state) {
          hooks.onProgress?.({
            label: file,
            done: state.compressedBytesRead,
            total: state.compressedSize,
            unit: 'bytes',
          });
          await out.flush();
        },
      });
    } finally {
      hooks.onDone?.(file);
      await out.flush(true);
    }
    files++;
    if (out.isClosed) break;
  }
  return { files, problems, outputClosed: out.isClosed };
}

/**
 * Files decoded at once: `requested` (`--jobs`) when given, else what the input and the cores
 * pay for (mrt-jobs.ts); 1 where worker threads cannot run (the TypeScript sources).
 */
function jobsToRun(files: readonly string[], requested: number | undefined): number {
  if (files.length < 2 || !workersAvailable()) return 1;
  return mrtJobsFor(files, requested).jobs;
}

/**
 * `mrtStats` of several files, in file order, decoded `jobs` at a time in worker threads (default:
 * what the input and the cores pay for, mrt-jobs.ts); each result says how many jobs ran. Under
 * `strict`, the first problem of the first file that has one is thrown after the results of the
 * files before it.
 */
export async function* mrtStatsEach(
  files: readonly string[],
  options: Omit<MrtStatsInput, 'file'> & { jobs?: number } = {},
  hooks: WorkHooks = {},
): AsyncGenerator<MrtStatsResult> {
  const { jobs: wanted, ...rest } = options;
  const jobs = jobsToRun(files, wanted);
  if (jobs > 1) {
    const { mrtStatsParallel } = await import('./mrt-parallel.js');
    for await (const stats of mrtStatsParallel(
      files.map((file) => ({ ...rest, file })),
      jobs,
      hooks,
    ))
      yield { ...stats, jobs };
    return;
  }
  for (const file of files) yield { ...(await mrtStats({ ...rest, file }, hooks)), jobs };
}

/** Decodes a file and counts what is in it. Under `strict`, the first problem is thrown. */
export async function mrtStats(input: MrtStatsInput, hooks: WorkHooks = {}): Promise<MrtStatsResult> {
  const { file, strict, decompressor } = input;
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
  let incomplete: CairnError | undefined;
  // The peer of the element before: consecutive elements mostly share it (a message's routes, a
  // RIB entry's peers repeat), and it is in `peers` already: no text to build and look up.
  const lastPeer = new Uint8Array(16);
  let lastPeerFamily = 0;
  let lastPeerAsn = -1;
  let summary;
  try {
    summary = await scanMrt(
      file,
      (cursor) => {
        elements[cursor.type]++;
        const peer = cursor.peerBytes;
        const peerLength = cursor.peerFamily === 4 ? 4 : 16;
        let samePeer = cursor.peerFamily === lastPeerFamily && cursor.peerAsn === lastPeerAsn;
        for (let i = 0; samePeer && i < peerLength; i++) samePeer = peer[i] === lastPeer[i];
        if (!samePeer) {
          lastPeer.set(peer.subarray(0, peerLength));
          lastPeerFamily = cursor.peerFamily;
          lastPeerAsn = cursor.peerAsn;
          peers.add(`${cursor.peerAddress()}|${cursor.peerAsn}`);
        }
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
        strict,
        decompressor,
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
          if (endsReadEarly(problem)) incomplete = problem;
        },
        afterChunk(state) {
          hooks.onProgress?.({
            label: file,
            done: state.compressedBytesRead,
            total: state.compressedSize,
            unit: 'bytes',
          });
        },
      },
    );
  } finally {
    hooks.onDone?.(file);
  }
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
    problems: {
      count: summary.problemCount,
      byCode,
      first: summary.problems.map((p: CairnError) => p.toJSON()),
      ...(incomplete !== undefined ? { incomplete: incomplete.toJSON() } : {}),
    },
  };
}

/** True when `problem` stopped the read of its file before the end (a cut or corrupt stream). */
function endsReadEarly(problem: CairnError): boolean {
  switch (problem.code) {
    case 'MRT_TRUNCATED_STREAM':
    case 'MRT_CORRUPT_STREAM':
    case 'MRT_TRUNCATED_HEADER':
    case 'MRT_READ_ERROR':
      return true;
    case 'MRT_TRUNCATED_RECORD':
      return problem.location.field === END_OF_STREAM;
    default:
      return false;
  }
}
