/**
 * Routing archives at a case's date: from MRT files and folders of them, the RIB dump last taken at
 * or before the date and the update files after it up to the date (or, with no RIB before it, the
 * last update file before it), so that enrichment places addresses on the map as it stood then.
 *
 * @example
 * const picked = await archivesAt(['data/mrt'], '2015-10-24T00:00:00Z', hooks);
 * picked.files; // ['data/mrt/ripe-bgpdump/updates.et-header.2015.gz']
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CairnError } from '../errors/index.js';
import { readMrtFileHead } from '../mrt/index.js';
import type { WorkHooks } from './progress.js';

/** Most files examined under the archive folders given. */
const MAX_ARCHIVE_FILES = 100_000;

/** Which archives placed the case's addresses, and the date they were chosen for. */
export const IntelRoutingArchives = z.object({
  /** The date the archives were picked for (the case's date, or `asOf`), ISO 8601. */
  date: z.string(),
  /** The archives replayed, in time order: file, its first record's time (ISO 8601), RIB or updates. */
  archives: z.array(z.object({ file: z.string(), time: z.string(), kind: z.enum(['rib', 'updates']) })),
});
export type IntelRoutingArchives = z.infer<typeof IntelRoutingArchives>;

function filesUnder(roots: readonly string[], hooks: WorkHooks): string[] {
  const out: string[] = [];
  const walk = (p: string, depth: number): void => {
    if (out.length >= MAX_ARCHIVE_FILES) return;
    let st;
    try {
      st = statSync(p);
    } catch (error) {
      hooks.onProblem?.(
        new CairnError(
          'INPUT_NOT_FOUND',
          `archive ${p}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
          {
            file: p,
          },
        ),
      );
      return;
    }
    if (st.isFile()) out.push(p);
    else if (st.isDirectory() && depth < 16)
      for (const name of readdirSync(p).sort()) walk(path.join(p, name), depth + 1);
  };
  for (const root of roots) walk(root, 0);
  return out;
}

/**
 * The archives to replay for `date` among `roots` (files or folders); INTEL_NO_ARCHIVE when none
 * was taken at or before it.
 */
export async function archivesAt(
  roots: readonly string[],
  date: string,
  hooks: WorkHooks = {},
): Promise<{ files: string[]; used: IntelRoutingArchives }> {
  const at = Date.parse(date) / 1000;
  if (Number.isNaN(at)) throw new CairnError('INTEL_BAD_OPTION', `not a date: ${date}`, { field: 'as-of' });
  const heads = [];
  for (const file of filesUnder(roots, hooks)) {
    const head = await readMrtFileHead(file);
    // time 0: not an MRT file we can read (a README, a truncated file); left out, not guessed at.
    if (head.time > 0) heads.push({ file, time: head.time, rib: head.rib });
  }
  const before = heads
    .filter((h) => h.time <= at)
    .sort((a, b) => a.time - b.time || Number(b.rib) - Number(a.rib) || a.file.localeCompare(b.file));
  const ribs = before.filter((h) => h.rib);
  let picked: typeof before;
  if (ribs.length > 0) {
    const rib = ribs[ribs.length - 1];
    picked = [rib, ...before.filter((h) => !h.rib && h.time >= rib.time)];
  } else picked = before.length > 0 ? [before[before.length - 1]] : [];
  if (picked.length === 0)
    throw new CairnError(
      'INTEL_NO_ARCHIVE',
      `no routing archive among ${heads.length} MRT file(s) was taken at or before ${date}`,
      { field: 'archives' },
    );
  return {
    files: picked.map((h) => h.file),
    used: {
      date: new Date(at * 1000).toISOString(),
      archives: picked.map((h) => ({
        file: h.file,
        time: new Date(h.time * 1000).toISOString(),
        kind: h.rib ? ('rib' as const) : ('updates' as const),
      })),
    },
  };
}
