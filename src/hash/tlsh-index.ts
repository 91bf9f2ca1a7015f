/**
 * Threshold search over stored TLSH digests with exact lower bounds.
 *
 * TLSH distance is not a metric (the triangle inequality fails), so metric trees (vantage-point,
 * BK) would silently drop true matches. What does hold: the distance is a sum of non-negative
 * terms (length class, two quartile ratios, checksum, 32 body bytes), so any partial sum is a
 * lower bound of the whole. Digests are grouped by header (length class, then the two ratios);
 * a whole group is skipped when its header term alone exceeds the threshold, and inside a group
 * the body sum is abandoned as soon as the running total does. Results are exactly those of a
 * linear scan.
 */

import { CairnError } from '../errors/index.js';
import {
  bodyDistanceAt,
  parseTlsh,
  tlshDistanceParsed,
  tlshLengthTerm,
  tlshRatioTerm,
  variantName,
} from './tlsh.js';
import type { TlshDigestValue } from './tlsh.js';

export interface TlshMatch {
  readonly id: string;
  /** TLSH distance, <= the threshold asked for. */
  readonly distance: number;
}

export interface TlshSearchOptions {
  /** Count the length-class term (default true, as `tlsh` without `-xlen`). */
  includeLength?: boolean;
}

/** The checksum bytes packed in one number, so unequal checksums are one comparison. */
function packChecksum(checksum: Uint8Array): number {
  let packed = 0;
  for (const c of checksum) packed = packed * 256 + c;
  return packed;
}

/** Digests sharing one header (length class and quartile ratios), bodies stored contiguously. */
class HeaderBucket {
  slots: number[] = [];
  checksums: number[] = [];
  bodies: Uint8Array;

  constructor(readonly codeSize: number) {
    this.bodies = new Uint8Array(codeSize * 4);
  }

  add(slot: number, value: TlshDigestValue): void {
    const k = this.slots.length;
    if ((k + 1) * this.codeSize > this.bodies.length) {
      const grown = new Uint8Array(this.bodies.length * 2);
      grown.set(this.bodies);
      this.bodies = grown;
    }
    this.bodies.set(value.body, k * this.codeSize);
    this.slots.push(slot);
    this.checksums.push(packChecksum(value.checksum));
  }
}

export class TlshIndex {
  private readonly ids: string[] = [];
  private readonly values: TlshDigestValue[] = [];
  private readonly idSet = new Set<string>();
  /** length class -> (q1ratio | q2ratio << 4) -> bucket */
  private readonly byLength = new Map<number, Map<number, HeaderBucket>>();
  /** The variant (`128.1`, …) of the stored digests, fixed by the first one added. */
  private variant: string | undefined;
  /** Bodies whose distance was (at least partly) summed in the last search: shows the pruning. */
  lastVisited = 0;

  get size(): number {
    return this.ids.length;
  }

  /** Stores a digest under `id` (unique). A malformed digest throws `HASH_BAD_TLSH`. */
  add(id: string, digest: string | TlshDigestValue): void {
    if (this.idSet.has(id)) {
      throw new CairnError('HASH_DUPLICATE_ID', `id ${JSON.stringify(id)} is already in the index`, {
        field: 'id',
      });
    }
    const value = typeof digest === 'string' ? parseTlsh(digest) : digest;
    this.checkVariant(value);
    const slot = this.ids.length;
    this.ids.push(id);
    this.idSet.add(id);
    this.values.push(value);
    let byRatio = this.byLength.get(value.lValue);
    if (byRatio === undefined) {
      byRatio = new Map();
      this.byLength.set(value.lValue, byRatio);
    }
    const ratioKey = value.q1ratio | (value.q2ratio << 4);
    let bucket = byRatio.get(ratioKey);
    if (bucket === undefined) {
      bucket = new HeaderBucket(value.body.length);
      byRatio.set(ratioKey, bucket);
    }
    bucket.add(slot, value);
  }

  /** Stored digests within `threshold` (inclusive) of `digest`, nearest first, ties in insertion order. */
  search(digest: string | TlshDigestValue, threshold: number, options: TlshSearchOptions = {}): TlshMatch[] {
    if (!Number.isFinite(threshold) || threshold < 0) {
      throw new CairnError('HASH_BAD_THRESHOLD', `TLSH threshold ${threshold} must be a number >= 0`, {
        field: 'threshold',
      });
    }
    const query = typeof digest === 'string' ? parseTlsh(digest) : digest;
    if (this.variant !== undefined) this.checkVariant(query);
    const includeLength = options.includeLength !== false;
    const qBody = query.body;
    const qChecksum = packChecksum(query.checksum);
    const codeSize = qBody.length;
    const found: Array<{ slot: number; distance: number }> = [];
    let visited = 0;
    for (const [lValue, byRatio] of this.byLength) {
      const lengthTerm = includeLength ? tlshLengthTerm(query.lValue, lValue) : 0;
      if (lengthTerm > threshold) continue;
      for (const [ratioKey, bucket] of byRatio) {
        const header =
          lengthTerm +
          tlshRatioTerm(query.q1ratio, ratioKey & 15) +
          tlshRatioTerm(query.q2ratio, ratioKey >> 4);
        if (header > threshold) continue;
        const { slots, checksums, bodies } = bucket;
        for (let k = 0; k < slots.length; k++) {
          let d = header + (checksums[k] !== qChecksum ? 1 : 0);
          if (d > threshold) continue;
          visited++;
          const base = k * codeSize;
          // Partial sums over 8-byte slices are lower bounds: stop once one is over.
          for (let seg = 0; seg < codeSize && d <= threshold; seg += 8) {
            d += bodyDistanceAt(qBody, seg, bodies, base + seg, 8);
          }
          if (d <= threshold) found.push({ slot: slots[k], distance: d });
        }
      }
    }
    this.lastVisited = visited;
    found.sort((x, y) => x.distance - y.distance || x.slot - y.slot);
    return found.map(({ slot, distance }) => ({ id: this.ids[slot], distance }));
  }

  private checkVariant(value: TlshDigestValue): void {
    const name = variantName(value);
    if (this.variant === undefined) this.variant = name;
    else if (name !== this.variant) {
      throw new CairnError(
        'HASH_TLSH_VARIANT_MISMATCH',
        `index holds TLSH ${this.variant} digests, got ${name}`,
        {
          field: 'digest',
        },
      );
    }
  }

  /** The same answer as `search`, computed against every stored digest (for tests and checks). */
  linearSearch(
    digest: string | TlshDigestValue,
    threshold: number,
    options: TlshSearchOptions = {},
  ): TlshMatch[] {
    const query = typeof digest === 'string' ? parseTlsh(digest) : digest;
    const out: TlshMatch[] = [];
    for (let slot = 0; slot < this.values.length; slot++) {
      const distance = tlshDistanceParsed(query, this.values[slot], options);
      if (distance <= threshold) out.push({ id: this.ids[slot], distance });
    }
    return out.sort((x, y) => x.distance - y.distance);
  }
}
