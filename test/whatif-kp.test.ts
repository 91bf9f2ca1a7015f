/**
 * Issue #19 point 3 on the bundled 2015 table: removing AS4837 cuts North Korea's four prefixes
 * off over observed paths, and the inferred graph holds no valley-free path around it. The
 * reference below is deliberately simple and shares no code with cairn: `bgpdump -m` text split on
 * '|', APNIC's delegated file split on '|', an undirected adjacency and a breadth-first search.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { whatIf, type WhatIfResult } from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { bgpdumpText } from './bgpdump-reference.js';

const data = (path: string): string => fileURLToPath(new URL(`../data/${path}`, import.meta.url));
const UPDATES = data('mrt/ripe-bgpdump/updates.et-header.2015.gz');
const APNIC = data('registry/delegated-apnic-20141009.gz');

interface Reference {
  kpPrefixes: string[];
  /** Every path seen for each KP prefix. */
  kpPaths: Map<string, number[][]>;
  /** Undirected adjacency of every path (prepending collapsed). */
  neighbours: Map<number, Set<number>>;
  /** First AS of every path. */
  heads: Set<number>;
}

function reference(): Reference {
  const ip = (text: string): number => text.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const kpRanges = gunzipSync(readFileSync(APNIC))
    .toString('utf8')
    .split('\n')
    .map((line) => line.split('|'))
    .filter((f) => f[1] === 'KP' && f[2] === 'ipv4')
    .map((f) => [ip(f[3]), ip(f[3]) + Number(f[4])]);
  const text = bgpdumpText(UPDATES);
  const ref: Reference = { kpPrefixes: [], kpPaths: new Map(), neighbours: new Map(), heads: new Set() };
  for (const line of text.split('\n')) {
    const f = line.split('|');
    if (f[2] !== 'A' && f[2] !== 'B') continue;
    const path = f[6]
      .split(' ')
      .filter((t) => /^\d+$/.test(t))
      .map(Number)
      .filter((asn, k, all) => k === 0 || all[k - 1] !== asn);
    if (path.length === 0) continue;
    ref.heads.add(path[0]);
    for (let k = 0; k + 1 < path.length; k++) {
      for (const [x, y] of [
        [path[k], path[k + 1]],
        [path[k + 1], path[k]],
      ]) {
        if (!ref.neighbours.has(x)) ref.neighbours.set(x, new Set());
        ref.neighbours.get(x)?.add(y);
      }
    }
    const [network, length] = f[5].split('/');
    if (!network.includes('.')) continue;
    const start = ip(network);
    if (kpRanges.some(([lo, hi]) => start >= lo && start + 2 ** (32 - Number(length)) <= hi)) {
      if (!ref.kpPaths.has(f[5])) {
        ref.kpPrefixes.push(f[5]);
        ref.kpPaths.set(f[5], []);
      }
      ref.kpPaths.get(f[5])?.push(path);
    }
  }
  return ref;
}

/** Whether any path at all (valley-free or not) joins `from` to a vantage AS without `removed`. */
function anyPathAround(ref: Reference, from: number, removed: number): boolean {
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    const asn = queue.shift() as number;
    if (ref.heads.has(asn)) return true;
    for (const next of ref.neighbours.get(asn) ?? [])
      if (next !== removed && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
  }
  return false;
}

describe('what if AS4837 were removed: North Korea on the bundled 2015 table', () => {
  let ref: Reference;
  let result: WhatIfResult;
  beforeAll(async () => {
    ref = reference();
    result = await whatIf({ remove: ['AS4837'], countries: ['KP'] });
  });

  it('the reference sees four KP prefixes, every path through AS4837, and no way around it', () => {
    expect(ref.kpPrefixes.sort()).toEqual([
      '175.45.176.0/24',
      '175.45.177.0/24',
      '175.45.178.0/24',
      '175.45.179.0/24',
    ]);
    for (const paths of ref.kpPaths.values()) for (const path of paths) expect(path).toContain(4837);
    expect([...(ref.neighbours.get(131279) ?? [])]).toEqual([4837]);
    expect(anyPathAround(ref, 131279, 4837)).toBe(false);
  });

  it('cairn: the four prefixes are cut off over observed paths and have no alternative', () => {
    const [kp] = result.countries;
    expect(kp.country).toBe('KP');
    expect(kp.prefixes.map((p) => p.prefix).sort()).toEqual(ref.kpPrefixes.sort());
    for (const p of kp.prefixes) {
      expect(p.fate).toBe('cut');
      expect(p.vantagePoints.length).toBeGreaterThan(0);
      for (const v of p.vantagePoints) {
        expect(v.survives).toBe(false);
        expect(ref.kpPaths.get(p.prefix)?.map((path) => path.join(' '))).toContain(v.asPath);
      }
      expect(p.alternative).toBeUndefined();
      // The evidence: AS131279's only inferred neighbour is AS4837, its provider, removed.
      expect(p.originLinks.map((l) => [l.from, l.to, l.type, l.provider, l.removed])).toEqual([
        [131279, 4837, 'p2c', 4837, true],
      ]);
      expect(p.originLinks[0].evidence.length).toBeGreaterThan(0);
      for (const path of p.originLinks[0].evidence) expect(path).toMatch(/ 4837 131279$/);
    }
    expect(kp.share).toEqual({ observed: 0, alternative: 0, cut: 1 });
    expect(result.limits.length).toBe(3);
  });

  it('removing an AS off the KP paths leaves them reachable over observed paths', async () => {
    const other = await whatIf({ remove: ['AS3356'], countries: ['KP'] });
    expect(other.countries[0].share.observed).toBe(1);
  });

  it('cairn whatif prints the answer, its evidence and the limits; --json is the app result', async () => {
    const io = captureIo();
    expect(await runCli(['whatif', '--remove', 'AS4837', '--country', 'KP', '--no-progress'], io)).toBe(0);
    const text = io.out();
    expect(text).toContain('cut off 100.0%');
    expect(text).toContain('no valley-free path without the removed ASes');
    expect(text).toContain('AS131279 - AS4837');
    expect(text).toContain('[removed]');
    expect(text).toContain('lower bound');
    const json = captureIo();
    expect(
      await runCli(['whatif', '--remove', '4837', '--country', 'kp', '--json', '--no-progress'], json),
    ).toBe(0);
    expect(JSON.parse(json.out())).toEqual(result);
  });
});

describe('several ASes, several countries, every country ranked', () => {
  it('ranks every country by the share cut off, KP among the fully cut', async () => {
    const result = await whatIf({ remove: [4837, 'AS9929'], countries: ['KP', 'cn'], allCountries: true });
    expect(result.removed.map((a) => a.asn)).toEqual([4837, 9929]);
    expect(result.countries.map((c) => c.country)).toEqual(['KP', 'CN']);
    const kp = result.ranking.find((r) => r.country === 'KP');
    expect(kp?.share.cut).toBe(1);
    expect(result.ranking.length).toBeGreaterThan(20);
    for (let i = 1; i < result.ranking.length; i++)
      expect(result.ranking[i - 1].share.cut).toBeGreaterThanOrEqual(result.ranking[i].share.cut);
    for (const r of result.ranking)
      expect(r.share.observed + r.share.alternative + r.share.cut).toBeCloseTo(r.prefixes > 0 ? 1 : 0, 9);
    // The detailed view and the ranking agree.
    const cn = result.ranking.find((r) => r.country === 'CN');
    expect(cn?.share).toEqual(result.countries[1].share);
  });

  it('asks for a country or every country', async () => {
    await expect(whatIf({ remove: ['AS4837'] })).rejects.toThrow(/--country/);
  });
});
