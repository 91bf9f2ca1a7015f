/**
 * Correlation: case ↔ case and case ↔ actor similarity, every score a sum of evidence items.
 *
 * The corpus is cut into *units*: each case (MISP event, campaign, labelled IOC list), each
 * ATT&CK group and campaign, each STIX intrusion set with the indicators that indicate it. A unit
 * credits its evidence to the actors it is labelled with (alias-aware: see {@link ActorDirectory}).
 * Features (README "Correlation features" has a worked example of each):
 *
 * - `exact`: the same normalised indicator value. weight = type factor × rarity × commonness,
 *   rarity = ln(1 + N/df) / ln(1 + N) over the N units with indicators, df = units holding it.
 * - `same-block`, `same-origin-as`, `same-country`: a query IP near a candidate IP (same /24 or
 *   /48; same origin AS and same registry country only when enrichment gave them), strongest one
 *   per query IP, each weaker than the last, also scaled by rarity.
 * - `ssdeep`, `tlsh`: fuzzy-hash neighbours through the hash indexes (score >= 50; distance <= 100).
 * - `technique`, `software`: ATT&CK overlap as an idf-weighted cosine; one item per shared id,
 *   contribution idf² / (‖query‖·‖candidate‖) × {@link FEATURE_WEIGHTS}.ttp.
 * - `actor-name`: the case itself names the actor (a MISP galaxy tag, an attribution column).
 */
import { SsdeepIndex, TlshIndex, parseSsdeep, parseTlsh } from '../hash/index.js';
import { foldActorName, ActorResolver } from './aliases.js';
import type { CanonicalActor } from './aliases.js';
import type { AttackIndex } from './attack.js';
import type { EvidenceGraph } from './graph.js';
import { commonInfrastructure } from './infrastructure.js';
import type { IpEnrichment } from './enrich.js';
import { blockOf } from './enrich.js';
import type { Indicator, IndicatorType, Provenance } from './model.js';
import { tryParseAddress } from '../net/index.js';

/** Kinds of evidence a similarity is made of. */
export type FeatureKind =
  | 'exact'
  | 'same-block'
  | 'same-origin-as'
  | 'same-country'
  | 'ssdeep'
  | 'tlsh'
  | 'technique'
  | 'software'
  | 'actor-name';

/** One piece of evidence behind a score. */
export interface EvidenceItem {
  feature: FeatureKind;
  /** The query side's value (indicator, block, AS, technique id, name). */
  value: string;
  /** The candidate side's value when it differs (the neighbour IP, the similar digest). */
  candidateValue?: string;
  /** Indicator type for indicator features. */
  type?: IndicatorType;
  /** Weight of this feature value, 0..1 (type factor × rarity × commonness). */
  weight: number;
  /** What it adds to the score. */
  contribution: number;
  /** Why the weight is what it is (rarity, public resolver...). */
  note: string;
  /** Where the query side states it. */
  query: Provenance[];
  /** Where the candidate side states it (at most 5). */
  candidate: Provenance[];
  /** Units of the candidate that hold it (case names, ATT&CK ids). */
  via: string[];
}

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
}

/** Relative strength of the feature families. */
export const FEATURE_WEIGHTS = {
  /** Type factors of exact matches. */
  type: {
    md5: 1,
    sha1: 1,
    sha256: 1,
    sha512: 1,
    imphash: 0.6,
    ssdeep: 1,
    tlsh: 1,
    'byte-pattern': 0.8,
    'yara-rule': 0.5,
    domain: 0.8,
    hostname: 0.8,
    url: 0.8,
    email: 0.8,
    mutex: 0.7,
    ipv4: 0.6,
    ipv6: 0.6,
    cidr: 0.3,
    filename: 0.2,
    string: 0.3,
    'attack-technique': 0,
  } satisfies Record<IndicatorType, number>,
  sameBlock: 0.25,
  sameOriginAs: 0.1,
  sameCountry: 0.03,
  fuzzy: 0.8,
  /** A perfect TTP profile match adds this much. */
  ttp: 2,
  actorName: 1.5,
} as const;

/** ssdeep scores below this are not evidence. */
export const SSDEEP_MIN_SCORE = 50;
/** TLSH distances above this are not evidence. */
export const TLSH_MAX_DISTANCE = 100;

interface IndicatorRef {
  type: IndicatorType;
  value: string;
  provenance: Provenance[];
  ip?: { block: string; asns: number[]; country?: string };
}

/** Evidence of a case or query, keyed for matching. */
export interface Profile {
  id: string;
  name: string;
  /** By `type\0value`. */
  indicators: Map<string, IndicatorRef>;
  techniques: Map<string, Provenance[]>;
  software: Map<string, Provenance[]>;
  /** Actor names the source states. */
  actorLabels: { name: string; provenance: Provenance }[];
}

/** A corpus unit. */
interface Unit {
  index: number;
  id: string;
  name: string;
  kind: 'case' | 'attack-group' | 'attack-campaign' | 'stix-actor';
  profile: Profile;
  actors: number[];
  ttpNorm: number;
}

/** An actor as attribution sees it: canonical actors that claim each other's names, merged. */
export interface ActorNode {
  index: number;
  name: string;
  aliases: string[];
  externalIds: string[];
  countries: string[];
  /** Canonical-actor ids merged here. */
  members: string[];
  units: number[];
}

/**
 * Actors for attribution. Canonical actors ({@link ActorResolver}) are merged when each claims the
 * other's primary name (MISP "Sofacy" lists APT28, ATT&CK APT28 lists Sofacy); a name claimed one
 * way only ("APT38" in MISP Lazarus Group's synonyms) does not merge.
 */
export class ActorDirectory {
  readonly nodes: ActorNode[] = [];
  private readonly nodeOfCanon = new Map<string, number>();

  constructor(readonly resolver: ActorResolver) {
    const actors = resolver.actors;
    const parent = new Map<string, string>();
    const find = (x: string): string => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(x, r);
      return r;
    };
    for (const a of actors) parent.set(a.id, a.id);
    const claims = (a: CanonicalActor, name: string) => {
      const f = foldActorName(name);
      return a.aliases.some((x) => foldActorName(x) === f);
    };
    for (const a of actors) {
      for (const alias of a.aliases) {
        for (const b of resolver.resolve(alias).candidates) {
          if (b.id === a.id || !claims(b, a.name) || !claims(a, b.name)) continue;
          const ra = find(a.id);
          const rb = find(b.id);
          if (ra !== rb) parent.set(rb, ra);
        }
      }
    }
    const byRoot = new Map<string, CanonicalActor[]>();
    for (const a of actors) {
      const r = find(a.id);
      const list = byRoot.get(r) ?? [];
      list.push(a);
      byRoot.set(r, list);
    }
    for (const members of byRoot.values()) {
      // The ATT&CK group names the node when there is one.
      members.sort((x, y) => Number(hasGroupId(y)) - Number(hasGroupId(x)));
      const node: ActorNode = {
        index: this.nodes.length,
        name: members[0].name,
        aliases: [],
        externalIds: [],
        countries: [],
        members: members.map((m) => m.id),
        units: [],
      };
      const seen = new Set<string>();
      for (const m of members) {
        for (const al of m.aliases) {
          const f = foldActorName(al);
          if (!seen.has(f)) {
            seen.add(f);
            node.aliases.push(al);
          }
        }
        for (const x of m.externalIds) if (!node.externalIds.includes(x)) node.externalIds.push(x);
        for (const c of m.countries) if (!node.countries.includes(c)) node.countries.push(c);
        this.nodeOfCanon.set(m.id, node.index);
      }
      this.nodes.push(node);
    }
  }

  /** Nodes a name, alias or external id points at (several when it is ambiguous). */
  resolve(name: string): ActorNode[] {
    const out = new Set<number>();
    for (const c of this.resolver.resolve(name).candidates) out.add(this.nodeOfCanon.get(c.id)!);
    return [...out].map((i) => this.nodes[i]);
  }

  /** Node of an actor fact. */
  nodeOfFact(factId: string): ActorNode | undefined {
    const c = this.resolver.canonicalOf(factId);
    return c === undefined ? undefined : this.nodes[this.nodeOfCanon.get(c.id)!];
  }
}

function hasGroupId(a: CanonicalActor): boolean {
  return a.externalIds.some((x) => /^G\d{4}$/.test(x));
}

/** Options of {@link Correlator}. */
export interface CorrelatorOptions {
  /** ATT&CK views; groups and campaigns become units. */
  attack?: AttackIndex;
  /** IP enrichment by indicator id (from `enrichIndicators`). */
  enrichment?: Map<string, IpEnrichment>;
  /** Extra actor labels by case id (e.g. the bundled corpus's labelled lists). */
  labels?: Map<string, string[]>;
  /** Cases that are not units (the query case imported into the same graph). */
  excludeCases?: ReadonlySet<string>;
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
  features?: ReadonlySet<'indicators' | 'network' | 'fuzzy' | 'ttp' | 'names'>;
}

const MAX_PROVENANCE = 5;
const ALL_FEATURES: ReadonlySet<string> = new Set(['indicators', 'network', 'fuzzy', 'ttp', 'names']);

function key(type: string, value: string): string {
  return `${type}\u0000${value}`;
}

function rarity(n: number, df: number): number {
  if (n <= 1) return 1;
  return Math.log(1 + n / Math.max(1, df)) / Math.log(1 + n);
}

function pushPosting(map: Map<string, number[]>, k: string, unit: number): void {
  const list = map.get(k);
  if (list === undefined) map.set(k, [unit]);
  else if (list[list.length - 1] !== unit) list.push(unit);
}

/** Builds the profile of a case of the graph. */
export function caseProfile(
  graph: EvidenceGraph,
  caseId: string,
  enrichment?: Map<string, IpEnrichment>,
): Profile {
  const c = graph.getAs('case', caseId);
  const profile = emptyProfile(caseId, c?.name ?? caseId);
  addIndicators(profile, graph.indicatorsOfCase(caseId), enrichment);
  if (c !== undefined) {
    for (const t of c.techniqueIds) addTtp(profile.techniques, t, c.provenance);
    for (const name of c.actorLabels) profile.actorLabels.push({ name, provenance: c.provenance });
  }
  addUses(graph, profile, caseId);
  return profile;
}

/** An empty profile (for building a query by hand). */
export function emptyProfile(id: string, name: string): Profile {
  return { id, name, indicators: new Map(), techniques: new Map(), software: new Map(), actorLabels: [] };
}

/** Adds indicators to a profile (IP block always; AS and country from `enrichment`). */
export function addIndicators(
  profile: Profile,
  indicators: Iterable<Indicator>,
  enrichment?: Map<string, IpEnrichment>,
): void {
  for (const ind of indicators) {
    if (ind.type === 'attack-technique') {
      addTtp(profile.techniques, ind.value.toUpperCase(), ind.provenance);
      continue;
    }
    const k = key(ind.type, ind.value);
    let ref = profile.indicators.get(k);
    if (ref === undefined) {
      ref = { type: ind.type, value: ind.value, provenance: [] };
      if (ind.type === 'ipv4' || ind.type === 'ipv6') {
        const e = enrichment?.get(ind.id);
        const address = e === undefined ? tryParseAddress(ind.value) : undefined;
        if (e !== undefined) {
          ref.ip = { block: e.block, asns: e.originAsns };
          if (e.country !== undefined) ref.ip.country = e.country;
        } else if (address !== undefined) ref.ip = { block: blockOf(address), asns: [] };
      }
      profile.indicators.set(k, ref);
    }
    if (ref.provenance.length < MAX_PROVENANCE) ref.provenance.push(ind.provenance);
  }
}

function addTtp(map: Map<string, Provenance[]>, id: string, provenance: Provenance): void {
  const list = map.get(id);
  if (list === undefined) map.set(id, [provenance]);
  else if (list.length < MAX_PROVENANCE) list.push(provenance);
}

/** Techniques and software a fact `uses` (STIX relationships), by ATT&CK id or folded name. */
function addUses(graph: EvidenceGraph, profile: Profile, factId: string): void {
  for (const r of graph.relationshipsFrom(factId, 'uses')) {
    const t = graph.getAs('technique', r.targetRef);
    if (t?.externalId !== undefined) addTtp(profile.techniques, t.externalId, r.provenance);
    const m = graph.getAs('malware', r.targetRef);
    if (m !== undefined) addTtp(profile.software, softwareKey(m.externalIds, m.name), r.provenance);
  }
}

function softwareKey(externalIds: readonly string[], name: string): string {
  return externalIds.find((x) => /^S\d{4}$/.test(x)) ?? `name:${foldActorName(name)}`;
}

/**
 * The correlation index over a corpus: units, inverted indexes (exact value, IP block, origin AS,
 * country, technique, software), the fuzzy-hash indexes, and the actor directory.
 */
export class Correlator {
  readonly units: Unit[] = [];
  readonly directory: ActorDirectory;
  private readonly exact = new Map<string, number[]>();
  private readonly blocks = new Map<string, number[]>();
  private readonly asns = new Map<string, number[]>();
  private readonly countries = new Map<string, number[]>();
  private readonly ttp = new Map<string, number[]>();
  private readonly ssdeep = new SsdeepIndex();
  private readonly tlsh = new TlshIndex();
  private readonly fuzzyRefs: Array<{ unit: number; value: string; type: IndicatorType }> = [];
  private unitsWithIndicators = 0;
  private unitsWithTtp = 0;
  private readonly unitOfCase = new Map<string, number>();

  constructor(
    readonly graph: EvidenceGraph,
    readonly options: CorrelatorOptions = {},
  ) {
    this.directory = new ActorDirectory(new ActorResolver(graph));
    const excluded = options.excludeCases ?? new Set<string>();
    const attackCaseIds = new Set<string>();
    if (options.attack !== undefined) {
      for (const c of options.attack.campaigns.values()) attackCaseIds.add(c.case.id);
      for (const g of options.attack.groups.values()) {
        const p = emptyProfile(g.actor.id, `${g.name} (${g.attackId})`);
        for (const t of g.techniques) addTtp(p.techniques, t, g.actor.provenance);
        for (const s of g.software) addTtp(p.software, s, g.actor.provenance);
        const node = this.directory.nodeOfFact(g.actor.id);
        this.addUnit(g.attackId, p.name, 'attack-group', p, node === undefined ? [] : [node.index]);
      }
      for (const c of options.attack.campaigns.values()) {
        const p = emptyProfile(c.case.id, `${c.case.name} (${c.attackId})`);
        for (const t of c.techniques) addTtp(p.techniques, t, c.case.provenance);
        for (const s of c.software) addTtp(p.software, s, c.case.provenance);
        const actors = c.attributedTo
          .map((gid) => options.attack!.groups.get(gid))
          .flatMap((g) => (g === undefined ? [] : [this.directory.nodeOfFact(g.actor.id)]))
          .flatMap((n) => (n === undefined ? [] : [n.index]));
        this.addUnit(c.attackId, p.name, 'attack-campaign', p, actors);
      }
    }
    for (const c of graph.cases) {
      if (excluded.has(c.id) || attackCaseIds.has(c.id)) continue;
      const p = caseProfile(graph, c.id, options.enrichment);
      if (p.indicators.size === 0 && p.techniques.size === 0 && p.software.size === 0) continue;
      const labels = [...c.actorLabels, ...(options.labels?.get(c.id) ?? [])];
      for (const r of graph.relationshipsFrom(c.id, 'attributed-to')) {
        const n = this.directory.nodeOfFact(r.targetRef);
        if (n !== undefined) labels.push(n.name);
      }
      const actors = new Set<number>();
      for (const l of labels) for (const n of this.directory.resolve(l)) actors.add(n.index);
      this.unitOfCase.set(c.id, this.addUnit(c.id, c.name, 'case', p, [...actors]));
    }
    // STIX intrusion sets / threat actors outside ATT&CK with the indicators that indicate them.
    for (const a of graph.actors) {
      if (a.externalIds.some((x) => /^G\d{4}$/.test(x))) continue;
      const inds: Indicator[] = [];
      for (const r of graph.relationshipsTo(a.id, 'indicates')) {
        const ind = graph.getAs('indicator', r.sourceRef);
        if (ind !== undefined) inds.push(ind);
      }
      if (inds.length === 0) continue;
      const p = emptyProfile(a.id, a.name);
      addIndicators(p, inds, options.enrichment);
      addUses(graph, p, a.id);
      const node = this.directory.nodeOfFact(a.id);
      this.addUnit(a.id, a.name, 'stix-actor', p, node === undefined ? [] : [node.index]);
    }
    this.finish();
  }

  private addUnit(id: string, name: string, kind: Unit['kind'], profile: Profile, actors: number[]): number {
    const index = this.units.length;
    this.units.push({ index, id, name, kind, profile, actors, ttpNorm: 0 });
    for (const a of actors) this.directory.nodes[a].units.push(index);
    if (profile.indicators.size > 0) this.unitsWithIndicators++;
    if (profile.techniques.size + profile.software.size > 0) this.unitsWithTtp++;
    for (const [k, ref] of profile.indicators) {
      pushPosting(this.exact, k, index);
      if (ref.ip !== undefined) {
        pushPosting(this.blocks, ref.ip.block, index);
        for (const asn of ref.ip.asns) pushPosting(this.asns, String(asn), index);
        if (ref.ip.country !== undefined) pushPosting(this.countries, ref.ip.country, index);
      }
      if (ref.type === 'ssdeep' || ref.type === 'tlsh') {
        const slot = this.fuzzyRefs.length;
        try {
          if (ref.type === 'ssdeep') this.ssdeep.add(String(slot), parseSsdeep(ref.value));
          else this.tlsh.add(String(slot), parseTlsh(ref.value));
          this.fuzzyRefs.push({ unit: index, value: ref.value, type: ref.type });
        } catch {
          // A digest the hash module cannot read still counts as an exact value.
        }
      }
    }
    for (const t of profile.techniques.keys()) pushPosting(this.ttp, `t:${t}`, index);
    for (const s of profile.software.keys()) pushPosting(this.ttp, `s:${s}`, index);
    return index;
  }

  private finish(): void {
    for (const u of this.units) u.ttpNorm = Math.sqrt(this.ttpSquares(u.profile, new Set()));
  }

  private ttpIdf(k: string, excludedUnits: ReadonlySet<number>): number {
    const post = this.ttp.get(k) ?? [];
    let df = post.length;
    for (const u of post) if (excludedUnits.has(u)) df--;
    return Math.log((1 + this.unitsWithTtp) / (1 + Math.max(0, df)));
  }

  private ttpSquares(p: Profile, excludedUnits: ReadonlySet<number>): number {
    let s = 0;
    for (const t of p.techniques.keys()) s += this.ttpIdf(`t:${t}`, excludedUnits) ** 2;
    for (const t of p.software.keys()) s += this.ttpIdf(`s:${t}`, excludedUnits) ** 2;
    return s;
  }

  /** The unit index of a corpus case (undefined when the case is not a unit). */
  unitOf(caseId: string): number | undefined {
    return this.unitOfCase.get(caseId);
  }

  /** Profile of a case of the graph (enriched as the corpus is). */
  profileOfCase(caseId: string): Profile {
    return caseProfile(this.graph, caseId, this.options.enrichment);
  }

  /**
   * Evidence items of `query` against every unit, grouped by unit. Each item is computed once per
   * (feature, query value) and shared by the units that match it.
   */
  private matches(query: Profile, options: QueryOptions): Map<number, EvidenceItem[]> {
    const features = options.features ?? ALL_FEATURES;
    const excludedUnits = new Set<number>();
    for (const c of options.exclude ?? []) {
      const u = this.unitOfCase.get(c);
      if (u !== undefined) excludedUnits.add(u);
    }
    const live = (list: readonly number[]) => list.filter((u) => !excludedUnits.has(u));
    const out = new Map<number, EvidenceItem[]>();
    const credit = (unit: number, item: EvidenceItem) => {
      const list = out.get(unit);
      if (list === undefined) out.set(unit, [item]);
      else list.push(item);
    };
    const n = Math.max(1, this.unitsWithIndicators - excludedUnits.size + 1);
    const candidateProv = (units: readonly number[], k: string): Provenance[] => {
      const prov: Provenance[] = [];
      for (const u of units) {
        for (const p of this.units[u].profile.indicators.get(k)?.provenance ?? []) {
          if (prov.length >= MAX_PROVENANCE) return prov;
          prov.push(p);
        }
      }
      return prov;
    };
    if (features.has('indicators') || features.has('network')) {
      for (const [k, ref] of query.indicators) {
        const units = live(this.exact.get(k) ?? []);
        const typeFactor = FEATURE_WEIGHTS.type[ref.type];
        const common = commonInfrastructure(ref.type, ref.value);
        if (features.has('indicators') && units.length > 0) {
          const r = rarity(n, units.length + 1);
          const weight = typeFactor * r * (common?.factor ?? 1);
          const note =
            `${ref.type}, in ${units.length} other unit(s) of ${n - 1}: rarity ${r.toFixed(2)}` +
            (common !== undefined ? `; ${common.reason} (${common.label}) ×${common.factor}` : '');
          for (const u of units)
            credit(u, {
              feature: 'exact',
              type: ref.type,
              value: ref.value,
              weight,
              contribution: weight,
              note,
              query: ref.provenance,
              candidate: candidateProv([u], k),
              via: [this.units[u].name],
            });
        }
        if (features.has('network') && ref.ip !== undefined && (common === undefined || common.factor > 0)) {
          const done = new Set<number>(units);
          const tiers: Array<[FeatureKind, Map<string, number[]>, string[], number]> = [
            ['same-block', this.blocks, [ref.ip.block], FEATURE_WEIGHTS.sameBlock],
            ['same-origin-as', this.asns, ref.ip.asns.map(String), FEATURE_WEIGHTS.sameOriginAs],
            [
              'same-country',
              this.countries,
              ref.ip.country === undefined ? [] : [ref.ip.country],
              FEATURE_WEIGHTS.sameCountry,
            ],
          ];
          for (const [feature, map, keys, factor] of tiers) {
            for (const v of keys) {
              const near = live(map.get(v) ?? []).filter((u) => !done.has(u));
              if (near.length === 0) continue;
              const r = rarity(n, near.length + 1);
              const weight = factor * r;
              for (const u of near) {
                done.add(u);
                const other = [...this.units[u].profile.indicators.values()].find(
                  (x) =>
                    x.ip !== undefined &&
                    (feature === 'same-block'
                      ? x.ip.block === v
                      : feature === 'same-origin-as'
                        ? x.ip.asns.map(String).includes(v)
                        : x.ip.country === v),
                );
                credit(u, {
                  feature,
                  type: ref.type,
                  value: ref.value,
                  candidateValue: other?.value,
                  weight,
                  contribution: weight,
                  note: `${feature === 'same-origin-as' ? 'AS' : ''}${v}, in ${near.length} unit(s): rarity ${r.toFixed(2)}`,
                  query: ref.provenance,
                  candidate: other?.provenance.slice(0, MAX_PROVENANCE) ?? [],
                  via: [this.units[u].name],
                });
              }
            }
          }
        }
      }
    }
    if (features.has('fuzzy')) {
      for (const ref of query.indicators.values()) {
        if (ref.type !== 'ssdeep' && ref.type !== 'tlsh') continue;
        let hits: Array<{ slot: number; similarity: number; text: string }>;
        try {
          hits =
            ref.type === 'ssdeep'
              ? this.ssdeep.search(parseSsdeep(ref.value), SSDEEP_MIN_SCORE).map((m) => ({
                  slot: Number(m.id),
                  similarity: m.score / 100,
                  text: `ssdeep score ${m.score}`,
                }))
              : this.tlsh.search(parseTlsh(ref.value), TLSH_MAX_DISTANCE).map((m) => ({
                  slot: Number(m.id),
                  similarity: 1 - m.distance / (TLSH_MAX_DISTANCE + 1),
                  text: `TLSH distance ${m.distance}`,
                }));
        } catch {
          continue;
        }
        for (const h of hits) {
          const f = this.fuzzyRefs[h.slot];
          if (f.value === ref.value || excludedUnits.has(f.unit)) continue;
          const weight = FEATURE_WEIGHTS.fuzzy * h.similarity;
          credit(f.unit, {
            feature: ref.type,
            type: ref.type,
            value: ref.value,
            candidateValue: f.value,
            weight,
            contribution: weight,
            note: h.text,
            query: ref.provenance,
            candidate: candidateProv([f.unit], key(f.type, f.value)),
            via: [this.units[f.unit].name],
          });
        }
      }
    }
    if (features.has('ttp') && query.techniques.size + query.software.size > 0) {
      const qNorm = Math.sqrt(this.ttpSquares(query, excludedUnits));
      const each = (ids: Map<string, Provenance[]>, prefix: 't:' | 's:', feature: FeatureKind) => {
        for (const [id, prov] of ids) {
          const units = live(this.ttp.get(prefix + id) ?? []);
          if (units.length === 0) continue;
          const idf = this.ttpIdf(prefix + id, excludedUnits);
          for (const u of units) {
            const norm = this.units[u].ttpNorm * qNorm;
            if (norm === 0) continue;
            const contribution = (FEATURE_WEIGHTS.ttp * idf * idf) / norm;
            credit(u, {
              feature,
              value: id,
              weight: idf,
              contribution,
              note: `used by ${units.length} unit(s): idf ${idf.toFixed(2)}`,
              query: prov,
              candidate:
                (prefix === 't:'
                  ? this.units[u].profile.techniques.get(id)
                  : this.units[u].profile.software.get(id)) ?? [],
              via: [this.units[u].name],
            });
          }
        }
      };
      each(query.techniques, 't:', 'technique');
      each(query.software, 's:', 'software');
    }
    return out;
  }

  /** Most similar corpus cases and units (ATT&CK groups, campaigns), strongest first. */
  similarUnits(query: Profile, options: QueryOptions = {}): Similarity[] {
    const byUnit = this.matches(query, options);
    const out: Similarity[] = [];
    for (const [u, items] of byUnit) {
      const unit = this.units[u];
      const evidence = items.sort((a, b) => b.contribution - a.contribution);
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
   * of its units) and the TTP cosine is taken against the union of the actor's units.
   */
  rankActors(query: Profile, options: QueryOptions = {}): Similarity[] {
    const byUnit = this.matches(query, { ...options, features: withoutTtp(options.features) });
    const excluded = new Set<number>();
    for (const c of options.exclude ?? []) {
      const u = this.unitOfCase.get(c);
      if (u !== undefined) excluded.add(u);
    }
    const perActor = new Map<number, Map<string, EvidenceItem>>();
    const creditActor = (a: number, item: EvidenceItem) => {
      let m = perActor.get(a);
      if (m === undefined) perActor.set(a, (m = new Map()));
      const k = `${item.feature}\u0000${item.value}`;
      const prev = m.get(k);
      if (prev === undefined) m.set(k, { ...item, via: [...item.via], candidate: [...item.candidate] });
      else {
        for (const v of item.via) if (!prev.via.includes(v)) prev.via.push(v);
        for (const p of item.candidate) if (prev.candidate.length < MAX_PROVENANCE) prev.candidate.push(p);
        if (item.contribution > prev.contribution) {
          prev.contribution = item.contribution;
          prev.weight = item.weight;
          prev.note = item.note;
          if (item.candidateValue !== undefined) prev.candidateValue = item.candidateValue;
        }
      }
    };
    for (const [u, items] of byUnit)
      for (const a of this.units[u].actors) for (const item of items) creditActor(a, item);
    const features = options.features ?? ALL_FEATURES;
    if (features.has('ttp') && query.techniques.size + query.software.size > 0)
      this.actorTtp(query, excluded, creditActor);
    if (features.has('names') && options.ignoreLabels !== true) {
      for (const l of query.actorLabels) {
        const nodes = this.directory.resolve(l.name);
        for (const node of nodes) {
          const weight = 1 / nodes.length;
          creditActor(node.index, {
            feature: 'actor-name',
            value: l.name,
            candidateValue: node.name,
            weight,
            contribution: FEATURE_WEIGHTS.actorName * weight,
            note:
              nodes.length > 1
                ? `the source names "${l.name}", claimed by ${nodes.length} actors`
                : `the source names "${l.name}"`,
            query: [l.provenance],
            candidate: [],
            via: [],
          });
        }
      }
    }
    const out: Similarity[] = [];
    for (const [a, m] of perActor) {
      const node = this.directory.nodes[a];
      const evidence = [...m.values()].sort((x, y) => y.contribution - x.contribution);
      out.push({
        kind: 'actor',
        id: node.externalIds.find((x) => /^G\d{4}$/.test(x)) ?? node.members[0],
        name: node.name,
        aliases: node.aliases,
        score: evidence.reduce((s, e) => s + e.contribution, 0),
        evidence,
        actorIndex: a,
      });
    }
    return out
      .sort((x, y) => y.score - x.score || x.name.localeCompare(y.name))
      .slice(0, options.limit ?? 10);
  }

  /** TTP cosine per actor against the union of its (non-excluded) units' techniques and software. */
  private actorTtp(
    query: Profile,
    excluded: ReadonlySet<number>,
    credit: (actor: number, item: EvidenceItem) => void,
  ): void {
    const qNorm = Math.sqrt(this.ttpSquares(query, excluded));
    if (qNorm === 0) return;
    const candidates = new Set<number>();
    const keys = [
      ...[...query.techniques.keys()].map((t) => `t:${t}`),
      ...[...query.software.keys()].map((s) => `s:${s}`),
    ];
    for (const k of keys)
      for (const u of this.ttp.get(k) ?? [])
        if (!excluded.has(u)) for (const a of this.units[u].actors) candidates.add(a);
    for (const a of candidates) {
      const union = new Map<string, { prov: Provenance[]; via: string[] }>();
      for (const u of this.directory.nodes[a].units) {
        if (excluded.has(u)) continue;
        const unit = this.units[u];
        const add = (k: string, prov: Provenance[]) => {
          const e = union.get(k);
          if (e === undefined) union.set(k, { prov: prov.slice(0, MAX_PROVENANCE), via: [unit.name] });
          else if (!e.via.includes(unit.name)) e.via.push(unit.name);
        };
        for (const [t, prov] of unit.profile.techniques) add(`t:${t}`, prov);
        for (const [s, prov] of unit.profile.software) add(`s:${s}`, prov);
      }
      let aSq = 0;
      for (const k of union.keys()) aSq += this.ttpIdf(k, excluded) ** 2;
      const norm = Math.sqrt(aSq) * qNorm;
      if (norm === 0) continue;
      for (const k of keys) {
        const e = union.get(k);
        if (e === undefined) continue;
        const idf = this.ttpIdf(k, excluded);
        const id = k.slice(2);
        credit(a, {
          feature: k.startsWith('t:') ? 'technique' : 'software',
          value: id,
          weight: idf,
          contribution: (FEATURE_WEIGHTS.ttp * idf * idf) / norm,
          note: `used by ${(this.ttp.get(k) ?? []).filter((u) => !excluded.has(u)).length} unit(s): idf ${idf.toFixed(2)}`,
          query: (k.startsWith('t:') ? query.techniques.get(id) : query.software.get(id)) ?? [],
          candidate: e.prov,
          via: e.via,
        });
      }
    }
  }
}

function withoutTtp(
  features: QueryOptions['features'],
): ReadonlySet<'indicators' | 'network' | 'fuzzy' | 'ttp' | 'names'> {
  const s = new Set(
    features ?? (ALL_FEATURES as ReadonlySet<'indicators' | 'network' | 'fuzzy' | 'ttp' | 'names'>),
  );
  s.delete('ttp');
  return s;
}
