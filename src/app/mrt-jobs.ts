/**
 * How many files `mrt dump` and `mrt stats` decode at once when `--jobs` is not given: the choice
 * (`chooseMrtJobs`, a pure function of the files' sizes and kinds and the cores) and what it reads
 * from the machine (`mrtJobsFor`). Workers pay only when the input is large and cores are free:
 * each one loads the decoder and warms up its own JIT, and a byte decoded in a worker costs more
 * CPU than one decoded by a single job (the three costs below, measured 2026-12-06 in
 * bench/RESULTS.md). The rule: with j workers (at most the cores less one, since the main thread
 * writes the output and each job's inflater runs beside it; at most the files and
 * `MAX_DEFAULT_JOBS`), the expected time is `WORKER_START_S + max(work * PARALLEL_S_PER_MB / j,
 * largest file * PARALLEL_S_PER_MB)` against `work * ONE_JOB_S_PER_MB` for one job; workers run
 * when that saves at least `REQUIRED_GAIN` of the time, else one job.
 */
import fs from 'node:fs';
import os from 'node:os';

export type MrtFileKind = 'gzip' | 'bzip2' | 'plain';

export interface MrtFileSize {
  bytes: number;
  kind: MrtFileKind;
}

export interface MrtJobsInput {
  /** `--jobs`, when given: taken as asked (at most the files). */
  requested?: number;
  files: readonly MrtFileSize[];
  /** `os.availableParallelism()`. */
  cores: number;
}

export interface MrtJobsChoice {
  jobs: number;
  /** Why: asked (`--jobs`), one file, too few cores, or the expected times. */
  reason: 'asked' | 'one file' | 'cores' | 'small input' | 'input size';
}

/** CPU seconds per MB of gzip updates, warm, `--format bgpdump` in one job (the main thread). */
export const ONE_JOB_S_PER_MB = 0.047;
/** The same in worker threads (their CPU summed, the main thread's writing included). */
export const PARALLEL_S_PER_MB = 0.083;
/** CPU seconds to start the workers, load the decoder in them and warm them up, beyond one job's. */
export const WORKER_START_S = 0.47;
/** Workers must save at least this share of one job's time. */
export const REQUIRED_GAIN = 0.25;
/** Default at most: each worker holds about what one job does (130 MiB). */
export const MAX_DEFAULT_JOBS = 4;

/**
 * Decoding work per compressed byte against gzip's. bzip2: `--format bgpdump` of the 1 MB
 * rib.20140523.0600_firstMB.bz2 takes 1.7 s, of the 3.1 MB updates.et-header.2015.gz 0.96 s
 * (bench/RESULTS.md, fmt12): about 5 times gzip's per byte. Plain: gzip inflates MRT updates
 * about 5.5 times (10.4 MB to 56.9 MB, issue 20), so a fifth.
 */
export const KIND_WEIGHT: Readonly<Record<MrtFileKind, number>> = { gzip: 1, bzip2: 5, plain: 0.2 };

/** Files decoded at once: `requested` when given, else what the input and the cores pay for. */
export function chooseMrtJobs(input: MrtJobsInput): MrtJobsChoice {
  const files = input.files.length;
  if (input.requested !== undefined)
    return { jobs: Math.max(1, Math.min(input.requested, files)), reason: 'asked' };
  if (files < 2) return { jobs: 1, reason: 'one file' };
  const jobs = Math.min(Math.floor(input.cores) - 1, files, MAX_DEFAULT_JOBS);
  if (jobs < 2) return { jobs: 1, reason: 'cores' };
  // A byte in a worker costs more than in one job: with too few workers they never catch up.
  if (PARALLEL_S_PER_MB / jobs >= ONE_JOB_S_PER_MB * (1 - REQUIRED_GAIN)) return { jobs: 1, reason: 'cores' };
  let work = 0;
  let largest = 0;
  for (const file of input.files) {
    const mb = (Math.max(0, file.bytes) * KIND_WEIGHT[file.kind]) / 1e6;
    work += mb;
    largest = Math.max(largest, mb);
  }
  const oneJob = work * ONE_JOB_S_PER_MB;
  const parallel = WORKER_START_S + Math.max(work / jobs, largest) * PARALLEL_S_PER_MB;
  return parallel <= oneJob * (1 - REQUIRED_GAIN)
    ? { jobs, reason: 'input size' }
    : { jobs: 1, reason: 'small input' };
}

/** The kind of an MRT file from its first bytes (as the byte source detects it), and its size. */
export function mrtFileSize(file: string): MrtFileSize {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const bytes = fs.fstatSync(fd).size;
    const head = Buffer.alloc(3);
    const n = fs.readSync(fd, head, 0, 3, 0);
    const kind: MrtFileKind =
      n >= 2 && head[0] === 0x1f && head[1] === 0x8b
        ? 'gzip'
        : n === 3 && head.toString('latin1') === 'BZh'
          ? 'bzip2'
          : 'plain';
    return { bytes, kind };
  } catch {
    // Unreadable here: the decoder reports it in its place; it weighs nothing in the choice.
    return { bytes: 0, kind: 'plain' };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** `chooseMrtJobs` for these files on this machine. */
export function mrtJobsFor(files: readonly string[], requested?: number): MrtJobsChoice {
  if (requested !== undefined || files.length < 2)
    return chooseMrtJobs({ requested, files: files.map(() => ({ bytes: 0, kind: 'plain' })), cores: 1 });
  return chooseMrtJobs({ files: files.map(mrtFileSize), cores: os.availableParallelism() });
}
