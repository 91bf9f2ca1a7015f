/**
 * What every command shares: the io it writes to, and the one way an action ends (an exit code).
 * An action returns its exit code; an input error (`CairnError`) becomes one escaped line on
 * stderr and exit code 1; anything else is a bug and propagates.
 */
import { CairnError } from '../errors/index.js';
import { EXIT_USAGE, writeProblem, type CliIo } from './io.js';

export interface CliContext {
  io: CliIo;
  /** The exit code of the action that ran (0 until one sets it). */
  exitCode: number;
}

/** Wraps a command action: its returned code becomes the context's exit code. */
export function action<A extends unknown[]>(
  context: CliContext,
  run: (...args: A) => Promise<number> | number,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      context.exitCode = await run(...args);
    } catch (error) {
      if (error instanceof CairnError) {
        writeProblem(context.io, error);
        context.exitCode = EXIT_USAGE;
        return;
      }
      throw error;
    }
  };
}
