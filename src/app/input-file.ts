/**
 * The one check every file input passes before it is opened: it exists and is a regular file.
 * A FIFO, a device (`/dev/zero`), a socket or a directory where a file is expected is refused by
 * name, since opening a FIFO blocks until a writer comes and a device never ends.
 *
 * @example
 * const size = checkInputFile(path, 'case file').size;
 */
import { statSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { CairnError } from '../errors/index.js';
import { detectCompression } from '../mrt/index.js';

/** What `path` is, in words, when it is not a regular file. */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Stats `path` (following links) and returns it when it is a regular file; otherwise throws
 * INPUT_NOT_FOUND or INPUT_NOT_A_FILE naming `what` and the path.
 */
export function checkInputFile(path: string, what = 'input file'): Stats {
  let info: Stats;
  try {
    info = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CairnError(
      'INPUT_NOT_FOUND',
      `cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code}`,
      { file: path },
    );
  }
  if (!info.isFile())
    throw new CairnError('INPUT_NOT_A_FILE', `${what} ${path} is ${kindOf(info)}, not a regular file`, {
      file: path,
    });
  return info;
}

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
