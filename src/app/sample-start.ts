/**
 * What starting a read of samples needs before the byte analysis (and zod) is loaded: the
 * --victim-naming expression checked, the worker threads' script and the default size limit. Apart from sample-read.ts so that the main
 * thread can start the workers first and load the analysis (which it needs too, to read files
 * between their messages) while they start.
 *
 * @example
 * const script = sampleWorkerScript(); // undefined under a TypeScript loader
 * const naming = victimRegex('^spe-');
 */
import { CairnError } from '../errors/index.js';
import { compileUserPattern } from './user-pattern.js';

/** Default size limit: larger files are skipped with SAMPLE_TOO_LARGE (4 GiB sparse files included). */
export const DEFAULT_MAX_SAMPLE_SIZE = 256 * 1024 * 1024;

/**
 * Files a thread takes from the shared counter at once and reads together: their MD5s are
 * computed side by side (`groupMd5s`, four messages at a time), then each file is analysed.
 */
export const SAMPLE_READ_GROUP = 8;

/**
 * The bytes of halves a split read lets wait on the main thread to be joined (their JSON text,
 * and about a KiB for each hash half): past this, every thread takes the kind of half that is
 * behind, so that what waits stays bounded however long the run and whatever the files.
 */
export const SPLIT_WAITING_BYTES = 64 * 1024 * 1024;

/**
 * The next group of a split read for a thread that prefers `mine` (the counter of one kind of
 * half, a shared Int32Array) to `theirs`: from `mine` while the halves waiting to be joined
 * (`waiting`, bytes, kept by the main thread) are under `limit` bytes, else from whichever counter
 * is behind; from the other once one is used up. Its first index and whether it came from
 * `mine`, or undefined once both are used up.
 */
export function claimSplitGroup(
  mine: Int32Array,
  theirs: Int32Array,
  files: number,
  waiting: Int32Array,
  limit = SPLIT_WAITING_BYTES,
): { from: number; mine: boolean } | undefined {
  const mineFirst = Atomics.load(waiting, 0) < limit || Atomics.load(mine, 0) <= Atomics.load(theirs, 0);
  for (const isMine of mineFirst ? [true, false] : [false, true]) {
    const counter = isMine ? mine : theirs;
    if (Atomics.load(counter, 0) >= files) continue;
    const from = Atomics.add(counter, 0, SAMPLE_READ_GROUP);
    if (from < files) return { from, mine: isMine };
  }
  return undefined;
}

/** The --victim-naming expression, compiled under the linear-time engine. */
export function victimRegex(text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return compileUserPattern(text, 'victim-naming');
  } catch (error) {
    const message = (error as Error).message;
    throw new CairnError(
      'SAMPLE_BAD_OPTION',
      message.includes('linear time') ? message : `--victim-naming is not a regular expression: ${text}`,
      { field: 'victimNaming' },
    );
  }
}

/** The workers' module, sample-read.js, when this runs as compiled JavaScript (workers cannot load TypeScript). */
export function sampleWorkerScript(): URL | undefined {
  return new URL(import.meta.url).pathname.endsWith('.js')
    ? new URL('./sample-read.js', import.meta.url)
    : undefined;
}
