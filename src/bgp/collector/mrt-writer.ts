/**
 * Writes what the collector receives as MRT (RFC 6396, RFC 8050): BGP4MP_ET records with
 * MESSAGE_AS4 (MESSAGE_AS4_ADDPATH when the message carries path identifiers) and
 * STATE_CHANGE_AS4, into gzip files rotated every N minutes and named as RIPE RIS names them
 * (`updates.YYYYMMDD.HHMM.gz`, the UTC start of the interval).
 *
 * Records are packed into a 256 KiB chunk and handed to zlib a chunk at a time, so the cost per
 * message is a few copies. `congested` turns true when zlib has more queued than it wants; the
 * collector then pauses its sockets until `onDrain` fires (back-pressure instead of unbounded
 * memory). The file is sync-flushed every second so a reader sees complete records.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants, createGzip, type Gzip } from 'node:zlib';
import { CairnError } from '../../errors/index.js';
import type { IpAddress } from '../../net/index.js';

/** MRT type BGP4MP_ET and its subtypes used here (RFC 6396 4.4, RFC 8050). */
const BGP4MP_ET = 17;
const STATE_CHANGE = 0;
const MESSAGE = 1;
const MESSAGE_AS4 = 4;
const STATE_CHANGE_AS4 = 5;
const MESSAGE_ADDPATH = 8;
const MESSAGE_AS4_ADDPATH = 9;
const AS_TRANS = 23456;

const CHUNK_SIZE = 256 * 1024;

export interface MrtWriterOptions {
  directory: string;
  rotationMinutes: number;
  gzipLevel?: number;
  /** File name prefix, `updates` as in RIS. */
  prefix?: string;
  /** Milliseconds between sync flushes of the open file; 0 turns them off. Default 1000. */
  flushIntervalMs?: number;
  onError?(error: CairnError): void;
  /** Called with the path of each file when it is complete. */
  onFileClosed?(path: string): void;
}

/**
 * The fixed part of a BGP4MP body for one session: peer AS, local AS, interface index, AFI,
 * peer address, local address (RFC 6396 4.4.2). Built once per session. The ASN fields are 4
 * bytes for the *_AS4 subtypes, 2 bytes (AS_TRANS for larger ASNs) for a session that did not
 * negotiate 4-byte ASNs, whose AS_PATHs are 2-byte too (as Quagga and RIS write them).
 */
export function bgp4mpPeerHeader(
  peerAsn: number,
  localAsn: number,
  peerAddress: IpAddress,
  localAddress: IpAddress,
  as4 = true,
): Uint8Array {
  if (peerAddress.family !== localAddress.family) {
    throw new CairnError('COLLECTOR_MIXED_FAMILIES', 'peer and local addresses differ in family', {
      field: 'localAddress',
    });
  }
  const n = peerAddress.family === 4 ? 4 : 16;
  const w = as4 ? 4 : 2;
  const out = new Uint8Array(2 * w + 4 + 2 * n);
  const view = new DataView(out.buffer);
  if (as4) {
    view.setUint32(0, peerAsn >>> 0);
    view.setUint32(4, localAsn >>> 0);
  } else {
    view.setUint16(0, peerAsn > 0xffff ? AS_TRANS : peerAsn);
    view.setUint16(2, localAsn > 0xffff ? AS_TRANS : localAsn);
  }
  view.setUint16(2 * w, 0);
  view.setUint16(2 * w + 2, peerAddress.family === 4 ? 1 : 2);
  out.set(peerAddress.bytes.subarray(0, n), 2 * w + 4);
  out.set(localAddress.bytes.subarray(0, n), 2 * w + 4 + n);
  return out;
}

/** `updates.YYYYMMDD.HHMM.gz` for the interval starting at `seconds` (UTC). */
export function mrtFileName(prefix: string, seconds: number): string {
  const d = new Date(seconds * 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${prefix}.${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}.` +
    `${two(d.getUTCHours())}${two(d.getUTCMinutes())}.gz`
  );
}

interface OpenFile {
  path: string;
  gzip: Gzip;
  file: WriteStream;
  done: Promise<void>;
  intervalEnd: number;
}

export class MrtArchiveWriter {
  private readonly interval: number;
  private readonly prefix: string;
  private chunk = Buffer.allocUnsafe(CHUNK_SIZE);
  private used = 0;
  private current: OpenFile | undefined;
  private readonly closing = new Set<Promise<void>>();
  private readonly drainListeners: (() => void)[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private rotateTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** True while zlib has more queued than its high-water mark: callers should pause input. */
  congested = false;
  /** Records written (state changes and messages). */
  records = 0;
  /** Paths of the files written, in order. */
  readonly files: string[] = [];

  constructor(private readonly options: MrtWriterOptions) {
    this.interval = options.rotationMinutes * 60;
    this.prefix = options.prefix ?? 'updates';
    mkdirSync(options.directory, { recursive: true });
    const flushMs = options.flushIntervalMs ?? 1000;
    if (flushMs > 0) {
      this.flushTimer = setInterval(() => this.flush(), flushMs);
      this.flushTimer.unref();
    }
  }

  /** Registers a callback for the end of congestion. */
  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  /**
   * A received BGP message (header included) of the session whose BGP4MP header is `peer`
   * (built with the same `as4`). `seconds` and `micros` are the arrival time; `addPath` says the
   * message's NLRI carry path identifiers (RFC 8050 subtypes).
   */
  writeMessage(
    peer: Uint8Array,
    seconds: number,
    micros: number,
    message: Uint8Array,
    addPath: boolean,
    as4 = true,
  ): void {
    const length = 4 + peer.length + message.length;
    const at = this.reserve(seconds, 12 + length);
    const c = this.chunk;
    const subtype = as4 ? (addPath ? MESSAGE_AS4_ADDPATH : MESSAGE_AS4) : addPath ? MESSAGE_ADDPATH : MESSAGE;
    this.header(at, seconds, subtype, length, micros);
    c.set(peer, at + 16);
    c.set(message, at + 16 + peer.length);
    this.used = at + 12 + length;
    this.records++;
  }

  /** A session state change (RFC 6396 4.4.1 numbering: 1 Idle .. 6 Established). */
  writeStateChange(
    peer: Uint8Array,
    seconds: number,
    micros: number,
    oldState: number,
    newState: number,
    as4 = true,
  ): void {
    const length = 4 + peer.length + 4;
    const at = this.reserve(seconds, 12 + length);
    const c = this.chunk;
    this.header(at, seconds, as4 ? STATE_CHANGE_AS4 : STATE_CHANGE, length, micros);
    c.set(peer, at + 16);
    const p = at + 16 + peer.length;
    c.writeUInt16BE(oldState, p);
    c.writeUInt16BE(newState, p + 2);
    this.used = p + 4;
    this.records++;
  }

  private header(at: number, seconds: number, subtype: number, length: number, micros: number): void {
    const c = this.chunk;
    c.writeUInt32BE(seconds >>> 0, at);
    c.writeUInt16BE(BGP4MP_ET, at + 4);
    c.writeUInt16BE(subtype, at + 6);
    // RFC 6396 3: for _ET types the length counts the microsecond field.
    c.writeUInt32BE(length, at + 8);
    c.writeUInt32BE(micros >>> 0, at + 12);
  }

  /** Rotates when `seconds` is past the open interval, makes room for `size` bytes, returns the offset. */
  private reserve(seconds: number, size: number): number {
    if (this.closed) throw new CairnError('COLLECTOR_WRITER_CLOSED', 'MRT writer is closed');
    if (this.current !== undefined && seconds >= this.current.intervalEnd) this.closeCurrent();
    if (this.current === undefined) this.open(seconds);
    if (this.used + size > this.chunk.length) this.flushChunk();
    return this.used;
  }

  private open(seconds: number): void {
    const start = Math.floor(seconds / this.interval) * this.interval;
    const path = join(this.options.directory, mrtFileName(this.prefix, start));
    // Append: a restart within the interval adds a gzip member, which zlib readers continue into.
    const file = createWriteStream(path, { flags: 'a' });
    const gzip = createGzip({ level: this.options.gzipLevel ?? 6 });
    const fail = (error: Error): void =>
      this.options.onError?.(
        new CairnError('COLLECTOR_WRITE_FAILED', `writing ${path}: ${error.message}`, { file: path }),
      );
    file.on('error', fail);
    gzip.on('error', fail);
    gzip.on('drain', () => this.drained());
    gzip.pipe(file);
    const done = new Promise<void>((resolve) => {
      file.on('close', () => resolve());
      file.on('error', () => resolve());
    });
    this.current = { path, gzip, file, done, intervalEnd: start + this.interval };
    this.files.push(path);
    clearTimeout(this.rotateTimer);
    // Close an idle file at the end of its interval, not at the next record.
    const ms = Math.max(0, (start + this.interval) * 1000 - Date.now());
    this.rotateTimer = setTimeout(() => this.closeCurrent(), ms + 50);
    this.rotateTimer.unref();
  }

  private drained(): void {
    if (!this.congested) return;
    this.congested = false;
    for (const listener of this.drainListeners) listener();
  }

  private flushChunk(): void {
    if (this.used === 0 || this.current === undefined) return;
    const data = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(CHUNK_SIZE);
    this.used = 0;
    if (!this.current.gzip.write(data)) this.congested = true;
  }

  /** Hands buffered records to zlib and sync-flushes the file (complete records on disk). */
  flush(): void {
    if (this.current === undefined) return;
    this.flushChunk();
    this.current.gzip.flush(zlibConstants.Z_SYNC_FLUSH);
  }

  private closeCurrent(): void {
    const current = this.current;
    if (current === undefined) return;
    this.flushChunk();
    this.current = undefined;
    clearTimeout(this.rotateTimer);
    current.gzip.end();
    const done = current.done.then(() => {
      this.closing.delete(done);
      this.options.onFileClosed?.(current.path);
    });
    this.closing.add(done);
    // A closed file can hold no more congestion.
    this.drained();
  }

  /** Closes the open file now (the next record opens a new one); resolves when it is on disk. */
  async rotate(): Promise<void> {
    this.closeCurrent();
    await Promise.all([...this.closing]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.flushTimer);
    this.closeCurrent();
    this.closed = true;
    await Promise.all([...this.closing]);
  }
}
