/**
 * Loading MRT files into a routing table, shared by every question that needs routes (country,
 * asn, ip, countries, outages, intel enrichment): files replayed in time order (at equal times a
 * RIB dump before the updates that follow it), the table sized first, problems reported and not
 * fatal, progress per file.
 */
import { CairnError } from '../errors/index.js';
import { readMrtFileHead, scanMrt, type MrtFileHead } from '../mrt/index.js';
import type { RoutingTable } from '../routing/index.js';
import type { WorkHooks } from './progress.js';

/**
 * Sizes `table` for the files about to be loaded (RoutingTable.reserve). Routes: every RIB dump's
 * elements, plus those of the largest update file (a day of update files mostly replaces the
 * same routes again and again). Prefixes: a RIB's elements over its peers, an update file's
 * elements, the largest file deciding (files of one collector share their prefixes); the table
 * caps both (RoutingTable.reserve).
 */
export function reserveForFiles(table: RoutingTable, files: readonly MrtFileHead[]): void {
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

/** The files in the order they are replayed: by first record's time, a RIB before updates. */
export async function orderMrtFiles(
  paths: readonly string[],
): Promise<Array<MrtFileHead & { path: string }>> {
  const files = await Promise.all(paths.map(async (path) => ({ path, ...(await readMrtFileHead(path)) })));
  return files.sort((a, b) => a.time - b.time || Number(b.rib) - Number(a.rib));
}

/**
 * Replays MRT files into `table` in time order. Problems, including unreadable files, go to
 * `hooks.onProblem`; the rest goes on.
 */
export async function replayMrtFiles(
  paths: readonly string[],
  table: RoutingTable,
  hooks: WorkHooks & { verb?: string } = {},
): Promise<void> {
  const files = await orderMrtFiles(paths);
  reserveForFiles(table, files);
  const verb = hooks.verb ?? 'loading';
  for (const file of files) {
    const label = `${verb} ${file.path}`;
    try {
      await scanMrt(file.path, table.visitor(), {
        onProblem: (problem) => hooks.onProblem?.(problem),
        afterChunk: (state) =>
          hooks.onProgress?.({
            label,
            done: state.compressedBytesRead,
            total: state.compressedSize,
            unit: 'bytes',
          }),
      });
    } catch (error) {
      if (error instanceof CairnError) hooks.onProblem?.(error);
      else throw error;
    } finally {
      hooks.onDone?.(label);
    }
  }
}
