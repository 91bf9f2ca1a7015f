/**
 * `exact`: rarity-weighted exact match. The same normalised indicator value in the query and a
 * unit; weight = type factor × rarity × commonness, where rarity = ln(1 + N/df) / ln(1 + N) over
 * the N units with indicators (df = units holding the value, the query counted) and commonness
 * discounts shared infrastructure (public resolvers, CDNs, private space: infrastructure.ts).
 */
import { commonInfrastructure } from '../infrastructure.js';
import { MAX_PROVENANCE, type Profile } from '../profile.js';
import {
  FEATURE_WEIGHTS,
  pushPosting,
  rarity,
  type Feature,
  type Unit,
  type UnitMatchContext,
} from './feature.js';

export class ExactMatch implements Feature {
  readonly family = 'indicators';
  /** Units by indicator key (`type\0value`). */
  private readonly postings = new Map<string, number[]>();

  addUnit(unit: Unit): void {
    for (const k of unit.profile.indicators.keys()) pushPosting(this.postings, k, unit.index);
  }

  matchUnits(query: Profile, context: UnitMatchContext): void {
    const n = context.unitsWithIndicators;
    for (const [k, ref] of query.indicators) {
      const units = context.live(this.postings.get(k) ?? []);
      if (units.length === 0) continue;
      const common = commonInfrastructure(ref.type, ref.value);
      const r = rarity(n, units.length + 1);
      const weight = FEATURE_WEIGHTS.type[ref.type] * r * (common?.factor ?? 1);
      const note =
        `${ref.type}, in ${units.length} other unit(s) of ${n - 1}: rarity ${r.toFixed(2)}` +
        (common !== undefined ? `; ${common.reason} (${common.label}) ×${common.factor}` : '');
      for (const u of units)
        context.credit(u, {
          feature: 'exact',
          type: ref.type,
          value: ref.value,
          weight,
          contribution: weight,
          note,
          query: ref.provenance,
          candidate: (context.units[u].profile.indicators.get(k)?.provenance ?? []).slice(0, MAX_PROVENANCE),
          via: [context.units[u].name],
        });
    }
  }
}
