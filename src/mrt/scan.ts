/**
 * Reading MRT inputs end to end: byte source (decompressed by magic number) -> framing ->
 * decoder -> visitor. Two levels, as DESIGN.md asks: `scanMrt` calls a visitor with the shared
 * cursor (no allocation per element); `readElements` yields plain `MrtElement` objects.
 */
import { CairnError } from '../errors/index.js';
import {
  byteSourceFromBuffer,
  openByteSource,
  type ByteSource,
  type Compression,
  type OpenOptions,
} from './byte-source.js';
import { MrtDecoder, type MrtProblem, type RecordHeader } from './decoder.js';
import type { ElementCursor, MrtElement } from './element.js';
import { MrtFramer } from './reader.js';
import { withoutStack } from './record.js';

export interface ScanOptions {
  /** Stop at the first problem: the scan rejects with that problem (a CairnError). */
  strict?: boolean;
  /** Called for every problem (after it is counted). */
  onProblem?(problem: MrtProblem): void;
  /** Called for every record header. */
  onRecord?(header: RecordHeader): void;
  /**
   * Called after each decompressed chunk has been decoded, and awaited: a consumer can flush its
   * output and wait for the pipe to drain (back-pressure) or update a progress bar.
   */
  afterChunk?(state: ChunkState): void | Promise<void>;
  /** Reproduce bgpdump's reading of malformed NLRI (for `--format bgpdump`); see MrtDecoder. */
  bgpdumpCompatible?: boolean;
  /** Which bzip2 decompressor to use ('auto': lbzip2 or bzip2 when present, else JS). */
  decompressor?: OpenOptions['decompressor'];
  /** Keep at most this many problems in the summary (all are counted). Default 1000. */
  keepProblems?: number;
  maxRecordLength?: number;
}

export interface ChunkState {
  compressedBytesRead: number;
  compressedSize: number | undefined;
  /** Decompressed bytes so far. */
  bytes: number;
}

export interface ScanSummary {
  file: string;
  compression: ByteSource['compression'];
  decompressor: ByteSource['decompressor'];
  /** Decompressed bytes read. */
  bytes: number;
  records: number;
  elements: number;
  problemCount: number;
  problems: MrtProblem[];
}

/** Visitor: receives the shared cursor (valid only during the call) and the decoder (for its state). */
export interface ElementVisitor {
  (cursor: ElementCursor, decoder: MrtDecoder): void;
}

/**
 * Where a byte source reports a damaged block it skipped (OpenOptions.onDamage): set to the
 * framer's gap and the problem report once the scan has made them.
 */
class DamageRelay {
  /** Set before the source's chunks are read, which is when damage can be found. */
  target: ((problem: CairnError) => void) | undefined;
  readonly handle = (problem: CairnError): void => this.target?.(problem);
}

class StrictStop extends Error {
  constructor(readonly problem: MrtProblem) {
    super(problem.message);
  }
}

function makeDecoder(
  file: string,
  visit: ElementVisitor,
  options: ScanOptions,
  summary: ScanSummary,
): { decoder: MrtDecoder; report: (problem: MrtProblem) => void } {
  const keep = options.keepProblems ?? 1000;
  const onProblem = (problem: MrtProblem): void => {
    summary.problemCount++;
    if (summary.problems.length < keep) summary.problems.push(problem);
    options.onProblem?.(problem);
    // Control flow, caught below: its stack would never be shown.
    if (options.strict) throw withoutStack(() => new StrictStop(problem));
  };
  const decoder: MrtDecoder = new MrtDecoder(
    file,
    {
      onElement(cursor) {
        summary.elements++;
        visit(cursor, decoder);
      },
      onProblem,
      onRecord: options.onRecord,
    },
    { bgpdumpCompatible: options.bgpdumpCompatible },
  );
  return { decoder, report: onProblem };
}

async function scanSource(
  source: ByteSource,
  visit: ElementVisitor,
  options: ScanOptions,
  relay: DamageRelay,
): Promise<ScanSummary> {
  const summary: ScanSummary = {
    file: source.name,
    compression: source.compression,
    decompressor: source.decompressor,
    bytes: 0,
    records: 0,
    elements: 0,
    problemCount: 0,
    problems: [],
  };
  const { decoder, report } = makeDecoder(source.name, visit, options, summary);
  const framer = new MrtFramer(decoder, { onProblem: report, maxRecordLength: options.maxRecordLength });
  relay.target = (problem) => {
    framer.gap();
    report(problem);
  };
  try {
    try {
      for await (const chunk of source.chunks()) {
        framer.push(chunk);
        summary.bytes += chunk.length;
        if (options.afterChunk !== undefined) {
          await options.afterChunk({
            compressedBytesRead: source.compressedBytesRead,
            compressedSize: source.compressedSize,
            bytes: summary.bytes,
          });
        }
      }
    } catch (error) {
      if (error instanceof StrictStop) throw error;
      // The decompressor failed (truncated or corrupt stream): everything it delivered has been
      // decoded; report the failure and the record it cut, then end normally.
      if (error instanceof CairnError) report(error);
      else throw error;
    }
    framer.finish();
  } catch (error) {
    if (error instanceof StrictStop) {
      summary.records = framer.records;
      throw error.problem;
    }
    throw error;
  } finally {
    await source.close();
  }
  summary.records = framer.records;
  return summary;
}

/**
 * Elements per file byte, a little above the most seen in real archives (bgpdump -m lines over the
 * file size, data/mrt and the shared corpus): gzip 0.07-0.25, bzip2 0.13-0.26, plain 0.01-0.04.
 */
const ELEMENTS_PER_BYTE: Record<Compression, number> = { gzip: 0.25, bzip2: 0.27, none: 0.05 };

/**
 * About how many elements an MRT file of `bytes` bytes holds, without reading it: a sizing hint
 * (RoutingTable.reserve), usually a little above the truth, never a count to report.
 */
export function estimateMrtElements(compression: Compression, bytes: number): number {
  return Math.ceil(Math.max(0, bytes) * ELEMENTS_PER_BYTE[compression]);
}

/** Decodes an MRT file (plain, gzip or bzip2), calling `visit` for every element. */
export async function scanMrt(
  path: string,
  visit: ElementVisitor,
  options: ScanOptions = {},
): Promise<ScanSummary> {
  const relay = new DamageRelay();
  const source = await openByteSource(path, { decompressor: options.decompressor, onDamage: relay.handle });
  return scanSource(source, visit, options, relay);
}

/** Same as `scanMrt` on bytes in memory (tests, fuzzing, data received over the network). */
export async function scanMrtBuffer(
  name: string,
  data: Uint8Array,
  visit: ElementVisitor,
  options: ScanOptions = {},
): Promise<ScanSummary> {
  const relay = new DamageRelay();
  const source = await byteSourceFromBuffer(name, data, {
    decompressor: options.decompressor,
    onDamage: relay.handle,
  });
  return scanSource(source, visit, options, relay);
}

/**
 * Decodes uncompressed MRT bytes synchronously (no byte source): for fuzzing and for callers
 * that already hold the decompressed data.
 */
export function scanMrtBytesSync(
  name: string,
  data: Uint8Array,
  visit: ElementVisitor,
  options: ScanOptions = {},
): ScanSummary {
  const summary: ScanSummary = {
    file: name,
    compression: 'none',
    decompressor: 'none',
    bytes: data.length,
    records: 0,
    elements: 0,
    problemCount: 0,
    problems: [],
  };
  const { decoder, report } = makeDecoder(name, visit, options, summary);
  const framer = new MrtFramer(decoder, { onProblem: report, maxRecordLength: options.maxRecordLength });
  try {
    framer.push(data);
    framer.finish();
  } catch (error) {
    if (error instanceof StrictStop) throw error.problem;
    throw error;
  }
  summary.records = framer.records;
  return summary;
}

/** Plain element objects, for everything that is not a hot scan. Problems are skipped unless strict. */
export async function* readElements(path: string, options: ScanOptions = {}): AsyncGenerator<MrtElement> {
  const relay = new DamageRelay();
  const source = await openByteSource(path, { decompressor: options.decompressor, onDamage: relay.handle });
  const batch: MrtElement[] = [];
  const summary: ScanSummary = {
    file: path,
    compression: source.compression,
    decompressor: source.decompressor,
    bytes: 0,
    records: 0,
    elements: 0,
    problemCount: 0,
    problems: [],
  };
  const { decoder, report } = makeDecoder(path, (cursor) => batch.push(cursor.toElement()), options, summary);
  const framer = new MrtFramer(decoder, { onProblem: report, maxRecordLength: options.maxRecordLength });
  relay.target = (problem) => {
    framer.gap();
    report(problem);
  };
  try {
    try {
      for await (const chunk of source.chunks()) {
        framer.push(chunk);
        while (batch.length > 0) yield* batch.splice(0, batch.length);
      }
    } catch (error) {
      if (error instanceof StrictStop) throw error.problem;
      if (error instanceof CairnError) report(error);
      else throw error;
    }
    framer.finish();
    yield* batch.splice(0, batch.length);
  } catch (error) {
    if (error instanceof StrictStop) throw error.problem;
    throw error;
  } finally {
    await source.close();
  }
}
