/**
 * `technique`, `software`: ATT&CK technique and software overlap, each shared id weighed by how
 * few units use it.
 *
 * Ids are first made comparable: a revoked technique id is replaced by the one ATT&CK's own
 * `revoked-by` relationship names (T1193 → T1566.001), and a sub-technique also counts as its
 * parent (T1056.001 adds T1056; both kept). Weight of a shared id = (idf / idfMax)², idf =
 * ln((1 + U)/(1 + df)) over the U units with techniques or software (df = units using the id,
 * excluded units not counted), idfMax the idf of an id one unit uses: a technique half the units
 * use is worth about 2% of one only one group uses. Contribution = 2 × weight × support, support =
 * n / (n + 5) for a candidate holding n ids: a candidate known by a handful of ids is weak
 * evidence, so a group whose whole profile is one common technique never wins on it. Against a
 * unit the candidate is the unit; against an actor, the union of the actor's units (ATT&CK group,
 * its campaigns, labelled cases).
 */
import { currentTechniqueId, type AttackIndex } from '../attack.js';
import type { Provenance } from '../model.js';
import { MAX_PROVENANCE, type Profile } from '../profile.js';
import {
  FEATURE_WEIGHTS,
  pushPosting,
  type ActorMatchContext,
  type EvidenceItem,
  type Feature,
  type Unit,
  type UnitMatchContext,
} from './feature.js';

/** Ids held before a candidate's TTP evidence counts half (support = n / (n + this)). */
export const TTP_SUPPORT_HALF = 5;

/** One comparable id of a profile: `t:`/`s:` key, where it is stated, how it was derived. */
interface TtpKey {
  key: string;
  provenance: Provenance[];
  how?: string;
}

export class TechniqueOverlap implements Feature {
  readonly family = 'ttp';
  private readonly postings = new Map<string, number[]>();
  private readonly units: Unit[] = [];
  private readonly keysOfUnit: TtpKey[][] = [];
  private unitsWithTtp = 0;
  private readonly unions = new Map<
    number,
    Map<string, { prov: Provenance[]; via: string[]; how?: string }>
  >();

  constructor(private readonly attack?: AttackIndex) {}

  /** The comparable ids of a profile (revoked ids replaced, sub-techniques rolled up). */
  keys(profile: Profile): TtpKey[] {
    const out = new Map<string, TtpKey>();
    const add = (key: string, provenance: Provenance[], how?: string): void => {
      const prev = out.get(key);
      if (prev === undefined)
        out.set(key, how === undefined ? { key, provenance } : { key, provenance, how });
      else if (prev.how !== undefined && how === undefined) out.set(key, { key, provenance });
    };
    for (const [t, prov] of profile.techniques) {
      const cur = this.attack === undefined ? { id: t } : currentTechniqueId(this.attack, t);
      const how = cur.revoked === undefined ? undefined : `${cur.revoked} revoked-by ${cur.id} (ATT&CK)`;
      add(`t:${cur.id}`, prov, how);
      const dot = cur.id.indexOf('.');
      if (dot > 0) add(`t:${cur.id.slice(0, dot)}`, prov, `rolled up from ${cur.id}`);
    }
    for (const [s, prov] of profile.software) add(`s:${s}`, prov);
    return [...out.values()];
  }

  addUnit(unit: Unit): void {
    this.units.push(unit);
    const keys = this.keys(unit.profile);
    this.keysOfUnit[unit.index] = keys;
    if (keys.length > 0) this.unitsWithTtp++;
    for (const k of keys) pushPosting(this.postings, k.key, unit.index);
  }

  /** idf of a key with `excluded` units left out of its document frequency. */
  idf(key: string, excluded: ReadonlySet<number>): number {
    const postings = this.postings.get(key) ?? [];
    let df = postings.length;
    for (const u of postings) if (excluded.has(u)) df--;
    return Math.log((1 + this.unitsWithTtp) / (1 + Math.max(0, df)));
  }

  /** Weight of a shared key, 0..1: (idf / idfMax)². */
  weight(key: string, excluded: ReadonlySet<number>): number {
    const max = Math.log((1 + this.unitsWithTtp) / 2);
    return max <= 0 ? 0 : Math.min(1, Math.max(0, this.idf(key, excluded) / max)) ** 2;
  }

  private item(
    k: TtpKey,
    held: { prov: Provenance[]; via: string[]; how?: string },
    size: number,
    users: number,
    excluded: ReadonlySet<number>,
  ): EvidenceItem {
    const w = this.weight(k.key, excluded);
    const support = size / (size + TTP_SUPPORT_HALF);
    const derived = [k.how, held.how].filter((x) => x !== undefined).join('; ');
    return {
      feature: k.key.startsWith('t:') ? 'technique' : 'software',
      value: k.key.slice(2),
      weight: w,
      contribution: FEATURE_WEIGHTS.ttp * w * support,
      note:
        `used by ${users} unit(s): weight ${w.toFixed(3)}; candidate holds ${size} id(s): support ${support.toFixed(2)}` +
        (derived === '' ? '' : `; ${derived}`),
      query: k.provenance,
      candidate: held.prov.slice(0, MAX_PROVENANCE),
      via: held.via,
    };
  }

  matchUnits(query: Profile, context: UnitMatchContext): void {
    const excluded = context.excludedUnits;
    for (const k of this.keys(query)) {
      const units = context.live(this.postings.get(k.key) ?? []);
      for (const u of units) {
        const held = this.keysOfUnit[u].find((x) => x.key === k.key)!;
        context.credit(
          u,
          this.item(
            k,
            { prov: held.provenance, via: [context.units[u].name], how: held.how },
            this.keysOfUnit[u].length,
            units.length,
            excluded,
          ),
        );
      }
    }
  }

  matchActors(query: Profile, context: ActorMatchContext): void {
    const keys = this.keys(query);
    if (keys.length === 0) return;
    const excluded = context.excludedUnits;
    for (const actor of this.candidateActors(keys, context)) {
      const units = context.directory.nodes[actor].units;
      // An actor none of whose units is left out has the same union every query: kept.
      const whole = !units.some((u) => excluded.has(u));
      let union = whole ? this.unions.get(actor) : undefined;
      if (union === undefined) {
        union = this.unionOf(actor, context);
        if (whole) this.unions.set(actor, union);
      }
      for (const k of keys) {
        const held = union.get(k.key);
        if (held === undefined) continue;
        const users = (this.postings.get(k.key) ?? []).filter((u) => !excluded.has(u)).length;
        context.credit(actor, this.item(k, held, union.size, users, excluded));
      }
    }
  }

  /** Actors with a non-excluded unit using one of the query's ids. */
  private candidateActors(keys: readonly TtpKey[], context: ActorMatchContext): Set<number> {
    const actors = new Set<number>();
    for (const k of keys)
      for (const u of this.postings.get(k.key) ?? [])
        if (!context.excludedUnits.has(u)) for (const a of context.units[u].actors) actors.add(a);
    return actors;
  }

  /** The ids of an actor's non-excluded units, each with its first statement and the units using it. */
  private unionOf(
    actor: number,
    context: ActorMatchContext,
  ): Map<string, { prov: Provenance[]; via: string[]; how?: string }> {
    const union = new Map<string, { prov: Provenance[]; via: string[]; how?: string }>();
    for (const u of context.directory.nodes[actor].units) {
      if (context.excludedUnits.has(u)) continue;
      const unit = context.units[u];
      for (const k of this.keysOfUnit[u] ?? []) {
        const held = union.get(k.key);
        if (held === undefined) {
          const entry: { prov: Provenance[]; via: string[]; how?: string } = {
            prov: k.provenance.slice(0, MAX_PROVENANCE),
            via: [unit.name],
          };
          if (k.how !== undefined) entry.how = k.how;
          union.set(k.key, entry);
        } else if (!held.via.includes(unit.name)) held.via.push(unit.name);
      }
    }
    return union;
  }
}
