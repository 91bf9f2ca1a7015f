/**
 * What bgpdump 1.6.2 makes of malformed input where it differs from the RFCs, on the decoding
 * side; only `bgpdumpCompatible` decoders (`--format bgpdump`) call it. The printing side of
 * bgpdump's behaviour is in bgpdump.ts.
 */
import type { RecordContext } from './record.js';

/**
 * An NLRI prefix longer than its family (RFC 7606 5.3 stops the field there): bgpdump copies
 * (length+7)/8 bytes into its 16-byte address field, so bytes past it overwrite the stored length
 * (byte 16) and, with ADD-PATH, the path id (bytes 20-23), and reads on. `at` is the prefix's
 * start (its path id with ADD-PATH); visits the element as bgpdump prints it and returns the
 * offset of the next prefix, or -1 when bgpdump stops too.
 */
export function readOverlongPrefixAsBgpdump(
  r: RecordContext,
  at: number,
  end: number,
  family: 4 | 6,
  addPath: boolean,
): number {
  const buf = r.buf;
  const cursor = r.cursor;
  let p = at;
  if (addPath) {
    cursor.pathId = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
    cursor.hasPathId = true;
    p += 4;
  }
  const length = buf[p++];
  const bytes = (length + 7) >>> 3;
  if (p + bytes > end) return -1;
  r.setPrefix(family, p, Math.min(bytes, 16), bytes > 16 ? buf[p + 16] : length);
  if (bytes > 20 && addPath)
    cursor.pathId = (buf[p + 20] | (buf[p + 21] << 8) | (buf[p + 22] << 16) | (buf[p + 23] << 24)) >>> 0;
  r.hooks.onElement(cursor);
  return p + bytes;
}
