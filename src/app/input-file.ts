/**
 * The one way file inputs are checked and read: a path must be a regular file, unless the caller
 * was told to read a stream (`--stream`, or `-` for standard input), and no input is read past
 * the size limit (`--max-input-bytes`, default `DEFAULT_MAX_INPUT_BYTES`). A FIFO, a device
 * (`/dev/zero`), a socket or a directory where a file is expected is refused by name, since
 * opening a FIFO blocks until a writer comes and a device never ends.
 *
 * The limits are process-wide, like a ulimit: the CLI sets them from its global options before a
 * command runs (`setInputLimits`, input-limits.ts), and every reader here applies them.
 *
 * @example
 * const bytes = readInputFileSync(path, 'case file');
 */
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { CairnError } from '../errors/index.js';
import { detectCompression } from '../mrt/index.js';
import { inputLimits, STDIN_PATH } from './input-limits.js';

export {
  DEFAULT_MAX_INPUT_BYTES,
  STDIN_PATH,
  inputLimits,
  limitFromEnvironment,
  setInputLimits,
  type InputLimits,
} from './input-limits.js';

/** What `path` is, in words, when it is not a regular file. */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** True for what may be read as a stream when streams are allowed. */
function isStream(info: Stats): boolean {
  return info.isFIFO() || info.isCharacterDevice() || info.isSocket();
}

/**
 * Stats `path` (following links) and returns it when it is a regular file (or, with streams
 * allowed, a FIFO or character device); otherwise throws INPUT_NOT_FOUND or INPUT_NOT_A_FILE
 * naming `what` and the path.
 */
export function checkInputFile(path: string, what = 'input file'): Stats {
  let info: Stats;
  try {
    info = statSync(path === STDIN_PATH ? '/dev/stdin' : path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CairnError(
      'INPUT_NOT_FOUND',
      `cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code}`,
      { file: path },
    );
  }
  if (info.isFile()) return info;
  if ((inputLimits().streams || path === STDIN_PATH) && isStream(info)) return info;
  throw new CairnError(
    'INPUT_NOT_A_FILE',
    `${what} ${path} is ${kindOf(info)}, not a regular file` +
      (isStream(info) ? ' (give --stream to read it as a stream)' : ''),
    { file: path },
  );
}

function tooLarge(path: string, what: string, detail: string): CairnError {
  return new CairnError(
    'INPUT_TOO_LARGE',
    `${what} ${path} ${detail} (limit ${inputLimits().maxBytes} bytes: --max-input-bytes)`,
    { file: path, offset: inputLimits().maxBytes },
  );
}

/**
 * Reads the whole of `path` after `checkInputFile`, stopping with INPUT_TOO_LARGE at the limit:
 * a regular file larger than the limit is refused before it is read, a stream as soon as it has
 * delivered one byte more than the limit.
 */
export function readInputFileSync(path: string, what = 'input file'): Buffer {
  checkInputFile(path, what);
  let fd: number;
  try {
    // Standard input is read from fd 0: opening /dev/stdin fails (ENXIO) when it is a socket.
    fd = path === STDIN_PATH ? 0 : openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CairnError('INPUT_NOT_FOUND', `cannot read ${what} ${path}: ${code}`, { file: path });
  }
  try {
    const info = fstatSync(fd);
    const max = inputLimits().maxBytes;
    if (info.isFile() && info.size > max) throw tooLarge(path, what, `holds ${info.size} bytes`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, max + 1 - total));
      let read: number;
      try {
        read = readSync(fd, chunk, 0, chunk.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
        if (code === 'EAGAIN') {
          // A non-blocking stdin with nothing yet: wait a little without spinning.
          Atomics.wait(PAUSE, 0, 0, 5);
          continue;
        }
        throw new CairnError('INPUT_NOT_FOUND', `cannot read ${what} ${path}: ${code}`, {
          file: path,
          offset: total,
        });
      }
      if (read === 0) break;
      total += read;
      if (total > max) throw tooLarge(path, what, 'is larger than the limit');
      chunks.push(read === chunk.length ? chunk : chunk.subarray(0, read));
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));
const gunzipAsync = promisify(gunzip);

/**
 * The bytes of a whole input, gunzipped when they start with gzip's magic number (told by mrt's
 * `detectCompression`, the one place that knows it), else as they are. The output is bounded by
 * `maxBytes`: zlib throws a RangeError (ERR_BUFFER_TOO_LARGE) beyond it, and any other zlib error
 * for a corrupt stream; the callers turn both into their own module's codes.
 */
export async function gunzipInput(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  if (detectCompression(bytes.subarray(0, 4)) !== 'gzip') return bytes;
  return await gunzipAsync(bytes, { maxOutputLength: maxBytes });
}

/** {@link gunzipInput}, synchronous, for importers that take bytes and answer at once. */
export function gunzipInputSync(bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (detectCompression(bytes.subarray(0, 4)) !== 'gzip') return bytes;
  return gunzipSync(bytes, { maxOutputLength: maxBytes });
}

/** True when zlib stopped because the output passed `maxOutputLength`. */
export function isOutputTooLarge(error: unknown): boolean {
  return error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
}

/** A file read by position as it goes: its head, bytes at a position, and the whole of it. */
export interface InputFileReader {
  head: Uint8Array;
  source: { read(position: number, max: number): Uint8Array };
  whole(): Buffer;
}

/**
 * A reader of `path` after the checks of `readInputFileSync`: a regular file within the limit is
 * read by position as its consumer asks (so a large document need not be held whole), a stream
 * or standard input is read whole at once, since it cannot be read twice.
 */
export function inputFileReader(path: string, what = 'input file', headBytes = 64 * 1024): InputFileReader {
  const info = checkInputFile(path, what);
  if (path === STDIN_PATH || !info.isFile()) {
    const bytes = readInputFileSync(path, what);
    return {
      head: bytes.subarray(0, headBytes),
      source: { read: (position, max) => bytes.subarray(position, Math.min(bytes.length, position + max)) },
      whole: () => bytes,
    };
  }
  if (info.size > inputLimits().maxBytes) throw tooLarge(path, what, `holds ${info.size} bytes`);
  const readAt = (position: number, max: number): Buffer => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
      throw new CairnError('INPUT_NOT_FOUND', `cannot read ${what} ${path}: ${code}`, { file: path });
    }
    try {
      const size = Math.max(0, Math.min(max, inputLimits().maxBytes - position, info.size - position));
      const chunk = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const n = readSync(fd, chunk, got, size - got, position + got);
        if (n === 0) break;
        got += n;
      }
      return chunk.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  };
  return {
    head: readAt(0, headBytes),
    source: { read: readAt },
    whole: () => readInputFileSync(path, what),
  };
}
