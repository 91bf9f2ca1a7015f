import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CairnError } from '../errors/index.js';
import { SsdeepIndex, TlshIndex, parseSsdeep, parseTlsh, ssdeepDigest, tlshDigest } from './index.js';
import type { SsdeepDigest, SsdeepMatch, TlshDigestValue, TlshMatch } from './index.js';

const FUZZY = fileURLToPath(new URL('../../data/fuzzy/', import.meta.url));

/** The 111 example files, then deterministic edits of them: flips, cuts, splices, truncations, repeats. */
function corpus(editsPerFile: number): Array<{ id: string; bytes: Uint8Array }> {
  const originals = ['example_data', 'example_data_variants'].flatMap((dir) =>
    readdirSync(join(FUZZY, dir))
      .sort()
      .map((name) => ({ id: `${dir}/${name}`, bytes: readFileSync(join(FUZZY, dir, name)) as Uint8Array })),
  );
  let state = 0x2545f491;
  const rand = (n: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const out = [...originals];
  for (const { id, bytes: src } of originals) {
    for (let e = 0; e < editsPerFile; e++) {
      let bytes = Buffer.from(src);
      const kind = rand(7);
      if (kind === 0) for (let i = 0, n = 1 + rand(50); i < n; i++) bytes[rand(bytes.length)] = rand(256);
      else if (kind === 1) {
        const at = rand(bytes.length);
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          bytes.subarray(Math.min(bytes.length, at + 1 + rand(400))),
        ]);
      } else if (kind === 2) {
        const other = originals[rand(originals.length)].bytes;
        const at = rand(bytes.length);
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          other.subarray(0, rand(other.length)),
          bytes.subarray(at),
        ]);
      } else if (kind === 3) bytes = bytes.subarray(0, 1 + rand(bytes.length));
      else if (kind === 4) bytes = Buffer.concat([bytes, bytes.subarray(0, rand(bytes.length))]);
      else if (kind === 5) {
        const half = rand(bytes.length);
        bytes = Buffer.concat([bytes.subarray(half), bytes.subarray(0, half)]);
      } else for (let i = rand(bytes.length); i < bytes.length; i += 1 + rand(30)) bytes[i] ^= 0x20;
      out.push({ id: `${id}#${e}-${kind}`, bytes });
    }
  }
  return out;
}

const inputs = corpus(30);

/**
 * Where `got` differs from `expected` (the length, or the first match whose fields differ), or
 * undefined: what `toEqual` checks on these arrays of flat objects, without its generic deep
 * comparison (most of this file's time on the big TLSH answers).
 */
function matchDifference(got: readonly object[], expected: readonly object[]): string | undefined {
  const show = (match: object | undefined): string => JSON.stringify(match) ?? 'nothing';
  for (let i = 0; i < Math.max(got.length, expected.length); i++) {
    const [a, b] = [got[i], expected[i]];
    const keys = a === undefined || b === undefined ? [] : Object.keys(a);
    if (
      a === undefined ||
      b === undefined ||
      keys.length !== Object.keys(b).length ||
      !keys.every((key) => Object.hasOwn(b, key) && Object.is(a[key as keyof object], b[key as keyof object]))
    )
      return `match ${i} of ${got.length} (expected ${expected.length}): ${show(a)}, expected ${show(b)}`;
  }
  return undefined;
}

/**
 * The linear scan of each query, made once at the loosest threshold any test asks of that query,
 * and each test's answer read from it: a scan's answer at a stricter threshold is that answer's
 * prefix (both sort stably, best first, so ties keep the slots' order). `uses` counts the tests
 * still to read a query's scan, which is dropped after the last.
 */
class LinearReference<M> {
  private readonly scans = new Map<number, { matches: M[]; uses: number }>();

  constructor(
    private readonly loosest: (q: number) => { threshold: number; uses: number },
    private readonly scan: (q: number, threshold: number) => M[],
  ) {}

  matches(q: number, within: (match: M) => boolean): M[] {
    let entry = this.scans.get(q);
    if (entry === undefined) {
      const { threshold, uses } = this.loosest(q);
      entry = { matches: this.scan(q, threshold), uses };
      this.scans.set(q, entry);
    }
    if (--entry.uses === 0) this.scans.delete(q);
    return entry.matches.filter(within);
  }
}

describe('SsdeepIndex returns exactly what a linear scan returns', () => {
  const digests: Array<{ id: string; digest: SsdeepDigest }> = inputs.map(({ id, bytes }) => ({
    id,
    digest: parseSsdeep(ssdeepDigest(bytes)),
  }));
  const index = new SsdeepIndex();
  for (const { id, digest } of digests) index.add(id, digest);

  it(`holds ${inputs.length} digests (111 real files + deterministic edits)`, () => {
    expect(index.size).toBeGreaterThan(3000);
  });

  const settings: Array<[number, number]> = [
    [1, 1],
    [40, 4],
    [80, 4],
    [100, 4],
  ];
  const reference = new LinearReference<SsdeepMatch>(
    (q) => {
      const asking = settings.filter(([, every]) => q % every === 0);
      return { threshold: Math.min(...asking.map(([threshold]) => threshold)), uses: asking.length };
    },
    (q, threshold) => index.linearSearch(digests[q].digest, threshold),
  );
  for (const [threshold, every] of settings) {
    it(`at threshold ${threshold} (every ${every}. stored digest as the query)`, () => {
      let matches = 0;
      let candidates = 0;
      let partial = 0;
      let queries = 0;
      for (let q = 0; q < digests.length; q += every) {
        const { digest } = digests[q];
        queries++;
        const got = index.search(digest, threshold);
        const expected = reference.matches(q, (match) => match.score >= threshold);
        // The scan itself at this threshold, for one query.
        if (q === 0) expect(matchDifference(index.linearSearch(digest, threshold), expected)).toBeUndefined();
        expect(matchDifference(got, expected)).toBeUndefined();
        matches += got.length;
        candidates += index.lastCandidates;
        partial += got.filter((m) => m.score < 100).length;
      }
      expect(matches).toBeGreaterThanOrEqual(queries); // every digest finds itself
      if (threshold < 100) expect(partial).toBeGreaterThan(0); // and the edits find their sources
      // Sub-linear: the 7-gram index scores a small fraction of the stored digests.
      expect(candidates).toBeLessThan((queries * digests.length) / 20);
    });
  }

  it('rejects duplicate ids and bad thresholds with typed errors', () => {
    expect(() => index.add(digests[0].id, digests[0].digest)).toThrow(CairnError);
    expect(() => index.search(digests[0].digest, 101)).toThrow(/outside 0..100/);
    expect(() => index.search(digests[0].digest, Number.NaN)).toThrow(CairnError);
  });
});

describe('TlshIndex returns exactly what a linear scan returns', () => {
  const digests: Array<{ id: string; digest: TlshDigestValue }> = [];
  for (const { id, bytes } of inputs) {
    const text = tlshDigest(bytes);
    if (text !== undefined) digests.push({ id, digest: parseTlsh(text) });
  }
  const index = new TlshIndex();
  for (const { id, digest } of digests) index.add(id, digest);

  it(`holds ${digests.length} digests`, () => {
    expect(index.size).toBeGreaterThan(3000);
  });

  const settings: Array<[number, boolean, number]> = [
    [30, true, 1],
    [100, true, 1],
    [250, true, 5],
    [60, false, 3],
    [150, false, 5],
  ];
  const references = [true, false].map(
    (includeLength) =>
      new LinearReference<TlshMatch>(
        (q) => {
          const asking = settings.filter(([, length, every]) => length === includeLength && q % every === 0);
          return { threshold: Math.max(...asking.map(([threshold]) => threshold)), uses: asking.length };
        },
        (q, threshold) => index.linearSearch(digests[q].digest, threshold, { includeLength }),
      ),
  );
  for (const [threshold, includeLength, every] of settings) {
    it(`at threshold ${threshold}${includeLength ? '' : ' without length'} (every ${every}. digest as query)`, () => {
      const reference = references[includeLength ? 0 : 1];
      let matches = 0;
      let visited = 0;
      let queries = 0;
      for (let q = 0; q < digests.length; q += every) {
        const { digest } = digests[q];
        const got = index.search(digest, threshold, { includeLength });
        const expected = reference.matches(q, (match) => match.distance <= threshold);
        // The scan itself at this threshold, for one query.
        if (q === 0)
          expect(
            matchDifference(index.linearSearch(digest, threshold, { includeLength }), expected),
          ).toBeUndefined();
        expect(matchDifference(got, expected)).toBeUndefined();
        matches += got.length;
        visited += index.lastVisited;
        queries++;
      }
      expect(matches).toBeGreaterThan(queries); // more than the self-matches
      if (threshold <= 100) expect(visited).toBeLessThan(queries * digests.length * 0.6);
    });
  }

  it('refuses to mix TLSH variants', () => {
    const bytes = readFileSync(join(FUZZY, 'example_data/0Alice.txt'));
    expect(() => index.add('256', tlshDigest(bytes, { buckets: 256 })!)).toThrow(/128.1/);
    expect(() => index.search(tlshDigest(bytes, { checksumBytes: 3 })!, 10)).toThrow(CairnError);
    expect(() => index.search(digests[0].digest, -1)).toThrow(CairnError);
  });
});
