/**
 * MRT update archives as collectors keep them: the records of an `MrtWriter` streamed into gzip
 * files rotated every N minutes and named as RIPE RIS names them (`updates.YYYYMMDD.HHMM.gz`,
 * the UTC start of the interval). Rotation follows the records' own time, and an idle file is
 * closed at the end of its interval by a timer of the given `Clock` (virtual in tests).
 *
 * Records are packed into 256 KiB chunks handed to zlib a chunk at a time, so the cost per record
 * is a few copies. `congested` turns true when zlib has more queued than it wants; a producer then
 * pauses its input until `onDrain` fires (back-pressure instead of unbounded memory). The file is
 * sync-flushed every second so that a reader sees complete records.
 *
 * @example
 * const archive = new MrtArchiveWriter({ directory: './mrt', rotationMinutes: 5 });
 * const peer = bgp4mpPeer(65001, 65000, parseAddress('192.0.2.2'), parseAddress('192.0.2.1'));
 * archive.bgp4mpMessage(peer, seconds, micros, message);
 * await archive.close();
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants, createGzip, type Gzip } from 'node:zlib';
import { systemClock, type Clock, type Timer } from '../bgp/index.js';
import { CairnError } from '../errors/index.js';
import { MrtWriter, type Bgp4mpPeer } from './writer.js';

export interface MrtArchiveOptions {
  directory: string;
  rotationMinutes: number;
  gzipLevel?: number;
  /** File name prefix, `updates` as in RIS. */
  prefix?: string;
  /** Milliseconds between sync flushes of the open file; 0 turns them off. Default 1000. */
  flushIntervalMs?: number;
  /** The time for closing idle files and the flush timer; default the real one. */
  clock?: Clock;
  onError?(error: CairnError): void;
  /** Called with the path of each file once it is complete on disk. */
  onFileClosed?(path: string): void;
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
  done: Promise<void>;
  intervalEnd: number;
}

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
    // Append: a restart within the interval adds a gzip member, which zlib readers continue into.
    const file: WriteStream = createWriteStream(path, { flags: 'a' });
    const gzip = createGzip({ level: this.options.gzipLevel ?? 6 });
    const fail = (error: Error): void =>
      this.options.onError?.(
        new CairnError('MRT_WRITE_FAILED', `writing ${path}: ${error.message}`, { file: path }),
      );
    file.on('error', fail);
    gzip.on('error', fail);
    gzip.on('drain', () => this.drained());
    gzip.pipe(file);
    const done = new Promise<void>((resolve) => {
      file.on('close', () => resolve());
      file.on('error', () => resolve());
    });
    this.current = { path, gzip, done, intervalEnd: start + this.interval };
    this.files.push(path);
    this.armRotation();
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
    if (this.current !== undefined && !this.current.gzip.write(chunk)) this.congested = true;
  }

  private drained(): void {
    if (!this.congested) return;
    this.congested = false;
    for (const listener of this.drainListeners) listener();
  }

  /** Hands buffered records to zlib and sync-flushes the file (complete records on disk). */
  flush(): void {
    if (this.current === undefined) return;
    this.writer.flush();
    this.current.gzip.flush(zlibConstants.Z_SYNC_FLUSH);
  }

  private closeCurrent(): void {
    const current = this.current;
    if (current === undefined) return;
    this.writer.flush();
    this.current = undefined;
    this.rotateTimer?.cancel();
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
