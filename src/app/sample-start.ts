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
 * How far (in files) a split read lets one kind of half run ahead of the other: the halves of
 * the files in between wait on the main thread to be joined, so this bounds what waits (some 13
 * KB of JSON text a file on the bench's files) however long the run.
 */
export const SPLIT_LEAD = 32 * SAMPLE_READ_GROUP;

/**
 * The next group of a split read for a thread that prefers `mine` (the counter of one kind of
 * half, a shared Int32Array) to `theirs`: from `mine` while it is not more than SPLIT_LEAD files
 * ahead of `theirs`, else (or once `mine` is used up) from `theirs`. Its first index and whether
 * it came from `mine`, or undefined once both are used up.
 */
export function claimSplitGroup(
  mine: Int32Array,
  theirs: Int32Array,
  files: number,
): { from: number; mine: boolean } | undefined {
  const ahead = Atomics.load(mine, 0) - Atomics.load(theirs, 0);
  const order: Array<[Int32Array, boolean]> =
    ahead < SPLIT_LEAD
      ? [
          [mine, true],
          [theirs, false],
        ]
      : [
          [theirs, false],
          [mine, true],
        ];
  for (const [counter, isMine] of order) {
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
