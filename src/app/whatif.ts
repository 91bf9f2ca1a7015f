/**
 * What if some ASes stopped carrying traffic: for each prefix of a country, whether observed
 * paths survive the removal (per vantage point), whether the AS graph inferred from the same
 * paths (Gao's method) holds a valley-free path without the removed ASes, and the country's space
 * split into reachable over observed paths / only over alternative valley-free paths / cut off.
 * Every relationship shown carries the paths it was inferred from. The result is a lower bound,
 * not a prediction (`WHATIF_LIMITS`, printed with every answer).
 *
 * @example
 * const r = await whatIf({ remove: ['AS4837'], countries: ['KP'] });
 * r.countries[0].share.cut; // 1
 * r.countries[0].prefixes[0].originLinks; // [{ from: 131279, to: 4837, type: 'p2c', provider: 4837, ... }]
 */
import { z } from 'zod';
import { ParseError } from '../errors/index.js';
import { parseAsn } from '../net/index.js';
import {
  AsRelationships,
  RemovalSimulator,
  parseCountryCode,
  type CountryWhatIf,
  type PrefixWhatIf,
} from '../observatory/index.js';
import type { AsNames, Registry } from '../registry/index.js';
import { NamedAs } from './country.js';
import { DEMO_MRT_FILE } from './defaults.js';
import type { WorkHooks } from './progress.js';
import { loadRoutingWorld, type RoutingWorld } from './world.js';

/** What every answer says about itself (issue #19 point 5). */
export const WHATIF_LIMITS: readonly string[] = [
  'Relationships are inferred from the observed paths (Gao 2001), not known: they are guesses with a measured error (src/observatory/README.md gives the agreement with CAIDA).',
  'Links that no observed path crosses (unused backup links, private peering seen by no vantage point) are invisible to BGP data and absent from the graph.',
  'The result is a lower bound of what could still reach the country over the links seen, not a prediction of what routing would do.',
];

/** Neighbours of an origin listed as evidence, at most. */
const MAX_ORIGIN_LINKS = 20;

export const WhatIfInput = z.object({
  /** ASes to remove: numbers or text such as `AS4837`. */
  remove: z.array(z.union([z.number(), z.string()])).min(1),
  /** ISO 3166-1 alpha-2 codes, any case: per-prefix detail for each. */
  countries: z.array(z.string()).optional(),
  /** Rank every country by the share of its space cut off. */
  allCountries: z.boolean().optional(),
  /** MRT files (default: the bundled 2015 table, DEMO_MRT_FILE). */
  mrt: z.array(z.string()).min(1).optional(),
  registry: z.array(z.string()).optional(),
  asnames: z.string().optional(),
});
export type WhatIfInput = z.infer<typeof WhatIfInput>;

export const RelationshipType = z.enum(['p2c', 'p2p', 'sibling']);

/** One inferred link, oriented from `from` to `to`, with the paths it was inferred from. */
export const LinkEvidence = z.object({
  from: z.number(),
  to: z.number(),
  toName: z.string(),
  type: RelationshipType,
  /** The provider of a p2c link. */
  provider: z.number().optional(),
  /** Whether `to` is one of the removed ASes. */
  removed: z.boolean(),
  /** Distinct observed paths crossing the link. */
  paths: z.number(),
  /** Some of those paths, vantage point first (prepending collapsed). */
  evidence: z.array(z.string()),
});
export type LinkEvidence = z.infer<typeof LinkEvidence>;

const Fate = z.enum(['observed', 'alternative', 'cut']);
const FateSpace = z.object({ ipv4Slash24s: z.number(), ipv6Prefixes: z.number(), prefixes: z.number() });
const FateShares = z.object({ observed: z.number(), alternative: z.number(), cut: z.number() });

export const WhatIfPrefix = z.object({
  prefix: z.string(),
  origins: z.array(z.number()),
  fate: Fate,
  ipv4Slash24s: z.number(),
  /** Each vantage point's observed route and whether it avoids the removed ASes. */
  vantagePoints: z.array(
    z.object({ peerAddress: z.string(), peerAsn: z.number(), asPath: z.string(), survives: z.boolean() }),
  ),
  /** For 'alternative': the shortest valley-free path (vantage AS first) and its links. */
  alternative: z.object({ path: z.array(z.number()), links: z.array(LinkEvidence) }).optional(),
  /** For 'alternative' and 'cut': the origins' inferred neighbours, the removed ones marked. */
  originLinks: z.array(LinkEvidence),
});
export type WhatIfPrefix = z.infer<typeof WhatIfPrefix>;

export const WhatIfCountry = z.object({
  country: z.string(),
  /** The space the shares count: IPv4 addresses when the country has IPv4, else IPv6 prefixes. */
  unit: z.enum(['ipv4', 'ipv6']),
  share: FateShares,
  space: z.object({ observed: FateSpace, alternative: FateSpace, cut: FateSpace }),
  prefixes: z.array(WhatIfPrefix),
});
export type WhatIfCountry = z.infer<typeof WhatIfCountry>;

export const WhatIfRank = z.object({
  country: z.string(),
  unit: z.enum(['ipv4', 'ipv6']),
  prefixes: z.number(),
  share: FateShares,
  cutIpv4Slash24s: z.number(),
});
export type WhatIfRank = z.infer<typeof WhatIfRank>;

export const WhatIfResult = z.object({
  removed: z.array(NamedAs),
  method: z.string(),
  relationships: z.object({
    ases: z.number(),
    links: z.number(),
    p2c: z.number(),
    p2p: z.number(),
    sibling: z.number(),
    paths: z.number(),
  }),
  /** The vantage ASes: the first AS of the observed paths. */
  vantageAses: z.array(z.number()),
  countries: z.array(WhatIfCountry),
  /** With allCountries: every country, the largest share cut off first. */
  ranking: z.array(WhatIfRank),
  limits: z.array(z.string()),
});
export type WhatIfResult = z.infer<typeof WhatIfResult>;

export const WHATIF_METHOD =
  'Gao 2001 (degree-based top provider, valley-free paths; L = 1, R = 60), siblings from registry organisation ids';

/** Inferred relationships of a routing world, siblings where the registry's organisation ids match. */
export function inferRelationships(world: Pick<RoutingWorld, 'table' | 'registry'>): AsRelationships {
  return AsRelationships.fromTable(world.table, { sameOrganisation: sameOrganisation(world.registry) });
}

function sameOrganisation(registry: Registry): (a: number, b: number) => boolean {
  return (a, b) => {
    const x = registry.countryOfAsn(a)?.opaqueId;
    return x !== undefined && x === registry.countryOfAsn(b)?.opaqueId;
  };
}

/** Removes ASes and answers for the countries asked (and ranks every country when asked). */
export async function whatIf(input: WhatIfInput, hooks: WorkHooks = {}): Promise<WhatIfResult> {
  const parsed = WhatIfInput.parse(input);
  const removed = new Set(parsed.remove.map((asn) => parseAsn(String(asn))));
  const countries = (parsed.countries ?? []).map(parseCountryCode);
  if (countries.length === 0 && parsed.allCountries !== true)
    throw new ParseError('CLI_BAD_OPTION', 'give --country CC... or --all-countries', { field: 'country' });
  const world = await loadRoutingWorld(
    { mrt: parsed.mrt ?? [DEMO_MRT_FILE], registry: parsed.registry, asnames: parsed.asnames },
    hooks,
  );
  return whatIfOnWorld(world, removed, countries, parsed.allCountries === true);
}

/** The same question over a world already loaded (the benchmark and the tests reuse one). */
export function whatIfOnWorld(
  world: Pick<RoutingWorld, 'table' | 'registry' | 'names'>,
  removed: ReadonlySet<number>,
  countries: readonly string[],
  allCountries: boolean,
  relationships: AsRelationships = inferRelationships(world),
): WhatIfResult {
  const simulator = new RemovalSimulator(world.table, world.registry, relationships);
  const names = world.names;
  const counts = relationships.counts();
  const detail = countries.map((code) => {
    const [view] = simulator.run(removed, code, true);
    return countryJson(view, relationships, removed, names);
  });
  const ranking = allCountries
    ? simulator
        .run(removed)
        .map(rankJson)
        .sort(
          (a, b) =>
            b.share.cut - a.share.cut ||
            b.share.alternative - a.share.alternative ||
            b.cutIpv4Slash24s - a.cutIpv4Slash24s ||
            a.country.localeCompare(b.country),
        )
    : [];
  return WhatIfResult.parse({
    removed: [...removed].map((asn) => namedAs(asn, names, world.registry)),
    method: WHATIF_METHOD,
    relationships: {
      ases: relationships.asCount,
      links: relationships.linkCount,
      ...counts,
      paths: relationships.pathCount,
    },
    vantageAses: simulator.vantages(),
    countries: detail,
    ranking,
    limits: [...WHATIF_LIMITS],
  });
}

function namedAs(asn: number, names: AsNames, registry: Registry): NamedAs {
  const country = registry.countryOfAsn(asn)?.country ?? names.get(asn)?.country ?? '';
  return { asn, name: names.get(asn)?.name ?? '', country: country === 'ZZ' ? '' : country };
}

function rankJson(view: CountryWhatIf): WhatIfRank {
  const s = view.space;
  return {
    country: view.country,
    unit: view.unit,
    prefixes: s.observed.prefixes + s.alternative.prefixes + s.cut.prefixes,
    share: { ...view.share },
    cutIpv4Slash24s: s.cut.ipv4Slash24s,
  };
}

function linkJson(
  rel: AsRelationships,
  from: number,
  to: number,
  removed: ReadonlySet<number>,
  names: AsNames,
): LinkEvidence | undefined {
  const link = rel.relationship(from, to);
  if (link === undefined) return undefined;
  const out: LinkEvidence = {
    from,
    to,
    toName: names.get(to)?.name ?? '',
    type: link.type,
    removed: removed.has(to),
    paths: link.paths,
    evidence: rel.evidence(from, to).map((path) => path.join(' ')),
  };
  if (link.provider !== undefined) out.provider = link.provider;
  return out;
}

function prefixJson(
  p: PrefixWhatIf,
  rel: AsRelationships,
  removed: ReadonlySet<number>,
  names: AsNames,
): WhatIfPrefix {
  const out: WhatIfPrefix = {
    prefix: p.prefix,
    origins: p.origins,
    fate: p.fate,
    ipv4Slash24s: p.ipv4Addresses / 256,
    vantagePoints: p.routes.map((r) => ({
      peerAddress: r.peerAddress,
      peerAsn: r.peerAsn,
      asPath: r.path.join(' '),
      survives: r.survives,
    })),
    originLinks: [],
  };
  if (p.fate !== 'observed')
    for (const origin of p.origins)
      for (const n of rel.neighbours(origin).slice(0, MAX_ORIGIN_LINKS)) {
        const link = linkJson(rel, origin, n.neighbour, removed, names);
        if (link !== undefined) out.originLinks.push(link);
      }
  if (p.alternative !== undefined) {
    const links: LinkEvidence[] = [];
    for (let k = 0; k + 1 < p.alternative.length; k++) {
      const link = linkJson(rel, p.alternative[k], p.alternative[k + 1], removed, names);
      if (link !== undefined) links.push(link);
    }
    out.alternative = { path: p.alternative, links };
  }
  return out;
}

function countryJson(
  view: CountryWhatIf,
  rel: AsRelationships,
  removed: ReadonlySet<number>,
  names: AsNames,
): WhatIfCountry {
  return {
    country: view.country,
    unit: view.unit,
    share: { ...view.share },
    space: view.space,
    prefixes: view.prefixes.map((p) => prefixJson(p, rel, removed, names)),
  };
}
