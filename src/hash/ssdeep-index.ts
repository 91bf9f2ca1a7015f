/**
 * Nearest-neighbour search over stored ssdeep digests with the 7-gram chunk index.
 *
 * Why it is exact: ssdeep scores two digests above 0 only if (a) they are identical after
 * runs longer than 3 are cut, or (b) their block sizes are equal or differ by a factor of 2 and
 * the two parts computed at the same block size share a 7-character substring. So every part is
 * indexed under (block size of that part, each of its 7-grams), and a query looks up its own
 * parts the same way; identical digests are found through a second map. The candidates are then
 * scored with the ordinary comparison, so the index returns exactly the non-zero results of a
 * linear scan, without touching digests that cannot score.
 */

import { CairnError } from '../errors/index.js';
import { parseSsdeep, ssdeepCompareParsed } from './ssdeep.js';
import type { SsdeepDigest } from './ssdeep.js';

export interface SsdeepMatch {
  readonly id: string;
  /** ssdeep match score, 1..100. */
  readonly score: number;
}

/** 2^42: a 7-gram of base64 characters is 42 bits; the block index goes above it. */
const GRAM_SPACE = 2 ** 42;

export class SsdeepIndex {
  private readonly ids: string[] = [];
  private readonly digests: SsdeepDigest[] = [];
  private readonly idSet = new Set<string>();
  private readonly grams = new Map<number, number[]>();
  private readonly exact = new Map<string, number[]>();
  private seen = new Uint32Array(0);
  private stamp = 0;
  /** Digests scored in the last search (the candidates the 7-gram index produced). */
  lastCandidates = 0;

  /** Number of stored digests. */
  get size(): number {
    return this.ids.length;
  }

  /** Stores a digest under `id` (ids are unique; a malformed digest throws `HASH_BAD_SSDEEP`). */
  add(id: string, digest: string | SsdeepDigest): void {
    if (this.idSet.has(id)) {
      throw new CairnError('HASH_DUPLICATE_ID', `id ${JSON.stringify(id)} is already in the index`, {
        field: 'id',
      });
    }
    const parsed = typeof digest === 'string' ? parseSsdeep(digest) : digest;
    const slot = this.ids.length;
    this.ids.push(id);
    this.idSet.add(id);
    this.digests.push(parsed);
    push(this.exact, exactKey(parsed), slot);
    for (const g of parsed.grams1) push(this.grams, parsed.blockIndex * GRAM_SPACE + g, slot);
    for (const g of parsed.grams2) push(this.grams, (parsed.blockIndex + 1) * GRAM_SPACE + g, slot);
  }

  /**
   * Stored digests scoring at least `threshold` (1..100; 0 is treated as 1, because digests that
   * score 0 are exactly the ones the index never visits) against `digest`, best first, ties in
   * insertion order.
   */
  search(digest: string | SsdeepDigest, threshold = 1): SsdeepMatch[] {
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) {
      throw new CairnError('HASH_BAD_THRESHOLD', `ssdeep threshold ${threshold} is outside 0..100`, {
        field: 'threshold',
      });
    }
    const min = Math.max(1, threshold);
    const query = typeof digest === 'string' ? parseSsdeep(digest) : digest;
    if (this.seen.length < this.ids.length) {
      const grown = new Uint32Array(Math.max(this.ids.length, this.seen.length * 2, 64));
      grown.set(this.seen);
      this.seen = grown;
    }
    if (++this.stamp === 0xffffffff) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    const candidates: number[] = [];
    const visit = (slots: number[] | undefined): void => {
      if (slots === undefined) return;
      for (const slot of slots) {
        if (this.seen[slot] !== this.stamp) {
          this.seen[slot] = this.stamp;
          candidates.push(slot);
        }
      }
    };
    visit(this.exact.get(exactKey(query)));
    for (const g of query.grams1) visit(this.grams.get(query.blockIndex * GRAM_SPACE + g));
    for (const g of query.grams2) visit(this.grams.get((query.blockIndex + 1) * GRAM_SPACE + g));
    candidates.sort((x, y) => x - y);
    this.lastCandidates = candidates.length;
    const out: Array<{ id: string; score: number; slot: number }> = [];
    for (const slot of candidates) {
      const score = ssdeepCompareParsed(query, this.digests[slot]);
      if (score >= min) out.push({ id: this.ids[slot], score, slot });
    }
    out.sort((x, y) => y.score - x.score || x.slot - y.slot);
    return out.map(({ id, score }) => ({ id, score }));
  }

  /** The same answer as `search`, by comparing against every stored digest (for tests and checks). */
  linearSearch(digest: string | SsdeepDigest, threshold = 1): SsdeepMatch[] {
    const min = Math.max(1, threshold);
    const query = typeof digest === 'string' ? parseSsdeep(digest) : digest;
    const out: SsdeepMatch[] = [];
    for (let slot = 0; slot < this.digests.length; slot++) {
      const score = ssdeepCompareParsed(query, this.digests[slot]);
      if (score >= min) out.push({ id: this.ids[slot], score });
    }
    // Stable sort keeps insertion order among equal scores.
    return out.sort((x, y) => y.score - x.score);
  }
}

function exactKey(d: SsdeepDigest): string {
  return `${d.blockSize}:${d.norm1}:${d.norm2}`;
}

function push<K>(map: Map<K, number[]>, key: K, slot: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [slot]);
  else if (list[list.length - 1] !== slot) list.push(slot);
}
