/**
 * The one worker-thread pool of the application layer: tasks (a kind and serialisable data) run in
 * up to `size` worker threads of app/worker.ts, each task's messages reach the caller in the
 * order they were sent, and the caller reads each task as an async iterator. Flow control by
 * credits: a task has at most `credits` messages not yet read by the caller before its worker
 * waits, so a caller that consumes tasks in order (file order for `mrt dump`) bounds the memory of
 * the tasks ahead of the one it reads. Workers exist only in the build (dist/): under the
 * TypeScript sources (tests), `workersAvailable()` is false and callers run the same task
 * functions in process.
 *
 * @example
 * const pool = new WorkerPool(2);
 * const tasks = files.map((file) => pool.run<Chunk, Summary>('mrt-dump', { file }));
 * for (const task of tasks) for await (const chunk of task) write(chunk);
 * await pool.close();
 */
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CairnError, type ErrorCode, type ErrorLocation } from '../errors/index.js';

/** Messages a task may have sent and the caller not yet read, before its worker waits. */
export const DEFAULT_CREDITS = 8;

/** An error as it crosses the thread boundary. */
export interface WireError {
  code?: ErrorCode;
  message: string;
  location?: ErrorLocation;
  stack?: string;
}

export type ToWorker =
  { t: 'task'; id: number; kind: string; data: unknown; credits: number } | { t: 'ack'; id: number };

export type FromWorker =
  | { t: 'msg'; id: number; payload: unknown }
  | { t: 'end'; id: number; result: unknown }
  | { t: 'error'; id: number; error: WireError };

export function toWire(error: unknown): WireError {
  if (error instanceof CairnError)
    return { code: error.code, message: error.message, location: error.location };
  if (error instanceof Error)
    return { message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { message: String(error) };
}

/** A CairnError again (same code, message and location), or a plain Error. */
export function fromWire(wire: WireError): Error {
  if (wire.code !== undefined) return new CairnError(wire.code, wire.message, wire.location ?? {});
  const error = new Error(wire.message);
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

let workerUrlCache: URL | null | undefined;

/** The compiled worker entry, or undefined when running from TypeScript sources. */
export function workerUrl(): URL | undefined {
  if (workerUrlCache === undefined) {
    const url = new URL('./worker.js', import.meta.url);
    workerUrlCache = import.meta.url.endsWith('.js') && fs.existsSync(url) ? url : null;
  }
  return workerUrlCache ?? undefined;
}

/** Whether tasks can run in worker threads (the build, not the TypeScript sources). */
export function workersAvailable(): boolean {
  return workerUrl() !== undefined;
}

/** Worker threads worth running: the cores, at most `tasks`, at least 1. */
export function defaultJobs(tasks = Number.POSITIVE_INFINITY): number {
  return Math.max(1, Math.min(os.availableParallelism(), tasks));
}

/** One task: its messages in order (iterate once), then its result. */
export class TaskHandle<M, R> implements AsyncIterable<M> {
  private readonly queue: M[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private resolveResult!: (value: R) => void;
  private rejectResult!: (error: Error) => void;
  /** Settles when the task ends; rejected with the task's error. */
  readonly result: Promise<R>;
  /** @internal set by the pool when a worker takes the task. */
  ack: () => void = () => undefined;

  constructor(
    readonly kind: string,
    readonly data: unknown,
  ) {
    this.result = new Promise<R>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // The caller may read the result only through iteration; no unhandled rejection then.
    this.result.catch(() => undefined);
  }

  /** @internal */
  push(message: M): void {
    this.queue.push(message);
    this.wake?.();
  }

  /** @internal */
  end(result: R): void {
    this.ended = true;
    this.resolveResult(result);
    this.wake?.();
  }

  /** @internal */
  fail(error: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.rejectResult(error);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<M> {
    for (;;) {
      if (this.queue.length > 0) {
        const message = this.queue.shift() as M;
        this.ack();
        yield message;
        continue;
      }
      if (this.ended) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

interface Slot {
  worker: Worker;
  task: TaskHandle<unknown, unknown> | undefined;
  id: number;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<TaskHandle<unknown, unknown>> = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly credits = DEFAULT_CREDITS,
  ) {
    if (workerUrl() === undefined)
      throw new Error('worker threads need the build (npm run build): app/worker.js is missing');
  }

  /** Queues a task; it starts as soon as a worker is free. */
  run<M, R>(kind: string, data: unknown): TaskHandle<M, R> {
    const task = new TaskHandle<M, R>(kind, data);
    this.waiting.push(task as TaskHandle<unknown, unknown>);
    this.dispatch();
    return task;
  }

  /** Ends every worker; unfinished tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.waiting.splice(0)) task.fail(new Error('worker pool closed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.task?.fail(new Error('worker pool closed'));
        slot.task = undefined;
        await slot.worker.terminate();
      }),
    );
    this.slots.length = 0;
  }

  private dispatch(): void {
    while (!this.closed && this.waiting.length > 0) {
      let slot = this.slots.find((s) => s.task === undefined);
      if (slot === undefined) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const task = this.waiting.shift() as TaskHandle<unknown, unknown>;
      const id = this.nextId++;
      slot.task = task;
      slot.id = id;
      const worker = slot.worker;
      worker.ref();
      task.ack = () => {
        if (!this.closed) worker.postMessage({ t: 'ack', id } satisfies ToWorker);
      };
      worker.postMessage({
        t: 'task',
        id,
        kind: task.kind,
        data: task.data,
        credits: this.credits,
      } satisfies ToWorker);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(workerUrl() as URL);
    const slot: Slot = { worker, task: undefined, id: 0 };
    worker.on('message', (message: FromWorker) => {
      const task = slot.task;
      if (task === undefined || message.id !== slot.id) return;
      if (message.t === 'msg') {
        task.push(message.payload);
        return;
      }
      slot.task = undefined;
      worker.unref();
      if (message.t === 'end') task.end(message.result);
      else task.fail(fromWire(message.error));
      this.dispatch();
    });
    const crash = (error: Error): void => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      slot.task?.fail(error);
      slot.task = undefined;
      this.dispatch();
    };
    worker.on('error', crash);
    worker.on('exit', (code) => {
      if (!this.closed) crash(new Error(`worker thread exited with code ${code}`));
    });
    // An idle worker does not keep the process alive (dispatch refs it while it runs a task).
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}
