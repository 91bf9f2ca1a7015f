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
