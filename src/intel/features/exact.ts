/**
 * `exact`: rarity-weighted exact match. The same normalised indicator value in the query and a
 * unit, types that name the same thing matched together (domain/hostname; a URL's host as a
 * domain or address; an address inside a unit's CIDR); weight = type factor × rarity ×
 * commonness × warninglist × context × the unit source's reliability × the facts' confidence,
 * where rarity = ln(1 + N/df) / ln(1 + N) over the N units with indicators (df = units holding the
 * value, the query counted) and commonness discounts shared infrastructure (infrastructure.ts).
 */
import { PrefixTrie, parsePrefix, tryParseAddress } from '../../net/index.js';
import { commonInfrastructure } from '../infrastructure.js';
import { MAX_PROVENANCE, type IndicatorRef, type Profile } from '../profile.js';
import { WARNINGLIST_FACTOR, type WarninglistIndex } from '../warninglists.js';
import { TRAIT_TYPES } from './trait-equality.js';
import {
  CONTEXT_FACTOR,
  DERIVED_FACTOR,
  FEATURE_WEIGHTS,
  confidenceFactor,
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
  /** Units by the CIDR indicators they hold. */
  private readonly cidrs = new PrefixTrie<{ units: number[]; value: string }>();

  constructor(private readonly warninglists?: WarninglistIndex) {}

  addUnit(unit: Unit): void {
    for (const [k, ref] of unit.profile.indicators) {
      pushPosting(this.postings, k, unit.index);
      if (ref.type !== 'cidr') continue;
      try {
        const p = parsePrefix(ref.value);
        const held = this.cidrs.get(p);
        if (held === undefined) this.cidrs.set(p, { units: [unit.index], value: ref.value });
        else if (held.units[held.units.length - 1] !== unit.index) held.units.push(unit.index);
      } catch {
        // A CIDR that does not parse matches as its text only.
      }
    }
  }

  /** Factors of the query side of a value, with their notes. */
  private queryFactor(ref: IndicatorRef): { factor: number; notes: string[] } {
    const notes: string[] = [];
    let factor = 1;
    const common = commonInfrastructure(ref.type, ref.value);
    if (common !== undefined) {
      factor *= common.factor;
      notes.push(`${common.reason} (${common.label}) ×${common.factor}`);
    }
    const warned = this.warninglists?.lookup(ref.type, ref.value);
    if (warned !== undefined) {
      factor *= WARNINGLIST_FACTOR;
      notes.push(`on MISP warninglist "${warned.list}" (${warned.entry}) ×${WARNINGLIST_FACTOR}`);
    }
    if (ref.context) {
      factor *= CONTEXT_FACTOR;
      notes.push(`query marks it to_ids=false (context) ×${CONTEXT_FACTOR}`);
    }
    if (ref.derivedFrom !== undefined) {
      factor *= DERIVED_FACTOR;
      notes.push(`host of ${ref.derivedFrom} ×${DERIVED_FACTOR}`);
    }
    const c = confidenceFactor(ref.confidence);
    if (c < 1) {
      factor *= c;
      notes.push(`query confidence ${ref.confidence} ×${c.toFixed(2)}`);
    }
    return { factor, notes };
  }

  /** Factors of the candidate side (the unit's statement of the value, its source and date). */
  private candidateFactor(
    unit: Unit,
    ref: IndicatorRef | undefined,
    queryDate?: string,
  ): { factor: number; notes: string[] } {
    const notes: string[] = [];
    let factor = unit.reliability.factor;
    if (unit.reliability.letter !== undefined)
      notes.push(`source reliability ${unit.reliability.letter} ×${factor}`);
    // The value's own first sighting says more than the report's date when the source gives it.
    const firstSeen = ref?.firstSeen;
    const late = lateFactor(queryDate, firstSeen ?? unit.profile.date);
    if (late !== undefined) {
      factor *= late.factor;
      const what = firstSeen !== undefined ? 'first seen' : 'reported';
      notes.push(`${what} ${late.years.toFixed(1)} years after the case ×${late.factor.toFixed(2)}`);
    }
    if (ref === undefined) return { factor, notes };
    if (ref.context) {
      factor *= CONTEXT_FACTOR;
      notes.push(`candidate marks it to_ids=false (context) ×${CONTEXT_FACTOR}`);
    }
    if (ref.derivedFrom !== undefined) {
      factor *= DERIVED_FACTOR;
      notes.push(`candidate's host of ${ref.derivedFrom} ×${DERIVED_FACTOR}`);
    }
    const c = confidenceFactor(ref.confidence);
    if (c < 1) {
      factor *= c;
      notes.push(`candidate confidence ${ref.confidence} ×${c.toFixed(2)}`);
    }
    return { factor, notes };
  }

  matchUnits(query: Profile, context: UnitMatchContext): void {
    const n = context.unitsWithIndicators;
    for (const [k, ref] of query.indicators) {
      if (TRAIT_TYPES.has(ref.type)) continue; // matched, with their own counts, by the trait features
      const units = context.live(this.postings.get(k) ?? []);
      const q = this.queryFactor(ref);
      if (units.length > 0) {
        const r = rarity(n, units.length + 1);
        const base = FEATURE_WEIGHTS.type[ref.type] * r * q.factor;
        for (const u of units) {
          const unit = context.units[u];
          const held = unit.profile.indicators.get(k);
          const c = this.candidateFactor(unit, held, query.date);
          const weight = base * c.factor;
          context.credit(u, {
            feature: 'exact',
            type: ref.type,
            value: ref.value,
            weight,
            contribution: weight,
            note: [
              `${ref.type}, in ${units.length} other unit(s) of ${n - 1}: rarity ${r.toFixed(2)}`,
              ...q.notes,
              ...c.notes,
            ].join('; '),
            query: ref.provenance,
            candidate: (held?.provenance ?? []).slice(0, MAX_PROVENANCE),
            via: [unit.name],
          });
        }
      }
      if (ref.type === 'ipv4' || ref.type === 'ipv6') this.matchCidrs(ref, q, context, query.date);
    }
  }

  /** An address inside a CIDR a unit lists: the CIDR's type factor. */
  private matchCidrs(
    ref: IndicatorRef,
    q: { factor: number; notes: string[] },
    context: UnitMatchContext,
    queryDate?: string,
  ): void {
    const address = tryParseAddress(ref.value);
    if (address === undefined || this.cidrs.size === 0) return;
    const n = context.unitsWithIndicators;
    for (const hit of this.cidrs.covering(address)) {
      const units = context.live(hit.value.units);
      if (units.length === 0) continue;
      const r = rarity(n, units.length + 1);
      for (const u of units) {
        const unit = context.units[u];
        const c = this.candidateFactor(
          unit,
          unit.profile.indicators.get(`cidr\u0000${hit.value.value}`),
          queryDate,
        );
        const weight = FEATURE_WEIGHTS.type.cidr * r * q.factor * c.factor;
        context.credit(u, {
          feature: 'exact',
          type: ref.type,
          value: ref.value,
          candidateValue: hit.value.value,
          weight,
          contribution: weight,
          note: [
            `${ref.type} inside cidr ${hit.value.value}, in ${units.length} other unit(s) of ${n - 1}: rarity ${r.toFixed(2)}`,
            ...q.notes,
            ...c.notes,
          ].join('; '),
          query: ref.provenance,
          candidate: (unit.profile.indicators.get(`cidr\u0000${hit.value.value}`)?.provenance ?? []).slice(
            0,
            MAX_PROVENANCE,
          ),
          via: [unit.name],
        });
      }
    }
  }
}

/** Years after which a value reported later than the case starts to weigh less. */
export const LATE_REPORT_GRACE_YEARS = 1;

/**
 * A value a unit reports more than {@link LATE_REPORT_GRACE_YEARS} after the case weighs less
 * (infrastructure changes hands): 1 / (1 + (years − grace) / 2). Undefined when either date is
 * unknown or the report is not late.
 */
export function lateFactor(
  caseDate: string | undefined,
  unitDate: string | undefined,
): { years: number; factor: number } | undefined {
  if (caseDate === undefined || unitDate === undefined) return undefined;
  const a = Date.parse(caseDate);
  const b = Date.parse(unitDate);
  if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
  const years = (b - a) / (365.25 * 86_400_000);
  if (years <= LATE_REPORT_GRACE_YEARS) return undefined;
  return { years, factor: 1 / (1 + (years - LATE_REPORT_GRACE_YEARS) / 2) };
}
