/**
 * Shared by the commands that load MRT files into a routing table (`country`, `asn`, `ip`,
 * `countries`, `outages`): files replayed in time order with a progress bar, problems reported
 * and not fatal; and the wrapper that turns an input error into one clear line and exit code 1.
 */
import { CairnError, escapeForTerminal } from '../errors/index.js';
import { openByteSource, scanMrt } from '../mrt/index.js';
import type { RoutingTable } from '../routing/index.js';
import { progressBar } from './output.js';

const MRT_TABLE_DUMP = 12;
const MRT_TABLE_DUMP_V2 = 13;

/** First record's timestamp and whether it is a RIB dump, to replay files in time order. */
export async function firstMrtRecord(path: string): Promise<{ time: number; rib: boolean }> {
  try {
    const source = await openByteSource(path);
    for await (const chunk of source.chunks()) {
      if (chunk.length < 6) break;
      const type = chunk.readUInt16BE(4);
      return { time: chunk.readUInt32BE(0), rib: type === MRT_TABLE_DUMP || type === MRT_TABLE_DUMP_V2 };
    }
  } catch {
    // Unreadable: scanMrt reports it properly when the file is replayed.
  }
  return { time: 0, rib: false };
}

/**
 * Replays MRT files into `table` in time order (at equal times a RIB dump before the updates
 * that follow it). Problems, including unreadable files, go to `report`; the rest goes on.
 */
export async function replayMrtFiles(
  paths: string[],
  table: RoutingTable,
  options: { verb: string; progress: boolean; report(problem: unknown): void },
): Promise<void> {
  const files = await Promise.all(paths.map(async (path) => ({ path, ...(await firstMrtRecord(path)) })));
  files.sort((a, b) => a.time - b.time || Number(b.rib) - Number(a.rib));
  for (const file of files) {
    const bar = progressBar(
      `${options.verb} ${file.path}`,
      options.progress && process.stderr.isTTY === true,
    );
    try {
      await scanMrt(file.path, table.visitor(), {
        onProblem: options.report,
        afterChunk: (state) => bar.update(state.compressedBytesRead, state.compressedSize),
      });
    } catch (error) {
      if (error instanceof CairnError) options.report(error);
      else throw error;
    } finally {
      bar.stop();
    }
  }
}

/** Runs an action, turning input errors (CairnError) into one clear line and exit code 1. */
export function exitOnInputError<A extends unknown[]>(
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (error instanceof CairnError) {
        process.stderr.write(`cairn: ${escapeForTerminal(error.describe())}\n`);
        process.exitCode = 1;
        return;
      }
      throw error;
    }
  };
}
