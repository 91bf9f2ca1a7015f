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
import { CairnError, escapeForTerminal, type ErrorCode } from '../errors/index.js';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** Whether stderr is a terminal: progress bars are drawn only then. */
  stderrIsTTY: boolean;
}

/**
 * Exit codes: success; bad arguments (or a failure that is not the input's); an input that could
 * not be read or is malformed (a missing file, a directory, a FIFO, a corrupt stream), or a
 * problem in the input under --strict.
 */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_INPUT_PROBLEM = 2;

/**
 * The process's own streams. A closed stdout (`cairn ... | head`) ends the process quietly with
 * exit code 0, as `head` users expect, instead of an EPIPE stack trace; any other output error is
 * one line on stderr and exit code 1.
 */
export function processIo(): CliIo {
  quietOnClosedPipe(process.stdout, process.stderr);
  quietOnClosedPipe(process.stderr, undefined);
  return { stdout: process.stdout, stderr: process.stderr, stderrIsTTY: process.stderr.isTTY === true };
}

/**
 * Writes bytes to `io.stdout`, calling `released` once the stream no longer refers to them, so the
 * caller may fill them again. `releases` says whether the stream lets go of bytes once its write
 * callback has run: a Node stream over a file, pipe or terminal (the process's own stdout) does;
 * one that hands the very bytes to a reader (a test's PassThrough) does not, and is never said to.
 */
export function writeReleasing(
  io: CliIo,
  releases = io.stdout === process.stdout,
): (bytes: Uint8Array, released: () => void) => void {
  const stream = io.stdout;
  if (!releases) return (bytes) => void stream.write(bytes);
  return (bytes, released) => {
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      released();
    };
    stream.write(bytes, release);
    // Written at once (a file; a pipe with room): nothing is queued that could still read them.
    if (stream.writableLength === 0) release();
  };
}

const guarded = new WeakSet<NodeJS.WriteStream>();

function quietOnClosedPipe(stream: NodeJS.WriteStream, report: NodeJS.WriteStream | undefined): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') process.exit(EXIT_OK);
    report?.write(`cairn: cannot write output: ${escapeForTerminal(error.message)}\n`);
    process.exit(EXIT_USAGE);
  });
}

/** Codes that say an input as a whole could not be read (as opposed to a damaged record in it). */
const UNREADABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'MRT_READ_ERROR',
  'MRT_CORRUPT_STREAM',
  'REGISTRY_READ_FAILED',
  'REGISTRY_BAD_GZIP',
  'INTEL_NO_FILE',
  'INTEL_BAD_GZIP',
  'ACH_CANNOT_READ',
]);

/**
 * Codes that say an input could only partly be read: its stream stops before its end (a cut
 * download). What came before was used, so the command prints its output, then exits 2.
 */
const PARTLY_READ_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'MRT_TRUNCATED_STREAM',
  'MRT_TRUNCATED_HEADER',
]);

/** mrt's END_OF_STREAM: the `field` of an MRT_TRUNCATED_RECORD cut by the end of the file. */
const MRT_END_OF_STREAM = 'end of stream';

/**
 * True when `problem` means an input could not be read, or only partly (a cut or corrupt stream):
 * the command must not end with 0. A damaged record inside a stream read to its end is not one.
 */
export function isUnreadableInput(problem: CairnError): boolean {
  if (UNREADABLE_CODES.has(problem.code) || PARTLY_READ_CODES.has(problem.code)) return true;
  if (problem.code === 'MRT_TRUNCATED_RECORD' && problem.location.field === MRT_END_OF_STREAM) return true;
  const category = problem.category;
  return (category === 'not-found' || category === 'too-large') && problem.location.file !== undefined;
}

/**
 * The exit code for an error that ended a command: 2 when an input file was unreadable or bad,
 * 1 otherwise (a malformed argument such as a country code is a usage error, whatever its category).
 */
export function exitCodeFor(error: CairnError): number {
  if (isUnreadableInput(error)) return EXIT_INPUT_PROBLEM;
  if (error.category === 'input' && error.location.file !== undefined) return EXIT_INPUT_PROBLEM;
  return EXIT_USAGE;
}

/** Inputs found unreadable while a command ran on this io, each named once. */
const unreadable = new WeakMap<CliIo, Set<string>>();

/**
 * Remembers a problem the command reported and went on from; if it made an input unreadable, the
 * command ends with `EXIT_INPUT_PROBLEM` after its output (see `action`).
 */
export function noteProblem(io: CliIo, problem: CairnError): void {
  if (!isUnreadableInput(problem)) return;
  let files = unreadable.get(io);
  if (files === undefined) unreadable.set(io, (files = new Set()));
  files.add(problem.location.file ?? problem.code);
}

/** The inputs noted unreadable on this io so far. */
export function unreadableInputs(io: CliIo): readonly string[] {
  return [...(unreadable.get(io) ?? [])];
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
