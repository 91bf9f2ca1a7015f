/**
 * Where a command's output goes. Commands never touch `process.stdout`, `process.stderr` or
 * `process.exitCode`: they write to the streams they are given and return an exit code, so tests
 * run them in process with `captureIo()` and the same code could run behind another front end.
 *
 * @example
 * const io = captureIo();
 * const code = await runCli(['ach', 'cases/sony-pictures-2014.json', '--json'], io);
 * JSON.parse(io.out());
 */
import { PassThrough, type Writable } from 'node:stream';
import { escapeForTerminal, type CairnError } from '../errors/index.js';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** Whether stderr is a terminal: progress bars are drawn only then. */
  stderrIsTTY: boolean;
}

/** Exit codes: success, bad arguments or unreadable input, a problem in the input under --strict. */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_INPUT_PROBLEM = 2;

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stderrIsTTY: process.stderr.isTTY === true };
}

export interface CapturedIo extends CliIo {
  /** Everything written to stdout so far, as UTF-8. */
  out(): string;
  /** Everything written to stderr so far, as UTF-8. */
  err(): string;
}

/** An io whose streams keep what is written (for tests and for callers that want the text). */
export function captureIo(): CapturedIo {
  const keep = (): { stream: PassThrough; text(): string } => {
    const chunks: Buffer[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
  };
  const stdout = keep();
  const stderr = keep();
  return {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stderrIsTTY: false,
    out: stdout.text,
    err: stderr.text,
  };
}

/** Writes one line to stderr as `cairn: ...`, escaped for the terminal. */
export function writeProblem(io: CliIo, problem: CairnError | Error | string): void {
  const text =
    typeof problem === 'string'
      ? problem
      : 'describe' in problem && typeof problem.describe === 'function'
        ? problem.describe()
        : problem.message;
  io.stderr.write(`cairn: ${escapeForTerminal(text)}\n`);
}
