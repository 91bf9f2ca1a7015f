/**
 * Shared by the commands that load MRT files into a routing table (`country`, `asn`, `ip`,
 * `countries`, `outages`): files replayed in time order with a progress bar, problems reported
 * and not fatal; and the wrapper that turns an input error into one clear line and exit code 1.
 */
import { CairnError, escapeForTerminal } from '../errors/index.js';
import { estimateMrtElements, nativeBzip2Available, openByteSource, scanMrt } from '../mrt/index.js';
import type { RoutingTable } from '../routing/index.js';
import { progressBar } from './output.js';

const MRT_TABLE_DUMP = 12;
const MRT_TABLE_DUMP_V2 = 13;
const PEER_INDEX_TABLE = 1;

export interface FirstRecord {
  time: number;
  rib: boolean;
  /** Peers of a TABLE_DUMP_V2 RIB (its PEER_INDEX_TABLE); 0 when not known. */
  peers: number;
  /** About how many elements the file holds (a sizing hint). */
  elements: number;
}

/**
 * First record's timestamp and whether it is a RIB dump, to replay files in time order; with the
 * peer count of a TABLE_DUMP_V2 RIB and an estimate of the file's elements, to size the table.
 */
export async function firstMrtRecord(path: string): Promise<FirstRecord> {
  try {
    // Only the first chunk is read: a native bzip2 tool gives it soonest (a worker thread must
    // start first), and a cut stream's end, which the tools handle badly, is never reached.
    const source = await openByteSource(path, {
      decompressor: nativeBzip2Available() !== undefined ? 'native' : 'auto',
    });
    try {
      const elements = estimateMrtElements(source.compression, source.compressedSize ?? 0);
      for await (const chunk of source.chunks()) {
        if (chunk.length < 12) break;
        const type = chunk.readUInt16BE(4);
        const subtype = chunk.readUInt16BE(6);
        let peers = 0;
        if (type === MRT_TABLE_DUMP_V2 && subtype === PEER_INDEX_TABLE && chunk.length >= 18) {
          // Collector BGP id (4), view name length (2), view name, peer count (2).
          const at = 12 + 6 + chunk.readUInt16BE(16);
          if (at + 2 <= chunk.length) peers = chunk.readUInt16BE(at);
        }
        return {
          time: chunk.readUInt32BE(0),
          rib: type === MRT_TABLE_DUMP || type === MRT_TABLE_DUMP_V2,
          peers,
          elements,
        };
      }
    } finally {
      await source.close();
    }
  } catch {
    // Unreadable: scanMrt reports it properly when the file is replayed.
  }
  return { time: 0, rib: false, peers: 0, elements: 0 };
}

/**
 * Sizes `table` for the files about to be loaded (RoutingTable.reserve). Routes: every RIB dump's
 * elements, plus those of the largest update file (a day of update files mostly replaces the
 * same routes again and again). Prefixes: a RIB's elements over its peers, an update file's
 * elements, the largest file deciding (files of one collector share their prefixes); the table
 * caps both (RoutingTable.reserve).
 */
export function reserveForFiles(table: RoutingTable, files: readonly FirstRecord[]): void {
  let ribRoutes = 0;
  let updateRoutes = 0;
  let prefixes = 0;
  for (const file of files) {
    if (file.rib) ribRoutes += file.elements;
    else updateRoutes = Math.max(updateRoutes, file.elements);
    // Not every peer of a RIB's peer table has a route for every prefix (35 of 47 in the
    // RouteViews dump of data/mrt): half as many again.
    prefixes = Math.max(prefixes, Math.ceil((1.5 * file.elements) / Math.max(1, file.peers)));
  }
  table.reserve(ribRoutes + updateRoutes, prefixes);
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
  reserveForFiles(table, files);
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
