/**
 * The process-wide limits of the file inputs (input-file.ts reads them), apart so that the CLI
 * sets them before a command runs without loading the readers and what they import (mrt's index).
 *
 * @example
 * setInputLimits({ maxBytes: 64 * 1024 * 1024 });
 */
import { CairnError } from '../errors/index.js';

/** Default largest input read whole (1 GiB): beyond it a file is refused, not loaded. */
export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024 * 1024;

/** The path that names standard input. */
export const STDIN_PATH = '-';

export interface InputLimits {
  /** Bytes an input may hold; reading stops there with INPUT_TOO_LARGE. */
  maxBytes: number;
  /** Read FIFOs and character devices as streams (up to `maxBytes`) instead of refusing them. */
  streams: boolean;
}

/** The limit from CAIRN_MAX_INPUT_BYTES when it is a positive integer, else the default. */
export function limitFromEnvironment(): number {
  const value = Number(process.env.CAIRN_MAX_INPUT_BYTES);
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_MAX_INPUT_BYTES;
}

let limits: InputLimits = { maxBytes: limitFromEnvironment(), streams: false };

/** The limits every input reader applies. */
export function inputLimits(): Readonly<InputLimits> {
  return limits;
}

/** Changes the limits (the CLI's `--max-input-bytes` and `--stream`); returns the previous ones. */
export function setInputLimits(next: Partial<InputLimits>): InputLimits {
  const previous = limits;
  if (next.maxBytes !== undefined && !(Number.isSafeInteger(next.maxBytes) && next.maxBytes > 0))
    throw new CairnError(
      'INPUT_BAD_LIMIT',
      `input size limit must be a positive integer, not ${next.maxBytes}`,
      {
        field: 'max-input-bytes',
      },
    );
  limits = { ...limits, ...next };
  return previous;
}
