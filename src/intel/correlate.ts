/**
 * Correlation: case ↔ case and case ↔ actor similarity, every score a sum of evidence items.
 *
 * The corpus is cut into *units*: each case (MISP event, campaign, labelled IOC list), each
 * ATT&CK group and campaign, each STIX intrusion set with the indicators that indicate it. A unit
 * credits its evidence to the actors it is labelled with (alias-aware: see {@link ActorDirectory}).
 * The evidence comes from the correlation features (features/, one file each behind the `Feature`
 * interface; README "Correlation features" has a worked example of each): `exact`, `same-block` /
 * `same-origin-as` / `same-country`, `ssdeep` / `tlsh`, `technique` / `software`, `actor-name`.
 */
import { ActorDirectory } from './actor-directory.js';
import { ActorResolver } from './aliases.js';
import type { AttackIndex } from './attack.js';
import type { IpEnrichment } from './enrich.js';
import {
  defaultFeatures,
  type ActorMatchContext,
  type EvidenceItem,
  type Feature,
  type FeatureFamily,
  type Unit,
  type UnitMatchContext,
} from './features/index.js';
import type { EvidenceGraph } from './graph.js';
import { RELIABILITY_FACTOR, TitleResolver, type Reliability, type UnitLabel } from './labels.js';
import type { Indicator } from './model.js';
import type { WarninglistIndex } from './warninglists.js';
import type { YaraRuleMeta } from './corpus.js';
import {
  MAX_PROVENANCE,
  addIndicators,
  addTtp,
  addUses,
  caseProfile,
  emptyProfile,
  type Profile,
} from './profile.js';

/** A scored candidate (case or actor) with its evidence, strongest first. */
export interface Similarity {
  kind: 'case' | 'actor';
  id: string;
  name: string;
  aliases: string[];
  score: number;
  evidence: EvidenceItem[];
  /** Index of the actor in {@link ActorDirectory.nodes} (actor rankings only). */
  actorIndex?: number;
  /** Actors that count this one as part of them (it keeps its own row). */
  umbrella?: string[];
}

/** Options of {@link Correlator}. */
export interface CorrelatorOptions {
  /** ATT&CK views; groups and campaigns become units. */
  attack?: AttackIndex;
  /** IP enrichment by indicator id (from `enrichIndicators`). */
  enrichment?: Map<string, IpEnrichment>;
  /** Extra actor labels by case id (the `cairn-labels` manifests, {@link LoadedCorpus.labels}). */
  labels?: Map<string, string[]>;
  /** Source reliability (Admiralty letter) by source file; a file not named is not rated (×1). */
  reliability?: ReadonlyMap<string, Reliability>;
  /** MISP warninglists: values on them are down-weighted, the list named. */
  warninglists?: WarninglistIndex;
  /** The corpus's YARA rules with their metadata ({@link LoadedCorpus.yaraRules}). */
  yaraRules?: ReadonlyMap<string, YaraRuleMeta>;
  /** Tie units to the actors their titles name (default true). */
  titles?: boolean;
  /** Cases that are not units (the query case imported into the same graph). */
  excludeCases?: ReadonlySet<string>;
  /** The features evidence comes from (default: every feature of features/, in its order). */
  features?: readonly Feature[];
}

/** Options of one query. */
export interface QueryOptions {
  /** Case ids whose units are left out (leave-one-out, the query itself). */
  exclude?: ReadonlySet<string>;
  /** Leave the query's stated actor labels out (default: use them). */
  ignoreLabels?: boolean;
  /** Candidates returned. Default 10. */
  limit?: number;
  /** Feature families to use; default all. */
  features?: ReadonlySet<FeatureFamily>;
  /**
   * Analyse the case as the evidence stood on this date (ISO 8601): units dated after it are left
   * out; undated units (most lists) stay.
   */
  asOf?: string;
}

const ALL_FAMILIES: ReadonlySet<FeatureFamily> = new Set(['indicators', 'network', 'fuzzy', 'ttp', 'names']);
const ATTACK_GROUP_ID = /^G\d{4}$/;

/**
 * The correlation index over a corpus: units, the features' indexes over them, and the actor
 * directory. Scores are sums of the evidence items the features credit.
 */
export class Correlator {
  readonly units: Unit[] = [];
  readonly directory: ActorDirectory;
  private readonly features: readonly Feature[];
  private unitsWithIndicators = 0;
  private readonly unitOfCase = new Map<string, number>();
  private readonly titles: TitleResolver | undefined;
  /** Units by their id (case id, ATT&CK id, actor id), for leaving any unit out. */
  private readonly unitById = new Map<string, number>();

  constructor(
    readonly graph: EvidenceGraph,
    readonly options: CorrelatorOptions = {},
  ) {
    this.directory = new ActorDirectory(new ActorResolver(graph));
    this.titles = options.titles === false ? undefined : new TitleResolver(this.directory, options.attack);
    this.features =
      options.features ??
      defaultFeatures({
        warninglists: options.warninglists,
        attack: options.attack,
        yaraRules: options.yaraRules,
      });
    const attackCaseIds = this.addAttackUnits(options.attack);
    this.addCaseUnits(new Set([...(options.excludeCases ?? []), ...attackCaseIds]));
    this.addStixActorUnits();
    for (const feature of this.features) feature.finish?.();
  }

  /** ATT&CK groups and campaigns as units; returns the case ids of the campaigns. */
  private addAttackUnits(attack: AttackIndex | undefined): Set<string> {
    const campaignCases = new Set<string>();
    if (attack === undefined) return campaignCases;
    for (const c of attack.campaigns.values()) campaignCases.add(c.case.id);
    for (const g of attack.groups.values()) {
      const p = emptyProfile(g.actor.id, `${g.name} (${g.attackId})`);
      for (const t of g.techniques) addTtp(p.techniques, t, g.actor.provenance);
      for (const s of g.software) addTtp(p.software, s, g.actor.provenance);
      const node = this.directory.nodeOfFact(g.actor.id);
      const labels =
        node === undefined ? [] : [{ actor: node.index, weight: 1, how: `ATT&CK group ${g.attackId}` }];
      this.addUnit(g.attackId, p.name, 'attack-group', p, labels);
    }
    for (const c of attack.campaigns.values()) {
      const p = emptyProfile(c.case.id, `${c.case.name} (${c.attackId})`);
      const date = c.case.firstSeen ?? c.case.date;
      if (date !== undefined) p.date = date;
      for (const t of c.techniques) addTtp(p.techniques, t, c.case.provenance);
      for (const s of c.software) addTtp(p.software, s, c.case.provenance);
      const labels: UnitLabel[] = [];
      for (const gid of c.attributedTo) {
        const g = attack.groups.get(gid);
        const n = g === undefined ? undefined : this.directory.nodeOfFact(g.actor.id);
        if (n !== undefined && !labels.some((l) => l.actor === n.index))
          labels.push({ actor: n.index, weight: 1, how: `ATT&CK: ${c.attackId} attributed-to ${gid}` });
      }
      this.addUnit(c.attackId, p.name, 'attack-campaign', p, labels);
    }
    return campaignCases;
  }

  /** The graph's cases with any evidence as units, credited to their stated and labelled actors. */
  private addCaseUnits(skip: ReadonlySet<string>): void {
    for (const c of this.graph.cases) {
      if (skip.has(c.id)) continue;
      const p = caseProfile(this.graph, c.id, this.options.enrichment);
      if (p.indicators.size === 0 && p.techniques.size === 0 && p.software.size === 0) continue;
      const direct: { name: string; how: string }[] = [
        ...c.actorLabels.map((name) => ({ name, how: `the source labels it "${name}"` })),
        ...(this.options.labels?.get(c.id) ?? []).map((name) => ({
          name,
          how: `cairn-labels beside ${c.provenance.file} names "${name}"`,
        })),
      ];
      for (const r of this.graph.relationshipsFrom(c.id, 'attributed-to')) {
        const n = this.directory.nodeOfFact(r.targetRef);
        if (n !== undefined) direct.push({ name: n.name, how: `STIX attributed-to ${n.name}` });
      }
      const labels: UnitLabel[] = [];
      for (const l of direct) {
        const nodes = this.directory.resolve(l.name);
        for (const n of nodes) {
          const weight = 1 / nodes.length;
          const prev = labels.find((x) => x.actor === n.index);
          if (prev === undefined) labels.push({ actor: n.index, weight, how: l.how });
          else if (prev.weight < weight) Object.assign(prev, { weight, how: l.how });
        }
      }
      for (const t of this.titles?.resolve(c.name) ?? [])
        if (!labels.some((x) => x.actor === t.actor)) labels.push(t);
      const unit = this.addUnit(c.id, c.name, 'case', p, labels, c.provenance.file);
      this.unitOfCase.set(c.id, unit);
    }
  }

  /** STIX intrusion sets / threat actors outside ATT&CK with the indicators that indicate them. */
  private addStixActorUnits(): void {
    for (const a of this.graph.actors) {
      if (a.externalIds.some((x) => ATTACK_GROUP_ID.test(x))) continue;
      const inds: Indicator[] = [];
      for (const r of this.graph.relationshipsTo(a.id, 'indicates')) {
        const ind = this.graph.getAs('indicator', r.sourceRef);
        if (ind !== undefined) inds.push(ind);
      }
      if (inds.length === 0) continue;
      const p = emptyProfile(a.id, a.name);
      addIndicators(p, inds, this.options.enrichment);
      addUses(this.graph, p, a.id);
      const node = this.directory.nodeOfFact(a.id);
      const labels =
        node === undefined ? [] : [{ actor: node.index, weight: 1, how: `STIX indicates ${a.name}` }];
      this.addUnit(a.id, a.name, 'stix-actor', p, labels, a.provenance.file);
    }
  }

  private addUnit(
    id: string,
    name: string,
    kind: Unit['kind'],
    profile: Profile,
    labels: UnitLabel[],
    file?: string,
  ): number {
    const letter = file === undefined ? undefined : this.options.reliability?.get(file);
    const unit: Unit = {
      index: this.units.length,
      id,
      name,
      kind,
      profile,
      actors: labels.map((l) => l.actor),
      labels,
      reliability: letter === undefined ? { factor: 1 } : { factor: RELIABILITY_FACTOR[letter], letter },
    };
    this.units.push(unit);
    if (!this.unitById.has(id)) this.unitById.set(id, unit.index);
    for (const a of unit.actors) this.directory.nodes[a].units.push(unit.index);
    if (profile.indicators.size > 0) this.unitsWithIndicators++;
    for (const feature of this.features) feature.addUnit(unit);
    return unit.index;
  }

  /** The unit index of a corpus case (undefined when the case is not a unit). */
  unitOf(caseId: string): number | undefined {
    return this.unitOfCase.get(caseId);
  }

  /** Profile of a case of the graph (enriched as the corpus is). */
  profileOfCase(caseId: string): Profile {
    return caseProfile(this.graph, caseId, this.options.enrichment);
  }

  private excludedUnits(options: QueryOptions): Set<number> {
    const excluded = new Set<number>();
    if (options.asOf !== undefined) {
      const limit = Date.parse(options.asOf);
      if (!Number.isNaN(limit))
        for (const u of this.units) {
          const d = u.profile.date === undefined ? NaN : Date.parse(u.profile.date);
          if (!Number.isNaN(d) && d > limit) excluded.add(u.index);
        }
    }
    for (const c of options.exclude ?? []) {
      const u = this.unitOfCase.get(c) ?? this.unitById.get(c);
      if (u !== undefined) excluded.add(u);
    }
    return excluded;
  }

  /**
   * Evidence items of `query` against every unit, grouped by unit, from the chosen features;
   * for actor rankings, without the features that judge actors as a whole.
   */
  private matchUnits(query: Profile, options: QueryOptions, forActors: boolean): Map<number, EvidenceItem[]> {
    const families = options.features ?? ALL_FAMILIES;
    const excludedUnits = this.excludedUnits(options);
    const byUnit = new Map<number, EvidenceItem[]>();
    const context: UnitMatchContext = {
      units: this.units,
      excludedUnits,
      unitsWithIndicators: Math.max(1, this.unitsWithIndicators - excludedUnits.size + 1),
      live: (list) => list.filter((u) => !excludedUnits.has(u)),
      credit: (unit, item) => {
        const list = byUnit.get(unit);
        if (list === undefined) byUnit.set(unit, [item]);
        else list.push(item);
      },
    };
    for (const feature of this.features) {
      if (!families.has(feature.family) || (forActors && feature.matchActors !== undefined)) continue;
      feature.matchUnits?.(query, context);
    }
    return byUnit;
  }

  /** Most similar corpus cases and units (ATT&CK groups, campaigns), strongest first. */
  similarUnits(query: Profile, options: QueryOptions = {}): Similarity[] {
    const out: Similarity[] = [];
    for (const [u, items] of this.matchUnits(query, options, false)) {
      const unit = this.units[u];
      const evidence = countObservationsOnce(items).sort((a, b) => b.contribution - a.contribution);
      out.push({
        kind: unit.kind === 'case' ? 'case' : 'actor',
        id: unit.id,
        name: unit.name,
        aliases: unit.actors.map((a) => this.directory.nodes[a].name),
        score: evidence.reduce((s, e) => s + e.contribution, 0),
        evidence,
      });
    }
    return out.sort((a, b) => b.score - a.score).slice(0, options.limit ?? 10);
  }

  /**
   * Actors ranked by their evidence: per actor, each (feature, value) counts once (the strongest
   * of its units); features that judge actors as a whole (TTP cosine against the union of the
   * actor's units, the stated name) add theirs.
   */
  rankActors(query: Profile, options: QueryOptions = {}): Similarity[] {
    const perActor = new Map<number, Map<string, EvidenceItem>>();
    const credit = (actor: number, item: EvidenceItem, label?: UnitLabel): void => {
      let items = perActor.get(actor);
      if (items === undefined) perActor.set(actor, (items = new Map()));
      mergeActorItem(items, item, label);
    };
    for (const [u, items] of this.matchUnits(query, options, true))
      for (const label of this.units[u].labels) for (const item of items) credit(label.actor, item, label);
    const families = options.features ?? ALL_FAMILIES;
    const context: ActorMatchContext = {
      units: this.units,
      directory: this.directory,
      excludedUnits: this.excludedUnits(options),
      ignoreLabels: options.ignoreLabels === true,
      credit,
    };
    for (const feature of this.features)
      if (families.has(feature.family)) feature.matchActors?.(query, context);
    const out: Similarity[] = [];
    for (const [a, items] of perActor) {
      const node = this.directory.nodes[a];
      const evidence = countObservationsOnce([...items.values()]).sort(
        (x, y) => y.contribution - x.contribution,
      );
      out.push({
        kind: 'actor',
        id: node.externalIds.find((x) => ATTACK_GROUP_ID.test(x)) ?? node.members[0],
        name: node.name,
        aliases: node.aliases,
        ...(node.umbrella.length > 0 ? { umbrella: node.umbrella } : {}),
        score: evidence.reduce((s, e) => s + e.contribution, 0),
        evidence,
        actorIndex: a,
      });
    }
    return out
      .sort((x, y) => y.score - x.score || x.name.localeCompare(y.name))
      .slice(0, options.limit ?? 10);
  }
}

/** What an item adds for an actor the unit is tied to by `label` (a title weighs less), and the tie in words. */
function labelledBy(label: UnitLabel): string {
  return label.weight === 1 ? label.how : `${label.how} (×${label.weight.toFixed(2)})`;
}

/**
 * The observation an item's value belongs to, when the data says several values are one: the
 * hashes of one sample (one MISP object, one `filename|md5` attribute, the same line of parallel
 * `.md5`/`.sha1`/`.sha256` lists), a domain and the addresses of one MISP object.
 */
function observationOf(item: EvidenceItem): string | undefined {
  for (const [side, list] of [
    ['q', item.query],
    ['c', item.candidate],
  ] as const) {
    for (const p of list) {
      const object = p.path === undefined ? undefined : /^(.*\.Object\[\d+\])\./.exec(p.path)?.[1];
      if (object !== undefined) return `${side}\u0000${p.file}\u0000${object}`;
      if (p.objectId !== undefined && p.path !== undefined)
        return `${side}\u0000${p.file}\u0000${p.objectId}`;
      const parallel = /^(.*)\.(md5|sha1|sha256|sha512)$/i.exec(p.file);
      if (parallel !== null && p.line !== undefined) return `${side}\u0000${parallel[1]}\u0000L${p.line}`;
    }
  }
  return undefined;
}

/**
 * Counts each observation once: of the indicator items that belong to one observation, the
 * strongest keeps its contribution and the others stay listed with none (all forms shown).
 */
export function countObservationsOnce(items: EvidenceItem[]): EvidenceItem[] {
  const strongest = new Map<string, EvidenceItem>();
  const keys = new Map<EvidenceItem, string | undefined>();
  for (const item of items) {
    if (item.feature !== 'exact') continue;
    const key = observationOf(item);
    keys.set(item, key);
    if (key === undefined) continue;
    const prev = strongest.get(key);
    if (prev === undefined || item.contribution > prev.contribution) strongest.set(key, item);
  }
  return items.map((item) => {
    if (item.feature !== 'exact') return item;
    const key = keys.get(item);
    const keep = key === undefined ? undefined : strongest.get(key);
    if (keep === undefined || keep === item) return item;
    return {
      ...item,
      contribution: 0,
      note: `${item.note}; same observation as ${keep.type ?? ''} ${keep.value} (counted once)`,
    };
  });
}

/** An actor's item for a (feature, value): the strongest unit's, with every unit's places and names. */
function mergeActorItem(items: Map<string, EvidenceItem>, item: EvidenceItem, label?: UnitLabel): void {
  const k = `${item.feature}\u0000${item.value}`;
  const prev = items.get(k);
  const contribution = label === undefined ? item.contribution : item.contribution * label.weight;
  if (prev === undefined) {
    const copy: EvidenceItem = { ...item, contribution, via: [...item.via], candidate: [...item.candidate] };
    if (label !== undefined) copy.labelledBy = labelledBy(label);
    items.set(k, copy);
    return;
  }
  for (const v of item.via) if (!prev.via.includes(v)) prev.via.push(v);
  for (const p of item.candidate) if (prev.candidate.length < MAX_PROVENANCE) prev.candidate.push(p);
  if (contribution > prev.contribution) {
    prev.contribution = contribution;
    prev.weight = item.weight;
    prev.note = item.note;
    if (label !== undefined) prev.labelledBy = labelledBy(label);
    else if (item.labelledBy !== undefined) prev.labelledBy = item.labelledBy;
    if (item.candidateValue !== undefined) prev.candidateValue = item.candidateValue;
  }
}

export { ActorDirectory, type ActorNode } from './actor-directory.js';
export {
  FEATURE_WEIGHTS,
  SSDEEP_MIN_SCORE,
  TLSH_MAX_DISTANCE,
  type EvidenceItem,
  type Feature,
  type FeatureFamily,
  type FeatureKind,
} from './features/index.js';
export { addIndicators, caseProfile, emptyProfile, indicatorKey, type Profile } from './profile.js';
