/**
 * Byte sources: a file (or an in-memory buffer) as a stream of decompressed chunks, whatever the
 * compression. The compression is detected from the magic bytes, never from the file name:
 * gzip (1f 8b) is decoded with Node's zlib, or igzip / libdeflate-gunzip in a child process when
 * asked (a failing or unclear native run is finished by zlib, see gzipNativeChunks); bzip2 ("BZh1".."BZh9") with lbzip2 or bzip2 in a child
 * process when one is on PATH, else with the TypeScript decoder in bzip2.ts (in a worker thread
 * for files); anything else is passed through. A cut bzip2 stream reaches the native tool with
 * its end rebuilt before the cut block (bzip2-cut-stream.ts), and the cut block is tried by the
 * TypeScript decoder.
 * The decompressor actually used is reported in `decompressor`.
 *
 * A gzip input of at most 4 MiB (RIS update files are smaller) is inflated by zlib in one call
 * before its first chunk, when that call succeeds within 64 MiB of output (`gzipWhole`); any
 * other gzip input, and any that call fails on, streams.
 *
 * Guarantees, identical for every implementation (one test suite checks them all):
 * - memory stays flat whatever the file size (except with libdeflate-gunzip, which reads the
 *   whole file before it writes, and the whole read of small gzip inputs, bounded as above):
 *   input is read in `highWaterMark` pieces and the
 *   producer (file reader, zlib, child process) is paused while the consumer is behind;
 * - a truncated or corrupt stream first delivers every byte that can be decompressed and then
 *   throws CairnError MRT_TRUNCATED_STREAM or MRT_CORRUPT_STREAM with `location.offset` = bytes
 *   delivered. Native tools that fail do not deliver all of it (bzip2 drops up to 5,000 bytes,
 *   lbzip2 with several threads stops at a varying earlier point), so when one fails the rest is
 *   decoded by the TypeScript decoder, which also decides between "truncated" and "corrupt". zlib likewise
 *   drops the output of the write that failed, so a failing gzip stream is decoded again with
 *   finer writes up to the failure point.
 * - data after the end of the compressed stream that is not another stream is MRT_CORRUPT_STREAM,
 *   thrown after all the data (except trailing zero bytes after gzip, which zlib ignores).
 *
 * Known limits: gzip and the native bzip2 tools write a damaged block's (member's) bytes before
 * they find its CRC mismatch, so for a corrupt stream the last bytes delivered before the error
 * may be wrong; the TypeScript bzip2 decoder checks each block's CRC before delivering it.
 * lbzip2 stops silently at non-bzip2 bytes between two concatenated streams: the compressed bytes
 * fed to it are watched for a stream that starts where no stream ended, and then the rest is
 * decoded by the TypeScript decoder, which reports them as bzip2 does.
 *
 * @example
 * const source = await openByteSource('updates.20150401.0000.bz2');
 * console.error(`bzip2 via ${source.decompressor}`);
 * try {
 *   for await (const chunk of source.chunks()) feed(chunk);
 * } finally {
 *   await source.close();
 * }
 */

import { once } from 'node:events';
import fs from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { CairnError } from '../errors/index.js';
import { Bzip2Decoder, scanBzip2Crc, type Bzip2Resume } from './bzip2.js';
import {
  bzip2EndsComplete,
  CutStreamRepair,
  type CompleteBlock,
  type CutStreamEnd,
} from './bzip2-cut-stream.js';
import type { Bzip2WorkerData, Bzip2WorkerMessage } from './bzip2-worker.js';
import { commandOnPath, startTool, type ToolJob } from './tool-broker.js';
import { Worker } from 'node:worker_threads';

export { bzip2EndsComplete } from './bzip2-cut-stream.js';

export type Compression = 'none' | 'gzip' | 'bzip2';
export type Decompressor = 'none' | 'zlib' | 'igzip' | 'libdeflate' | 'lbzip2' | 'bzip2' | 'js' | 'js-worker';
/** What OpenOptions.decompressor may ask for. */
export type DecompressorOption = NonNullable<OpenOptions['decompressor']>;

export interface ByteSource {
  /** File path or label, used in error locations. */
  readonly name: string;
  readonly compression: Compression;
  /** What actually decompresses (reported to the user). */
  readonly decompressor: Decompressor;
  /**
   * Decompressed chunks in order. Ends normally at end of data; a truncated or corrupt compressed
   * stream ends with a thrown CairnError (MRT_TRUNCATED_STREAM or MRT_CORRUPT_STREAM,
   * location.file, location.offset = decompressed bytes delivered so far) after all bytes that
   * could be decompressed were delivered. Each call starts again from the beginning.
   */
  chunks(): AsyncIterable<Buffer>;
  /** Compressed bytes read so far (for progress bars). */
  readonly compressedBytesRead: number;
  /** Total compressed size, when known. */
  readonly compressedSize: number | undefined;
  /** Kills child processes and closes files; idempotent. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * For bzip2: 'auto' (default) uses lbzip2 or bzip2 when on PATH, else the TypeScript decoder;
   * 'native' requires one of the tools; 'lbzip2', 'bzip2' and 'js' force one implementation.
   * A forced tool that is missing is an error (MRT_NO_NATIVE_DECOMPRESSOR), not a fallback.
   * For gzip: 'auto' (default) and 'native' use Node's zlib (measured faster here, in our
   * pipeline, than igzip through a pipe: bench/RESULTS.md); 'zlib', 'igzip' and 'libdeflate' (libdeflate-gunzip) force one. Options naming the other
   * format's decoders ('js', 'lbzip2', 'bzip2' for gzip; 'zlib', 'igzip', 'libdeflate' for bzip2)
   * mean 'auto' for that format, so one option can be passed for files of both kinds.
   */
  decompressor?: 'auto' | 'native' | 'js' | 'lbzip2' | 'bzip2' | 'zlib' | 'igzip' | 'libdeflate';
  /** Bytes read from the file at a time, and the largest chunk delivered. Default 1 MiB. */
  highWaterMark?: number;
  /**
   * gzip inputs of at most this many bytes are inflated by zlib in one call, in this thread,
   * before their first chunk (see `gzipWhole`); larger ones, and any that call fails on, stream.
   * Default 4 MiB (GZIP_WHOLE_MAX_INPUT); 0 streams every input.
   */
  gzipWholeUpTo?: number;
  /**
   * Called for each damaged bzip2 block (bad CRC, bad tables) that was skipped: every decompressor
   * leaves its bytes out and goes on with the next intact block, and calls this (with the block's
   * index, compressed bit offset and the decompressed offset of the gap) before the first chunk
   * after the gap. Without it the first such problem is thrown after all the data.
   */
  onDamage?: (problem: CairnError) => void;
  /**
   * Milliseconds from a monotonic clock, read around each chunk the consumer handles to size the
   * next one (see OutputQueue). Default `performance.now`; tests pass a clock they advance.
   */
  clock?: () => number;
}

const DEFAULT_HIGH_WATER_MARK = 1 << 20;
/**
 * gzip inputs up to this size are inflated in one zlib call (`gzipWhole`). Against the stream,
 * on the 480 small update files of the decode-only bench: 15% less CPU, the same wall time;
 * ingest of the bundled update files 10-14% faster (bench/RESULTS-mrt-parallel.md, 2026-12-07).
 * It blocks this thread while it inflates: 37 ms for the 3.1 MB of updates.et-header.2015.gz.
 */
const GZIP_WHOLE_MAX_INPUT = 4 << 20;
/** The most output that one call may make; past it the input streams, with memory bounded. */
const GZIP_WHOLE_MAX_OUTPUT = 64 << 20;
/** The largest output buffer allocated up front from the trailer's size (a hint, not trusted). */
const GZIP_WHOLE_FIRST_BUFFER = 16 << 20;
/** gzip input is fed to zlib this many bytes at a time (bounds the output one write can make). */
const GZIP_WRITE_SIZE = 1024 * 1024;
/** The first piece is small, so the first output (and the decoder) starts early. */
const GZIP_FIRST_WRITE_SIZE = 64 * 1024;
/**
 * Most output one zlib job makes (zlib's chunkSize). zlib starts its next job only from a callback
 * on the main thread, that is, once per turn of the event loop that the decoder gives it: large
 * jobs let inflating run ahead of a decoder that is still slow (before the JIT has compiled it).
 */
const GZIP_JOB_OUTPUT = 4 * 1024 * 1024;
/** Pieces written to zlib ahead of what it has inflated (see gzipPass). */
const GZIP_PIECES_AHEAD = 4;
/** Finer write sizes used to find the exact failure point of a corrupt gzip stream. */
const GZIP_REFINE_SIZES = [1024, 16, 1];
const STDERR_LIMIT = 4096;
/**
 * Decompressed bytes of a native bzip2 tool held back until it ends well: more than a block of
 * real MRT data decompresses to (a 900 kB block, with bzip2's first run-length stage).
 */
const NATIVE_HOLD_BACK = 8 << 20;
/** Smallest chunk the output queue hands a slow consumer (see OutputQueue). */
const MIN_PACED_CHUNK = 16 * 1024;
/** About how long the consumer should spend on one chunk before the producer gets a turn (ms). */
const CHUNK_BUDGET_MS = 2;

/** Detects the compression from the first bytes of a file (4 are enough). */
export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (
    head.length >= 4 &&
    head[0] === 0x42 && // B
    head[1] === 0x5a && // Z
    head[2] === 0x68 && // h
    head[3] >= 0x31 &&
    head[3] <= 0x39
  ) {
    return 'bzip2';
  }
  return 'none';
}

let nativeLookup: { tool: 'lbzip2' | 'bzip2' | undefined } | undefined;

/** The native bzip2 decompressor on PATH, lbzip2 preferred (it decodes on several cores). Cached. */
export function nativeBzip2Available(): 'lbzip2' | 'bzip2' | undefined {
  if (nativeLookup === undefined) {
    const tool = onPath('lbzip2') ? 'lbzip2' : onPath('bzip2') ? 'bzip2' : undefined;
    nativeLookup = { tool };
  }
  return nativeLookup.tool;
}

function onPath(command: string): boolean {
  return commandOnPath(command) !== undefined;
}

/** Opens a regular file (it is read again from the start if a failing stream needs recovery). */
export async function openByteSource(filePath: string, options: OpenOptions = {}): Promise<ByteSource> {
  let size: number;
  const head = Buffer.alloc(4);
  let headLength: number;
  try {
    const info = await stat(filePath);
    if (!info.isFile()) {
      // A FIFO would wait for a writer and a device never ends: only regular files are read.
      const kind = info.isDirectory()
        ? 'a directory'
        : info.isFIFO()
          ? 'a FIFO'
          : info.isCharacterDevice() || info.isBlockDevice()
            ? 'a device'
            : 'not a regular file';
      throw new Error(`${kind}, not a regular file`);
    }
    size = info.size;
    const handle = await open(filePath, 'r');
    try {
      headLength = (await handle.read(head, 0, 4, 0)).bytesRead;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw readError(filePath, error);
  }
  const hwm = highWaterMark(options);
  const input: Input = {
    name: filePath,
    size,
    path: filePath,
    open: (start) => fs.createReadStream(filePath, { start, highWaterMark: hwm }),
    whole: () => {
      try {
        const bytes = fs.readFileSync(filePath);
        // Changed since it was opened: the stream reads it as it is now and says what it finds.
        return bytes.length === size ? bytes : undefined;
      } catch {
        return undefined;
      }
    },
  };
  return createSource(input, head.subarray(0, headLength), options);
}

/** The same detection and decoding on an in-memory buffer (tests, fuzzing). */
export async function byteSourceFromBuffer(
  name: string,
  data: Uint8Array,
  options: OpenOptions = {},
): Promise<ByteSource> {
  const hwm = highWaterMark(options);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const input: Input = {
    name,
    size: bytes.length,
    open: (start) =>
      Readable.from(
        (function* () {
          for (let at = start; at < bytes.length; at += hwm) yield bytes.subarray(at, at + hwm);
        })(),
      ),
    whole: () => bytes,
  };
  return createSource(input, bytes.subarray(0, 4), options);
}

function highWaterMark(options: OpenOptions): number {
  const hwm = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!Number.isInteger(hwm) || hwm < 64 || hwm > 1 << 30) {
    throw new CairnError('MRT_BAD_OPTION', `highWaterMark must be an integer from 64 to 2^30, not ${hwm}`, {
      field: 'highWaterMark',
    });
  }
  return hwm;
}

/** Where the compressed bytes come from: can be read again from any offset. */
interface Input {
  readonly name: string;
  readonly size: number | undefined;
  /** Set for files: lets a worker thread read the file itself. */
  readonly path?: string;
  open(start: number): Readable;
  /** All of the input at once, or undefined when it cannot be read so (the stream then reports why). */
  whole(): Buffer | undefined;
}

async function createSource(input: Input, head: Uint8Array, options: OpenOptions): Promise<ByteSource> {
  const compression = detectCompression(head);
  let decompressor: Decompressor;
  if (compression === 'none') decompressor = 'none';
  else if (compression === 'gzip') decompressor = chooseGzip(options.decompressor ?? 'auto', input.name);
  else {
    decompressor = chooseBzip2(options.decompressor ?? 'auto', input.name, input.path !== undefined);
  }
  const clock = options.clock ?? (() => performance.now());
  const wholeUpTo = options.gzipWholeUpTo ?? GZIP_WHOLE_MAX_INPUT;
  if (!(Number.isInteger(wholeUpTo) && wholeUpTo >= 0)) {
    throw new CairnError(
      'MRT_BAD_OPTION',
      `gzipWholeUpTo must be an integer of 0 or more, not ${wholeUpTo}`,
      {
        field: 'gzipWholeUpTo',
      },
    );
  }
  return new Source(
    input,
    compression,
    decompressor,
    highWaterMark(options),
    clock,
    options.onDamage,
    wholeUpTo,
  );
}

/** The command that runs each native gzip inflater, writing to stdout. */
const GZIP_TOOLS = {
  igzip: { command: 'igzip', args: ['-d', '-c'] },
  libdeflate: { command: 'libdeflate-gunzip', args: ['-c'] },
} as const;

let gzipLookup: { tool: 'igzip' | undefined } | undefined;

/** The fastest native gzip inflater on PATH (igzip), used when asked for. Cached. */
export function nativeGzipAvailable(): 'igzip' | undefined {
  if (gzipLookup === undefined) gzipLookup = { tool: onPath('igzip') ? 'igzip' : undefined };
  return gzipLookup.tool;
}

function chooseGzip(wanted: DecompressorOption, name: string): Decompressor {
  if (wanted === 'zlib') return 'zlib';
  if (wanted === 'igzip' || wanted === 'libdeflate') {
    const { command } = GZIP_TOOLS[wanted];
    if (!onPath(command)) {
      throw new CairnError('MRT_NO_NATIVE_DECOMPRESSOR', `${command} was asked for but is not on PATH`, {
        file: name,
      });
    }
    return wanted;
  }
  // igzip alone inflates several times as fast as `gunzipSync`, but Node's streaming zlib inflates
  // on the thread pool as fast as igzip's process costs, and igzip's output reaches us through a
  // socket with its CRC checked here: zlib costs less in our pipeline (mrt/README.md), so it stays
  // the default and the tools are there when asked.
  return 'zlib';
}

function chooseBzip2(wanted: DecompressorOption, name: string, hasPath = false): Decompressor {
  if (wanted === 'js') return 'js';
  if (wanted === 'lbzip2' || wanted === 'bzip2') {
    if (!onPath(wanted)) {
      throw new CairnError('MRT_NO_NATIVE_DECOMPRESSOR', `${wanted} was asked for but is not on PATH`, {
        file: name,
      });
    }
    return wanted;
  }
  if (wanted === 'zlib' || wanted === 'igzip' || wanted === 'libdeflate') wanted = 'auto';
  const native = nativeBzip2Available();
  // The native tool when there is one, cut streams included (see CutStreamRepair): lbzip2 decodes
  // blocks on every core, faster than our decoder (bench/RESULTS.md). Without one, a file is
  // decoded by our decoder in a worker thread, on the other core while the main thread decodes
  // records.
  if (native !== undefined) return native;
  if (wanted === 'auto' && hasPath && bzip2WorkerUrl() !== undefined) return 'js-worker';
  if (wanted === 'native') {
    throw new CairnError('MRT_NO_NATIVE_DECOMPRESSOR', 'neither lbzip2 nor bzip2 is on PATH', { file: name });
  }
  return 'js';
}

/** State of one pass over the data; `close()` stops every live one. */
interface Run {
  stop(): void;
}

class Source implements ByteSource {
  readonly name: string;
  readonly compressedSize: number | undefined;
  compressedBytesRead = 0;
  private closed = false;
  private readonly runs = new Set<Run>();

  constructor(
    private readonly input: Input,
    readonly compression: Compression,
    readonly decompressor: Decompressor,
    private readonly hwm: number,
    private readonly clock: () => number,
    private readonly onDamage: ((problem: CairnError) => void) | undefined,
    private readonly gzipWholeUpTo: number,
  ) {
    this.name = input.name;
    this.compressedSize = input.size;
  }

  chunks(): AsyncIterable<Buffer> {
    return { [Symbol.asyncIterator]: () => this.generate()[Symbol.asyncIterator]() };
  }

  private async *generate(): AsyncGenerator<Buffer> {
    if (this.closed) return;
    this.compressedBytesRead = 0;
    const damaged: CairnError[] = [];
    let delivered = 0;
    for await (const chunk of this.decompress(damaged)) {
      delivered += chunk.length;
      yield chunk;
    }
    if (damaged.length > 0) {
      // No onDamage: the stream ends with the first damaged block as its error, located as every
      // stream error is (offset: the bytes delivered); where the gap is goes into the message.
      const first = damaged[0];
      const more = damaged.length > 1 ? `; ${damaged.length - 1} more damaged blocks skipped` : '';
      throw new CairnError(
        first.code,
        `${first.message} (gap at decompressed byte ${first.location.offset ?? 0})${more}`,
        { ...first.location, offset: delivered },
      );
    }
  }

  private async *decompress(damaged: CairnError[]): AsyncGenerator<Buffer> {
    const onDamage = this.onDamage;
    const context: Context = {
      input: this.input,
      hwm: this.hwm,
      gzipWholeUpTo: this.gzipWholeUpTo,
      clock: this.clock,
      runs: this.runs,
      isClosed: () => this.closed,
      progress: (bytes) => {
        if (bytes > this.compressedBytesRead) this.compressedBytesRead = bytes;
      },
      damage: (problem) => {
        if (onDamage !== undefined) onDamage(problem);
        else damaged.push(problem);
      },
    };
    switch (this.decompressor) {
      case 'none':
        yield* plainChunks(context);
        return;
      case 'zlib':
        yield* gzipChunks(context, 0);
        return;
      case 'igzip':
      case 'libdeflate':
        yield* gzipNativeChunks(context, this.decompressor);
        return;
      case 'js':
        yield* bzip2JsChunks(context, 0, undefined);
        return;
      case 'js-worker':
        yield* bzip2WorkerChunks(context);
        return;
      case 'lbzip2':
      case 'bzip2':
        yield* bzip2NativeChunks(context, this.decompressor);
        return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const run of this.runs) run.stop();
    this.runs.clear();
  }
}

interface Context {
  readonly input: Input;
  readonly hwm: number;
  /** OpenOptions.gzipWholeUpTo. */
  readonly gzipWholeUpTo: number;
  /** Paces the output queue (OpenOptions.clock). */
  readonly clock: () => number;
  readonly runs: Set<Run>;
  isClosed(): boolean;
  /** Reports the compressed offset reached. */
  progress(bytes: number): void;
  /** Reports a damaged block that was skipped (OpenOptions.onDamage). */
  damage(problem: CairnError): void;
}

function readError(file: string, error: unknown): CairnError {
  if (error instanceof CairnError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CairnError('MRT_READ_ERROR', `cannot read ${file}: ${message}`, { file }, { cause: error });
}

/**
 * Chunks pushed by a producer (zlib, a child process), pulled by the consumer. The producer is
 * paused while `limit` bytes or more wait (resumed below half of it); pulled chunks are joined or
 * cut to `hwm` bytes. After each chunk the consumer gives the event loop a turn (setImmediate),
 * so the producer's callbacks run and it goes on producing while the consumer decodes: without
 * it, a consumer that finds chunks waiting takes them all in one go and the producer waits.
 *
 * Chunks are also paced by the consumer's speed: each is cut to what the consumer handled in
 * about CHUNK_BUDGET_MS the chunk before (at least MIN_PACED_CHUNK, at most `hwm`). A decoder
 * that V8 has not compiled yet handles a megabyte in 15-20 ms, and a zlib job that finished in
 * the meantime waited that long for the callback that starts the next one; small chunks while
 * the consumer is slow keep the producer going, and the chunks grow to `hwm` once it is fast.
 * The time is read from the source's clock (OpenOptions.clock).
 */
class OutputQueue {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  /** Bytes the next chunk may hold (see the pacing above). */
  private chunkLimit: number;
  private paused = false;
  private done = false;
  private error: unknown;
  private wake: (() => void) | undefined;

  constructor(
    private readonly hwm: number,
    private readonly clock: () => number,
    private readonly pause: () => void,
    private readonly resume: () => void,
    private readonly limit = 2 * hwm,
    /** Join small chunks up to the chunk limit (copies; off where the copies cost more than they save). */
    private readonly join = true,
  ) {
    this.chunkLimit = Math.min(hwm, MIN_PACED_CHUNK);
  }

  push(chunk: Buffer): void {
    if (this.done || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (!this.paused && this.bytes >= this.limit) {
      this.paused = true;
      this.pause();
    }
    this.signal();
  }

  /** No more chunks; the consumer gets `error` (if any) after the queued chunks. */
  finish(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Sizes the next chunk from how long the consumer took over the last one. */
  private pace(bytes: number, ms: number): void {
    // A tiny chunk (the tail of a job) says little about the consumer's speed.
    if (bytes < MIN_PACED_CHUNK / 4) return;
    const fit = Math.floor((bytes * CHUNK_BUDGET_MS) / Math.max(ms, 0.01));
    this.chunkLimit = Math.max(Math.min(MIN_PACED_CHUNK, this.hwm), Math.min(this.hwm, fit));
  }

  async *drain(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.chunks.length > 0) {
        let chunk = this.chunks.shift() as Buffer;
        const limit = this.chunkLimit;
        if (chunk.length > limit) {
          this.chunks.unshift(chunk.subarray(limit));
          chunk = chunk.subarray(0, limit);
        } else if (this.join && this.chunks.length > 0 && chunk.length + this.chunks[0].length <= limit) {
          const parts = [chunk];
          let total = chunk.length;
          while (this.chunks.length > 0 && total + this.chunks[0].length <= limit) {
            const next = this.chunks.shift() as Buffer;
            parts.push(next);
            total += next.length;
          }
          chunk = Buffer.concat(parts, total);
        }
        this.bytes -= chunk.length;
        if (this.paused && this.bytes < this.limit / 2) {
          this.paused = false;
          this.resume();
        }
        const handed = this.clock();
        yield chunk;
        this.pace(chunk.length, this.clock() - handed);
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      if (this.done) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Plain

async function* plainChunks(context: Context): AsyncGenerator<Buffer> {
  const stream = context.input.open(0);
  const run: Run = { stop: () => stream.destroy() };
  context.runs.add(run);
  let offset = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      offset += chunk.length;
      context.progress(offset);
      yield chunk;
    }
  } catch (error) {
    if (context.isClosed()) return;
    throw readError(context.input.name, error);
  } finally {
    stream.destroy();
    context.runs.delete(run);
  }
}

// ---------------------------------------------------------------------------------------------
// gzip

interface GzipPassOptions {
  /** Decompressed bytes already delivered: not delivered again. */
  skip: number;
  /** Compressed bytes in [fineFrom, fineTo) are written `fineSize` at a time. */
  fineFrom: number;
  fineTo: number;
  fineSize: number;
  finishFlush: number;
}

interface GzipPassResult {
  error: (Error & { code?: string; errno?: number }) | undefined;
  /** Compressed bytes zlib processed without error, and written to it. */
  processedUpTo: number;
  writtenUpTo: number;
}

/**
 * A small gzip input inflated in one `gunzipSync` call, or undefined to stream it. The stream's
 * machinery (reads, zlib jobs on the thread pool, the output queue's turns) costs more than the
 * inflating itself on files of a few MB, as RIS update files are. Only a call that succeeds is
 * used: zlib then gives these bytes whether fed at once or in pieces, and nothing has been
 * delivered yet, so any failure (cut, corrupt or trailing data, output past the cap) streams the
 * input from its start, which delivers and locates everything as before.
 */
function gzipWhole(context: Context): Buffer | undefined {
  const { size } = context.input;
  if (size === undefined || size > context.gzipWholeUpTo || size < 18) return undefined;
  const bytes = context.input.whole();
  if (bytes === undefined || bytes.length < 18) return undefined;
  // The last member's length modulo 2^32, from data: it sizes the first buffer, within bounds.
  const hint = bytes.readUInt32LE(bytes.length - 4);
  try {
    return zlib.gunzipSync(bytes, {
      chunkSize: Math.max(64 * 1024, Math.min(hint + 1, GZIP_WHOLE_FIRST_BUFFER)),
      maxOutputLength: GZIP_WHOLE_MAX_OUTPUT,
    });
  } catch {
    return undefined;
  }
}

/** Decodes with Node's zlib, delivering only output beyond `skip` bytes (a native tool's). */
async function* gzipChunks(context: Context, skip: number): AsyncGenerator<Buffer> {
  if (skip === 0) {
    const whole = gzipWhole(context);
    if (whole !== undefined) {
      context.progress(context.input.size ?? 0);
      for (let at = 0; at < whole.length; at += context.hwm) {
        // The event loop gets a turn between chunks, as the stream gives it (a server stays live).
        if (at > 0) await new Promise((resolve) => setImmediate(resolve));
        if (context.isClosed()) return;
        yield whole.subarray(at, at + context.hwm);
      }
      return;
    }
  }
  let delivered = skip;
  let options: GzipPassOptions = {
    skip,
    fineFrom: Infinity,
    fineTo: Infinity,
    fineSize: GZIP_WRITE_SIZE,
    finishFlush: zlib.constants.Z_FINISH,
  };
  let refineLevel = 0;
  let firstError: GzipPassResult['error'];
  let firstErrorAt = 0;
  let truncated = false;
  for (;;) {
    const pass = gzipPass(context, options, refineLevel === 0 && !truncated);
    let result: GzipPassResult;
    try {
      let step = await pass.next();
      while (step.done !== true) {
        delivered += step.value.length;
        yield step.value;
        step = await pass.next();
      }
      result = step.value;
    } finally {
      // Runs the pass's own cleanup when the consumer stops early.
      await pass.return({ error: undefined, processedUpTo: 0, writtenUpTo: 0 });
    }
    if (context.isClosed()) return;
    if (result.error === undefined) {
      if (truncated) {
        throw new CairnError(
          'MRT_TRUNCATED_STREAM',
          `gzip stream ends unexpectedly (after ${context.input.size ?? firstErrorAt} compressed bytes)`,
          { file: context.input.name, offset: delivered },
        );
      }
      if (firstError === undefined) return;
      // A finer pass did not fail where the first one did: report the first failure.
      throw gzipCorrupt(context, firstError, firstErrorAt, delivered);
    }
    if (firstError === undefined) {
      firstError = result.error;
      firstErrorAt = result.processedUpTo;
    }
    if (result.error.code === 'Z_BUF_ERROR' && !truncated && refineLevel === 0) {
      // Truncated: zlib dropped the output of its last call. Decode again, flushing what the
      // incomplete input gives instead of failing.
      truncated = true;
      options = { ...options, skip: delivered, finishFlush: zlib.constants.Z_SYNC_FLUSH };
      continue;
    }
    if (refineLevel >= GZIP_REFINE_SIZES.length || truncated) {
      throw gzipCorrupt(context, result.error, result.processedUpTo, delivered);
    }
    // zlib dropped the output of the write that failed: decode again, writing the failing
    // range in smaller pieces, until the pieces are single bytes.
    options = {
      skip: delivered,
      fineFrom: result.processedUpTo,
      fineTo: Math.max(result.writtenUpTo, result.processedUpTo + 1),
      fineSize: GZIP_REFINE_SIZES[refineLevel],
      finishFlush: zlib.constants.Z_FINISH,
    };
    refineLevel++;
  }
}

function gzipCorrupt(
  context: Context,
  error: NonNullable<GzipPassResult['error']>,
  at: number,
  delivered: number,
): CairnError {
  if (error.code === 'Z_BUF_ERROR') {
    return new CairnError('MRT_TRUNCATED_STREAM', `gzip stream ends unexpectedly (${error.message})`, {
      file: context.input.name,
      offset: delivered,
    });
  }
  const trailing =
    error.message === 'incorrect header check' && delivered > 0
      ? ' (data after the end of a gzip member is not another gzip member)'
      : '';
  return new CairnError(
    'MRT_CORRUPT_STREAM',
    `gzip: ${error.message} at compressed byte ${at}${trailing}`,
    { file: context.input.name, offset: delivered },
    { cause: error },
  );
}

// ---------------------------------------------------------------------------------------------
// gzip, native inflater in a child process

/** A gzip member header (RFC 1952): magic, deflate, no reserved flag, known XFL and OS values. */
function looksLikeGzipHeader(bytes: Uint8Array, at: number): boolean {
  return (
    bytes[at + 1] === 0x8b &&
    bytes[at + 2] === 8 &&
    (bytes[at + 3] & 0xe0) === 0 &&
    (bytes[at + 8] === 0 || bytes[at + 8] === 2 || bytes[at + 8] === 4) &&
    (bytes[at + 9] <= 13 || bytes[at + 9] === 255)
  );
}

/**
 * igzip or libdeflate-gunzip in a child process. They hold back part of their output when they
 * fail (igzip its last buffer, libdeflate all of it), and igzip stops without a word at data
 * after a member that is not another member; so whenever a tool fails, or the input does not end
 * with the trailer of the data delivered (see GzipTrailerCheck), zlib decodes the file again and
 * delivers what follows the bytes already delivered, and its verdict is the one reported: the
 * bytes and the error are those of the zlib path whichever inflater ran.
 */
/**
 * A decompressor in a child process, shared by the gzip and bzip2 tools: its output queued with
 * back-pressure, its stderr kept (bounded), its input written while it reads, and one stop for
 * all of it. The caller drives the input loop and reads the exit status.
 */
class ToolProcess {
  readonly queue: OutputQueue;
  readonly source: Readable;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ToolJob;
  private readonly run: Run;
  private stderr = '';
  stopped = false;
  spawnError: Error | undefined;

  constructor(
    private readonly context: Context,
    readonly command: string,
    args: readonly string[],
    onOutput?: (chunk: Buffer) => void,
    queueLimit = 2 * context.hwm,
    joinChunks = true,
  ) {
    const child = startTool(command, args);
    this.child = child;
    const stdout = child.stdout;
    this.queue = new OutputQueue(
      context.hwm,
      context.clock,
      () => stdout.pause(),
      () => stdout.resume(),
      queueLimit,
      joinChunks,
    );
    this.source = context.input.open(0);
    stdout.on('data', (chunk: Buffer) => {
      onOutput?.(chunk);
      this.queue.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (this.stderr.length < STDERR_LIMIT) this.stderr += text.slice(0, STDERR_LIMIT - this.stderr.length);
    });
    child.stdin.on('error', () => {
      // EPIPE when the tool stops reading early (bad data): its exit status tells what happened.
    });
    this.exited = child.exited.then(({ code, signal, error }) => {
      this.spawnError = error;
      return { code, signal };
    });
    void this.exited.then(() => this.queue.finish());
    this.run = { stop: () => this.stop() };
    context.runs.add(this.run);
  }

  /** True once the tool no longer takes input (stopped, or its stdin closed). */
  get inputClosed(): boolean {
    return this.stopped || this.child.stdin.destroyed;
  }

  /** Writes to the tool, waiting while its input pipe is full; false once it stopped reading. */
  async write(pieces: readonly Buffer[]): Promise<boolean> {
    const stdin = this.child.stdin;
    for (const piece of pieces) {
      if (this.inputClosed) return false;
      if (!stdin.write(piece)) {
        const abort = new AbortController();
        await Promise.race([
          once(stdin, 'drain', { signal: abort.signal }),
          once(stdin, 'close', { signal: abort.signal }),
          this.exited,
        ]).catch(() => undefined);
        abort.abort();
      }
    }
    return true;
  }

  endInput(): void {
    if (!this.inputClosed) this.child.stdin.end();
  }

  /** Stops the tool taking input and kills it (another decoder takes over). */
  abandon(): void {
    this.child.kill();
  }

  /** Ends the output with a read error of the input. */
  failInput(error: unknown): void {
    if (this.stopped) return;
    this.queue.finish(readError(this.context.input.name, error));
    this.child.kill();
  }

  /** What the tool said on stderr, on one line. */
  complaint(): string {
    return this.stderr.trim().replace(/\s+/g, ' ');
  }

  /** How the tool ended, in words. */
  static status(code: number | null, signal: NodeJS.Signals | null): string {
    return code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with status ${code}`;
  }

  stop(): void {
    this.stopped = true;
    this.source.destroy();
    this.child.kill();
    this.queue.finish();
  }

  /** Releases everything once the caller is done (normally or not). */
  close(): void {
    this.stopped = true;
    this.source.destroy();
    if (!this.child.ended) this.child.kill();
    this.child.stdout.destroy();
    this.context.runs.delete(this.run);
  }
}

async function* gzipNativeChunks(context: Context, tool: 'igzip' | 'libdeflate'): AsyncGenerator<Buffer> {
  const { command, args } = GZIP_TOOLS[tool];
  const trailer = new GzipTrailerCheck();
  const proc = new ToolProcess(
    context,
    command,
    args,
    (chunk) => trailer.output(chunk),
    2 * context.hwm,
    // Pipe reads are 64 KiB: joining them into fresh megabyte buffers cost more than the
    // inflating itself (page faults on every new buffer), and the reader takes small chunks well.
    false,
  );
  /** Set when a second member shows up: zlib would have to check the whole file anyway. */
  let handedToZlib = false;

  const writer = (async () => {
    let offset = 0;
    try {
      for await (const chunk of proc.source as AsyncIterable<Buffer>) {
        if (proc.inputClosed) return;
        trailer.input(chunk);
        if (trailer.severalMembers) {
          // Only zlib tells several members from data after a member that igzip skips: it takes
          // over now rather than after the tool inflated the whole file for nothing.
          handedToZlib = true;
          proc.abandon();
          return;
        }
        offset += chunk.length;
        context.progress(offset);
        await proc.write([chunk]);
      }
      proc.endInput();
    } catch (error) {
      proc.failInput(error);
    }
  })();

  let delivered = 0;
  let failure: string | undefined;
  try {
    for await (const chunk of proc.queue.drain()) {
      delivered += chunk.length;
      yield chunk;
    }
    const { code, signal } = await proc.exited;
    await writer;
    if (proc.stopped || context.isClosed()) return;
    if (proc.spawnError !== undefined && !handedToZlib) {
      throw new CairnError('MRT_DECOMPRESSOR_FAILED', `cannot run ${command}: ${proc.spawnError.message}`, {
        file: context.input.name,
      });
    }
    if (code === 0 && trailer.matches()) return;
    const complaint = proc.complaint();
    failure =
      code === 0 || handedToZlib
        ? undefined // several members, or data after the last one: zlib tells which
        : `${command} ${ToolProcess.status(code, signal)}${complaint === '' ? '' : `: ${complaint}`}`;
  } finally {
    proc.close();
  }
  try {
    yield* gzipChunks(context, delivered);
  } catch (error) {
    if (failure === undefined || !(error instanceof CairnError)) throw error;
    throw new CairnError(error.code, `${error.message}; ${failure}`, error.location, { cause: error });
  }
}

/**
 * Tells whether the input ends with the trailer (CRC-32 and length mod 2^32) of all the output,
 * and holds no other gzip member header than the first: then it is one gzip member, whole, with
 * nothing after it but the zero bytes zlib also skips. Otherwise (several members, or data after
 * the last one, whose last member might even repeat the output) the caller asks zlib.
 */
class GzipTrailerCheck {
  private crc = 0;
  private length = 0;
  private readonly tail = new TailBytes(64);
  /** The last bytes of the previous input chunk (a header may span two chunks). */
  private carry = Buffer.alloc(0);
  private offset = 0;
  private otherHeader = false;

  /** A gzip member header was seen after the first byte. */
  get severalMembers(): boolean {
    return this.otherHeader;
  }

  output(chunk: Buffer): void {
    this.crc = zlib.crc32(chunk, this.crc);
    this.length += chunk.length;
  }

  input(chunk: Buffer): void {
    this.tail.add(chunk);
    if (this.otherHeader) return;
    const bytes = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    const base = this.offset - this.carry.length;
    for (let at = bytes.indexOf(0x1f); at >= 0 && at + 10 <= bytes.length; at = bytes.indexOf(0x1f, at + 1)) {
      if (base + at > 0 && looksLikeGzipHeader(bytes, at)) {
        this.otherHeader = true;
        return;
      }
    }
    this.offset += chunk.length;
    this.carry = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 9)));
  }

  matches(): boolean {
    if (this.otherHeader) return false;
    const tail = this.tail.bytes();
    let end = tail.length;
    const ends = [end];
    while (end > 0 && tail[end - 1] === 0) end--;
    if (end < tail.length) ends.push(end);
    return ends.some((at) => {
      if (at < 8) return false;
      const view = Buffer.from(tail.buffer, tail.byteOffset + at - 8, 8);
      return view.readUInt32LE(0) === this.crc >>> 0 && view.readUInt32LE(4) === this.length % 2 ** 32;
    });
  }
}

/** One decoding pass with Node's zlib; yields output beyond `skip`, returns how it ended. */
async function* gzipPass(
  context: Context,
  options: GzipPassOptions,
  reportProgress: boolean,
): AsyncGenerator<Buffer, GzipPassResult> {
  const gunzip = zlib.createGunzip({
    chunkSize: Math.min(4 * context.hwm, GZIP_JOB_OUTPUT),
    finishFlush: options.finishFlush,
    flush: options.fineSize < GZIP_WRITE_SIZE ? zlib.constants.Z_SYNC_FLUSH : zlib.constants.Z_NO_FLUSH,
  });
  const queue = new OutputQueue(
    context.hwm,
    context.clock,
    () => gunzip.pause(),
    () => gunzip.resume(),
    4 * Math.min(4 * context.hwm, GZIP_JOB_OUTPUT),
  );
  let produced = 0;
  let processedUpTo = 0;
  let writtenUpTo = 0;
  let zlibError: GzipPassResult['error'];
  let stopped = false;
  const source = context.input.open(0);

  gunzip.on('data', (chunk: Buffer) => {
    const start = produced;
    produced += chunk.length;
    if (produced <= options.skip) return;
    queue.push(start < options.skip ? chunk.subarray(options.skip - start) : chunk);
  });
  gunzip.on('error', (error: Error) => {
    zlibError = error;
    queue.finish();
  });
  gunzip.on('end', () => queue.finish());

  // Input pieces cut from the file wait here; at most GZIP_PIECES_AHEAD are written to zlib and
  // not yet inflated. A piece's write callback writes the next one: zlib calls it from the
  // thread pool's completion, before the consumer's decoding (a promise continuation) runs, so
  // the next piece inflates while the main thread decodes; waiting for 'drain' instead let the
  // two take turns. zlib still makes one job's output per turn of the event loop, so jobs are
  // large (GZIP_JOB_OUTPUT) and the consumer yields a turn after each chunk (OutputQueue).
  const pieces: Array<{ piece: Buffer; end: number }> = [];
  let inFlight = 0;
  let inputDone = false;
  let ended = false;
  let wakeReader: (() => void) | undefined;
  const halted = (): boolean => stopped || zlibError !== undefined;
  const wake = (): void => {
    const resume = wakeReader;
    wakeReader = undefined;
    resume?.();
  };
  const pump = (): void => {
    while (inFlight < GZIP_PIECES_AHEAD && pieces.length > 0 && !halted()) {
      const { piece, end } = pieces.shift() as { piece: Buffer; end: number };
      inFlight++;
      writtenUpTo = end;
      gunzip.write(piece, (error) => {
        inFlight--;
        if (error == null && end > processedUpTo) processedUpTo = end;
        pump();
      });
    }
    if (inputDone && pieces.length === 0 && !ended && !halted()) {
      ended = true;
      gunzip.end();
    }
    if (pieces.length < GZIP_PIECES_AHEAD || halted()) wake();
  };
  gunzip.on('error', wake);

  const run: Run = {
    stop: () => {
      stopped = true;
      source.destroy();
      gunzip.destroy();
      queue.finish();
      wake();
    },
  };
  context.runs.add(run);

  const writer = (async () => {
    let offset = 0;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        for (let at = 0; at < chunk.length;) {
          const absolute = offset + at;
          const size =
            absolute >= options.fineFrom && absolute < options.fineTo
              ? options.fineSize
              : absolute < GZIP_FIRST_WRITE_SIZE
                ? GZIP_FIRST_WRITE_SIZE - absolute
                : GZIP_WRITE_SIZE;
          // Do not let a large piece run into the fine range.
          const limit = absolute < options.fineFrom ? options.fineFrom - absolute : Infinity;
          const piece = chunk.subarray(at, at + Math.min(size, limit));
          at += piece.length;
          pieces.push({ piece, end: offset + at });
        }
        offset += chunk.length;
        if (reportProgress) context.progress(offset);
        pump();
        while (pieces.length >= GZIP_PIECES_AHEAD && !halted())
          await new Promise<void>((resolve) => (wakeReader = resolve));
        if (halted()) return;
      }
      inputDone = true;
      pump();
    } catch (error) {
      if (!stopped) {
        queue.finish(readError(context.input.name, error));
        gunzip.destroy();
      }
    }
  })();

  try {
    yield* queue.drain();
  } finally {
    stopped = true;
    source.destroy();
    gunzip.destroy();
    wake();
    context.runs.delete(run);
  }
  await writer;
  return { error: zlibError, processedUpTo, writtenUpTo };
}

// ---------------------------------------------------------------------------------------------
// bzip2, TypeScript decoder

/**
 * Decodes with the TypeScript decoder, delivering only output beyond `skip` bytes. `nativeFailure`
 * is set when this is recovery after a native tool failed: its message joins the final error.
 */
async function* bzip2JsChunks(
  context: Context,
  skip: number,
  nativeFailure: string | undefined,
  restart?: NativeRestart,
): AsyncGenerator<Buffer> {
  if (restart !== undefined && (yield* bzip2JsDecode(context, skip, nativeFailure, restart))) return;
  yield* bzip2JsDecode(context, skip, nativeFailure, undefined);
}

/**
 * bzip2JsChunks from the start of the input, or from `restart`: then the first block decoded must
 * be the bytes the native tool gave for it, or nothing is delivered and false is returned (the
 * caller decodes from the start).
 */
async function* bzip2JsDecode(
  context: Context,
  skip: number,
  nativeFailure: string | undefined,
  restart: NativeRestart | undefined,
): AsyncGenerator<Buffer, boolean> {
  const decoder = new Bzip2Decoder(context.input.name, { recover: true, resume: restart?.resume });
  const source = context.input.open(restart === undefined ? 0 : restart.resume.bit >>> 3);
  const run: Run = { stop: () => source.destroy() };
  context.runs.add(run);
  let produced = restart?.resume.output ?? 0;
  let unverified = restart?.firstBlock;
  let offset = 0;
  const deliver = function* (block: Uint8Array): Generator<Buffer> {
    const start = produced;
    produced += block.length;
    if (produced <= skip) return;
    let bytes = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    if (start < skip) bytes = bytes.subarray(skip - start);
    for (let at = 0; at < bytes.length; at += context.hwm) yield bytes.subarray(at, at + context.hwm);
  };
  try {
    let reading = true;
    const iterator = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    while (reading) {
      let step: IteratorResult<Buffer>;
      try {
        step = await iterator.next();
      } catch (error) {
        if (context.isClosed()) return true;
        throw readError(context.input.name, error);
      }
      if (step.done === true) {
        decoder.end();
        reading = false;
      } else {
        decoder.push(step.value);
        offset += step.value.length;
        if (nativeFailure === undefined) context.progress(offset);
      }
      for (;;) {
        if (context.isClosed()) return true;
        let block: Uint8Array | null | undefined;
        try {
          block = decoder.next();
        } catch (error) {
          if (unverified !== undefined) return false;
          throw error;
        }
        if (block === null) break;
        if (unverified !== undefined) {
          // The restart point holds only if our first block is the one the tool gave there.
          if (decoder.takeDamage().length > 0 || block === undefined || !unverified.equals(block))
            return false;
          unverified = undefined;
        }
        // Damage skipped before this block (or before the end) is reported once, where the gap is.
        for (const problem of decoder.takeDamage()) {
          if (produced < skip) {
            // A native tool wrote part of the damaged block before it checked its CRC, beyond
            // what was held back (NATIVE_HOLD_BACK): those bytes are out.
            throw new CairnError(
              'MRT_CORRUPT_STREAM',
              `${nativeFailure}; the last ${skip - produced} bytes it delivered come from a damaged bzip2 block (${problem.message})`,
              { ...problem.location, offset: skip },
            );
          }
          context.damage(problem);
        }
        if (block === undefined) return true;
        yield* deliver(block);
      }
    }
    return true;
  } catch (error) {
    if (
      nativeFailure === undefined ||
      !(error instanceof CairnError) ||
      (error.code !== 'MRT_TRUNCATED_STREAM' && error.code !== 'MRT_CORRUPT_STREAM')
    ) {
      throw error;
    }
    const verified = error.location.offset ?? produced;
    if (verified < skip) {
      throw new CairnError(
        'MRT_CORRUPT_STREAM',
        `${nativeFailure}; the last ${skip - verified} bytes it delivered come from a damaged bzip2 block (${error.message})`,
        { file: context.input.name, offset: skip },
        { cause: error },
      );
    }
    throw new CairnError(error.code, `${error.message}; ${nativeFailure}`, error.location, { cause: error });
  } finally {
    source.destroy();
    context.runs.delete(run);
  }
}

// ---------------------------------------------------------------------------------------------
// bzip2, native tool in a child process

async function* bzip2NativeChunks(context: Context, tool: 'lbzip2' | 'bzip2'): AsyncGenerator<Buffer> {
  const proc = new ToolProcess(context, tool, ['-d', '-c']);
  const tail = new TailBytes(16);
  const streams = new Bzip2StreamScanner();
  const repair = new CutStreamRepair();
  let cutEnd: CutStreamEnd | undefined;

  const writer = (async () => {
    let offset = 0;
    try {
      for await (const chunk of proc.source as AsyncIterable<Buffer>) {
        if (proc.inputClosed) return;
        tail.add(chunk);
        streams.add(chunk);
        offset += chunk.length;
        context.progress(offset);
        if (!(await proc.write(repair.add(chunk)))) return;
      }
      cutEnd = repair.finish();
      if (!(await proc.write(cutEnd.bytes))) return;
      proc.endInput();
    } catch (error) {
      proc.failInput(error);
    }
  })();

  let delivered = 0;
  // The tools write a block's bytes before they check its CRC: the last NATIVE_HOLD_BACK bytes
  // are held until the tool ends well, so a damaged block's bytes never get out (see
  // bzip2JsChunks, which then skips the block as our decoder does).
  const held: Buffer[] = [];
  let heldBytes = 0;
  // Held chunks go out one per event-loop turn (as the queue gives them), and not after close().
  const release = async function* (keep: number): AsyncGenerator<Buffer> {
    let first = true;
    while (held.length > 0 && heldBytes - held[0].length >= keep && !context.isClosed()) {
      if (!first) await new Promise<void>((resolve) => setImmediate(resolve));
      first = false;
      if (context.isClosed()) return;
      const chunk = held.shift() as Buffer;
      heldBytes -= chunk.length;
      delivered += chunk.length;
      yield chunk;
    }
  };
  try {
    for await (const chunk of proc.queue.drain()) {
      held.push(chunk);
      heldBytes += chunk.length;
      yield* release(NATIVE_HOLD_BACK);
    }
    const { code, signal } = await proc.exited;
    await writer;
    if (proc.stopped || context.isClosed()) return;
    // Where our decoder can take over without decoding again what the tool gave, while the
    // tool's output from the start is still held (see nativeRestart).
    const restart =
      delivered === 0 && (code !== 0 || streams.gapAt >= 0)
        ? nativeRestart(held, repair.completeBlocks)
        : undefined;
    if (code === 0) yield* release(0);
    else if (restart !== undefined) {
      // The tool's bytes before the restart point, block CRCs checked: delivered as they are.
      while (held.length > 0 && delivered + held[0].length <= restart.resume.output && !context.isClosed()) {
        yield* release(heldBytes - held[0].length);
      }
      const rest = restart.resume.output - delivered;
      if (rest > 0 && !context.isClosed()) {
        const head = held[0].subarray(0, rest);
        held[0] = held[0].subarray(rest);
        heldBytes -= rest;
        delivered += rest;
        yield head;
      }
    }
    if (context.isClosed()) return;
    if (proc.spawnError !== undefined) {
      throw new CairnError('MRT_DECOMPRESSOR_FAILED', `cannot run ${tool}: ${proc.spawnError.message}`, {
        file: context.input.name,
      });
    }
    let complaint = proc.complaint();
    const cutBlock = cutEnd?.cutBlock;
    if (code === 0 && streams.gapAt < 0 && cutBlock !== undefined) {
      // The tool decoded every block before the cut one (the stream's end was rebuilt).
      yield* cutBlockChunks(context, cutBlock, delivered);
      return;
    }
    const cutInEnd = cutEnd?.cutInEnd;
    if (code === 0 && streams.gapAt < 0 && cutInEnd !== undefined) {
      // Every block decoded and checked; only the stream's combined CRC was cut (as our decoder says it).
      throw new CairnError(
        'MRT_TRUNCATED_STREAM',
        `bzip2 stream ends inside the end-of-stream marker (after ${cutInEnd.inputSize} compressed bytes)`,
        { file: context.input.name, offset: delivered },
      );
    }
    if (code === 0 && streams.gapAt >= 0) {
      complaint = `a bzip2 stream starts at compressed byte ${streams.gapAt} after data that ends no stream`;
    } else if (code === 0) {
      // Every stream decoded and checked, and none starts in what follows: that is trailing data
      // (bzip2 warns "trailing garbage", lbzip2 says nothing). Decoding the file again here would
      // only find the same end.
      if (!/trailing garbage/i.test(complaint) && tail.endsWithBzip2EndOfStream()) return;
      throw new CairnError('MRT_CORRUPT_STREAM', 'trailing data after the end of the bzip2 stream', {
        file: context.input.name,
        offset: delivered,
      });
    }
    const status = code === 0 ? 'stopped before the end' : ToolProcess.status(code, signal);
    const failure = `${tool} ${status}${complaint === '' ? '' : `: ${complaint}`}`;
    // The tools do not deliver all decodable bytes before failing; decode the rest here.
    yield* bzip2JsChunks(context, delivered, failure, restart);
  } finally {
    proc.close();
  }
}

/** Where our decoder takes over from a native tool (see nativeRestart). */
interface NativeRestart {
  resume: Bzip2Resume;
  /** The tool's bytes of the block at `resume`: our decoder's first block must be the same. */
  firstBlock: Buffer;
}

/**
 * The last block whose bytes the tool's output `held` (from decompressed byte 0) holds whole,
 * found from the blocks' stored CRCs in order (the CRC of the output since the previous block's
 * end equals the next block's stored CRC), as a point where our decoder can start instead of at
 * byte 0: the bytes before it are the tool's, of blocks whose CRCs it checked. A chance match of a
 * CRC (2^-32 per byte) would misplace it; our decoder's first block is then compared with the
 * tool's bytes there, and decoding starts from byte 0 when they differ. Undefined when no block
 * after the first is whole (starting at byte 0 is then the same).
 */
function nativeRestart(held: readonly Buffer[], blocks: readonly CompleteBlock[]): NativeRestart | undefined {
  const ends: number[] = [];
  let crc = -1;
  let wanted: number | undefined = blocks[0]?.crc;
  let offset = 0;
  for (const chunk of held) {
    if (wanted === undefined) break;
    const base = offset;
    ({ crc, wanted } = scanBzip2Crc(chunk, crc, wanted, (end) => {
      ends.push(base + end);
      return blocks[ends.length]?.crc;
    }));
    offset += chunk.length;
  }
  const last = ends.length - 1;
  if (last < 1) return undefined;
  const start = ends[last - 1];
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; i < held.length && at < ends[last]; at += held[i].length, i++) {
    const from = Math.max(start - at, 0);
    const to = Math.min(ends[last] - at, held[i].length);
    if (to > from) parts.push(held[i].subarray(from, to));
  }
  return { resume: { ...blocks[last], output: start }, firstBlock: Buffer.concat(parts) };
}

/**
 * The block a cut stream was cut in, given as a stream of its own (CutStreamRepair), decoded by
 * the TypeScript decoder after the `delivered` bytes of the blocks before it: delivered if it is
 * complete, and the stream then ends as MRT_TRUNCATED_STREAM, as every decoder reports it.
 */
async function* cutBlockChunks(
  context: Context,
  cutBlock: NonNullable<CutStreamEnd['cutBlock']>,
  delivered: number,
): AsyncGenerator<Buffer> {
  const decoder = new Bzip2Decoder(context.input.name, {
    start: { output: delivered, input: cutBlock.inputSize - cutBlock.stream.length },
  });
  decoder.push(cutBlock.stream);
  decoder.end();
  for (;;) {
    if (context.isClosed()) return;
    const block = decoder.next();
    if (block === null || block === undefined) break;
    const bytes = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    for (let at = 0; at < bytes.length; at += context.hwm) yield bytes.subarray(at, at + context.hwm);
  }
  // A complete stream here would mean the cut was not one: bzip2EndsComplete saw no end.
  throw new CairnError('MRT_TRUNCATED_STREAM', 'bzip2 stream ends without its end-of-stream marker', {
    file: context.input.name,
    offset: decoder.bytesOut,
  });
}

/** Keeps the last bytes of a stream. */
class TailBytes {
  private readonly data: Uint8Array;
  private length = 0;

  constructor(private readonly capacity: number) {
    this.data = new Uint8Array(capacity);
  }

  add(chunk: Uint8Array): void {
    if (chunk.length >= this.capacity) {
      this.data.set(chunk.subarray(chunk.length - this.capacity));
      this.length = this.capacity;
      return;
    }
    const keep = Math.min(this.length, this.capacity - chunk.length);
    this.data.copyWithin(0, this.length - keep, this.length);
    this.data.set(chunk, keep);
    this.length = keep + chunk.length;
  }

  /** The bytes kept (a copy). */
  bytes(): Uint8Array {
    return this.data.slice(0, this.length);
  }

  /**
   * True when the input ends with a bzip2 end-of-stream marker (bzip2EndsComplete): the native
   * tools ignore anything after the stream, this is how such trailing data is noticed.
   */
  endsWithBzip2EndOfStream(): boolean {
    return bzip2EndsComplete(this.data, this.length);
  }
}

/**
 * Watches the compressed bytes fed to a native tool for a bzip2 stream that starts where the one
 * before it did not end: data between concatenated streams, where lbzip2 stops without a word
 * (it decodes concatenated streams, as pbzip2 writes them, fine). A stream start is "BZh1".."BZh9"
 * and the 48-bit block or end-of-stream magic, byte-aligned; the bytes before it must end a
 * stream (bzip2EndsComplete).
 */
class Bzip2StreamScanner {
  /** The last bytes seen (a stream start and the end before it may span chunks). */
  private readonly window = new Uint8Array(2 * STREAM_START_BYTES + 11);
  private windowLength = 0;
  private offset = 0;
  /** Set when a stream started after bytes that do not end a stream. */
  gapAt = -1;

  add(chunk: Uint8Array): void {
    // Starts that span the previous chunk's end: search the window joined with this chunk's head.
    if (this.windowLength > 0) {
      const head = chunk.subarray(0, STREAM_START_BYTES - 1);
      const joint = new Uint8Array(this.windowLength + head.length);
      joint.set(this.window.subarray(0, this.windowLength));
      joint.set(head, this.windowLength);
      const from = Math.max(0, this.windowLength - (STREAM_START_BYTES - 1));
      this.scan(joint, from, this.windowLength, this.offset - this.windowLength);
    }
    this.scan(chunk, 0, chunk.length - STREAM_START_BYTES + 1, this.offset);
    // Keep the tail for the next chunk.
    const keep = Math.min(this.window.length, this.windowLength + chunk.length);
    const fromChunk = Math.min(chunk.length, keep);
    this.window.copyWithin(0, this.windowLength - (keep - fromChunk), this.windowLength);
    this.window.set(chunk.subarray(chunk.length - fromChunk), keep - fromChunk);
    this.windowLength = keep;
    this.offset += chunk.length;
  }

  /** Stream starts at positions [from, to) of `bytes`, whose byte 0 is at stream offset `base`. */
  private scan(bytes: Uint8Array, from: number, to: number, base: number): void {
    for (let at = from; at < to && this.gapAt < 0; at++) {
      at = bytes.indexOf(0x42, at); // 'B'
      if (at < 0 || at >= to) return;
      if (!isStreamStart(bytes, at) || base + at === 0) continue;
      // Only the bytes just before the start matter; they are in `bytes` or the window.
      if (at >= 11 ? !bzip2EndsComplete(bytes, at) : !this.endsBefore(bytes, at)) this.gapAt = base + at;
    }
  }

  /** bzip2EndsComplete for the bytes before position `at` of `bytes`, the window in front of them. */
  private endsBefore(bytes: Uint8Array, at: number): boolean {
    const joined = new Uint8Array(this.windowLength + at);
    joined.set(this.window.subarray(0, this.windowLength));
    joined.set(bytes.subarray(0, at), this.windowLength);
    return bzip2EndsComplete(joined);
  }
}

/** "BZh" + level digit + a 6-byte magic (block or end of stream). */
const STREAM_START_BYTES = 10;

/** The 48-bit magics that may follow a stream header: a block (pi) or the end of stream (sqrt(pi)). */
const BLOCK_MAGIC = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const END_MAGIC = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

function isStreamStart(bytes: Uint8Array, at: number): boolean {
  if (at + STREAM_START_BYTES > bytes.length) return false;
  if (bytes[at + 1] !== 0x5a || bytes[at + 2] !== 0x68 || bytes[at + 3] < 0x31 || bytes[at + 3] > 0x39)
    return false;
  const followedBy = (magic: readonly number[]): boolean => magic.every((b, i) => bytes[at + 4 + i] === b);
  return followedBy(BLOCK_MAGIC) || followedBy(END_MAGIC);
}

// ---------------------------------------------------------------------------------------------
// bzip2, TypeScript decoder in a worker thread

let workerUrlCache: URL | null | undefined;

/** The compiled worker module, or undefined when running from TypeScript sources (tests). */
function bzip2WorkerUrl(): URL | undefined {
  if (workerUrlCache === undefined) {
    const url = new URL('./bzip2-worker.js', import.meta.url);
    workerUrlCache = import.meta.url.endsWith('.js') && fs.existsSync(url) ? url : null;
  }
  return workerUrlCache ?? undefined;
}

async function* bzip2WorkerChunks(context: Context): AsyncGenerator<Buffer> {
  const url = bzip2WorkerUrl();
  const path = context.input.path;
  if (url === undefined || path === undefined) {
    yield* bzip2JsChunks(context, 0, undefined);
    return;
  }
  const worker = new Worker(url, {
    workerData: { path, name: context.input.name, highWaterMark: context.hwm } satisfies Bzip2WorkerData,
  });
  const queue: Bzip2WorkerMessage[] = [];
  let wake: (() => void) | undefined;
  let crashed: Error | undefined;
  worker.on('message', (message: Bzip2WorkerMessage) => {
    queue.push(message);
    wake?.();
  });
  worker.on('error', (error) => {
    crashed = error;
    wake?.();
  });
  worker.on('exit', () => wake?.());
  const run: Run = { stop: () => void worker.terminate() };
  context.runs.add(run);
  try {
    for (;;) {
      while (queue.length === 0 && crashed === undefined)
        await new Promise<void>((resolve) => (wake = resolve));
      if (crashed !== undefined) throw readError(context.input.name, crashed);
      const message = queue.shift() as Bzip2WorkerMessage;
      if (message.type === 'end') return;
      if (message.type === 'error') throw new CairnError(message.code, message.message, message.location);
      if (message.type === 'damage') {
        context.damage(new CairnError(message.code, message.message, message.location));
        continue;
      }
      context.progress(message.compressedOffset);
      const bytes = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
      worker.postMessage('ack');
      for (let at = 0; at < bytes.length; at += context.hwm) {
        if (context.isClosed()) return;
        yield bytes.subarray(at, at + context.hwm);
      }
    }
  } finally {
    context.runs.delete(run);
    await worker.terminate();
  }
}
