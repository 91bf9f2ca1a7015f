/**
 * Worker thread for bzip2 decoding with our TypeScript decoder: the main thread decodes MRT
 * records while this thread decompresses the next blocks, so the two cores work at once.
 * Flow control: at most MAX_IN_FLIGHT blocks are posted before the main thread acknowledges
 * one, so memory stays flat whatever the file size.
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { CairnError, type ErrorCode } from '../errors/index.js';
import { Bzip2Decoder } from './bzip2.js';

export interface Bzip2WorkerData {
  path: string;
  name: string;
  highWaterMark: number;
}

export type Bzip2WorkerMessage =
  | { type: 'block'; bytes: Uint8Array; compressedOffset: number }
  | { type: 'end' }
  | { type: 'damage'; code: ErrorCode; message: string; location: CairnError['location'] }
  | { type: 'error'; code: ErrorCode; message: string; location: CairnError['location'] };

const MAX_IN_FLIGHT = 4;

async function run(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const { path, name, highWaterMark } = workerData as Bzip2WorkerData;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  port.on('message', (message: string) => {
    if (message === 'ack') {
      inFlight--;
      wake?.();
    }
  });
  const decoder = new Bzip2Decoder(name, { recover: true });
  let offset = 0;
  const post = async (block: Uint8Array): Promise<void> => {
    // Transfer the block's own memory when it is a whole buffer; copy a view.
    const bytes =
      block.byteOffset === 0 && block.byteLength === block.buffer.byteLength ? block : block.slice();
    port.postMessage({ type: 'block', bytes, compressedOffset: offset } satisfies Bzip2WorkerMessage, [
      bytes.buffer as ArrayBuffer,
    ]);
    inFlight++;
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve));
  };
  try {
    const drain = async (): Promise<boolean> => {
      for (;;) {
        const block = decoder.next();
        if (block === null) return true;
        for (const problem of decoder.takeDamage()) {
          port.postMessage({
            type: 'damage',
            code: problem.code,
            message: problem.message,
            location: problem.location,
          } satisfies Bzip2WorkerMessage);
        }
        if (block === undefined) return false;
        await post(block);
      }
    };
    for await (const chunk of createReadStream(path, { highWaterMark })) {
      decoder.push(chunk as Buffer);
      offset += (chunk as Buffer).length;
      if (!(await drain())) break;
    }
    decoder.end();
    await drain();
    port.postMessage({ type: 'end' } satisfies Bzip2WorkerMessage);
  } catch (error) {
    const failure =
      error instanceof CairnError
        ? error
        : new CairnError('MRT_READ_ERROR', `cannot read: ${(error as Error).message}`, { file: name });
    port.postMessage({
      type: 'error',
      code: failure.code,
      message: failure.message,
      location: failure.location,
    } satisfies Bzip2WorkerMessage);
  }
}

void run();
