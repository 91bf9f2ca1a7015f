/**
 * Several MRT files decoded in parallel for `mrt dump` and `mrt stats`: each file is a task of the
 * worker pool (worker-pool.ts) that decodes it and sends its output bytes (or its counts); the
 * caller writes the tasks in file order, so the output is byte for byte the output of one file
 * at a time (bgpdump's order: file order, record order within a file). Credits bound what the
 * files ahead of the one being written may hold in memory.
 */
import { Writable } from 'node:stream';
import type { CairnError } from '../errors/index.js';
import { dumpMrt, mrtStats } from './mrt.js';
import type { DumpInput, DumpSummary, MrtStatsInput, MrtStatsResult } from './mrt-schemas.js';
import type { WorkHooks } from './progress.js';
import type { TaskSend } from './worker.js';
import { fromWire, toWire, WorkerPool, type WireError } from './worker-pool.js';

/** A message of a dump task: output bytes or a problem found in the input. */
type DumpMessage = { bytes: Uint8Array } | { problem: WireError };

interface DumpTaskData {
  input: DumpInput;
}

/** Worker side: one file's dump, its bytes sent as they fill the writer's buffer. */
export async function dumpTask(data: unknown, send: TaskSend): Promise<DumpSummary> {
  const { input } = data as DumpTaskData;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      // An exact copy, transferred: the writer's buffer may be larger than the chunk.
      const bytes = new Uint8Array(chunk);
      send({ bytes } satisfies DumpMessage, [bytes.buffer]).then(() => callback(), callback);
    },
  });
  const summary = await dumpMrt(input, sink, {
    onProblem: (problem: CairnError) => void send({ problem: toWire(problem) } satisfies DumpMessage),
  });
  await new Promise<void>((resolve) => sink.end(resolve));
  return summary;
}

/** Worker side: one file's counts. */
export async function statsTask(data: unknown): Promise<MrtStatsResult> {
  return mrtStats(data as MrtStatsInput);
}

/** `dumpMrt` over several files with `jobs` worker threads; the same bytes, in the same order. */
export async function dumpMrtParallel(
  input: DumpInput,
  sink: Writable,
  jobs: number,
  hooks: WorkHooks = {},
): Promise<DumpSummary> {
  const pool = new WorkerPool(jobs);
  let closed = false;
  const onError = (error: NodeJS.ErrnoException): void => {
    // A closed pipe (`| head`) ends output quietly, as in the sequential dump.
    if (error.code === 'EPIPE') closed = true;
    else throw error;
  };
  sink.on('error', onError);
  const write = async (bytes: Uint8Array): Promise<void> => {
    if (closed || sink.write(bytes)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        sink.off('drain', done);
        sink.off('close', done);
        sink.off('error', done);
        resolve();
      };
      sink.on('drain', done);
      sink.on('close', done);
      sink.on('error', done);
    });
  };
  let files = 0;
  let problems = 0;
  try {
    const tasks = input.files.map((file) =>
      pool.run<DumpMessage, DumpSummary>('mrt-dump', { input: { ...input, files: [file], jobs: 1 } }),
    );
    for (const [i, task] of tasks.entries()) {
      try {
        for await (const message of task) {
          if ('bytes' in message) await write(message.bytes);
          else {
            problems++;
            hooks.onProblem?.(fromWire(message.problem) as CairnError);
          }
          if (closed) break;
        }
      } finally {
        hooks.onDone?.(input.files[i]);
      }
      if (closed) break;
      await task.result;
      files++;
    }
  } finally {
    sink.off('error', onError);
    await pool.close();
  }
  return { files, problems, outputClosed: closed };
}

/** `mrtStats` of each file with `jobs` worker threads, yielded in file order. */
export async function* mrtStatsParallel(
  inputs: readonly MrtStatsInput[],
  jobs: number,
  hooks: WorkHooks = {},
): AsyncGenerator<MrtStatsResult> {
  const pool = new WorkerPool(jobs);
  try {
    const tasks = inputs.map((input) => pool.run<never, MrtStatsResult>('mrt-stats', input));
    for (const [i, task] of tasks.entries()) {
      try {
        yield await task.result;
      } finally {
        hooks.onDone?.(inputs[i].file);
      }
    }
  } finally {
    await pool.close();
  }
}
