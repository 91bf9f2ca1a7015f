/**
 * MRT record bodies -> elements. The framing (reader.ts) hands `MrtDecoder` one complete record
 * at a time; it reads the common header (RFC 6396 2, with the BGP4MP_ET microseconds of 3) and
 * dispatches by type to table-dump.ts, table-dump-v2.ts or bgp4mp.ts, which call the visitor
 * once per element with the one reusable `ElementCursor`. Nothing is allocated per element.
 *
 * Problems (lengths that lie, unknown families, missing peer tables...) are reported through
 * `onProblem` with the byte offset and record type; decoding goes on with the next record.
 */
import { CairnError } from '../errors/index.js';
import { MrtType } from './constants.js';
import { decodeBgp4mp, decodeLegacyBgp } from './bgp4mp.js';
import { RecordContext, type DecoderHooks, type DecoderOptions } from './record.js';
import { decodeTableDump } from './table-dump.js';
import { decodeTableDumpV2 } from './table-dump-v2.js';
import { UpdateElements } from './update-elements.js';

export type { DecoderHooks, DecoderOptions, MrtProblem, PeerIndexEntry, RecordHeader } from './record.js';

export class MrtDecoder extends RecordContext {
  private readonly updates: UpdateElements;

  constructor(file: string, hooks: DecoderHooks, options: DecoderOptions = {}) {
    super(file, hooks, options);
    this.updates = new UpdateElements(this);
  }

  /**
   * Decodes the record whose header starts at `buf[start]` and whose body ends at `end`.
   * `streamOffset` is the stream position of `buf[0]`, for error locations.
   */
  decodeRecord(buf: Uint8Array, start: number, end: number, streamOffset: number): void {
    const header = this.header;
    // Big-endian fields are read in place rather than by readU16/readU32: a call per field costs
    // more than the field before the JIT compiles this.
    header.timestamp =
      ((buf[start] << 24) | (buf[start + 1] << 16) | (buf[start + 2] << 8) | buf[start + 3]) >>> 0;
    header.type = (buf[start + 4] << 8) | buf[start + 5];
    header.subtype = (buf[start + 6] << 8) | buf[start + 7];
    header.length =
      ((buf[start + 8] << 24) | (buf[start + 9] << 16) | (buf[start + 10] << 8) | buf[start + 11]) >>> 0;
    header.offset = streamOffset + start;
    this.buf = buf;
    this.streamBase = streamOffset;
    this.recordStart = start;
    let bodyStart = start + 12;
    header.microseconds = 0;
    if (header.type === MrtType.BGP4MP_ET) {
      if (end - bodyStart < 4) {
        this.problem(
          'MRT_TRUNCATED_RECORD',
          'BGP4MP_ET record too short for its microsecond timestamp',
          bodyStart,
        );
        return;
      }
      header.microseconds =
        ((buf[bodyStart] << 24) |
          (buf[bodyStart + 1] << 16) |
          (buf[bodyStart + 2] << 8) |
          buf[bodyStart + 3]) >>>
        0;
      bodyStart += 4;
      header.length -= 4;
    }
    this.hooks.onRecord?.(header);
    const cursor = this.cursor;
    cursor.mrtType = header.type;
    cursor.mrtSubtype = header.subtype;
    cursor.recordOffset = header.offset;
    cursor.recordLength = end - bodyStart;
    cursor.timestamp = header.timestamp;
    cursor.microseconds = header.microseconds;
    cursor.hasMicroseconds = header.type === MrtType.BGP4MP_ET;
    cursor.hasPathId = false;
    cursor.attributes = undefined;
    try {
      // Literal case labels (names in comments): the interpreter jumps through a table instead of
      // loading each name; this runs for every record, also before the JIT compiles it.
      switch (header.type) {
        case 13 /* TABLE_DUMP_V2 */:
          decodeTableDumpV2(this, bodyStart, end);
          break;
        case 16 /* BGP4MP */:
        case 17 /* BGP4MP_ET */:
          decodeBgp4mp(this, this.updates, bodyStart, end);
          break;
        case 12 /* TABLE_DUMP */:
          decodeTableDump(this, bodyStart, end);
          break;
        case 5 /* BGP */:
          decodeLegacyBgp(this, this.updates, bodyStart, end);
          break;
        default:
          this.problem('MRT_UNKNOWN_TYPE', `unknown MRT type ${header.type} (record skipped)`, start);
      }
    } catch (error) {
      // Visitors and problem hooks may throw (strict mode stops that way): pass those through.
      // A TypeError or RangeError would be a decoder bug: give it the record's location.
      if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
      throw new CairnError(
        'MRT_DECODE_FAILED',
        `decoder failed: ${(error as Error).message}`,
        this.location(start),
        {
          cause: error,
        },
      );
    }
  }
}
