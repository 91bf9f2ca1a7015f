/**
 * The light half of `cairn intel sample`: the input, walking the paths, reading the files (in
 * worker threads when there are many) and the JSON lines of `--json` without rules or a case.
 * It loads neither intel's index nor the store, nor zod until the workers are started: a run that
 * only prints the files' facts starts its threads first, then loads zod to check the input, and
 * what the workers load. YARA, the rules' actors and the case writers are in sample.ts, loaded
 * only when the input asks for them.
 *
 * @example
 * const { lines } = await sampleFileLines({ paths: ['incident/'] }, hooks);
 */
import { lstatSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../bgp/index.js';
import { CairnError } from '../errors/index.js';
import type { ProblemJson } from './problem-schema.js';
import type { WorkHooks } from './progress.js';
import type { SampleFileJson, SampleResult } from './sample.js';
import type { SampleInput, SampleRequest } from './sample-input.js';
import type {
  SampleHashHalf,
  SampleReadSetup,
  SampleReplyForm,
  SampleTraitHalf,
  SampleWorkerBatch,
  SampleWorkerReply,
  SampleWorkerSetup,
  SampleWorkerWork,
} from './sample-read.js';
import { claimSplitGroup, SAMPLE_READ_GROUP, sampleWorkerScript, victimRegex } from './sample-start.js';

export { DEFAULT_MAX_SAMPLE_SIZE } from './sample-start.js';
/** Below this many files the worker start-up costs more than it saves. */
export const SAMPLE_WORKER_MIN_FILES = 64;
export const SAMPLE_FILES_LABEL = 'reading samples';

/**
 * Walks the paths: regular files to read (with their sizes when walked), and a refusal for
 * anything else.
 */
export function walkSamplePaths(paths: readonly string[]): {
  files: string[];
  sizes: number[];
  refused: SampleFileJson[];
} {
  const files: string[] = [];
  const sizes: number[] = [];
  const refused: SampleFileJson[] = [];
  const refuse = (file: string, code: 'SAMPLE_NOT_REGULAR' | 'SAMPLE_NOT_FOUND', message: string): void => {
    refused.push({ file, error: new CairnError(code, message, { file }).toJSON() });
  };
  const visit = (p: string, depth: number): void => {
    let st;
    try {
      st = lstatSync(p);
    } catch (error) {
      refuse(p, 'SAMPLE_NOT_FOUND', `cannot read ${p}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      return;
    }
    if (st.isSymbolicLink())
      return refuse(p, 'SAMPLE_NOT_REGULAR', `${p} is a symbolic link; give the file itself`);
    if (st.isDirectory()) {
      if (depth > 64) return refuse(p, 'SAMPLE_NOT_REGULAR', `${p} is nested more than 64 folders deep`);
      let names: string[];
      try {
        names = readdirSync(p).sort();
      } catch (error) {
        return refuse(
          p,
          'SAMPLE_NOT_FOUND',
          `cannot list ${p}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
      for (const name of names) visit(path.join(p, name), depth + 1);
      return;
    }
    if (st.isFIFO()) return refuse(p, 'SAMPLE_NOT_REGULAR', `${p} is a FIFO; it is never read`);
    if (st.isCharacterDevice() || st.isBlockDevice())
      return refuse(p, 'SAMPLE_NOT_REGULAR', `${p} is a device; it is never read`);
    if (st.isSocket()) return refuse(p, 'SAMPLE_NOT_REGULAR', `${p} is a socket; it is never read`);
    files.push(p);
    sizes.push(st.size);
  };
  for (const p of paths) visit(p, 0);
  return { files, sizes, refused };
}

/** Sample worker threads started and not yet exited, in this process (what a test checks for leaks). */
export const sampleWorkerThreads = { started: 0, live: 0 };

/**
 * Worker threads that read sample files, started before the files and the input's checked values
 * are known (so that they load while the main thread loads zod, checks the input and walks the
 * folders) and given the files and how to read them by `run`, which has the main thread read
 * files too. `close` ends them; it may be called at any time and again: a pool is closed once
 * `run` settles.
 */
export class SampleWorkers {
  private readonly threads: Worker[] = [];
  private readonly exits: Promise<void>[] = [];
  private failure: unknown;
  private onFailure: ((error: unknown) => void) | undefined;

  constructor(count: number, script: URL) {
    const setup: SampleWorkerSetup = { cairnSampleWorker: true };
    for (let i = 0; i < count; i++) {
      const worker = new Worker(script, { workerData: setup });
      sampleWorkerThreads.started++;
      sampleWorkerThreads.live++;
      this.exits.push(
        new Promise((resolve) =>
          worker.once('exit', () => {
            sampleWorkerThreads.live--;
            resolve();
          }),
        ),
      );
      worker.on('error', (error) => {
        this.failure ??= error;
        this.onFailure?.(error);
      });
      this.threads.push(worker);
    }
  }

  /**
   * Reads `files` in (at most as many) threads as `setup` says and on this one with `readHere`,
   * each reply to `onReply`; ends every thread. This thread takes the next group of files
   * (SAMPLE_READ_GROUP) from the same counter as the workers, and lets their messages in between
   * two groups.
   */
  async run(
    files: readonly string[],
    setup: SampleReadSetup,
    onReply: (reply: SampleWorkerReply) => void,
    readHere: (from: number, to: number) => SampleWorkerReply[],
  ): Promise<void> {
    return this.runWith(
      files,
      { ...setup, files, next: new SharedArrayBuffer(4) },
      (batch) => {
        for (const reply of batch.replies) onReply(reply);
      },
      (next) => {
        const i = Atomics.add(next, 0, SAMPLE_READ_GROUP);
        if (i >= files.length) return false;
        for (const reply of readHere(i, Math.min(files.length, i + SAMPLE_READ_GROUP))) onReply(reply);
        return true;
      },
    );
  }

  /**
   * Sends `work` to the threads, hands each batch to `onBatch`, and has this thread call `readHere`
   * (with the shared counter of `work.next`) until it returns false, letting the workers' messages
   * in between two calls.
   */
  private async runWith(
    files: readonly string[],
    work: SampleWorkerWork,
    onBatch: (batch: SampleWorkerBatch) => void,
    readHere: (next: Int32Array) => boolean,
  ): Promise<void> {
    const used = this.threads.slice(0, files.length);
    for (const worker of this.threads.slice(files.length)) void worker.terminate();
    const next = new Int32Array(work.next);
    let stopped = false;
    const readOnThisThread = async (): Promise<void> => {
      while (!stopped && readHere(next)) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    try {
      const workersDone = new Promise<void>((resolve, reject) => {
        if (this.failure !== undefined) return reject(this.failure);
        this.onFailure = reject;
        let left = used.length;
        for (const worker of used) {
          let done = false;
          worker.on('message', (batch: SampleWorkerBatch) => {
            if (stopped) return;
            try {
              onBatch(batch);
            } catch (error) {
              // A hook that throws ends the read (as on this thread), not the process.
              stopped = true;
              return reject(error);
            }
            if (batch.done) {
              done = true;
              if (--left === 0) resolve();
            }
          });
          worker.once('exit', (code) => {
            if (!done)
              reject(new Error(`a sample worker stopped (exit code ${code}) before its files were read`));
          });
          worker.postMessage(work);
        }
      });
      await Promise.all([workersDone, readOnThisThread()]);
    } finally {
      stopped = true;
      await this.close();
    }
  }

  /**
   * A split read of `files` (see `SampleHashHalf`): the workers take hash halves first, this
   * thread trait halves first (`traitsHere`; `hashesHere` when too much waits to be joined, in
   * `waiting`, and the hashes are behind, or none is left: `claimSplitGroup`); the halves go to
   * `onHalves` as they come. Ends every thread.
   */
  async runSplit(
    files: readonly string[],
    setup: SampleReadSetup,
    onHalves: (hashes: readonly SampleHashHalf[], traits: readonly SampleTraitHalf[]) => void,
    hashesHere: (from: number, to: number) => SampleHashHalf[],
    traitsHere: (from: number, to: number) => SampleTraitHalf[],
    waiting: Int32Array,
  ): Promise<void> {
    const hashNext = new SharedArrayBuffer(4);
    const hashCounter = new Int32Array(hashNext);
    return this.runWith(
      files,
      {
        ...setup,
        files,
        next: new SharedArrayBuffer(4),
        hashNext,
        waiting: waiting.buffer as SharedArrayBuffer,
      },
      (batch) => onHalves(batch.hashes ?? [], batch.traits ?? []),
      (traitCounter) => {
        const group = claimSplitGroup(traitCounter, hashCounter, files.length, waiting);
        if (group === undefined) return false;
        const to = Math.min(files.length, group.from + SAMPLE_READ_GROUP);
        if (group.mine) onHalves([], traitsHere(group.from, to));
        else onHalves(hashesHere(group.from, to), []);
        return true;
      },
    );
  }

  /** Ends the threads and waits until they have exited. */
  async close(): Promise<void> {
    await Promise.all(this.threads.map((worker) => worker.terminate()));
    await Promise.all(this.exits);
  }
}

/**
 * Worker threads to start for the input's `workers`: one fewer than the threads that read, since
 * the main thread reads too.
 */
function workerCount(workers: number | undefined): number {
  return (workers ?? Math.min(8, Math.max(1, os.availableParallelism()))) - 1;
}

function readSetup(request: SampleRequest, json: SampleReplyForm): SampleReadSetup {
  return { maxSize: request.maxSize, victimNaming: request.victimNaming, json };
}

/**
 * Starts the workers before the walk when the paths may hold many files (a folder among them, or
 * many paths), so that their start-up overlaps the walk; undefined otherwise (one file is read on
 * the main thread, with no thread to start). The caller hands the pool to `readSampleFiles`,
 * which uses or closes it, and closes it itself when anything fails before.
 */
export function startSampleWorkers(
  request: Pick<SampleRequest, 'paths' | 'workers'>,
): SampleWorkers | undefined {
  const count = workerCount(request.workers);
  const script = sampleWorkerScript();
  if (count < 1 || script === undefined) return undefined;
  const folder = (p: string): boolean => {
    try {
      return lstatSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
    } catch {
      return false;
    }
  };
  if (request.paths.length < SAMPLE_WORKER_MIN_FILES && !request.paths.some(folder)) return undefined;
  return new SampleWorkers(count, script);
}

/**
 * Workers started from the input as given, before zod is loaded to check it: when it asks for the
 * default number of threads, has a list of paths and writes no case (whose reader wants the
 * entries as objects, and loads the store). Whoever starts them closes them when the input is
 * refused; once checked, the input is the one they were started for.
 */
function startEarly(input: SampleInput): SampleWorkers | undefined {
  if (input.workers !== undefined || input.caseName !== undefined || input.caseFile !== undefined)
    return undefined;
  if (!Array.isArray(input.paths) || !input.paths.every((p) => typeof p === 'string')) return undefined;
  return startSampleWorkers({ paths: input.paths, workers: undefined });
}

/**
 * `body` with the input checked (`parseSampleInput`, its zod schema loaded on first use) and the
 * workers started before it from the input as given (`startEarly`), closed once `body` settles.
 */
async function checkedWithWorkers<R>(
  input: SampleInput,
  body: (request: SampleRequest, started: SampleWorkers | undefined) => Promise<R>,
): Promise<R> {
  // The threads start first, and load while this one loads zod (and YARA's and intel's code).
  const early = startEarly(input);
  try {
    const { parseSampleInput } = await import('./sample-input.js');
    return await body(parseSampleInput(input), early);
  } finally {
    await early?.close();
  }
}

/** What a hash half waiting to be joined is counted as (its object and five short strings). */
const HASH_HALF_BYTES = 1024;

/** What a trait half waiting to be joined is counted as: its JSON text and its object. */
function traitBytes(half: SampleTraitHalf): number {
  return (half.head?.length ?? 0) + (half.tail?.length ?? 0) + (half.json?.length ?? 0) + 256;
}

/**
 * Reads `files` (in worker threads and on the main thread when there are many), reporting each
 * file's problems and the progress through hooks and handing each reply, in the form `json` asks,
 * to `onReply` (JSON text: each file read in two halves, by the workers and this thread, joined here).
 * `started` are workers `startSampleWorkers` started for this read: used when the files are many,
 * else closed.
 */
export async function readSampleFiles(
  files: readonly string[],
  request: SampleRequest,
  victimNaming: RegExp | undefined,
  json: SampleReplyForm,
  hooks: WorkHooks,
  onReply: (reply: SampleWorkerReply) => void,
  started?: SampleWorkers,
): Promise<void> {
  let done = 0;
  const onFile = (reply: SampleWorkerReply): void => {
    for (const p of reply.problems) hooks.onProblem?.(problemOf(p));
    onReply(reply);
    done++;
    hooks.onProgress?.({ label: SAMPLE_FILES_LABEL, done, total: files.length, unit: 'files' });
  };
  const count = workerCount(request.workers);
  const script = sampleWorkerScript();
  // The byte analysis is loaded here, once the workers (started first) load it too.
  const { readSamples, sampleReply, readHashHalves, readTraitHalves, joinHalves } =
    await import('./sample-read.js');
  const readHere = (from: number, to: number): SampleWorkerReply[] =>
    readSamples(files, from, to, request.maxSize, victimNaming).map((entry, k) =>
      sampleReply(from + k, entry, json),
    );
  if (
    files.length >= SAMPLE_WORKER_MIN_FILES &&
    (started !== undefined || (count >= 1 && script !== undefined))
  ) {
    const workers = started ?? new SampleWorkers(count, script!);
    if (json === false) await workers.run(files, readSetup(request, json), onFile, readHere);
    else {
      // JSON text: each file in two halves, joined here (see SampleHashHalf).
      const hashOf = new Array<SampleHashHalf | undefined>(files.length);
      const traitOf = new Array<SampleTraitHalf | undefined>(files.length);
      const settled = new Uint8Array(files.length);
      // The bytes of the halves waiting here, for the threads' choice of the next group.
      const waiting = new Int32Array(new SharedArrayBuffer(4));
      let waitingBytes = 0;
      const weigh = (bytes: number): void => {
        waitingBytes += bytes;
        Atomics.store(waiting, 0, Math.min(waitingBytes, 0x7fffffff));
      };
      const settle = (i: number): void => {
        const traits = traitOf[i];
        const hash = hashOf[i];
        if (traits === undefined || (traits.json === undefined && hash === undefined)) return;
        traitOf[i] = undefined;
        hashOf[i] = undefined;
        settled[i] = 1;
        weigh(-traitBytes(traits) - (hash !== undefined ? HASH_HALF_BYTES : 0));
        // A file that changed between its two reads is read again, whole.
        onFile(joinHalves(traits, hash ?? { index: i }) ?? readHere(i, i + 1)[0]!);
      };
      await workers.runSplit(
        files,
        readSetup(request, json),
        (hashes, traits) => {
          for (const h of hashes) {
            // The hash half of a file whose entry is out already (refused) is not kept.
            if (settled[h.index] === 1) continue;
            hashOf[h.index] = h;
            weigh(HASH_HALF_BYTES);
            settle(h.index);
          }
          for (const t of traits) {
            traitOf[t.index] = t;
            weigh(traitBytes(t));
            settle(t.index);
          }
        },
        (from, to) => readHashHalves(files, from, to, request.maxSize),
        (from, to) => readTraitHalves(files, from, to, request.maxSize, victimNaming),
        waiting,
      );
    }
  } else {
    // Too few files for the threads started before the walk: they end while the files are read here.
    const closing = started?.close();
    try {
      for (let i = 0; i < files.length; i += SAMPLE_READ_GROUP) {
        for (const reply of readHere(i, Math.min(files.length, i + SAMPLE_READ_GROUP))) onFile(reply);
      }
    } finally {
      await closing;
    }
  }
  hooks.onDone?.(SAMPLE_FILES_LABEL);
}

/** What `sampleFileLines` returns: the result with each file as its JSON text. */
export type SampleLines = Omit<SampleResult, 'files'> & {
  /** `JSON.stringify` of each entry of `sampleFiles`' `files`, in the same order. */
  lines: string[];
};

/**
 * Where `writeSampleLines` writes: UTF-8 bytes, in order. A writer that knows when nothing refers
 * to `bytes` any more (they went out to a file or pipe) calls `released` then, at once or later,
 * and the caller may write over them; one that keeps or passes them on never calls it.
 */
export type SampleWrite = (bytes: Uint8Array, released: () => void) => void;

/** Where nothing is ever released: every buffer written is left to the writer. */
const KEEP = (): void => undefined;

const SINK_SIZE = 1 << 18;
const SINK_FREE_KEPT = 4;

/** For bytes the sink does not own (the workers' lines, yara's strings): nothing to reuse. */
const NOT_REUSED = (): void => undefined;

/**
 * Small pieces gathered into buffers of some 256 KiB, each written out whole when full (one write
 * for many lines: a write to stdout costs some microseconds); bytes of 16 KiB or more are written
 * as they are, and text is encoded into the buffer unless it could pass its size. A buffer the
 * writer releases is filled again, so a report of 100 MiB does not allocate 100 MiB of buffers
 * that only the garbage collector frees (each allocation adds to the external memory that makes
 * V8 mark the whole heap).
 */
export class ByteSink {
  private buffer: Buffer = Buffer.allocUnsafe(SINK_SIZE);
  private used = 0;
  /** Buffers written out and released, ready to be filled again (a few at most). */
  private readonly free: Buffer[] = [];
  constructor(private readonly write: SampleWrite) {}

  bytes(b: Uint8Array): void {
    if (b.length >= 1 << 14) {
      this.flush();
      this.write(b, NOT_REUSED);
      return;
    }
    if (b.length > this.buffer.length - this.used) this.flush();
    this.buffer.set(b, this.used);
    this.used += b.length;
  }

  text(s: string): void {
    // At most 3 bytes of UTF-8 a UTF-16 unit.
    if (3 * s.length > this.buffer.length - this.used) {
      if (3 * s.length > SINK_SIZE) return this.bytes(Buffer.from(s, 'utf8'));
      this.flush();
    }
    this.used += this.buffer.write(s, this.used, 'utf8');
  }

  flush(): void {
    if (this.used === 0) return;
    const full = this.buffer;
    const view = full.subarray(0, this.used);
    this.buffer = this.free.pop() ?? Buffer.allocUnsafe(SINK_SIZE);
    this.used = 0;
    let released = false;
    this.write(view, () => {
      if (released) return;
      released = true;
      if (this.free.length < SINK_FREE_KEPT) this.free.push(full);
    });
  }
}

/**
 * `sampleFileLines` written out as it goes (`intel sample --json`): `write` gets the lines as
 * UTF-8, in their order, each ended by a line feed (one line feed alone when there are none).
 * Without YARA rules or a case, each line is written as soon as its file's halves are joined and
 * the lines before it are out, encoded into a `ByteSink` (some 256 KiB a write): no line is kept
 * once out, nothing is left to do at the end.
 */
export async function writeSampleLines(
  input: SampleInput,
  write: SampleWrite,
  hooks: WorkHooks = {},
): Promise<Omit<SampleLines, 'lines'>> {
  return checkedWithWorkers(input, (request, started) => writeCheckedLines(request, write, hooks, started));
}

async function writeCheckedLines(
  request: SampleRequest,
  write: SampleWrite,
  hooks: WorkHooks,
  started: SampleWorkers | undefined,
): Promise<Omit<SampleLines, 'lines'>> {
  if (
    request.caseName === undefined &&
    request.caseFile === undefined &&
    (request.rules !== undefined || request.corpusRules)
  ) {
    // YARA and its rules' actors live in sample.ts; the lines go out as UTF-8 there too.
    const { writeRuleLines } = await import('./sample.js');
    return writeRuleLines(request, write, hooks, started);
  }
  if (request.caseName !== undefined || request.caseFile !== undefined) {
    const { lines, ...rest } = await sampleFileLines(request, hooks);
    // Some 64 KiB at a time: with YARA's matched strings the report can pass 100 MiB, which one
    // string (and its UTF-8 copy) would hold twice over.
    let batch: string[] = [];
    let size = 0;
    for (const line of lines) {
      batch.push(line);
      size += line.length;
      if (size >= 1 << 16) {
        batch.push('');
        write(Buffer.from(batch.join('\n')), KEEP);
        batch = [];
        size = 0;
      }
    }
    if (batch.length > 0 || lines.length === 0) write(Buffer.from(batch.join('\n') + '\n'), KEEP);
    return rest;
  }
  const out = new ByteSink(write);
  let written = 0;
  // The lines come as their files' halves are joined, not always in order.
  const waiting: (string | undefined)[] = [];
  let next = 0;
  const result = await readPlain(
    request,
    hooks,
    true,
    (refused) => {
      for (const r of refused) out.text(JSON.stringify(r) + '\n');
      written += refused.length;
    },
    (reply) => {
      waiting[reply.index] = reply.json!;
      for (let line = waiting[next]; line !== undefined; line = waiting[++next]) {
        out.text(line);
        out.text('\n');
        waiting[next] = undefined;
        written++;
      }
    },
    started,
  ).catch((error: unknown) => {
    // The lines read before the failure go out, as when each was written at once.
    try {
      out.flush();
    } catch {
      // The failure reported is the first one.
    }
    throw error;
  });
  if (written === 0) out.text('\n');
  out.flush();
  return result;
}

/**
 * Walks and reads a request without rules or a case: `onRefused` gets the walk's refusals (the
 * first lines), then `onReply` each file's reply, in the form asked, as it comes; in the threads
 * `started` when given, else in threads started here.
 */
async function readPlain(
  request: SampleRequest,
  hooks: WorkHooks,
  form: SampleReplyForm,
  onRefused: (refused: SampleFileJson[]) => void,
  onReply: (reply: SampleWorkerReply) => void,
  started: SampleWorkers | undefined,
): Promise<Omit<SampleLines, 'lines'>> {
  const victimNaming = victimRegex(request.victimNaming);
  const workers = started ?? startSampleWorkers(request);
  try {
    const { files, refused } = walkSamplePaths(request.paths);
    for (const r of refused) if (r.error) hooks.onProblem?.(problemOf(r.error));
    onRefused(refused);
    let read = 0;
    let unread = 0;
    let bytes = 0;
    const onFile = (reply: SampleWorkerReply): void => {
      onReply(reply);
      if (reply.size === undefined) unread++;
      else {
        read++;
        bytes += reply.size;
      }
    };
    await readSampleFiles(files, request, victimNaming, form, hooks, onFile, workers);
    return { read, refused: refused.length + unread, bytes };
  } finally {
    await workers?.close();
  }
}

/**
 * `sampleFiles` for a caller that only prints the entries as JSON (`intel sample --json`): the
 * same entries in the same order, as JSON text made where each file was read. Without YARA rules
 * or a case to write, no entry is rebuilt as objects on the main thread.
 */
export async function sampleFileLines(
  input: SampleInput,
  hooks: WorkHooks = {},
  options: { clock?: Clock } = {},
): Promise<SampleLines> {
  return checkedWithWorkers(input, (request, started) => checkedFileLines(request, hooks, options, started));
}

async function checkedFileLines(
  request: SampleRequest,
  hooks: WorkHooks,
  options: { clock?: Clock },
  started: SampleWorkers | undefined,
): Promise<SampleLines> {
  if (request.caseName !== undefined || request.caseFile !== undefined) {
    // The case writers live in sample.ts (intel's index, the store) and need the entries.
    const { sampleFiles } = await import('./sample.js');
    const { files, ...rest } = await sampleFiles(request, hooks, options);
    return { ...rest, lines: files.map((f) => JSON.stringify(f)) };
  }
  if (request.rules !== undefined || request.corpusRules) {
    // YARA and its rules' actors live in sample.ts; the workers still make the JSON text.
    const { sampleRuleLines } = await import('./sample.js');
    return sampleRuleLines(request, hooks, started);
  }
  let refusedLines: string[] = [];
  const lines: string[] = [];
  const result = await readPlain(
    request,
    hooks,
    true,
    (refused) => (refusedLines = refused.map((r) => JSON.stringify(r))),
    (reply) => (lines[reply.index] = reply.json!),
    started,
  );
  return { ...result, lines: [...refusedLines, ...lines] };
}

/** A problem a worker or the walk reported, as the error hooks take. */
export function problemOf(p: ProblemJson): CairnError {
  const { code, message, ...location } = p;
  return new CairnError(code as 'SAMPLE_BAD_PE', message, location);
}
