/**
 * What the build-trait features share (`imphash`, `rich-header`, `yara`): the same trait value in
 * the query and a unit, weighted by the trait's type factor × rarity × the unit source's
 * reliability. Each item names the trait and how many units of the corpus hold it, so an analyst
 * sees at once whether an imphash is one sample's or every MinGW program's.
 */
import type { IndicatorType } from '../model.js';
import { MAX_PROVENANCE, type Profile } from '../profile.js';
import {
  FEATURE_WEIGHTS,
  pushPosting,
  rarity,
  type Feature,
  type FeatureKind,
  type Unit,
  type UnitMatchContext,
} from './feature.js';

/** Indicator types matched by a build-trait feature rather than by `exact`. */
export const TRAIT_TYPES: ReadonlySet<IndicatorType> = new Set<IndicatorType>([
  'imphash',
  'rich-header',
  'yara-rule',
]);

/** Equality on one indicator type, credited with the count of units that share the value. */
export abstract class TraitEquality implements Feature {
  readonly family = 'indicators';
  /** Units by value. */
  private readonly postings = new Map<string, number[]>();

  protected constructor(
    private readonly kind: FeatureKind,
    private readonly type: IndicatorType,
    /** The trait in words, as the evidence note names it. */
    private readonly words: string,
  ) {}

  addUnit(unit: Unit): void {
    for (const ref of unit.profile.indicators.values())
      if (ref.type === this.type) pushPosting(this.postings, ref.value, unit.index);
  }

  /** Units of the corpus (the excluded ones included) that hold `value`. */
  holders(value: string): number {
    return this.postings.get(value)?.length ?? 0;
  }

  matchUnits(query: Profile, context: UnitMatchContext): void {
    const n = context.unitsWithIndicators;
    for (const ref of query.indicators.values()) {
      if (ref.type !== this.type) continue;
      const units = context.live(this.postings.get(ref.value) ?? []);
      if (units.length === 0) continue;
      const r = rarity(n, units.length + 1);
      for (const u of units) {
        const unit = context.units[u];
        const weight = FEATURE_WEIGHTS.type[this.type] * r * unit.reliability.factor;
        const notes = [
          `same ${this.words}, shared by ${units.length + 1} of ${n} unit(s) (the query counted): rarity ${r.toFixed(2)}`,
        ];
        if (unit.reliability.letter !== undefined)
          notes.push(`source reliability ${unit.reliability.letter} ×${unit.reliability.factor}`);
        context.credit(u, {
          feature: this.kind,
          type: this.type,
          value: ref.value,
          weight,
          contribution: weight,
          note: notes.join('; '),
          query: ref.provenance,
          candidate: (unit.profile.indicators.get(`${this.type}\u0000${ref.value}`)?.provenance ?? []).slice(
            0,
            MAX_PROVENANCE,
          ),
          via: [unit.name],
        });
      }
    }
  }
}
