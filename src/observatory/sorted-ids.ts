/**
 * Keeping a table's prefix ids in `comparePrefixes` order as the table grows: new ids are sorted
 * on their own and placed into the kept order by binary search and block moves, so that a bin that
 * adds a few thousand prefixes to a table of a million costs a few thousand searches, not a
 * comparison per kept id.
 */
import type { RoutingTable } from '../routing/index.js';

/**
 * `sorted[0, count)` with the ids of `fresh` (sorted, none of them in `sorted`) merged in, in the
 * array returned (`sorted` itself when it has room, else a larger copy).
 */
export function mergeSortedIds(
  table: RoutingTable,
  sorted: Int32Array,
  count: number,
  fresh: Int32Array,
): Int32Array<ArrayBuffer> {
  const total = count + fresh.length;
  let out = sorted as Int32Array<ArrayBuffer>;
  if (total > sorted.length) {
    out = new Int32Array(Math.max(total, Math.ceil(sorted.length * 1.5), 1024));
    out.set(sorted.subarray(0, count));
  }
  // From the end: each new id goes after the kept ids that sort before it.
  let end = count; // kept ids [0, end) not yet moved
  for (let j = fresh.length - 1; j >= 0; j--) {
    const id = fresh[j];
    let lo = 0;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (table.comparePrefixes(out[mid], id) <= 0) lo = mid + 1;
      else hi = mid;
    }
    // Kept ids [lo, end) move up by j + 1 places; the new id lands just before them.
    if (lo < end) out.copyWithin(lo + j + 1, lo, end);
    out[lo + j] = id;
    end = lo;
  }
  return out;
}
