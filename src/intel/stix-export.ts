/**
 * Export of one case as a STIX 2.1 bundle a peer accepts, deterministic for a given export time:
 *
 * - cairn is an `identity` (class `system`) and every SDO and SRO names it in `created_by_ref`.
 * - What STIX has no property for (an indicator's exact cairn type and original text, a case's
 *   kind, stated actors and date) travels in a property extension of cairn's own
 *   `extension-definition`; indicator kinds STIX has no SCO for (hostname, imphash, byte-pattern,
 *   string) are `x-cairn-<type>` SCOs declared by the same definition as `new-sco`.
 * - TLP labels (`tlp:amber`, MISP's `tlp:white`) become TLP 2.0 marking definitions (the OASIS
 *   ids) referenced by `object_marking_refs`; the importer turns them back into labels.
 * - Techniques are `attack-pattern` objects with their ATT&CK external reference.
 * - Values the source says are not for detection (MISP `to_ids=false`) are `observed-data`, not
 *   indicators.
 * - An attribution, when given, is an `incident` for the case `attributed-to` each candidate's
 *   `intrusion-set`, with the candidate's confidence (0–100).
 * - created/modified are the fact's own dates, else the case's, else the export time.
 * - SCO ids are STIX 2.1 deterministic ids (§2.9); SDOs and SROs get UUIDv5 ids in the cairn
 *   namespace over their content key. The case is a `grouping` listing everything exported.
 */
import type { EvidenceGraph } from './graph.js';
import type { Case, EvidenceObject, Indicator, Relationship } from './model.js';
import { cairnId, stixScoId } from './uuid.js';

type Json = Record<string, unknown>;

/** An actor an attribution names, with its calibrated confidence (0–1). */
export interface StixAttributionCandidate {
  actor: string;
  /** ATT&CK group ids and the like (G0032). */
  externalIds: readonly string[];
  aliases: readonly string[];
  confidence: number;
}

/** Options of {@link exportCaseAsStix}. */
export interface StixExportOptions {
  /** When the export is made (RFC 3339): created/modified of what has no date of its own. */
  timestamp: string;
  /** The attribution of the case, exported as `attributed-to` relationships. */
  attribution?: readonly StixAttributionCandidate[];
}

/** cairn as the producer of what it exports. */
export const CAIRN_IDENTITY_ID = cairnId('identity', 'cairn');
/** cairn's extension definition (property extension and new SCO types). */
export const CAIRN_EXTENSION_ID = cairnId('extension-definition', 'cairn-evidence-1');
/** OASIS TLP 2.0 marking definitions (their extension and fixed ids). */
export const TLP2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';
export const TLP2_MARKINGS = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
} as const;
export type TlpLevel = keyof typeof TLP2_MARKINGS;
/** STIX 2.1's own TLP 1.0 marking ids, read as their TLP 2.0 level (WHITE is CLEAR). */
const TLP1_MARKINGS: Record<string, TlpLevel> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'clear',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
};

/** The TLP level a marking id stands for (TLP 2.0 or STIX's TLP 1.0 ids), if it is one. */
export function tlpOfMarking(id: string): TlpLevel | undefined {
  for (const [level, markingId] of Object.entries(TLP2_MARKINGS))
    if (markingId === id) return level as TlpLevel;
  return TLP1_MARKINGS[id];
}

/** The TLP level a label states (`tlp:amber`, `TLP:AMBER+STRICT`, `tlp:white`), if it does. */
export function tlpOfLabel(label: string): TlpLevel | undefined {
  const m = /^tlp:(clear|white|green|amber\+strict|amber|red)$/i.exec(label.trim());
  if (m === null) return undefined;
  const level = m[1].toLowerCase();
  return level === 'white' ? 'clear' : (level as TlpLevel);
}

/** Escapes a string for a STIX pattern literal. */
function lit(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Timestamp to RFC 3339 UTC with Z and milliseconds, or undefined if it does not parse. */
function rfc3339(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

const HASH_KEY: Partial<Record<Indicator['type'], string>> = {
  md5: 'MD5',
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha512: 'SHA-512',
  ssdeep: 'SSDEEP',
  tlsh: 'TLSH',
};

/** STIX SCO type and property of the value kinds STIX has an object for. */
const SCO_OF: Partial<Record<Indicator['type'], [string, string]>> = {
  domain: ['domain-name', 'value'],
  url: ['url', 'value'],
  email: ['email-addr', 'value'],
  mutex: ['mutex', 'name'],
  filename: ['file', 'name'],
};

/** SCO and pattern for an indicator value (the SCO is empty for YARA rules). */
function observable(ind: { type: Indicator['type']; value: string }): {
  sco: Json;
  pattern: string;
  patternType: 'stix' | 'yara';
} {
  const v = ind.value;
  const simple = (t: string, prop: string) => ({
    sco: { type: t, id: stixScoId(t, { [prop]: v }), [prop]: v },
    pattern: `[${t}:${prop} = ${lit(v)}]`,
    patternType: 'stix' as const,
  });
  if (ind.type === 'ipv4' || ind.type === 'ipv6' || ind.type === 'cidr')
    return simple(
      ind.type === 'ipv6' || (ind.type === 'cidr' && v.includes(':')) ? 'ipv6-addr' : 'ipv4-addr',
      'value',
    );
  const known = SCO_OF[ind.type];
  if (known !== undefined) return simple(known[0], known[1]);
  const hashKey = HASH_KEY[ind.type];
  if (hashKey !== undefined) {
    const hashes = { [hashKey]: v };
    return {
      sco: { type: 'file', id: stixScoId('file', { hashes }), hashes },
      pattern: `[file:hashes.${lit(hashKey)} = ${lit(v)}]`,
      patternType: 'stix',
    };
  }
  if (ind.type === 'yara-rule') return { sco: {}, pattern: v, patternType: 'yara' };
  const custom = simple(`x-cairn-${ind.type}`, 'value');
  (custom.sco as Json).extensions = { [CAIRN_EXTENSION_ID]: { extension_type: 'new-sco' } };
  return custom;
}

/** The ATT&CK page of a technique id (T1059.001 → techniques/T1059/001). */
function attackUrl(id: string): string {
  return `https://attack.mitre.org/techniques/${id.replace('.', '/')}`;
}

/** The export's clock and the properties every SDO and SRO carries. */
class Maker {
  constructor(readonly timestamp: string) {}

  /** The first date that parses, else the export time. */
  time(...candidates: (string | undefined)[]): string {
    return candidates.map(rfc3339).find((x) => x !== undefined) ?? this.timestamp;
  }

  /** An SDO or SRO with the common properties (creator, times, TLP of its labels, extension). */
  sdo(o: Json, created: string, labels: readonly string[] = [], extension?: Json): Json {
    const out: Json = {
      ...o,
      spec_version: '2.1',
      created_by_ref: CAIRN_IDENTITY_ID,
      created,
      modified: created,
    };
    const tlp = tlpLevels(labels);
    const plain = labels.filter((l) => tlpOfLabel(l) === undefined);
    if (plain.length > 0) out.labels = [...new Set(plain)];
    if (tlp.length > 0) out.object_marking_refs = tlp.map((l) => TLP2_MARKINGS[l]).sort();
    if (extension !== undefined)
      out.extensions = { [CAIRN_EXTENSION_ID]: { extension_type: 'property-extension', ...extension } };
    return out;
  }
}

/** The TLP levels some labels state, each once, in the order first stated. */
function tlpLevels(labels: readonly string[]): TlpLevel[] {
  return [...new Set(labels.map(tlpOfLabel).filter((l): l is TlpLevel => l !== undefined))];
}

/** Orders indicators as their `type NUL value` keys sort (types hold no NUL). */
function byTypeValue(a: Indicator, b: Indicator): number {
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** Labels and TLP markings of every statement of one value. */
function valueLabels(list: readonly Indicator[]): string[] {
  // TLP travels in labels (STIX, CSV) or in markings (MISP's tags): both become marking refs.
  return list.flatMap((i) => [...i.labels, ...(i.markings ?? [])]);
}

/** Whether a value is exported as observed-data: every source says it is context, and STIX has an SCO for it. */
function isObserved(list: readonly Indicator[], scoId: unknown): boolean {
  return list.every((i) => i.forDetection === false) && scoId !== undefined;
}

/** The id of a value's SDO (indicator or observed-data). */
function valueSdoId(list: readonly Indicator[], scoId: unknown): string {
  const key = `${list[0].type}\u0000${list[0].value}`;
  return isObserved(list, scoId)
    ? cairnId('observed-data', `observed:${key}`)
    : cairnId('indicator', `indicator:${key}`);
}

/** One value of the case: its SCO (when STIX has one) and its indicator or observed-data SDO. */
function valueObjects(m: Maker, theCase: Case, list: readonly Indicator[]): { sco?: Json; sdo: Json } {
  const first = list[0];
  const key = `${first.type}\u0000${first.value}`;
  const obs = observable(first);
  const sco = obs.sco.id !== undefined ? { spec_version: '2.1', ...obs.sco } : undefined;
  const created = m.time(first.validFrom, first.firstSeen, theCase.date, theCase.firstSeen);
  const labels = valueLabels(list);
  const extension = { indicator_type: first.type, originals: [first.original] };
  if (isObserved(list, obs.sco.id)) {
    const sdo = m.sdo(
      {
        type: 'observed-data',
        id: cairnId('observed-data', `observed:${key}`),
        first_observed: m.time(first.firstSeen, created),
        last_observed: m.time(first.lastSeen, first.firstSeen, created),
        number_observed: 1,
        object_refs: [obs.sco.id],
      },
      created,
      labels,
      extension,
    );
    return { sco, sdo };
  }
  const o: Json = {
    type: 'indicator',
    id: cairnId('indicator', `indicator:${key}`),
    name: first.original.length <= 256 ? first.original : `${first.type} indicator`,
    pattern: obs.pattern,
    pattern_type: obs.patternType,
    valid_from: created,
    confidence: Math.max(...list.map((i) => i.confidence)),
  };
  const comment = list.map((i) => i.comment).find((c) => c !== undefined);
  if (comment !== undefined) o.description = comment;
  return { sco, sdo: m.sdo(o, created, labels, extension) };
}

/** The id of the attack-pattern of an ATT&CK technique id. */
function techniqueId(attackId: string): string {
  return cairnId('attack-pattern', `attack-pattern:${attackId}`);
}

/** An attack-pattern for an ATT&CK technique id, with its name when the corpus knows it. */
function techniqueObject(m: Maker, attackId: string, name: string | undefined): Json {
  return m.sdo(
    {
      type: 'attack-pattern',
      id: techniqueId(attackId),
      name: name ?? attackId,
      external_references: [{ source_name: 'mitre-attack', external_id: attackId, url: attackUrl(attackId) }],
    },
    m.timestamp,
  );
}

function externalReferences(ids: readonly string[]): Json {
  return ids.length === 0
    ? {}
    : { external_references: ids.map((external_id) => ({ source_name: 'mitre-attack', external_id })) };
}

/** The SDO properties of a fact at the other end of a relationship; undefined for kinds not exported. */
function entityBody(f: EvidenceObject): Json | undefined {
  if (f.kind === 'actor')
    return {
      type: 'intrusion-set',
      name: f.name,
      ...(f.aliases.length > 0 ? { aliases: f.aliases } : {}),
      ...externalReferences(f.externalIds),
    };
  if (f.kind === 'malware')
    return {
      type: f.softwareKind,
      name: f.name,
      ...(f.softwareKind === 'malware' ? { is_family: true } : {}),
      ...(f.aliases.length > 0 ? { aliases: f.aliases } : {}),
      ...externalReferences(f.externalIds),
    };
  if (f.kind === 'technique') return { type: 'attack-pattern', name: f.name };
  if (f.kind === 'case') return { type: f.caseKind === 'campaign' ? 'campaign' : 'incident', name: f.name };
  return undefined;
}

function entityId(type: string, f: EvidenceObject): string {
  return cairnId(type, `${type}:${f.id}`);
}

function entityObject(m: Maker, f: EvidenceObject): Json {
  const o = entityBody(f) as Json;
  return m.sdo({ ...o, id: entityId(o.type as string, f) }, m.timestamp);
}

/** A relationship to export with the STIX ids of its ends. */
interface Edge {
  r: Relationship;
  source: string;
  target: string;
}

function edgeId(e: Edge): string {
  return cairnId('relationship', `${e.r.sourceType ?? e.r.type}:${e.source}:${e.target}`);
}

function edgeObject(m: Maker, e: Edge): Json {
  const relType = e.r.sourceType ?? e.r.type;
  return m.sdo(
    {
      type: 'relationship',
      id: edgeId(e),
      relationship_type: relType,
      source_ref: e.source,
      target_ref: e.target,
      confidence: Math.round(e.r.confidence),
      ...(e.r.description !== undefined ? { description: e.r.description } : {}),
    },
    m.timestamp,
  );
}

/** The attribution: the case as an incident `attributed-to` each candidate's intrusion set. */
function attributionObjects(
  m: Maker,
  theCase: Case,
  candidates: readonly StixAttributionCandidate[],
): Json[] {
  if (candidates.length === 0) return [];
  const incidentId = cairnId('incident', `attributed:${theCase.id}`);
  const out = [m.sdo({ type: 'incident', id: incidentId, name: theCase.name }, m.timestamp)];
  for (const c of candidates) {
    const setId = cairnId('intrusion-set', `intrusion-set:${c.actor}`);
    out.push(
      m.sdo(
        {
          type: 'intrusion-set',
          id: setId,
          name: c.actor,
          ...(c.aliases.length > 0 ? { aliases: [...c.aliases] } : {}),
          ...externalReferences(c.externalIds),
        },
        m.timestamp,
      ),
      m.sdo(
        {
          type: 'relationship',
          id: cairnId('relationship', `attributed-to:${incidentId}:${setId}`),
          relationship_type: 'attributed-to',
          source_ref: incidentId,
          target_ref: setId,
          confidence: Math.round(c.confidence * 100),
          description: 'cairn attribution (calibrated confidence)',
        },
        m.timestamp,
      ),
    );
  }
  return out;
}

/** cairn's identity, its extension definition and the TLP markings used. */
function producerObjects(markings: ReadonlySet<TlpLevel>): Json[] {
  const identity: Json = {
    type: 'identity',
    spec_version: '2.1',
    id: CAIRN_IDENTITY_ID,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    name: 'cairn',
    identity_class: 'system',
  };
  const extension: Json = {
    type: 'extension-definition',
    spec_version: '2.1',
    id: CAIRN_EXTENSION_ID,
    created_by_ref: CAIRN_IDENTITY_ID,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    name: 'cairn evidence',
    description:
      'Properties of cairn evidence STIX has none for, and the SCO types for indicator kinds STIX has no object for.',
    schema:
      'Property extension: indicator_type (cairn indicator type), originals (the values as the source wrote them), case_kind, actor_labels (actors the source names), technique_ids, date (the case date). New SCOs x-cairn-<type> (hostname, imphash, byte-pattern, string): property value (string).',
    version: '1.0.0',
    extension_types: ['property-extension', 'new-sco'],
  };
  const tlp = [...markings].sort().map((level) => ({
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP2_MARKINGS[level],
    created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${level.toUpperCase()}`,
    extensions: { [TLP2_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: level } },
  }));
  return [identity, extension, ...tlp];
}

/** How an object of the plan is made again when it is written. */
const RECIPE = { sco: 0, value: 1, technique: 2, entity: 3, edge: 4, fixed: 5 } as const;
type Recipe = (typeof RECIPE)[keyof typeof RECIPE];

const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const hex8 = (w: number): string => w.toString(16).padStart(8, '0');

/**
 * The ids of the objects to export, in the order they were stated, with how to make each again:
 * about 30 bytes an object (type number, the uuid as four words, recipe and argument), so the
 * bundle's order (by id) and its grouping's list are known without holding any object or id string.
 */
class Plan {
  count = 0;
  private readonly typeNumber = new Map<string, number>();
  private readonly typeNames: string[] = [];
  private typeOf = new Uint16Array(256);
  private words = new Uint32Array(1024);
  private recipes = new Uint8Array(256);
  private args = new Uint32Array(256);

  add(id: string, recipe: Recipe, arg: number): void {
    const dash = id.indexOf('--');
    const type = id.slice(0, dash);
    const uuid = id.slice(dash + 2);
    // Every id here is made by cairnId or stixScoId: a lower-case uuid after a type without "--".
    if (dash <= 0 || !LOWER_UUID.test(uuid)) throw new Error(`not a STIX id of cairn's making: ${id}`);
    let t = this.typeNumber.get(type);
    if (t === undefined) {
      t = this.typeNames.length;
      this.typeNames.push(type);
      this.typeNumber.set(type, t);
    }
    if (this.count === this.typeOf.length) this.grow();
    const n = this.count++;
    this.typeOf[n] = t;
    this.words[4 * n] = parseInt(uuid.slice(0, 8), 16);
    this.words[4 * n + 1] = parseInt(uuid.slice(9, 13) + uuid.slice(14, 18), 16);
    this.words[4 * n + 2] = parseInt(uuid.slice(19, 23) + uuid.slice(24, 28), 16);
    this.words[4 * n + 3] = parseInt(uuid.slice(28, 36), 16);
    this.recipes[n] = recipe;
    this.args[n] = arg;
  }

  private grow(): void {
    const size = this.typeOf.length * 2;
    const widen = <T extends Uint8Array | Uint16Array | Uint32Array>(
      a: T,
      make: (n: number) => T,
      k = 1,
    ): T => {
      const b = make(size * k);
      b.set(a);
      return b;
    };
    this.typeOf = widen(this.typeOf, (n) => new Uint16Array(n));
    this.words = widen(this.words, (n) => new Uint32Array(n), 4);
    this.recipes = widen(this.recipes, (n) => new Uint8Array(n));
    this.args = widen(this.args, (n) => new Uint32Array(n));
  }

  recipe(n: number): Recipe {
    return this.recipes[n] as Recipe;
  }

  arg(n: number): number {
    return this.args[n];
  }

  id(n: number): string {
    const w = this.words;
    const b = hex8(w[4 * n + 1]);
    const c = hex8(w[4 * n + 2]);
    return `${this.typeNames[this.typeOf[n]]}--${hex8(w[4 * n])}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex8(w[4 * n + 3])}`;
  }

  /**
   * The entries in id order (as the id strings sort: by `type--`, then the uuid), the first stated
   * of each id only, as a bundle keeps the first object of an id.
   */
  order(): Uint32Array {
    const names = this.typeNames.map((name, i) => ({ key: `${name}--`, i }));
    names.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    const rank = new Uint16Array(names.length);
    names.forEach((x, r) => (rank[x.i] = r));
    const { typeOf, words } = this;
    const sameId = (a: number, b: number): number => {
      if (typeOf[a] !== typeOf[b]) return rank[typeOf[a]] - rank[typeOf[b]];
      for (let k = 0; k < 4; k++) {
        const x = words[4 * a + k];
        const y = words[4 * b + k];
        if (x !== y) return x < y ? -1 : 1;
      }
      return 0;
    };
    const all = new Uint32Array(this.count);
    for (let i = 0; i < all.length; i++) all[i] = i;
    all.sort((a, b) => sameId(a, b) || a - b);
    let kept = 0;
    for (let i = 0; i < all.length; i++)
      if (kept === 0 || sameId(all[kept - 1], all[i]) !== 0) all[kept++] = all[i];
    return all.subarray(0, kept);
  }
}

/** Everything the export needs besides the graph, worked out in one pass over the case. */
interface Layout {
  theCase: Case;
  maker: Maker;
  groupingId: string;
  /** The case's indicators ordered by (type, value): a value's statements are consecutive. */
  sorted: Indicator[];
  /** Where each value begins in `sorted` (and the end, last). */
  starts: Uint32Array;
  techniques: Array<[string, string | undefined]>;
  entities: EvidenceObject[];
  edges: Edge[];
  fixed: Json[];
  markings: Set<TlpLevel>;
  plan: Plan;
  /** The entries of the plan in bundle order. */
  order: Uint32Array;
}

/** Relationships touching the case or its indicators, each once, in the order first met. */
function caseRelationships(
  graph: EvidenceGraph,
  caseId: string,
  indicators: readonly Indicator[],
): Relationship[] {
  const seen = new Set<Relationship>();
  const out: Relationship[] = [];
  const visit = (id: string): void => {
    for (const list of [graph.relationshipsFrom(id), graph.relationshipsTo(id)])
      for (const r of list)
        if (!seen.has(r)) {
          seen.add(r);
          out.push(r);
        }
  };
  visit(caseId);
  for (const i of indicators) visit(i.id);
  return out;
}

/**
 * The first pass: the ids of every object in the order the bundle states them (values in key
 * order, their SCO before their SDO; techniques; each relationship after the SDOs of its ends;
 * the attribution), the TLP markings used, and what is needed to make each object again.
 */
function layout(graph: EvidenceGraph, caseId: string, options: StixExportOptions): Layout {
  const theCase = graph.getAs('case', caseId);
  if (theCase === undefined) throw new Error(`no case ${caseId}`);
  const maker = new Maker(options.timestamp);
  const groupingId = cairnId('grouping', `case:${caseId}`);
  const plan = new Plan();
  const markings = new Set<TlpLevel>();
  const indicators = graph.indicatorsOfCase(caseId);
  const rels = caseRelationships(graph, caseId, indicators);
  const ends = new Set<string>();
  for (const r of rels) ends.add(r.sourceRef).add(r.targetRef);
  /** STIX ids given to facts: the case, the indicators at a relationship's end, entities. */
  const idOf = new Map<string, string>([[caseId, groupingId]]);

  // Technique values are not exported as values: they join the case's techniques.
  const techniqueSet = new Set(theCase.techniqueIds);
  const sorted: Indicator[] = [];
  for (const ind of indicators)
    if (ind.type === 'attack-technique') techniqueSet.add(ind.value.toUpperCase());
    else sorted.push(ind);
  sorted.sort(byTypeValue);
  const starts: number[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && byTypeValue(sorted[i], sorted[j]) === 0) j++;
    const list = sorted.slice(i, j);
    const g = starts.length;
    starts.push(i);
    const scoId = observable(list[0]).sco.id as string | undefined;
    if (scoId !== undefined) plan.add(scoId, RECIPE.sco, g);
    const id = valueSdoId(list, scoId);
    plan.add(id, RECIPE.value, g);
    for (const level of tlpLevels(valueLabels(list))) markings.add(level);
    for (const ind of list) if (ends.has(ind.id)) idOf.set(ind.id, id);
    i = j;
  }
  const startArray = new Uint32Array(starts.length + 1);
  startArray.set(starts);
  startArray[starts.length] = sorted.length;

  const techniques: Array<[string, string | undefined]> = [];
  const addTechnique = (attackId: string, name: string | undefined): string => {
    techniques.push([attackId, name]);
    const id = techniqueId(attackId);
    plan.add(id, RECIPE.technique, techniques.length - 1);
    return id;
  };
  for (const t of [...techniqueSet].sort())
    addTechnique(t, graph.techniques.find((x) => x.externalId === t)?.name);

  const entities: EvidenceObject[] = [];
  const exportEntity = (f: EvidenceObject): string | undefined => {
    const known = idOf.get(f.id);
    if (known !== undefined) return known;
    if (f.kind === 'technique' && f.externalId !== undefined) {
      const id = addTechnique(f.externalId, f.name);
      idOf.set(f.id, id);
      return id;
    }
    const body = entityBody(f);
    if (body === undefined) return undefined;
    const id = entityId(body.type as string, f);
    idOf.set(f.id, id);
    entities.push(f);
    plan.add(id, RECIPE.entity, entities.length - 1);
    return id;
  };
  const edges: Edge[] = [];
  for (const r of rels) {
    const src = graph.get(r.sourceRef);
    const dst = graph.get(r.targetRef);
    if (src === undefined || dst === undefined) continue;
    const source = r.sourceRef === caseId ? groupingId : exportEntity(src);
    const target = r.targetRef === caseId ? groupingId : exportEntity(dst);
    if (source === undefined || target === undefined) continue;
    const edge = { r, source, target };
    edges.push(edge);
    plan.add(edgeId(edge), RECIPE.edge, edges.length - 1);
  }
  const fixed = attributionObjects(maker, theCase, options.attribution ?? []);
  fixed.forEach((o, i) => plan.add(o.id as string, RECIPE.fixed, i));
  for (const level of tlpLevels([...theCase.labels, ...(theCase.markings ?? [])])) markings.add(level);
  return {
    theCase,
    maker,
    groupingId,
    sorted,
    starts: startArray,
    techniques,
    entities,
    edges,
    fixed,
    markings,
    plan,
    order: plan.order(),
  };
}

/** The object of one plan entry, made again from the graph. */
function makeObject(l: Layout, n: number): Json {
  const arg = l.plan.arg(n);
  switch (l.plan.recipe(n)) {
    case RECIPE.sco:
    case RECIPE.value: {
      const objects = valueObjects(l.maker, l.theCase, l.sorted.slice(l.starts[arg], l.starts[arg + 1]));
      return l.plan.recipe(n) === RECIPE.value ? objects.sdo : (objects.sco as Json);
    }
    case RECIPE.technique:
      return techniqueObject(l.maker, ...l.techniques[arg]);
    case RECIPE.entity:
      return entityObject(l.maker, l.entities[arg]);
    case RECIPE.edge:
      return edgeObject(l.maker, l.edges[arg]);
    default:
      return l.fixed[arg];
  }
}

/** The case's grouping, listing `refs` (everything exported). */
function groupingOf(l: Layout, refs: string[]): Json {
  const { theCase } = l;
  const extension: Json = { case_kind: theCase.caseKind };
  if (theCase.actorLabels.length > 0) extension.actor_labels = theCase.actorLabels;
  if (theCase.techniqueIds.length > 0) extension.technique_ids = theCase.techniqueIds;
  if (theCase.date !== undefined) extension.date = theCase.date;
  return l.maker.sdo(
    {
      type: 'grouping',
      id: l.groupingId,
      name: theCase.name,
      context: 'suspicious-activity',
      object_refs: refs,
      ...(theCase.description !== undefined ? { description: theCase.description } : {}),
    },
    l.maker.time(theCase.date, theCase.firstSeen),
    [...theCase.labels, ...(theCase.markings ?? [])],
    extension,
  );
}

/**
 * Exports `caseId` with its indicators (observed-data for context values), its techniques as
 * attack patterns, the relationships touching the case or its indicators and the SDOs at their
 * other ends, and the attribution when given. Returns the bundle as a JSON value: the grouping,
 * the producer objects, then the rest by id.
 */
export function exportCaseAsStix(graph: EvidenceGraph, caseId: string, options: StixExportOptions): Json {
  const l = layout(graph, caseId, options);
  const refs = Array.from(l.order, (n) => l.plan.id(n));
  const rest = Array.from(l.order, (n) => makeObject(l, n));
  return {
    type: 'bundle',
    id: cairnId('bundle', `case:${caseId}`),
    objects: [groupingOf(l, refs), ...producerObjects(l.markings), ...rest],
  };
}

/** Most characters of the grouping's id list written in one chunk. */
export const STIX_REFS_CHUNK = 1 << 16;

/**
 * The same bundle as {@link exportCaseAsStix}, as JSON text written as it goes: one chunk per
 * object, except that a grouping whose id list is longer than {@link STIX_REFS_CHUNK} characters
 * comes in pieces of about that size. Objects are made one at a time from the graph after a first
 * pass that keeps only their ids (see `Plan`), so memory beyond the graph is a few tens of bytes
 * per exported object plus the largest object.
 */
export function* stixBundleChunks(
  graph: EvidenceGraph,
  caseId: string,
  options: StixExportOptions,
): Generator<string> {
  const l = layout(graph, caseId, options);
  yield `{"type":"bundle","id":${JSON.stringify(cairnId('bundle', `case:${caseId}`))},"objects":[`;
  const grouping = JSON.stringify(groupingOf(l, []));
  // A quote inside a string is escaped, so this member name can only be the grouping's own.
  const at = grouping.indexOf('"object_refs":[]') + '"object_refs":['.length;
  let text = grouping.slice(0, at);
  for (let i = 0; i < l.order.length; i++) {
    text += `${i === 0 ? '' : ','}"${l.plan.id(l.order[i])}"`;
    if (text.length < STIX_REFS_CHUNK) continue;
    yield text;
    text = '';
  }
  yield text + grouping.slice(at);
  for (const o of producerObjects(l.markings)) yield ',' + JSON.stringify(o);
  for (const n of l.order) yield ',' + JSON.stringify(makeObject(l, n));
  yield ']}';
}
