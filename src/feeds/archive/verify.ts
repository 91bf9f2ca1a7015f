/**
 * What can be checked of a downloaded file without trusting the server: that it has the
 * compression its layout promises (magic bytes, so an HTML error page served with status 200 is
 * caught) and that it decompresses to its end, by reading the whole stream through mrt's byte
 * source, the same reader ingest uses.
 */
import { CairnError } from '../../errors/index.js';
import { openByteSource, type Compression, type Decompressor } from '../../mrt/index.js';

export interface VerifiedFile {
  compression: Compression;
  decompressor: Decompressor;
  /** Bytes after decompression (the file size for an uncompressed file). */
  decompressedBytes: number;
}

/**
 * Reads `filePath` to its end. Throws FETCH_VERIFY_FAILED (location: `label`, the byte offset in
 * the decompressed stream where it failed) when the compression differs from `expected` or the
 * stream is truncated or corrupt.
 */
export async function verifyArchiveFile(
  filePath: string,
  expected: Compression | undefined,
  label = filePath,
): Promise<VerifiedFile> {
  const source = await openByteSource(filePath);
  try {
    if (expected !== undefined && source.compression !== expected)
      throw new CairnError(
        'FETCH_VERIFY_FAILED',
        `expected ${expected === 'none' ? 'uncompressed' : expected} data, found ${source.compression === 'none' ? 'no known compression' : source.compression}`,
        { file: label, offset: 0 },
      );
    let decompressedBytes = 0;
    try {
      for await (const chunk of source.chunks()) decompressedBytes += chunk.length;
    } catch (error) {
      if (
        error instanceof CairnError &&
        (error.code === 'MRT_TRUNCATED_STREAM' || error.code === 'MRT_CORRUPT_STREAM')
      )
        throw new CairnError(
          'FETCH_VERIFY_FAILED',
          `${source.compression} stream ${error.code === 'MRT_TRUNCATED_STREAM' ? 'is truncated' : 'is corrupt'} after ${decompressedBytes} decompressed bytes`,
          { file: label, offset: error.location.offset ?? decompressedBytes },
          { cause: error },
        );
      throw error;
    }
    return { compression: source.compression, decompressor: source.decompressor, decompressedBytes };
  } finally {
    await source.close();
  }
}
