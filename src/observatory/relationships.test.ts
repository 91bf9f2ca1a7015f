/**
 * Gao's inference and the valley-free search on hand-made paths (synthetic: each path written
 * here, vantage point first), where the true relationships are known by construction.
 */
import { describe, expect, it } from 'vitest';
import { AsRelationships, isReservedAsn } from './relationships.js';

function infer(paths: number[][], sameOrganisation?: (a: number, b: number) => boolean): AsRelationships {
  const rel = new AsRelationships({ sameOrganisation });
  for (const path of paths) rel.addPath(path);
  rel.infer();
  return rel;
}

/** Two providers 1 and 2 that peer, each with customers; full tables from customers 10 and 20. */
const TWO_PROVIDERS = [
  [10, 1, 11],
  [10, 1, 12],
  [10, 1, 13],
  [10, 1, 2, 20],
  [10, 1, 2, 21],
  [10, 1, 2, 22],
  [10, 100],
  [20, 2, 21],
  [20, 2, 22],
  [20, 2, 1, 10],
  [20, 2, 1, 11],
  [20, 2, 1, 12],
  [20, 2, 1, 13],
  [20, 2, 1, 10, 100],
];

describe('Gao inference', () => {
  it('finds the providers, the customers and the peering link at the top', () => {
    const rel = infer(TWO_PROVIDERS);
    const p2c = (provider: number, customer: number): void => {
      const link = rel.relationship(provider, customer);
      expect(link?.type, `${provider}-${customer}`).toBe('p2c');
      expect(link?.provider, `${provider}-${customer}`).toBe(provider);
    };
    for (const c of [10, 11, 12, 13]) p2c(1, c);
    for (const c of [20, 21, 22]) p2c(2, c);
    p2c(10, 100);
    expect(rel.relationship(1, 2)?.type).toBe('p2p');
    expect(rel.counts()).toEqual({ p2c: 8, p2p: 1, sibling: 0 });
    expect(rel.relationship(11, 12)).toBeUndefined();
  });

  it('keeps the paths each link was inferred from', () => {
    const rel = infer(TWO_PROVIDERS);
    expect(rel.evidence(10, 100)).toEqual([
      [10, 100],
      [20, 2, 1, 10, 100],
    ]);
    expect(rel.relationship(10, 100)?.paths).toBe(2);
  });

  it('collapses prepending and drops loops and reserved ASNs', () => {
    const rel = new AsRelationships();
    rel.addPath([1, 1, 1, 2]);
    rel.addPath([1, 2, 1]);
    rel.addPath([1, 64512, 2]);
    rel.addPath([7]);
    rel.infer();
    expect(rel.pathCount).toBe(1);
    expect(rel.pathsDropped).toBe(3);
    expect(rel.evidence(1, 2)).toEqual([[1, 2]]);
    expect(isReservedAsn(23456)).toBe(true);
    expect(isReservedAsn(4837)).toBe(false);
  });

  it('takes a partial vantage AS for the provider of the next AS (AS-Rank)', () => {
    // 30 gives the collector only its customer routes (two of the ten origins): it provides
    // transit to 31, although 31, also seen under 1, has the larger degree.
    const rel = infer([...TWO_PROVIDERS, [10, 1, 31], [10, 1, 31, 32], [30, 31], [30, 31, 32]]);
    expect(rel.relationship(30, 31)).toMatchObject({ type: 'p2c', provider: 30 });
    expect(rel.relationship(31, 32)).toMatchObject({ type: 'p2c', provider: 31 });
    // The full vantage ASes 10 and 20 keep Gao's top: 10 is still 1's customer.
    expect(rel.relationship(1, 10)).toMatchObject({ type: 'p2c', provider: 1 });
    expect(rel.relationship(1, 2)?.type).toBe('p2p');
  });

  it('takes siblings from organisation data only', () => {
    const rel = infer(TWO_PROVIDERS, (a, b) => (a === 1 && b === 13) || (a === 13 && b === 1));
    expect(rel.relationship(13, 1)?.type).toBe('sibling');
    expect(rel.counts().sibling).toBe(1);
  });
});

/** A valley: 30 is a customer of both 1 and 2, and 1 and 2 are not linked. */
const VALLEY = [
  [1, 30],
  [1, 11],
  [1, 12],
  [2, 30],
  [2, 21],
  [2, 22],
];

describe('valley-free reach', () => {
  it('climbs, crosses one peering link and descends, with the shortest path', () => {
    const rel = infer(TWO_PROVIDERS);
    const reach = rel.valleyFreeReach([10, 20], new Set());
    expect(reach.path(22)).toEqual([20, 2, 22]);
    expect(reach.path(100)).toEqual([10, 100]);
    expect(rel.valleyFreeReach(10, new Set()).path(21)).toEqual([10, 1, 2, 21]);
  });

  it('never goes through a removed AS', () => {
    const rel = infer(TWO_PROVIDERS);
    const reach = rel.valleyFreeReach([10, 20], new Set([1]));
    expect(reach.reaches(11)).toBe(false);
    expect(reach.path(100)).toEqual([10, 100]);
    expect(reach.reaches(1)).toBe(false);
    expect(rel.valleyFreeReach([10], new Set([10])).reaches(100)).toBe(false);
  });

  it('does not cross a valley (down to a customer, then up again)', () => {
    const rel = infer(VALLEY);
    expect(rel.relationship(1, 30)?.provider).toBe(1);
    expect(rel.relationship(2, 30)?.provider).toBe(2);
    const reach = rel.valleyFreeReach(11, new Set());
    expect(reach.path(30)).toEqual([11, 1, 30]);
    expect(reach.reaches(2)).toBe(false);
    expect(reach.reaches(21)).toBe(false);
  });

  it('crosses sibling links without changing direction', () => {
    const rel = infer(VALLEY, (a, b) => a + b === 31 && a * b === 30);
    const reach = rel.valleyFreeReach(11, new Set());
    expect(reach.path(21)).toEqual([11, 1, 30, 2, 21]);
  });
});
