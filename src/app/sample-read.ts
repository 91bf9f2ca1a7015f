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
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { CairnError } from '../errors/index.js';
import {
  analyzeSample,
  groupMd5s,
  sampleHashes,
  sampleTraits,
  type SampleHashes,
} from '../intel/sample/analyze.js';
import type { ProblemJson } from './problem-schema.js';
import type { SampleFileJson } from './sample.js';
import { claimSplitGroup, SAMPLE_READ_GROUP, victimRegex } from './sample-start.js';

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

/**
 * What a file was when it was read: two threads that each read it for half of its facts (a split
 * read) join their halves only when both saw the same file.
 */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
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
): { bytes: Uint8Array; stamp: FileStamp } | { entry: SampleFileJson } {
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
    return { bytes: bytes.subarray(0, got), stamp: { size: got, mtimeMs: st.mtimeMs, ino: st.ino } };
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
 * Reads `files[from]` to `files[to - 1]` (a group, at most SAMPLE_READ_GROUP) and hands each to
 * `use` in order of reading, with its MD5 when the group computed it: files up to GROUP_FILE_MAX
 * are read first, each into a buffer of its own, and their MD5s computed together (handed over
 * after the others); a larger file is read into the thread's reused buffer and handed over at
 * once, before the next read writes over it. A file that cannot be read is handed over as its entry.
 */
function readGroup(
  files: readonly string[],
  from: number,
  to: number,
  maxSize: number,
  use: (
    at: number,
    read: { bytes: Uint8Array; stamp: FileStamp; md5?: string } | { entry: SampleFileJson },
  ) => void,
): void {
  // Grouped only where the MD5s can be computed together (one lane's worth is not worth the copy).
  const grouped = to - from > 1 && groupMd5s([]) !== undefined;
  const waiting: Array<{ at: number; bytes: Uint8Array; stamp: FileStamp }> = [];
  for (let i = from; i < to; i++) {
    let inGroup = false;
    const read = readBytes(files[i]!, maxSize, (size) => {
      inGroup = grouped && size <= GROUP_FILE_MAX;
      return inGroup ? groupBuffer(waiting.length, size) : readBuffer(size);
    });
    if (!('entry' in read) && inGroup) waiting.push({ at: i - from, bytes: read.bytes, stamp: read.stamp });
    else use(i - from, read);
  }
  if (waiting.length > 0) {
    const digests = groupMd5s(waiting.map((w) => w.bytes))!;
    waiting.forEach(({ at, bytes, stamp }, k) => use(at, { bytes, stamp, md5: digests[k] }));
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
  readGroup(files, from, to, maxSize, (at, read) => {
    entries[at] =
      'entry' in read ? read.entry : analysed(files[from + at]!, read.bytes, victimNaming, read.md5);
  });
  return entries;
}

/** Reads one file and analyses it (see `readSamples`). */
export function readSample(file: string, maxSize: number, victimNaming?: RegExp): SampleFileJson {
  return readSamples([file], 0, 1, maxSize, victimNaming)[0]!;
}

/**
 * A split read gives each file's facts in two halves, read by any two threads (or one twice): its
 * hashes (`readHashHalves`), which cost most per byte and run in WebAssembly and node:crypto, and
 * the rest (`readTraitHalves`: type, PE traits, network strings), whose JavaScript is the most a
 * thread compiles. Each thread prefers one kind, so that kind's code is compiled and warmed up in
 * one isolate, not in every one; the main thread joins the halves (`joinHalves`) into the entry's
 * JSON text, the same text as `JSON.stringify` of the whole entry.
 */
export interface SampleHashHalf {
  index: number;
  /** Undefined when the file could not be read here (its trait half says why, or it is read again). */
  hashes?: SampleHashes;
  stamp?: FileStamp;
}

/** The rest of a file's entry, as JSON text around the place of its hashes; or its whole entry. */
export interface SampleTraitHalf {
  index: number;
  /** The whole entry's JSON when it has no hashes (the file was refused or could not be read). */
  json?: string;
  /** `{"file":…,"facts":{"size":…,"type":…`: the entry's JSON up to its hashes. */
  head?: string;
  /** `,"pe":…,"strings":[…],"problems":[…]}}`: the entry's JSON after its hashes. */
  tail?: string;
  problems: ProblemJson[];
  size?: number;
  stamp?: FileStamp;
}

/** The hashes of `files[from]` to `files[to - 1]`, their MD5s computed together as in `readSamples`. */
export function readHashHalves(
  files: readonly string[],
  from: number,
  to: number,
  maxSize: number,
): SampleHashHalf[] {
  const halves = new Array<SampleHashHalf>(to - from);
  readGroup(files, from, to, maxSize, (at, read) => {
    halves[at] =
      'entry' in read
        ? { index: from + at }
        : { index: from + at, hashes: sampleHashes(read.bytes, read.md5), stamp: read.stamp };
  });
  return halves;
}

/** The trait halves of `files[from]` to `files[to - 1]`: everything of their entries but the hashes. */
export function readTraitHalves(
  files: readonly string[],
  from: number,
  to: number,
  maxSize: number,
  victimNaming?: RegExp,
): SampleTraitHalf[] {
  const halves = new Array<SampleTraitHalf>(to - from);
  for (let i = from; i < to; i++) {
    const file = files[i]!;
    const read = readBytes(file, maxSize, readBuffer);
    let entry: SampleFileJson;
    if ('entry' in read) entry = read.entry;
    else {
      try {
        const { size, type, pe, strings, problems } = sampleTraits(read.bytes, { file, victimNaming });
        const problemsJson = problems.map((p) => p.toJSON());
        const head = JSON.stringify({ file, facts: { size, type } });
        const tail = JSON.stringify({ ...(pe ? { pe } : {}), strings, problems: problemsJson });
        halves[i - from] = {
          index: i,
          head: head.slice(0, -2),
          tail: `,${tail.slice(1)}}`,
          problems: problemsJson,
          size,
          stamp: read.stamp,
        };
        continue;
      } catch (error) {
        entry = readFailure(file, error);
      }
    }
    halves[i - from] = { index: i, json: JSON.stringify(entry), problems: entry.error ? [entry.error] : [] };
  }
  return halves;
}

/**
 * The reply of a file whose two halves are read: its entry's JSON text, or undefined when the
 * halves cannot be joined (the file changed between the two reads, or the hashing thread could
 * not read it), and the file must be read again whole.
 */
export function joinHalves(traits: SampleTraitHalf, hash: SampleHashHalf): SampleWorkerReply | undefined {
  const { index, problems } = traits;
  if (traits.json !== undefined) return { index, json: traits.json, problems };
  if (hash.hashes === undefined || !sameStamp(traits.stamp!, hash.stamp!)) return undefined;
  return {
    index,
    json: `${traits.head!},"hashes":${JSON.stringify(hash.hashes)}${traits.tail!}`,
    problems,
    size: traits.size,
  };
}

export { sampleWorkerScript, victimRegex } from './sample-start.js';

/**
 * The form of the replies: the entry itself (`false`: each file read whole by one thread, the
 * entry sent by structured clone), or its JSON text (`true`: a split read, see `SampleHashHalf`;
 * the text is made on the main thread from the halves).
 */
export type SampleReplyForm = boolean;

/** A worker's answer, in the form asked; with what the run's hooks and totals need either way. */
export interface SampleWorkerReply {
  index: number;
  result?: SampleFileJson;
  json?: string;
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
  /**
   * A split read (the JSON forms): `next` counts the trait halves taken and this the hash halves;
   * a worker takes hash halves first, trait halves once none is left.
   */
  hashNext?: SharedArrayBuffer;
  /** A split read: the bytes of halves waiting on the main thread (one Int32, see `claimSplitGroup`). */
  waiting?: SharedArrayBuffer;
}

/**
 * A worker's message: the replies since its last one (the halves, in a split read); `done` once
 * no file is left.
 */
export interface SampleWorkerBatch {
  replies: SampleWorkerReply[];
  hashes?: SampleHashHalf[];
  traits?: SampleTraitHalf[];
  done: boolean;
}

/** A worker sends its replies every this many files, or sooner when BATCH_MS have passed. */
const BATCH_FILES = 16;
const BATCH_MS = 50;

/** The reply for one entry read, as an object or as JSON text. */
export function sampleReply(index: number, result: SampleFileJson, json: SampleReplyForm): SampleWorkerReply {
  const problems = [...(result.error ? [result.error] : []), ...(result.facts?.problems ?? [])];
  const size = result.facts?.size;
  return json !== false
    ? { index, json: JSON.stringify(result), problems, size }
    : { index, result, problems, size };
}

// Worker side: this module, started by sample-files.ts with its mark as workerData; its work comes by message.
if (
  !isMainThread &&
  parentPort !== null &&
  (workerData as SampleWorkerSetup | undefined)?.cairnSampleWorker === true
) {
  const port = parentPort;
  port.once('message', (setup: SampleWorkerWork) => {
    if (setup.hashNext !== undefined && setup.waiting !== undefined)
      return readSplit(port, setup, setup.hashNext, setup.waiting);
    const { files, next: counter } = setup;
    const naming = victimRegex(setup.victimNaming);
    const send = (replies: SampleWorkerReply[], done: boolean): void => {
      const batch: SampleWorkerBatch = { replies, done };
      port.postMessage(batch);
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

/**
 * A worker's split read: hash halves first, trait halves when too much waits to be joined and they
 * are behind, or none is left (`claimSplitGroup`), in batches as above.
 */
function readSplit(
  port: MessagePort,
  setup: SampleWorkerWork,
  hashCounter: SharedArrayBuffer,
  waitingBytes: SharedArrayBuffer,
): void {
  const { files } = setup;
  const naming = victimRegex(setup.victimNaming);
  const hashNext = new Int32Array(hashCounter);
  const traitNext = new Int32Array(setup.next);
  const waiting = new Int32Array(waitingBytes);
  let hashes: SampleHashHalf[] = [];
  let traits: SampleTraitHalf[] = [];
  let sent = Date.now();
  const send = (done: boolean): void => {
    const batch: SampleWorkerBatch = { replies: [], hashes, traits, done };
    port.postMessage(batch);
    hashes = [];
    traits = [];
    sent = Date.now();
  };
  for (let group = claimSplitGroup(hashNext, traitNext, files.length, waiting); group !== undefined;) {
    const { from, mine } = group;
    const to = Math.min(files.length, from + SAMPLE_READ_GROUP);
    if (mine) hashes.push(...readHashHalves(files, from, to, setup.maxSize));
    else traits.push(...readTraitHalves(files, from, to, setup.maxSize, naming));
    if (hashes.length + traits.length >= BATCH_FILES || Date.now() - sent >= BATCH_MS) send(false);
    group = claimSplitGroup(hashNext, traitNext, files.length, waiting);
  }
  send(true);
}
