/**
 * Entry of the worker threads of `WorkerPool` (worker-pool.ts): runs the tasks posted to it one
 * at a time, each with a `send` that waits for credit, and answers with the task's end or error.
 * Each kind's module is imported on first use, so a worker that only decodes MRT loads only the
 * decoder.
 */
import { parentPort } from 'node:worker_threads';
import { toWire, type FromWorker, type ToWorker } from './worker-pool.js';

/** Sends one message of the running task; resolves when the caller has credit left. */
export type TaskSend = (payload: unknown, transfer?: ArrayBuffer[]) => Promise<void>;

type TaskRunner = (data: unknown, send: TaskSend) => Promise<unknown>;

const RUNNERS: Record<string, () => Promise<TaskRunner>> = {
  'mrt-dump': async () => (await import('./mrt-parallel.js')).dumpTask,
  'mrt-stats': async () => (await import('./mrt-parallel.js')).statsTask,
  'ingest-outages': async () => (await import('./ingest-outages.js')).outageTask,
};

const port = parentPort;
if (port !== null) {
  let credits = 0;
  let currentId = 0;
  let wake: (() => void) | undefined;
  // Sends of a task go out one after the other, in call order, each waiting for credit.
  let chain: Promise<void> = Promise.resolve();
  const queue: Array<Extract<ToWorker, { t: 'task' }>> = [];
  let running = false;

  const post = (message: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer);

  const runNext = async (): Promise<void> => {
    if (running) return;
    running = true;
    while (queue.length > 0) {
      const task = queue.shift() as Extract<ToWorker, { t: 'task' }>;
      currentId = task.id;
      credits = task.credits;
      chain = Promise.resolve();
      const send: TaskSend = (payload, transfer) =>
        (chain = chain.then(async () => {
          while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
          credits--;
          post({ t: 'msg', id: task.id, payload }, transfer);
        }));
      try {
        const load = RUNNERS[task.kind];
        if (load === undefined) throw new Error(`unknown worker task kind: ${task.kind}`);
        const result = await (await load())(task.data, send);
        await chain;
        post({ t: 'end', id: task.id, result });
      } catch (error) {
        post({ t: 'error', id: task.id, error: toWire(error) });
      }
    }
    running = false;
  };

  port.on('message', (message: ToWorker) => {
    if (message.t === 'ack') {
      if (message.id === currentId) {
        credits++;
        const w = wake;
        wake = undefined;
        w?.();
      }
      return;
    }
    queue.push(message);
    void runNext();
  });
}
