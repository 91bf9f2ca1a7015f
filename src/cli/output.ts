/**
 * Output helpers for the CLI: a buffered writer that respects back-pressure (so `cairn ... | head`
 * and slow pipes work), progress bars on stderr only when it is a terminal, and problem lines.
 */
import type { Writable } from 'node:stream';
import { SingleBar, Presets } from 'cli-progress';
import { CairnError, escapeForTerminal } from '../errors/index.js';

export class BufferedWriter {
  private parts: string[] = [];
  private size = 0;
  private closed = false;

  constructor(
    private readonly stream: Writable,
    private readonly highWater = 256 * 1024,
  ) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // A closed pipe (`| head`) ends output quietly.
      if (error.code === 'EPIPE') this.closed = true;
      else throw error;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  line(text: string): void {
    this.parts.push(text);
    this.size += text.length + 1;
  }

  get pending(): number {
    return this.size;
  }

  /** Writes what is buffered; resolves once the stream can take more. */
  async flush(force = false): Promise<void> {
    if (this.parts.length === 0 || (!force && this.size < this.highWater)) return;
    const text = this.parts.join('\n') + '\n';
    this.parts = [];
    this.size = 0;
    if (this.closed) return;
    if (!this.stream.write(text)) {
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
