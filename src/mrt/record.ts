/**
 * The state every record-type decoder shares: the record being decoded (its bytes and header),
 * the one `ElementCursor` and `PathAttributes` reused for every element, the peer table of the
 * last PEER_INDEX_TABLE, and problem reporting with file, stream offset and record type.
 *
 * The record-type files (table-dump.ts, table-dump-v2.ts, bgp4mp.ts) are functions over a
 * `RecordContext`; decoder.ts dispatches to them by record type.
 */
import type { BgpErrorCode, ErrorLocation, MrtErrorCode } from '../errors/index.js';
import { PathAttributes } from '../bgp/index.js';
import { CairnError } from '../errors/index.js';
import { recordTypeName } from './constants.js';
import { ElementCursor } from './element.js';

/** A problem found in the input: a CairnError whose location has file, offset and record type. */
export type MrtProblem = CairnError;

export interface PeerIndexEntry {
  family: 4 | 6;
  /** Address bytes (4 or 16). */
  bytes: Uint8Array;
  address: string;
  asn: number;
  bgpId: string;
}

export interface RecordHeader {
  timestamp: number;
  type: number;
  subtype: number;
  /** Body length (for BGP4MP_ET without the microsecond field). */
  length: number;
  microseconds: number;
  /** Offset of the record's first header byte in the decompressed stream. */
  offset: number;
}

export interface DecoderHooks {
  /** Called for every element with the shared cursor; valid only during the call. */
  onElement(cursor: ElementCursor): void;
  /** Called for every problem. Default: ignore (the reader counts them). */
  onProblem?(problem: MrtProblem): void;
  /** Called for every record before its elements. */
  onRecord?(header: RecordHeader): void;
}

export interface DecoderOptions {
  /**
   * Reproduce what bgpdump 1.6.2 makes of malformed NLRI instead of stopping at them (see
   * bgpdump-compat.ts). Only `--format bgpdump` sets this; every other consumer gets RFC behaviour.
   */
  bgpdumpCompatible?: boolean;
}

export class RecordContext {
  readonly cursor = new ElementCursor();
  readonly attributes = new PathAttributes();
  /** Incremented on every attribute decode: lets formatters cache per-attribute-set text. */
  attributeGeneration = 0;
  peerIndex: PeerIndexEntry[] | undefined;
  /** Name of the input, for error locations. */
  file: string;
  readonly bgpdumpCompatible: boolean;

  readonly hooks: DecoderHooks;
  readonly header: RecordHeader = {
    timestamp: 0,
    type: 0,
    subtype: 0,
    length: 0,
    microseconds: 0,
    offset: 0,
  };
  /** The buffer holding the record, its stream offset, and the record's first byte in it. */
  buf: Uint8Array = new Uint8Array(0);
  streamBase = 0;
  recordStart = 0;
  /** How many leading bytes of cursor.prefixBytes may be non-zero. */
  prefixBytesInUse = 16;

  constructor(file: string, hooks: DecoderHooks, options: DecoderOptions = {}) {
    this.file = file;
    this.hooks = hooks;
    this.bgpdumpCompatible = options.bgpdumpCompatible ?? false;
  }

  location(at: number): { file: string; offset: number; recordType: string } {
    return {
      file: this.file,
      offset: this.streamBase + at,
      recordType: recordTypeName(this.header.type, this.header.subtype),
    };
  }

  /** Reports a problem at `buf[at]`; decoding goes on unless the hook throws. */
  problem(code: MrtErrorCode | BgpErrorCode, message: string, at: number): void {
    const onProblem = this.hooks.onProblem;
    if (onProblem === undefined) return;
    onProblem(dataProblem(code, message, this.location(at)));
  }

  /**
   * End of an attribute block whose 2-byte length is at `lengthAt`: cut to the record's `end`
   * (and reported) when the length runs past it, as bgpdump reads on with what is there.
   */
  attributesEnd(lengthAt: number, end: number): number {
    const length = (this.buf[lengthAt] << 8) | this.buf[lengthAt + 1];
    const attributesEnd = lengthAt + 2 + length;
    if (attributesEnd <= end) return attributesEnd;
    this.problem('MRT_BAD_ATTRIBUTE_LENGTH', `attributes (${length} bytes) run past the record`, lengthAt);
    return end;
  }

  /** Decodes an attribute block into the shared `PathAttributes`, reporting its problems. */
  decodeAttributes(start: number, end: number, asnLength: number, addPath: boolean): PathAttributes {
    this.attributeGeneration++;
    const attributes = this.attributes.decode(this.buf, start, end, asnLength, addPath);
    if (attributes.problems.length !== 0) {
      const problems = attributes.problems;
      for (let i = 0; i < problems.length; i++) {
        const p = problems[i];
        this.problem(p.code, `${p.message} (RFC 7606: ${p.action})`, p.offset);
      }
    }
    return attributes;
  }

  /** Copies a prefix's `bytes` bytes at `buf[at]` into the cursor, zeroing what a longer one left. */
  setPrefix(family: 4 | 6, at: number, bytes: number, length: number): void {
    const target = this.cursor.prefixBytes;
    const buf = this.buf;
    if (bytes <= 4 && this.prefixBytesInUse <= 4) {
      // IPv4 without loops: this runs for every prefix, also before the JIT has compiled it.
      target[0] = bytes > 0 ? buf[at] : 0;
      target[1] = bytes > 1 ? buf[at + 1] : 0;
      target[2] = bytes > 2 ? buf[at + 2] : 0;
      target[3] = bytes > 3 ? buf[at + 3] : 0;
    } else {
      let i = 0;
      for (; i < bytes; i++) target[i] = buf[at + i];
      for (const end = this.prefixBytesInUse; i < end; i++) target[i] = 0;
    }
    this.prefixBytesInUse = bytes;
    this.cursor.prefixFamily = family;
    this.cursor.prefixLength = length;
  }

  /** 4 or 6 for the AFI/SAFI pairs whose NLRI are plain prefixes; 0 (reported) otherwise. */
  mpFamily(afi: number, safi: number): 0 | 4 | 6 {
    if ((afi === 1 || afi === 2) && safi >= 1 && safi <= 3) return afi === 1 ? 4 : 6;
    this.problem('MRT_UNSUPPORTED_AFI', `MP NLRI with AFI ${afi} SAFI ${safi} not decoded`, this.recordStart);
    return 0;
  }
}

/**
 * A problem found in the data, without a stack trace: it is located by file and offset, the
 * decoder's stack says nothing about the data, and capturing it costs more than decoding the
 * record (a damaged file can hold thousands; a fuzzed one, one per case).
 */
export function dataProblem(
  code: MrtErrorCode | BgpErrorCode,
  message: string,
  location: ErrorLocation,
): CairnError {
  return withoutStack(() => new CairnError(code, message, location));
}

/** Makes an Error without capturing the stack (see dataProblem). */
export function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
