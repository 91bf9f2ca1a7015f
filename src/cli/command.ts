/**
 * What every command shares: the io it writes to, and the one way an action ends (an exit code).
 * An action returns its exit code; a `CairnError` becomes one escaped line on stderr and exit code
 * 2 when the input was bad or unreadable (1 for a usage error); anything else is a bug and
 * propagates. No silent success: an action that returns 0 after an input was reported unreadable
 * (a missing MRT file among several, a corrupt gzip) ends with 2, after its output, naming it.
 */
import { CairnError, escapeForTerminal } from '../errors/index.js';
import {
  EXIT_INPUT_PROBLEM,
  EXIT_OK,
  exitCodeFor,
  unreadableInputs,
  writeProblem,
  type CliIo,
} from './io.js';

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
        context.exitCode = exitCodeFor(error);
        return;
      }
      throw error;
    }
    const unreadable = unreadableInputs(context.io);
    if (context.exitCode === EXIT_OK && unreadable.length > 0) {
      context.io.stderr.write(
        `cairn: could not read ${unreadable.length === 1 ? 'an input' : `${unreadable.length} inputs`}: ${escapeForTerminal(unreadable.join(', '))}\n`,
      );
      context.exitCode = EXIT_INPUT_PROBLEM;
    }
  };
}
