/**
 * `ssdeep`, `tlsh`: fuzzy-hash similarity. A query digest near a unit's digest of the same kind
 * (ssdeep score >= 50, TLSH distance <= 100, as the reference tools compute them) is evidence of
 * a related file: contribution 0.8 × score/100 for ssdeep, 0.8 × (1 − distance/101) for TLSH. The
 * same digest is `exact` evidence, not fuzzy. A digest the hash module cannot read is skipped.
 */
import { SsdeepIndex, TlshIndex, parseSsdeep, parseTlsh } from '../../hash/index.js';
import type { IndicatorType } from '../model.js';
import { MAX_PROVENANCE, indicatorKey, type Profile } from '../profile.js';
import { FEATURE_WEIGHTS, type Feature, type Unit, type UnitMatchContext } from './feature.js';

/** ssdeep scores below this are not evidence. */
export const SSDEEP_MIN_SCORE = 50;
/** TLSH distances above this are not evidence. */
export const TLSH_MAX_DISTANCE = 100;

interface Neighbour {
  /** Slot of the corpus digest in {@link FuzzyHashSimilarity.digests}. */
  slot: number;
  /** 0..1. */
  similarity: number;
  text: string;
}

export class FuzzyHashSimilarity implements Feature {
  readonly family = 'fuzzy';
  private readonly ssdeep = new SsdeepIndex();
  private readonly tlsh = new TlshIndex();
  private readonly digests: Array<{ unit: number; value: string; type: IndicatorType }> = [];

  addUnit(unit: Unit): void {
    for (const ref of unit.profile.indicators.values()) {
      if (ref.type !== 'ssdeep' && ref.type !== 'tlsh') continue;
      const slot = this.digests.length;
      try {
        if (ref.type === 'ssdeep') this.ssdeep.add(String(slot), parseSsdeep(ref.value));
        else this.tlsh.add(String(slot), parseTlsh(ref.value));
        this.digests.push({ unit: unit.index, value: ref.value, type: ref.type });
      } catch {
        // A digest the hash module cannot read still counts as an exact value.
      }
    }
  }

  matchUnits(query: Profile, context: UnitMatchContext): void {
    for (const ref of query.indicators.values()) {
      if (ref.type !== 'ssdeep' && ref.type !== 'tlsh') continue;
      let neighbours: Neighbour[];
      try {
        neighbours =
          ref.type === 'ssdeep' ? this.ssdeepNeighbours(ref.value) : this.tlshNeighbours(ref.value);
      } catch {
        continue;
      }
      // How rare the neighbourhood is: the units (other than the query) holding a digest this near.
      const near = new Set(
        neighbours
          .map((h) => this.digests[h.slot])
          .filter((d) => d.value !== ref.value && !context.excludedUnits.has(d.unit))
          .map((d) => d.unit),
      ).size;
      for (const h of neighbours) {
        const digest = this.digests[h.slot];
        if (digest.value === ref.value || context.excludedUnits.has(digest.unit)) continue;
        const weight = FEATURE_WEIGHTS.fuzzy * h.similarity;
        const unit = context.units[digest.unit];
        context.credit(digest.unit, {
          feature: ref.type,
          type: ref.type,
          value: ref.value,
          candidateValue: digest.value,
          weight,
          contribution: weight,
          note: `${h.text}; ${near} of ${context.unitsWithIndicators} unit(s) hold a digest this near`,
          query: ref.provenance,
          candidate: (
            unit.profile.indicators.get(indicatorKey(digest.type, digest.value))?.provenance ?? []
          ).slice(0, MAX_PROVENANCE),
          via: [unit.name],
        });
      }
    }
  }

  private ssdeepNeighbours(digest: string): Neighbour[] {
    return this.ssdeep.search(parseSsdeep(digest), SSDEEP_MIN_SCORE).map((m) => ({
      slot: Number(m.id),
      similarity: m.score / 100,
      text: `ssdeep score ${m.score}`,
    }));
  }

  private tlshNeighbours(digest: string): Neighbour[] {
    return this.tlsh.search(parseTlsh(digest), TLSH_MAX_DISTANCE).map((m) => ({
      slot: Number(m.id),
      similarity: 1 - m.distance / (TLSH_MAX_DISTANCE + 1),
      text: `TLSH distance ${m.distance}`,
    }));
  }
}
