/**
 * Reading one sample file for `cairn intel sample`, and the entry of the worker threads that read
 * many. Apart from sample.ts so that a worker loads only this, the byte analysis and the error
 * catalogue: not the rest of app, intel or zod.
 *
 * @example
 * const entry = readSample('incident/dropper.exe', 256 * 1024 * 1024);
 * entry.facts?.hashes.sha256;
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { CairnError } from '../errors/index.js';
import { analyzeSample, groupMd5s } from '../intel/sample/analyze.js';
import type { ProblemJson } from './problem-schema.js';
import type { SampleFileJson } from './sample.js';
import { SAMPLE_READ_GROUP, victimRegex } from './sample-start.js';

/** Files up to this size are read into one buffer reused from file to file (less GC). */
const REUSED_BUFFER_MAX = 16 * 1024 * 1024;
let reused: Buffer | undefined;

/**
 * A buffer of `size` bytes to read a file into: the thread's reused one for files up to
 * REUSED_BUFFER_MAX (safe because the facts hold strings and numbers, never views of the bytes).
 */
function readBuffer(size: number): Buffer {
  if (size > REUSED_BUFFER_MAX) return Buffer.allocUnsafeSlow(size);
  if (reused === undefined || reused.length < size)
    reused = Buffer.allocUnsafeSlow(
      Math.max(size, Math.min(REUSED_BUFFER_MAX, (reused?.length ?? 65536) * 2)),
    );
  return reused.subarray(0, size);
}

/** Files up to this size wait in a group buffer for the group's MD5; larger ones are analysed at once. */
const GROUP_FILE_MAX = 4 * 1024 * 1024;
/** The group's buffers, one per place in the group, reused from group to group. */
const groupBuffers: Buffer[] = [];

function groupBuffer(place: number, size: number): Buffer {
  let buffer = groupBuffers[place];
  if (buffer === undefined || buffer.length < size) {
    buffer = Buffer.allocUnsafeSlow(Math.max(size, Math.min(GROUP_FILE_MAX, (buffer?.length ?? 65536) * 2)));
    groupBuffers[place] = buffer;
  }
  return buffer.subarray(0, size);
}

/** A file's read failing: its entry. */
function readFailure(file: string, error: unknown): SampleFileJson {
  if (error instanceof CairnError) return { file, error: error.toJSON() };
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined) throw error;
  return {
    file,
    error: new CairnError('SAMPLE_NOT_FOUND', `cannot read ${file}: ${code}`, { file }).toJSON(),
  };
}

/**
 * Opens and reads one file into `buffer(size)`: its bytes, or its entry when it cannot be read. The
 * file is opened without following links and without blocking (so a path swapped for a FIFO after
 * the walk is refused, not waited on), checked again to be a regular file under the limit, then
 * read whole.
 */
function readBytes(
  file: string,
  maxSize: number,
  buffer: (size: number) => Buffer,
): { bytes: Uint8Array } | { entry: SampleFileJson } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const err =
      code === 'ELOOP'
        ? new CairnError('SAMPLE_NOT_REGULAR', `${file} is a symbolic link; give the file itself`, { file })
        : new CairnError('SAMPLE_NOT_FOUND', `cannot open ${file}: ${code ?? 'error'}`, { file });
    return { entry: { file, error: err.toJSON() } };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const err = new CairnError('SAMPLE_NOT_REGULAR', `${file} is not a regular file`, { file });
      return { entry: { file, error: err.toJSON() } };
    }
    if (st.size > maxSize) {
      const err = new CairnError(
        'SAMPLE_TOO_LARGE',
        `${file} is ${st.size} bytes, over the limit of ${maxSize}`,
        {
          file,
          offset: maxSize,
        },
      );
      return { entry: { file, error: err.toJSON() } };
    }
    const bytes = buffer(st.size);
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, bytes.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: bytes.subarray(0, got) };
  } catch (error) {
    return { entry: readFailure(file, error) };
  } finally {
    closeSync(fd);
  }
}

/** The entry of a file read: its facts (with its MD5 when the group computed it). */
function analysed(
  file: string,
  bytes: Uint8Array,
  victimNaming: RegExp | undefined,
  md5?: string,
): SampleFileJson {
  try {
    const facts = analyzeSample(bytes, { file, victimNaming, md5 });
    return { file, facts: { ...facts, problems: facts.problems.map((p) => p.toJSON()) } };
  } catch (error) {
    return readFailure(file, error);
  }
}

/**
 * Reads and analyses `files[from]` to `files[to - 1]` (a group, at most SAMPLE_READ_GROUP), their
 * entries in that order. Files up to GROUP_FILE_MAX are read first, each into a buffer of its own,
 * and their MD5s computed together; a larger file is read into the thread's reused buffer and
 * analysed at once.
 */
export function readSamples(
  files: readonly string[],
  from: number,
  to: number,
  maxSize: number,
  victimNaming?: RegExp,
): SampleFileJson[] {
  const entries = new Array<SampleFileJson>(to - from);
  // Grouped only where the MD5s can be computed together (one lane's worth is not worth the copy).
  const grouped = to - from > 1 && groupMd5s([]) !== undefined;
  const waiting: Array<{ at: number; bytes: Uint8Array }> = [];
  for (let i = from; i < to; i++) {
    const file = files[i]!;
    let inGroup = false;
    const read = readBytes(file, maxSize, (size) => {
      inGroup = grouped && size <= GROUP_FILE_MAX;
      return inGroup ? groupBuffer(waiting.length, size) : readBuffer(size);
    });
    if ('entry' in read) entries[i - from] = read.entry;
    else if (inGroup) waiting.push({ at: i - from, bytes: read.bytes });
    else entries[i - from] = analysed(file, read.bytes, victimNaming);
  }
  if (waiting.length > 0) {
    const digests = groupMd5s(waiting.map((w) => w.bytes))!;
    waiting.forEach(({ at, bytes }, k) => {
      entries[at] = analysed(files[from + at]!, bytes, victimNaming, digests[k]);
    });
  }
  return entries;
}

/** Reads one file and analyses it (see `readSamples`). */
export function readSample(file: string, maxSize: number, victimNaming?: RegExp): SampleFileJson {
  return readSamples([file], 0, 1, maxSize, victimNaming)[0]!;
}

export { sampleWorkerScript, victimRegex } from './sample-start.js';

/**
 * How a worker hands an entry back: the entry itself (`false`, by structured clone), its JSON
 * text (`true`: a string crosses threads as one copy, with no objects to rebuild and keep on the
 * main thread), or that text as a line of UTF-8 (`'utf8'`: the lines of a batch in one buffer
 * moved, not copied, to the main thread, which writes them out as they are).
 */
export type SampleReplyForm = boolean | 'utf8';

/** A worker's answer, in the form asked; with what the run's hooks and totals need either way. */
export interface SampleWorkerReply {
  index: number;
  result?: SampleFileJson;
  json?: string;
  /** The JSON text and a line feed, as UTF-8 (a view of its batch's buffer). */
  utf8?: Uint8Array;
  /** The file's problems: why it was not read, or what is wrong in its structures. */
  problems: ProblemJson[];
  /** Its size when it was read. */
  size?: number;
}

/**
 * What each worker is started with: only what marks it as one. How to read and the files come
 * later by message (a `SampleWorkerWork`), so that the workers can start, and load this module,
 * before the main thread has loaded zod to check the input, and while it walks the folders.
 */
export interface SampleWorkerSetup {
  cairnSampleWorker: true;
}

/** How every thread reads the files of a run: the checked input's values. */
export interface SampleReadSetup {
  maxSize: number;
  victimNaming?: string;
  /** The form of the answers. */
  json: SampleReplyForm;
}

/**
 * A worker's work, sent once: how to read, all the files, and a counter shared by the workers
 * (one Int32 in a SharedArrayBuffer) from which each takes the index of the next file to read, so
 * that no request has to come from the main thread between files.
 */
export interface SampleWorkerWork extends SampleReadSetup {
  files: readonly string[];
  next: SharedArrayBuffer;
}

/** A worker's message: the replies since its last one; `done` once no file is left. */
export interface SampleWorkerBatch {
  replies: SampleWorkerReply[];
  done: boolean;
}

/** A worker sends its replies every this many files, or sooner when BATCH_MS have passed. */
const BATCH_FILES = 16;
const BATCH_MS = 50;

/** The reply for one entry read, as an object or as JSON text (still a string for `'utf8'`). */
export function sampleReply(index: number, result: SampleFileJson, json: SampleReplyForm): SampleWorkerReply {
  const problems = [...(result.error ? [result.error] : []), ...(result.facts?.problems ?? [])];
  const size = result.facts?.size;
  return json !== false
    ? { index, json: JSON.stringify(result), problems, size }
    : { index, result, problems, size };
}

/**
 * Moves the JSON texts of `replies` into one buffer of UTF-8 lines, each reply keeping a view of
 * its own line; returns the buffer's memory, for the transfer list of the message that carries them.
 */
export function packReplies(replies: SampleWorkerReply[]): ArrayBuffer {
  let total = 0;
  for (const r of replies) total += Buffer.byteLength(r.json!) + 1;
  const packed = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const r of replies) {
    let end = at + packed.write(r.json!, at);
    packed[end++] = 0x0a;
    r.utf8 = packed.subarray(at, end);
    r.json = undefined;
    at = end;
  }
  return packed.buffer as ArrayBuffer;
}

// Worker side: this module, started by sample-files.ts with its mark as workerData; its work comes by message.
if (
  !isMainThread &&
  parentPort !== null &&
  (workerData as SampleWorkerSetup | undefined)?.cairnSampleWorker === true
) {
  const port = parentPort;
  port.once('message', (setup: SampleWorkerWork) => {
    const { files, next: counter } = setup;
    const naming = victimRegex(setup.victimNaming);
    const send = (replies: SampleWorkerReply[], done: boolean): void => {
      const batch: SampleWorkerBatch = { replies, done };
      if (setup.json === 'utf8') port.postMessage(batch, [packReplies(replies)]);
      else port.postMessage(batch);
    };
    const next = new Int32Array(counter);
    let replies: SampleWorkerReply[] = [];
    let sent = Date.now();
    // Replies go in batches: one message (and one wake-up of the main thread) per batch, not per file.
    for (
      let i = Atomics.add(next, 0, SAMPLE_READ_GROUP);
      i < files.length;
      i = Atomics.add(next, 0, SAMPLE_READ_GROUP)
    ) {
      const entries = readSamples(
        files,
        i,
        Math.min(files.length, i + SAMPLE_READ_GROUP),
        setup.maxSize,
        naming,
      );
      entries.forEach((entry, k) => replies.push(sampleReply(i + k, entry, setup.json)));
      if (replies.length >= BATCH_FILES || Date.now() - sent >= BATCH_MS) {
        send(replies, false);
        replies = [];
        sent = Date.now();
      }
    }
    send(replies, true);
  });
}
