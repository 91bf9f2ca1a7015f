/**
 * The demo (`cairn demo`, what `npm start` runs): a real analysis of the bundled data. The
 * decoder's statistics for a full table seen by a RIPE RIS peer in October 2015; how North Korea
 * reaches the Internet in that table, by the observatory's country and address views (the same
 * upstream definition as `cairn country`); and the Sony Pictures 2014 case's competing hypotheses.
 *
 * @example
 * const demo = await demoAnalysis();
 * demo.northKorea.upstreams; // [{ asn: 4837, name: 'CHINA169-BACKBONE', country: 'CN', share: 1, routes: 4 }]
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parsePrefix } from '../net/index.js';
import { CountryResult, UpstreamShare } from './country.js';
import { DEMO_MRT_FILE, SONY_CASE_FILE } from './defaults.js';
import { mrtStats } from './mrt.js';
import { MrtStatsResult } from './mrt-schemas.js';
import type { WorkHooks } from './progress.js';
import { loadRoutingWorld } from './world.js';

/** The country the demo looks at. */
const DEMO_COUNTRY = 'KP';

export const DemoInput = z.object({
  /** The MRT file analysed (default: the bundled RIS table of October 2015). */
  mrt: z.string().optional(),
  /** The ACH case analysed (default: the bundled Sony Pictures 2014 case). */
  achCase: z.string().optional(),
});
export type DemoInput = z.infer<typeof DemoInput>;

/** One route toward the country: one peer's path to one of its prefixes. */
export const DemoRoute = z.object({
  prefix: z.string(),
  peerAddress: z.string(),
  peerAsn: z.number(),
  asPath: z.string(),
  /** The path's upstream: the first AS outside the country from the origin (absent when none). */
  upstream: z.number().optional(),
});
export type DemoRoute = z.infer<typeof DemoRoute>;

export const DemoCountry = z.object({
  country: z.string(),
  space: CountryResult.shape.space,
  prefixes: z.array(z.string()),
  origins: z.array(z.number()),
  /** The country view's upstreams, each with the number of routes whose path crosses it. */
  upstreams: z.array(UpstreamShare.extend({ routes: z.number() })),
  chokepoints: z.array(z.number()),
  routes: z.array(DemoRoute),
});
export type DemoCountry = z.infer<typeof DemoCountry>;

/**
 * The parts of an ACH analysis the demo shows; the rest of the analysis is kept as it is (the ACH
 * question's own result schema describes it in full).
 */
export const DemoAchCase = z.looseObject({
  id: z.string(),
  title: z.string(),
  hypotheses: z.array(
    z.looseObject({ id: z.string(), title: z.string(), inconsistency: z.number(), rank: z.number() }),
  ),
  ranking: z.array(z.string()),
  evidence: z.array(z.looseObject({ id: z.string() })),
  sensitivity: z.looseObject({
    margin: z.number(),
    topHingesOn: z.array(z.string()),
    topHingesOnRemoval: z.array(z.string()),
  }),
});
export type DemoAchCase = z.infer<typeof DemoAchCase>;

export const DemoResult = z.object({
  stats: MrtStatsResult,
  northKorea: DemoCountry,
  sonyCase: DemoAchCase,
});
export type DemoResult = z.infer<typeof DemoResult>;

/** Decodes the MRT file, loads it into a routing world and analyses the ACH case. */
export async function demoAnalysis(input: DemoInput = {}, hooks: WorkHooks = {}): Promise<DemoResult> {
  const { mrt = DEMO_MRT_FILE, achCase = SONY_CASE_FILE } = DemoInput.parse(input);
  const stats = await mrtStats({ file: mrt }, hooks);
  const { observatory } = await loadRoutingWorld({ mrt: [mrt] }, hooks);
  const view = observatory.country(DEMO_COUNTRY);
  const routes: DemoRoute[] = [];
  for (const { prefix } of view.prefixes) {
    const address = parsePrefix(prefix).network;
    const at = observatory.addressView(address, prefix);
    // A more specific prefix at the same first address is listed (and walked) on its own.
    if (at.prefix !== prefix) continue;
    for (const path of at.paths) {
      routes.push({
        prefix,
        peerAddress: path.peerAddress,
        peerAsn: path.peerAsn,
        asPath: path.asPath,
        upstream: path.upstream?.asn,
      });
    }
  }
  const routesVia = (asn: number): number => routes.filter((r) => r.upstream === asn).length;
  const northKorea: DemoCountry = {
    country: view.country,
    space: view.space,
    prefixes: view.prefixes.map((p) => p.prefix),
    origins: view.origins.map((o) => o.asn).sort((a, b) => a - b),
    upstreams: view.upstreams.map((u) => ({ ...u, routes: routesVia(u.asn) })),
    chokepoints: view.chokepoints,
    routes,
  };
  // Loaded here, not at the top: every face imports app's index, and the intel code is large.
  const { analyzeAch, parseAchCase } = await import('../intel/index.js');
  const parsed = parseAchCase(readFileSync(achCase), { file: achCase, format: 'json' });
  if (!parsed.ok) throw parsed.issues[0];
  return DemoResult.parse({ stats, northKorea, sonyCase: analyzeAch(parsed.achCase) });
}
