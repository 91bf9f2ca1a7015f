/**
 * A writer that puts lines straight into a byte buffer and hands full buffers to the `Writable`
 * it is given, waiting for it to drain between input chunks, so a slow reader (`cairn ... | head`,
 * an HTTP response) holds the work back instead of the output piling up in memory.
 *
 * @example
 * const out = new BufferedWriter(response);
 * out.line('{"a":1}');
 * await out.flush(true);
 */
import { WriteStream } from 'node:fs';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';

/** Most spare buffers kept for reuse (one being filled, the others in the stream's queue). */
const MAX_SPARES = 4;

/**
 * Whether the stream is done with a chunk once its write callback has run (the bytes are in the
 * kernel), so that the buffer can be filled again: true of files, pipes, sockets and terminals,
 * not of a PassThrough, which hands the very chunk on to its reader.
 */
function releasesChunks(stream: Writable): boolean {
  return (
    stream instanceof Socket ||
    stream instanceof WriteStream ||
    // process.stdout on a file: node's internal SyncWriteStream, which writes before calling back.
    stream.constructor?.name === 'SyncWriteStream'
  );
}

export class BufferedWriter {
  buffer: Buffer;
  position = 0;
  private closed = false;
  /** Written buffers the stream is done with (see releasesChunks): no new 1 MiB per flush. */
  private readonly spares: Buffer[] = [];
  private readonly reuse: boolean;

  /**
   * Lines go straight into a byte buffer (no per-line strings kept, no join): `flush()` hands
   * full buffers to the stream and, awaited between input chunks, waits for it to drain.
   */
  constructor(
    private readonly stream: Writable,
    private readonly capacity = 1 << 20,
    /** All text is ASCII (bgpdump lines): written as latin1, which skips UTF-8 encoding. */
    private readonly ascii = false,
  ) {
    this.buffer = Buffer.allocUnsafe(capacity);
    this.reuse = releasesChunks(stream);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // A closed pipe (`| head`) ends output quietly.
      if (error.code === 'EPIPE') this.closed = true;
      else throw error;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Part of a line (see `endLine`); ASCII text when the writer was made with `ascii`. */
  text(piece: string): void {
    if (this.position + piece.length * 3 + 1 > this.capacity) {
      this.writeOut();
      if (piece.length * 3 + 1 > this.capacity) {
        if (!this.closed) this.stream.write(piece);
        return;
      }
    }
    this.position += this.ascii
      ? this.buffer.write(piece, this.position, 'latin1')
      : this.buffer.write(piece, this.position, 'utf8');
  }

  ensure(bytes: number): void {
    if (this.position + bytes > this.capacity) {
      this.writeOut();
      if (bytes > this.capacity) this.buffer = Buffer.allocUnsafe(bytes);
    }
  }

  endLine(): void {
    if (this.position + 1 > this.capacity) this.writeOut();
    this.buffer[this.position++] = 10;
  }

  line(text: string): void {
    // Worst case 3 bytes per UTF-16 unit, plus the newline.
    if (this.position + text.length * 3 + 1 > this.capacity) {
      this.writeOut();
      if (text.length * 3 + 1 > this.capacity) {
        if (!this.closed) this.stream.write(text + '\n');
        return;
      }
    }
    this.position += this.buffer.write(text, this.position, 'utf8');
    this.buffer[this.position++] = 10;
  }

  private writeOut(): boolean {
    if (this.position === 0) return true;
    const written = this.buffer;
    const full = written.subarray(0, this.position);
    this.buffer = this.spares.pop() ?? Buffer.allocUnsafe(this.capacity);
    this.position = 0;
    if (this.closed) return true;
    if (!this.reuse || written.length !== this.capacity) return this.stream.write(full);
    return this.stream.write(full, () => {
      if (this.spares.length < MAX_SPARES) this.spares.push(written);
    });
  }

  /** Writes what is buffered (when `force` or over half full); resolves once the stream can take more. */
  async flush(force = false): Promise<void> {
    if (!force && this.position < this.capacity / 2) {
      if (!this.stream.writableNeedDrain) return;
    } else if (this.writeOut()) return;
    if (this.closed || !this.stream.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
    });
  }
}
