/**
 * The module's only file I/O: reads a file, gunzips it when it starts with the gzip magic bytes
 * (1f 8b; names do not matter), and returns the text, or a CairnError saying why not.
 */
import { readFile, stat } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { CairnError } from '../errors/index.js';

const gunzipAsync = promisify(gunzip);

/** Default bound on a decompressed file: the largest real delegated file is about 3 MB. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads `path` as UTF-8 text, decompressing gzip. Errors: REGISTRY_READ_FAILED (missing file,
 * permissions), REGISTRY_TOO_LARGE (over `maxBytes` before or after decompression),
 * REGISTRY_BAD_GZIP (corrupt or truncated gzip stream).
 */
export async function readTextFile(path: string, maxBytes = DEFAULT_MAX_BYTES): Promise<string | CairnError> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile()) return new CairnError('REGISTRY_READ_FAILED', 'not a regular file', { file: path });
    if (info.size > maxBytes) {
      return new CairnError(
        'REGISTRY_TOO_LARGE',
        `file of ${info.size} bytes is above the ${maxBytes}-byte bound`,
        {
          file: path,
        },
      );
    }
    bytes = await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return new CairnError('REGISTRY_READ_FAILED', `cannot read: ${reason}`, { file: path }, { cause: error });
  }
  if (!isGzip(bytes)) return bytes.toString('utf8');
  try {
    const text = await gunzipAsync(bytes, { maxOutputLength: maxBytes });
    return text.toString('utf8');
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return new CairnError('REGISTRY_TOO_LARGE', `decompresses to more than ${maxBytes} bytes`, {
        file: path,
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new CairnError(
      'REGISTRY_BAD_GZIP',
      `gzip stream is corrupt: ${reason}`,
      { file: path },
      { cause: error },
    );
  }
}
