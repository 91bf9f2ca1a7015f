/**
 * `technique`, `software`: ATT&CK technique and software overlap as an idf-weighted cosine. idf
 * = ln((1 + U)/(1 + df)) over the U units with techniques or software (df = units using the id,
 * excluded units not counted), so a technique one group uses weighs far more than T1059. Each
 * shared id is one item: contribution = 2 × idf² / (‖query‖ · ‖candidate‖). Against a unit the
 * candidate is the unit; against an actor it is the union of the actor's units (ATT&CK group, its
 * campaigns, labelled cases), so an actor is not split across its sources.
 */
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

/** Keys of the query's ids: `t:` techniques, `s:` software. */
function ttpKeys(profile: Profile): string[] {
  return [
    ...[...profile.techniques.keys()].map((t) => `t:${t}`),
    ...[...profile.software.keys()].map((s) => `s:${s}`),
  ];
}

function provenanceOf(profile: Profile, key: string): Provenance[] | undefined {
  return (key.startsWith('t:') ? profile.techniques : profile.software).get(key.slice(2));
}

export class TechniqueOverlap implements Feature {
  readonly family = 'ttp';
  private readonly postings = new Map<string, number[]>();
  private readonly units: Unit[] = [];
  private unitsWithTtp = 0;
  /** ‖unit‖ with no unit excluded, by unit index. */
  private norms: number[] = [];

  addUnit(unit: Unit): void {
    this.units.push(unit);
    const { techniques, software } = unit.profile;
    if (techniques.size + software.size > 0) this.unitsWithTtp++;
    for (const t of techniques.keys()) pushPosting(this.postings, `t:${t}`, unit.index);
    for (const s of software.keys()) pushPosting(this.postings, `s:${s}`, unit.index);
  }

  finish(): void {
    this.norms = this.units.map((u) => Math.sqrt(this.squares(ttpKeys(u.profile), new Set())));
  }

  /** idf of a `t:`/`s:` key with `excluded` units left out of its document frequency. */
  idf(key: string, excluded: ReadonlySet<number>): number {
    const postings = this.postings.get(key) ?? [];
    let df = postings.length;
    for (const u of postings) if (excluded.has(u)) df--;
    return Math.log((1 + this.unitsWithTtp) / (1 + Math.max(0, df)));
  }

  private squares(keys: Iterable<string>, excluded: ReadonlySet<number>): number {
    let sum = 0;
    for (const k of keys) sum += this.idf(k, excluded) ** 2;
    return sum;
  }

  matchUnits(query: Profile, context: UnitMatchContext): void {
    const keys = ttpKeys(query);
    if (keys.length === 0) return;
    const excluded = context.excludedUnits;
    const queryNorm = Math.sqrt(this.squares(keys, excluded));
    for (const k of keys) {
      const units = context.live(this.postings.get(k) ?? []);
      if (units.length === 0) continue;
      const idf = this.idf(k, excluded);
      const id = k.slice(2);
      for (const u of units) {
        const norm = this.norms[u] * queryNorm;
        if (norm === 0) continue;
        context.credit(u, {
          feature: k.startsWith('t:') ? 'technique' : 'software',
          value: id,
          weight: idf,
          contribution: (FEATURE_WEIGHTS.ttp * idf * idf) / norm,
          note: `used by ${units.length} unit(s): idf ${idf.toFixed(2)}`,
          query: provenanceOf(query, k)!,
          candidate: provenanceOf(context.units[u].profile, k) ?? [],
          via: [context.units[u].name],
        });
      }
    }
  }

  matchActors(query: Profile, context: ActorMatchContext): void {
    const keys = ttpKeys(query);
    if (keys.length === 0) return;
    const excluded = context.excludedUnits;
    const queryNorm = Math.sqrt(this.squares(keys, excluded));
    if (queryNorm === 0) return;
    for (const actor of this.candidateActors(keys, context)) {
      const union = this.unionOf(actor, context);
      const norm = Math.sqrt(this.squares(union.keys(), excluded)) * queryNorm;
      if (norm === 0) continue;
      for (const k of keys) {
        const held = union.get(k);
        if (held === undefined) continue;
        context.credit(actor, this.actorItem(query, k, held, norm, excluded));
      }
    }
  }

  /** Actors with a non-excluded unit using one of the query's ids. */
  private candidateActors(keys: readonly string[], context: ActorMatchContext): Set<number> {
    const actors = new Set<number>();
    for (const k of keys)
      for (const u of this.postings.get(k) ?? [])
        if (!context.excludedUnits.has(u)) for (const a of context.units[u].actors) actors.add(a);
    return actors;
  }

  /** The ids of an actor's non-excluded units, each with its first statement and the units using it. */
  private unionOf(
    actor: number,
    context: ActorMatchContext,
  ): Map<string, { prov: Provenance[]; via: string[] }> {
    const union = new Map<string, { prov: Provenance[]; via: string[] }>();
    for (const u of context.directory.nodes[actor].units) {
      if (context.excludedUnits.has(u)) continue;
      const unit = context.units[u];
      const add = (k: string, prov: Provenance[]): void => {
        const held = union.get(k);
        if (held === undefined) union.set(k, { prov: prov.slice(0, MAX_PROVENANCE), via: [unit.name] });
        else if (!held.via.includes(unit.name)) held.via.push(unit.name);
      };
      for (const [t, prov] of unit.profile.techniques) add(`t:${t}`, prov);
      for (const [s, prov] of unit.profile.software) add(`s:${s}`, prov);
    }
    return union;
  }

  private actorItem(
    query: Profile,
    k: string,
    held: { prov: Provenance[]; via: string[] },
    norm: number,
    excluded: ReadonlySet<number>,
  ): EvidenceItem {
    const idf = this.idf(k, excluded);
    return {
      feature: k.startsWith('t:') ? 'technique' : 'software',
      value: k.slice(2),
      weight: idf,
      contribution: (FEATURE_WEIGHTS.ttp * idf * idf) / norm,
      note: `used by ${(this.postings.get(k) ?? []).filter((u) => !excluded.has(u)).length} unit(s): idf ${idf.toFixed(2)}`,
      query: provenanceOf(query, k) ?? [],
      candidate: held.prov,
      via: held.via,
    };
  }
}
