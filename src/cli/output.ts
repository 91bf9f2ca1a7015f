/**
 * Output helpers for the CLI: a buffered writer that respects back-pressure (so `cairn ... | head`
 * and slow pipes work), progress bars on stderr only when it is a terminal, and problem lines.
 */
import type { Writable } from 'node:stream';
import { SingleBar, Presets } from 'cli-progress';
import { CairnError, escapeForTerminal } from '../errors/index.js';

export class BufferedWriter {
  buffer: Buffer;
  position = 0;
  private closed = false;

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
    const full = this.buffer.subarray(0, this.position);
    this.buffer = Buffer.allocUnsafe(this.capacity);
    this.position = 0;
    return this.closed ? true : this.stream.write(full);
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

export interface Progress {
  update(done: number, total: number | undefined): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal (and not suppressed); a no-op otherwise. */
export function progressBar(label: string, enabled = process.stderr.isTTY === true): Progress {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new SingleBar(
    {
      format: `${escapeForTerminal(label)} [{bar}] {percentage}% | {value}/{total} bytes | {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total ?? done, 0);
        started = true;
      }
      if (total !== undefined) bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** One line for a problem on stderr, escaped. */
export function problemLine(problem: unknown): string {
  if (problem instanceof CairnError) return escapeForTerminal(problem.describe());
  return escapeForTerminal(problem instanceof Error ? problem.message : String(problem));
}
