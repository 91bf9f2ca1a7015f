/**
 * MRT framing (RFC 6396 section 2): cuts a stream of decompressed chunks into records by their
 * 12-byte common header and hands each complete record to the decoder, in place, without copying
 * records that lie inside one chunk. Memory stays flat: at most one partial record is carried
 * between chunks, and a record whose header declares an absurd length is skipped byte by byte
 * instead of being buffered. Consecutive records of a type no decoder reads (a run of zeros, a
 * desynchronised stretch) are reported as one problem with their first offset and count.
 */
import { recordTypeName } from './constants.js';
import { dataProblem } from './record.js';
import type { MrtDecoder, MrtProblem } from './decoder.js';

/**
 * The `field` of a problem that says the stream ended inside a record: the file was cut, so it
 * could only partly be read (the CLI ends such a run with exit code 2).
 */
export const END_OF_STREAM = 'end of stream';

/**
 * Records whose body is longer than this are skipped (MRT_RECORD_TOO_LARGE, with the offset) and
 * not buffered: the largest real records (full-table PEER_INDEX_TABLE or RIB records) are a few
 * megabytes, so a larger one is almost always a desynchronised header.
 */
export const DEFAULT_MAX_RECORD_LENGTH = 64 * 1024 * 1024;

/** True for the MRT types the decoder reads (BGP, TABLE_DUMP, TABLE_DUMP_V2, BGP4MP, BGP4MP_ET). */
function isDecodedType(type: number): boolean {
  return type === 13 || type === 16 || type === 17 || type === 12 || type === 5;
}

/** Headers that follow each other for a record start to be believed after a gap. */
const CHAINED_HEADERS = 3;
/** Most seconds between the timestamps of those headers. */
const CHAINED_SECONDS = 86400;

/**
 * The first offset of `buf` where CHAINED_HEADERS record headers of decoded types, each where the
 * one before ends and close in time, begin (or as many as fit before the end of `buf`, at least
 * two); -1 if there is none.
 */
function findRecordStart(buf: Uint8Array, maxRecordLength: number): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let p = 0; p + 12 <= buf.length; p++) {
    let at = p;
    let chained = 0;
    const time = view.getUint32(p);
    while (chained < CHAINED_HEADERS && at + 12 <= buf.length) {
      const length = view.getUint32(at + 8);
      if (!isDecodedType(view.getUint16(at + 4)) || length > maxRecordLength) break;
      if (Math.abs(view.getUint32(at) - time) > CHAINED_SECONDS) break;
      chained++;
      at += 12 + length;
    }
    if (chained === CHAINED_HEADERS || (chained >= 2 && at + 12 > buf.length)) return p;
  }
  return -1;
}

export interface FramerOptions {
  maxRecordLength?: number;
  onProblem(problem: MrtProblem): void;
}

export class MrtFramer {
  /** Bytes consumed so far (the stream offset of the next unread byte). */
  streamOffset = 0;
  records = 0;
  private pending: Uint8Array | undefined;
  private skipRemaining = 0;
  private skippedRecordOffset = 0;
  private skippedRecordType = '';
  private readonly maxRecordLength: number;
  /** The run of consecutive records of undecoded types not yet reported (count 0: none). */
  private unknownRun = { count: 0, offset: 0, bytes: 0, type: 0, subtype: 0 };

  constructor(
    private readonly decoder: MrtDecoder,
    private readonly options: FramerOptions,
  ) {
    this.maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  }

  /** After a gap in the stream: the next record header is looked for, not assumed. */
  private hunting = false;

  /**
   * The stream skipped bytes here (a damaged compressed block left out): the record cut by the
   * gap is dropped, and framing starts again at the first record header found after it.
   */
  gap(): void {
    this.reportUnknownRun();
    if (this.pending !== undefined) this.streamOffset += this.pending.length;
    this.pending = undefined;
    this.cutStore = undefined;
    this.skipRemaining = 0;
    this.hunting = true;
  }

  push(chunk: Uint8Array): void {
    // Buffers (zlib's chunks) are seen as plain Uint8Arrays: the records assembled here are
    // Uint8Arrays, and one kind of array keeps the decoder's and formatter's reads monomorphic.
    if (chunk.constructor !== Uint8Array)
      chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.hunting) {
      const at = findRecordStart(chunk, this.maxRecordLength);
      if (at < 0) {
        this.streamOffset += chunk.length;
        return;
      }
      this.hunting = false;
      this.streamOffset += at;
      chunk = chunk.subarray(at);
    }
    if (this.skipRemaining > 0) {
      const skip = Math.min(this.skipRemaining, chunk.length);
      this.skipRemaining -= skip;
      this.streamOffset += skip;
      if (skip === chunk.length) return;
      chunk = chunk.subarray(skip);
    }
    const cut = this.pending;
    if (cut !== undefined && this.appendToCutRecord(cut, chunk)) return;
    if (cut !== undefined && this.completeCutRecord(cut, chunk)) {
      chunk = chunk.subarray(12 + this.cutBodyLength - cut.length);
      if (chunk.length === 0) return;
    }
    let buf = chunk;
    const pending = this.pending;
    if (pending !== undefined) {
      buf = new Uint8Array(pending.length + chunk.length);
      buf.set(pending, 0);
      buf.set(chunk, pending.length);
      this.pending = undefined;
    }
    // `base` is the stream offset of buf[0].
    const base = this.streamOffset;
    let pos = 0;
    const length = buf.length;
    while (length - pos >= 12) {
      const bodyLength =
        ((buf[pos + 8] << 24) | (buf[pos + 9] << 16) | (buf[pos + 10] << 8) | buf[pos + 11]) >>> 0;
      if (bodyLength > this.maxRecordLength) {
        this.reportUnknownRun();
        const type = (buf[pos + 4] << 8) | buf[pos + 5];
        const subtype = (buf[pos + 6] << 8) | buf[pos + 7];
        this.options.onProblem(
          dataProblem(
            'MRT_RECORD_TOO_LARGE',
            `record declares ${bodyLength} bytes (limit ${this.maxRecordLength}): header desynchronised? skipping it`,
            { file: this.decoder.file, offset: base + pos, recordType: recordTypeName(type, subtype) },
          ),
        );
        const available = length - pos - 12;
        this.skipRemaining = bodyLength - available;
        this.skippedRecordOffset = base + pos;
        this.skippedRecordType = recordTypeName(type, subtype);
        this.streamOffset = base + length;
        return;
      }
      const end = pos + 12 + bodyLength;
      if (end > length) break;
      this.records++;
      const type = (buf[pos + 4] << 8) | buf[pos + 5];
      if (isDecodedType(type)) {
        if (this.unknownRun.count !== 0) this.reportUnknownRun();
        this.decoder.decodeRecord(buf, pos, end, base);
      } else {
        this.noteUnknownRecord(type, (buf[pos + 6] << 8) | buf[pos + 7], base + pos, end - pos);
      }
      pos = end;
    }
    this.streamOffset = base + pos;
    if (pos < length) this.pending = buf.slice(pos);
  }

  private cutBodyLength = 0;
  /** Room for the whole cut record once its header is known (`pending` is a view of it). */
  private cutStore: Uint8Array | undefined;

  /**
   * Appends `chunk` to a cut record it does not complete, in a buffer sized once from the
   * record's header: copying the held bytes again for every chunk would make a long record cost
   * its length times the number of chunks. Returns false when the general path must run.
   */
  private appendToCutRecord(cut: Uint8Array, chunk: Uint8Array): boolean {
    if (cut.length < 12) return false;
    const bodyLength = ((cut[8] << 24) | (cut[9] << 16) | (cut[10] << 8) | cut[11]) >>> 0;
    const recordLength = 12 + bodyLength;
    if (bodyLength > this.maxRecordLength || cut.length + chunk.length >= recordLength) return false;
    let store = this.cutStore;
    if (store === undefined || store.buffer !== cut.buffer || store.byteOffset !== cut.byteOffset) {
      store = new Uint8Array(recordLength);
      store.set(cut, 0);
      this.cutStore = store;
    }
    store.set(chunk, cut.length);
    this.pending = store.subarray(0, cut.length + chunk.length);
    return true;
  }

  /**
   * Decodes the record cut at the end of the last chunk, completed from the start of `chunk`, in
   * a buffer of its own: copying the whole new chunk behind the cut bytes would cost a copy of
   * the stream. Returns false (nothing done) when `chunk` does not complete it, or its header is
   * one the general path must report.
   */
  private completeCutRecord(cut: Uint8Array, chunk: Uint8Array): boolean {
    if (cut.length + chunk.length < 12) return false;
    const at = (i: number): number => (i < cut.length ? cut[i] : chunk[i - cut.length]);
    const bodyLength = ((at(8) << 24) | (at(9) << 16) | (at(10) << 8) | at(11)) >>> 0;
    const take = 12 + bodyLength - cut.length;
    if (bodyLength > this.maxRecordLength || take > chunk.length) return false;
    const store = this.cutStore;
    let record: Uint8Array;
    if (
      store !== undefined &&
      store.buffer === cut.buffer &&
      store.byteOffset === cut.byteOffset &&
      store.length === cut.length + take
    ) {
      // The buffer sized from the header already holds the cut bytes: a second copy of a long
      // record would double its cost (first-touch page faults dominate copies of that size).
      record = store;
    } else {
      record = new Uint8Array(cut.length + take);
      record.set(cut, 0);
    }
    record.set(chunk.subarray(0, take), cut.length);
    this.pending = undefined;
    this.cutStore = undefined;
    this.cutBodyLength = bodyLength;
    this.push(record);
    return true;
  }

  private noteUnknownRecord(type: number, subtype: number, offset: number, bytes: number): void {
    const run = this.unknownRun;
    if (run.count === 0) {
      run.offset = offset;
      run.type = type;
      run.subtype = subtype;
      run.bytes = 0;
    }
    run.count++;
    run.bytes += bytes;
  }

  /**
   * Reports the pending run of undecoded records: one record as the decoder always has, several
   * as one problem, since a problem per record of a run of zeros would cost millions of reports.
   */
  private reportUnknownRun(): void {
    const run = this.unknownRun;
    if (run.count === 0) return;
    const location = {
      file: this.decoder.file,
      offset: run.offset,
      recordType: recordTypeName(run.type, run.subtype),
    };
    const message =
      run.count === 1
        ? `unknown MRT type ${run.type} (record skipped)`
        : `${run.count} consecutive records of unknown MRT type (${run.bytes} bytes from offset ${run.offset}, ` +
          `the first of type ${run.type}${run.type === 0 && run.bytes === run.count * 12 ? ': zeros' : ''}) skipped`;
    run.count = 0;
    this.options.onProblem(dataProblem('MRT_UNKNOWN_TYPE', message, location));
  }

  /** Call at end of stream: reports a record cut short by the end of the data. */
  finish(): void {
    this.reportUnknownRun();
    const pending = this.pending;
    if (this.skipRemaining > 0) {
      this.options.onProblem(
        dataProblem(
          'MRT_TRUNCATED_RECORD',
          `stream ended ${this.skipRemaining} bytes before the end of a skipped record`,
          {
            file: this.decoder.file,
            offset: this.skippedRecordOffset,
            recordType: this.skippedRecordType,
            field: END_OF_STREAM,
          },
        ),
      );
      this.skipRemaining = 0;
    }
    this.cutStore = undefined;
    if (pending === undefined || pending.length === 0) return;
    this.pending = undefined;
    if (pending.length < 12) {
      this.options.onProblem(
        dataProblem('MRT_TRUNCATED_HEADER', `incomplete MRT header (${pending.length} of 12 bytes)`, {
          file: this.decoder.file,
          offset: this.streamOffset,
        }),
      );
      return;
    }
    const type = (pending[4] << 8) | pending[5];
    const subtype = (pending[6] << 8) | pending[7];
    const bodyLength = ((pending[8] << 24) | (pending[9] << 16) | (pending[10] << 8) | pending[11]) >>> 0;
    this.options.onProblem(
      dataProblem(
        'MRT_TRUNCATED_RECORD',
        `incomplete record: ${pending.length - 12} of ${bodyLength} body bytes before end of stream`,
        {
          file: this.decoder.file,
          offset: this.streamOffset,
          recordType: recordTypeName(type, subtype),
          field: END_OF_STREAM,
        },
      ),
    );
  }
}
