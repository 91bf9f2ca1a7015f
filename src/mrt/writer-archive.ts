/**
 * MRT update archives as collectors keep them: the records of an `MrtWriter` streamed into gzip
 * files rotated every N minutes and named as RIPE RIS names them (`updates.YYYYMMDD.HHMM.gz`,
 * the UTC start of the interval). Rotation follows the records' own time, and an idle file is
 * closed at the end of its interval by a timer of the given `Clock` (virtual in tests).
 *
 * Records are packed into 256 KiB chunks handed to zlib a chunk at a time, so the cost per record
 * is a few copies. `congested` turns true when zlib has more queued than it wants; a producer then
 * pauses its input until `onDrain` fires (back-pressure instead of unbounded memory).
 *
 * Crash safety: every flush (each second by default) ends a complete gzip member, so the file on
 * disk is always complete members plus at most one member being written. When a file is opened
 * again (a restart within the interval), its tail is checked first: a truncated last member, as a
 * SIGKILL leaves it, is cut off before new members are appended; a file with no complete member
 * or damage before its end is moved aside (`NAME.damaged`, `NAME.damaged.1`, ...) and a new one
 * begun. A crash thus loses at most the records of the last flush interval, never the file.
 *
 * @example
 * const archive = new MrtArchiveWriter({ directory: './mrt', rotationMinutes: 5 });
 * const peer = bgp4mpPeer(65001, 65000, parseAddress('192.0.2.2'), parseAddress('192.0.2.1'));
 * archive.bgp4mpMessage(peer, seconds, micros, message);
 * await archive.close();
 */
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  type WriteStream,
} from 'node:fs';
import { join } from 'node:path';
import { crc32, createGzip, inflateRawSync, type Gzip } from 'node:zlib';
import { systemClock, type Clock, type Timer } from '../bgp/index.js';
import { CairnError } from '../errors/index.js';
import { MrtWriter, type Bgp4mpPeer } from './writer.js';

export interface MrtArchiveOptions {
  directory: string;
  rotationMinutes: number;
  gzipLevel?: number;
  /** File name prefix, `updates` as in RIS. */
  prefix?: string;
  /**
   * Milliseconds between flushes, each of which ends a complete gzip member (the most a crash
   * loses); 0 turns them off. Default 1000.
   */
  flushIntervalMs?: number;
  /** The time for closing idle files and the flush timer; default the real one. */
  clock?: Clock;
  onError?(error: CairnError): void;
  /** Called with the path of each file once it is complete on disk. */
  onFileClosed?(path: string): void;
  /** Called when a file left by a crash was cut back or moved aside before writing to it again. */
  onRepaired?(repair: ArchiveRepair): void;
}

/** What was done to a file found damaged when it was opened again. */
export interface ArchiveRepair {
  path: string;
  /** 'cut': the truncated tail was removed; 'moved': the file was renamed to `movedTo`. */
  action: 'cut' | 'moved';
  /** Bytes of complete gzip members kept (cut) or found (moved). */
  completeBytes: number;
  /** Bytes after them: removed (cut) or kept in the moved file. */
  tailBytes: number;
  /** Why the tail is not a complete member. */
  reason: string;
  movedTo?: string;
}

/** How far a gzip file is made of complete, valid members. */
export interface GzipMemberScan {
  /** Members found complete and valid (CRC and length checked). */
  members: number;
  /** Bytes those members take, from the start of the file. */
  completeBytes: number;
  /** Why the scan stopped before the end, or undefined when the whole file is complete members. */
  problem?: string;
  /** True when what follows the complete members is a member cut short by the end of the file. */
  truncated: boolean;
}

const GZIP_FHCRC = 2;
const GZIP_FEXTRA = 4;
const GZIP_FNAME = 8;
const GZIP_FCOMMENT = 16;

/** The end of a gzip member header starting at `p`, or -1 when the bytes end inside it. */
function gzipHeaderEnd(bytes: Uint8Array, p: number): number | 'bad' {
  if (bytes.length - p < 10) return -1;
  if (bytes[p] !== 0x1f || bytes[p + 1] !== 0x8b || bytes[p + 2] !== 8) return 'bad';
  const flags = bytes[p + 3];
  let q = p + 10;
  if (flags & GZIP_FEXTRA) {
    if (bytes.length - q < 2) return -1;
    q += 2 + (bytes[q] | (bytes[q + 1] << 8));
  }
  for (const flag of [GZIP_FNAME, GZIP_FCOMMENT]) {
    if (!(flags & flag)) continue;
    while (q < bytes.length && bytes[q] !== 0) q++;
    q++;
  }
  if (flags & GZIP_FHCRC) q += 2;
  return q > bytes.length ? -1 : q;
}

/**
 * Walks the gzip members of `bytes` from the start and says how many bytes are complete, valid
 * members. Each member is inflated once (a writer's members are one flush interval each).
 */
export function scanGzipMembers(bytes: Uint8Array): GzipMemberScan {
  let p = 0;
  let members = 0;
  const stop = (problem: string, truncated: boolean): GzipMemberScan => ({
    members,
    completeBytes: p,
    problem,
    truncated,
  });
  while (p < bytes.length) {
    const body = gzipHeaderEnd(bytes, p);
    if (body === 'bad') return stop(`no gzip member header at byte ${p}`, false);
    if (body < 0) return stop(`gzip header cut short at byte ${p}`, true);
    let inflated: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      inflated = inflateRawSync(bytes.subarray(body), { info: true }) as unknown as typeof inflated;
    } catch (error) {
      const message = (error as Error).message;
      return stop(`gzip member at byte ${p}: ${message}`, /unexpected end of file/.test(message));
    }
    const trailer = body + inflated.engine.bytesWritten;
    if (bytes.length - trailer < 8) return stop(`gzip member at byte ${p} has no complete trailer`, true);
    const view = new DataView(bytes.buffer, bytes.byteOffset + trailer, 8);
    if (view.getUint32(0, true) !== crc32(inflated.buffer) >>> 0)
      return stop(`gzip member at byte ${p}: CRC mismatch`, false);
    if (view.getUint32(4, true) !== inflated.buffer.length >>> 0)
      return stop(`gzip member at byte ${p}: length mismatch`, false);
    p = trailer + 8;
    members++;
  }
  return { members, completeBytes: p, truncated: false };
}

/**
 * Makes a file fit to append gzip members to: a truncated last member is cut off; a file with
 * no complete member, or damaged before its end, is moved aside. Returns what was done, if anything.
 */
export function repairGzipTail(path: string): ArchiveRepair | undefined {
  if (!existsSync(path) || statSync(path).size === 0) return undefined;
  const bytes = readFileSync(path);
  const scan = scanGzipMembers(bytes);
  if (scan.problem === undefined) return undefined;
  const tailBytes = bytes.length - scan.completeBytes;
  if (scan.truncated && scan.members > 0) {
    truncateSync(path, scan.completeBytes);
    return { path, action: 'cut', completeBytes: scan.completeBytes, tailBytes, reason: scan.problem };
  }
  let movedTo = `${path}.damaged`;
  for (let n = 1; existsSync(movedTo); n++) movedTo = `${path}.damaged.${n}`;
  renameSync(path, movedTo);
  return {
    path,
    action: 'moved',
    completeBytes: scan.completeBytes,
    tailBytes,
    reason: scan.problem,
    movedTo,
  };
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
  file: WriteStream;
  /** The member records are going into; a flush ends it, the next record begins another. */
  member: Gzip | undefined;
  /** Members not yet wholly written to the file, oldest first; the first is piped into it. */
  queue: Gzip[];
  /** No more members: the file ends once the queue is written. */
  ending: boolean;
  done: Promise<void>;
  intervalEnd: number;
}

/** Ended members waiting for the disk beyond which producers are asked to pause. */
const MAX_QUEUED_MEMBERS = 4;

export class MrtArchiveWriter {
  private readonly interval: number;
  private readonly prefix: string;
  private readonly clock: Clock;
  private readonly writer: MrtWriter;
  private current: OpenFile | undefined;
  private readonly closing = new Set<Promise<void>>();
  private readonly drainListeners: (() => void)[] = [];
  private readonly flushTimer: Timer | undefined;
  private rotateTimer: Timer | undefined;
  private closed = false;
  /** The current member's write returned false and it has not drained yet. */
  private memberFull = false;
  /** True while zlib has more queued than its high-water mark: producers should pause. */
  congested = false;
  /** Paths of the files written, in order. */
  readonly files: string[] = [];

  constructor(private readonly options: MrtArchiveOptions) {
    this.interval = options.rotationMinutes * 60;
    this.prefix = options.prefix ?? 'updates';
    this.clock = options.clock ?? systemClock;
    this.writer = new MrtWriter({ output: (chunk) => this.toFile(chunk) });
    mkdirSync(options.directory, { recursive: true });
    const flushMs = options.flushIntervalMs ?? 1000;
    if (flushMs > 0) this.flushTimer = this.clock.setInterval(() => this.flush(), flushMs, true);
  }

  /** Records written (state changes and messages). */
  get records(): number {
    return this.writer.records;
  }

  /** Registers a callback for the end of congestion. */
  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  /** A BGP message of the session `peer` (see `MrtWriter.bgp4mpMessage`), BGP4MP_ET. */
  bgp4mpMessage(
    peer: Bgp4mpPeer,
    seconds: number,
    micros: number,
    message: Uint8Array,
    addPath = false,
  ): void {
    this.at(seconds);
    this.writer.bgp4mpMessage(peer, seconds, micros, message, addPath);
  }

  /** A session state change (RFC 6396 4.4.1 numbering), BGP4MP_ET. */
  bgp4mpStateChange(
    peer: Bgp4mpPeer,
    seconds: number,
    micros: number,
    oldState: number,
    newState: number,
  ): void {
    this.at(seconds);
    this.writer.bgp4mpStateChange(peer, seconds, micros, oldState, newState);
  }

  /** Rotates when `seconds` is past the open interval, opens a file when none is. */
  private at(seconds: number): void {
    if (this.closed) throw new CairnError('MRT_WRITER_CLOSED', 'MRT archive writer is closed');
    if (this.current !== undefined && seconds >= this.current.intervalEnd) this.closeCurrent();
    if (this.current === undefined) this.open(seconds);
  }

  private open(seconds: number): void {
    const start = Math.floor(seconds / this.interval) * this.interval;
    const path = join(this.options.directory, mrtFileName(this.prefix, start));
    // Append (a restart within the interval adds members, which zlib readers continue into), but
    // never behind a member a crash cut short: every record after it would be unreadable.
    try {
      const repair = repairGzipTail(path);
      if (repair !== undefined) this.options.onRepaired?.(repair);
    } catch (error) {
      this.fail(path, error as Error);
    }
    const file: WriteStream = createWriteStream(path, { flags: 'a' });
    file.on('error', (error) => this.fail(path, error));
    const done = new Promise<void>((resolve) => {
      file.on('close', () => resolve());
      file.on('error', () => resolve());
    });
    this.current = {
      path,
      file,
      member: undefined,
      queue: [],
      ending: false,
      done,
      intervalEnd: start + this.interval,
    };
    this.files.push(path);
    this.armRotation();
  }

  private fail(path: string, error: Error): void {
    this.options.onError?.(
      new CairnError('MRT_WRITE_FAILED', `writing ${path}: ${error.message}`, { file: path }),
    );
  }

  /** Begins a gzip member in `f`; members reach the file one after the other, in order. */
  private beginMember(f: OpenFile): Gzip {
    const gzip = createGzip({ level: this.options.gzipLevel ?? 6 });
    gzip.on('error', (error) => this.fail(f.path, error));
    gzip.on('drain', () => {
      if (gzip === f.member) this.memberFull = false;
      this.updateCongestion();
    });
    f.queue.push(gzip);
    if (f.queue.length === 1) this.pipeHead(f);
    f.member = gzip;
    this.memberFull = false;
    return gzip;
  }

  private pipeHead(f: OpenFile): void {
    const head = f.queue[0];
    head.pipe(f.file, { end: false });
    head.once('end', () => {
      head.unpipe(f.file);
      f.queue.shift();
      if (f.queue.length > 0) this.pipeHead(f);
      else if (f.ending) f.file.end();
      this.updateCongestion();
    });
  }

  /** Ends the current member of `f` (a complete gzip member reaches the file). */
  private endMember(f: OpenFile): void {
    const member = f.member;
    if (member === undefined) return;
    f.member = undefined;
    this.memberFull = false;
    member.end();
  }

  private updateCongestion(): void {
    const queued = this.current?.queue.length ?? 0;
    const congested = this.memberFull || queued > MAX_QUEUED_MEMBERS;
    if (congested) {
      this.congested = true;
      return;
    }
    this.drained();
  }

  /** Closes an idle file at the end of its interval, not at the next record. */
  private armRotation(): void {
    this.rotateTimer?.cancel();
    const current = this.current;
    if (current === undefined) return;
    const ms = current.intervalEnd * 1000 - this.clock.now();
    this.rotateTimer = this.clock.setTimeout(
      () => {
        if (this.current !== current) return;
        // A real timer may fire a little early: wait for the rest of the interval.
        if (this.clock.now() < current.intervalEnd * 1000) this.armRotation();
        else this.closeCurrent();
      },
      Math.max(1, ms),
      true,
    );
  }

  private toFile(chunk: Uint8Array): void {
    const f = this.current;
    if (f === undefined) return;
    const member = f.member ?? this.beginMember(f);
    if (!member.write(chunk)) this.memberFull = true;
    this.updateCongestion();
  }

  private drained(): void {
    if (!this.congested) return;
    this.congested = false;
    for (const listener of this.drainListeners) listener();
  }

  /** Hands buffered records to zlib and ends the gzip member (complete records on disk). */
  flush(): void {
    const f = this.current;
    if (f === undefined) return;
    this.writer.flush();
    this.endMember(f);
    this.updateCongestion();
  }

  private closeCurrent(): void {
    const current = this.current;
    if (current === undefined) return;
    this.writer.flush();
    this.current = undefined;
    this.rotateTimer?.cancel();
    this.endMember(current);
    current.ending = true;
    if (current.queue.length === 0) current.file.end();
    const done = current.done.then(() => {
      this.closing.delete(done);
      this.options.onFileClosed?.(current.path);
    });
    this.closing.add(done);
    // A closed file can hold no more congestion.
    this.memberFull = false;
    this.drained();
  }

  /** Closes the open file now (the next record opens a new one); resolves when it is on disk. */
  async rotate(): Promise<void> {
    this.closeCurrent();
    await Promise.all([...this.closing]);
  }

  /** Resolves when every file written so far is complete on disk. */
  async settled(): Promise<void> {
    await Promise.all([...this.closing]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flushTimer?.cancel();
    this.closeCurrent();
    this.closed = true;
    await Promise.all([...this.closing]);
  }
}
