/**
 * `same-block`, `same-origin-as`, `same-country`: same-prefix proximity. A query IP with no exact
 * match in a unit is near one of the unit's IPs when they share a /24 (/48 for IPv6), else an
 * origin AS, else a registry country (AS and country only when enrichment gave them); the
 * strongest tier counts, its factor (0.25, 0.1, 0.03) × rarity of the block, AS or country.
 * Addresses that common-infrastructure rules zero out (private space) are never near anything.
 */
import { commonInfrastructure } from '../infrastructure.js';
import { MAX_PROVENANCE, type IndicatorRef, type Profile } from '../profile.js';
import {
  FEATURE_WEIGHTS,
  pushPosting,
  rarity,
  type Feature,
  type FeatureKind,
  type Unit,
  type UnitMatchContext,
} from './feature.js';

type Tier = 'same-block' | 'same-origin-as' | 'same-country';

export class NetworkProximity implements Feature {
  readonly family = 'network';
  private readonly postings: Record<Tier, Map<string, number[]>> = {
    'same-block': new Map(),
    'same-origin-as': new Map(),
    'same-country': new Map(),
  };

  addUnit(unit: Unit): void {
    for (const ref of unit.profile.indicators.values()) {
      if (ref.ip === undefined) continue;
      pushPosting(this.postings['same-block'], ref.ip.block, unit.index);
      for (const asn of ref.ip.asns) pushPosting(this.postings['same-origin-as'], String(asn), unit.index);
      if (ref.ip.country !== undefined)
        pushPosting(this.postings['same-country'], ref.ip.country, unit.index);
    }
  }

  matchUnits(query: Profile, context: UnitMatchContext): void {
    for (const [k, ref] of query.indicators) {
      if (ref.ip === undefined) continue;
      const common = commonInfrastructure(ref.type, ref.value);
      if (common !== undefined && common.factor === 0) continue;
      // A unit holding the value itself is evidence of `exact`, not of proximity.
      const done = new Set<number>();
      const tiers: Array<[Tier, string[], number]> = [
        ['same-block', [ref.ip.block], FEATURE_WEIGHTS.sameBlock],
        ['same-origin-as', ref.ip.asns.map(String), FEATURE_WEIGHTS.sameOriginAs],
        ['same-country', ref.ip.country === undefined ? [] : [ref.ip.country], FEATURE_WEIGHTS.sameCountry],
      ];
      for (const [feature, keys, factor] of tiers) {
        for (const v of keys) {
          const near = context
            .live(this.postings[feature].get(v) ?? [])
            .filter((u) => !done.has(u) && !context.units[u].profile.indicators.has(k));
          if (near.length === 0) continue;
          const r = rarity(context.unitsWithIndicators, near.length + 1);
          const weight = factor * r;
          for (const u of near) {
            done.add(u);
            const other = nearestOf(context.units[u], feature, v);
            context.credit(u, {
              feature,
              type: ref.type,
              value: ref.value,
              candidateValue: other?.value,
              weight,
              contribution: weight,
              note: `${feature === 'same-origin-as' ? 'AS' : ''}${v}, in ${near.length} unit(s): rarity ${r.toFixed(2)}`,
              query: ref.provenance,
              candidate: other?.provenance.slice(0, MAX_PROVENANCE) ?? [],
              via: [context.units[u].name],
            });
          }
        }
      }
    }
  }
}

/** The unit's first IP in the same block, origin AS or country. */
function nearestOf(unit: Unit, feature: FeatureKind, v: string): IndicatorRef | undefined {
  for (const x of unit.profile.indicators.values()) {
    if (x.ip === undefined) continue;
    if (
      feature === 'same-block'
        ? x.ip.block === v
        : feature === 'same-origin-as'
          ? x.ip.asns.map(String).includes(v)
          : x.ip.country === v
    )
      return x;
  }
  return undefined;
}
