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

/** The bundle being built: objects by id, the ids given to facts, the export's clock. */
class BundleBuilder {
  readonly objects = new Map<string, Json>();
  readonly idOf = new Map<string, string>();
  readonly markings = new Set<TlpLevel>();

  constructor(readonly timestamp: string) {}

  put(o: Json): void {
    if (!this.objects.has(o.id as string)) this.objects.set(o.id as string, o);
  }

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
    const tlp = [...new Set(labels.map(tlpOfLabel).filter((l): l is TlpLevel => l !== undefined))];
    const plain = labels.filter((l) => tlpOfLabel(l) === undefined);
    if (plain.length > 0) out.labels = [...new Set(plain)];
    if (tlp.length > 0) {
      for (const l of tlp) this.markings.add(l);
      out.object_marking_refs = tlp.map((l) => TLP2_MARKINGS[l]).sort();
    }
    if (extension !== undefined)
      out.extensions = { [CAIRN_EXTENSION_ID]: { extension_type: 'property-extension', ...extension } };
    this.put(out);
    return out;
  }
}

/** Indicators of the case grouped by (type, value), in key order. */
function indicatorGroups(graph: EvidenceGraph, caseId: string): Array<[string, Indicator[]]> {
  const byKey = new Map<string, Indicator[]>();
  for (const ind of graph.indicatorsOfCase(caseId)) {
    const k = `${ind.type}\u0000${ind.value}`;
    const list = byKey.get(k);
    if (list === undefined) byKey.set(k, [ind]);
    else list.push(ind);
  }
  return [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One value of the case: an indicator SDO, or observed-data when every source says it is context. */
function exportValue(b: BundleBuilder, theCase: Case, key: string, list: Indicator[]): void {
  const first = list[0];
  const obs = observable(first);
  if (obs.sco.id !== undefined) b.put({ spec_version: '2.1', ...obs.sco });
  const created = b.time(first.validFrom, first.firstSeen, theCase.date, theCase.firstSeen);
  // TLP travels in labels (STIX, CSV) or in markings (MISP's tags): both become marking refs.
  const labels = list.flatMap((i) => [...i.labels, ...(i.markings ?? [])]);
  const extension = { indicator_type: first.type, originals: [first.original] };
  if (list.every((i) => i.forDetection === false) && obs.sco.id !== undefined) {
    const id = cairnId('observed-data', `observed:${key}`);
    for (const i of list) b.idOf.set(i.id, id);
    b.sdo(
      {
        type: 'observed-data',
        id,
        first_observed: b.time(first.firstSeen, created),
        last_observed: b.time(first.lastSeen, first.firstSeen, created),
        number_observed: 1,
        object_refs: [obs.sco.id],
      },
      created,
      labels,
      extension,
    );
    return;
  }
  const id = cairnId('indicator', `indicator:${key}`);
  for (const i of list) b.idOf.set(i.id, id);
  const sdo: Json = {
    type: 'indicator',
    id,
    name: first.original.length <= 256 ? first.original : `${first.type} indicator`,
    pattern: obs.pattern,
    pattern_type: obs.patternType,
    valid_from: created,
    confidence: Math.max(...list.map((i) => i.confidence)),
  };
  const comment = list.map((i) => i.comment).find((c) => c !== undefined);
  if (comment !== undefined) sdo.description = comment;
  b.sdo(sdo, created, labels, extension);
}

/** An attack-pattern for an ATT&CK technique id, with its name when the corpus knows it. */
function exportTechnique(b: BundleBuilder, attackId: string, name: string | undefined): string {
  const id = cairnId('attack-pattern', `attack-pattern:${attackId}`);
  b.sdo(
    {
      type: 'attack-pattern',
      id,
      name: name ?? attackId,
      external_references: [{ source_name: 'mitre-attack', external_id: attackId, url: attackUrl(attackId) }],
    },
    b.timestamp,
  );
  return id;
}

function externalReferences(ids: readonly string[]): Json {
  return ids.length === 0
    ? {}
    : { external_references: ids.map((external_id) => ({ source_name: 'mitre-attack', external_id })) };
}

/** A fact at the other end of a relationship as its SDO; undefined for kinds not exported. */
function exportEntity(b: BundleBuilder, f: EvidenceObject): string | undefined {
  const known = b.idOf.get(f.id);
  if (known !== undefined) return known;
  let o: Json | undefined;
  if (f.kind === 'actor')
    o = {
      type: 'intrusion-set',
      name: f.name,
      ...(f.aliases.length > 0 ? { aliases: f.aliases } : {}),
      ...externalReferences(f.externalIds),
    };
  else if (f.kind === 'malware')
    o = {
      type: f.softwareKind,
      name: f.name,
      ...(f.softwareKind === 'malware' ? { is_family: true } : {}),
      ...(f.aliases.length > 0 ? { aliases: f.aliases } : {}),
      ...externalReferences(f.externalIds),
    };
  else if (f.kind === 'technique' && f.externalId !== undefined) {
    const id = exportTechnique(b, f.externalId, f.name);
    b.idOf.set(f.id, id);
    return id;
  } else if (f.kind === 'technique') o = { type: 'attack-pattern', name: f.name };
  else if (f.kind === 'case') o = { type: f.caseKind === 'campaign' ? 'campaign' : 'incident', name: f.name };
  if (o === undefined) return undefined;
  const id = cairnId(o.type as string, `${o.type}:${f.id}`);
  b.idOf.set(f.id, id);
  b.sdo({ ...o, id }, b.timestamp);
  return id;
}

/** Relationships touching the case or its indicators, with the SDOs at their other ends. */
function exportRelationships(
  b: BundleBuilder,
  graph: EvidenceGraph,
  caseId: string,
  groupingId: string,
): void {
  const rels: Relationship[] = [];
  for (const id of [caseId, ...graph.indicatorsOfCase(caseId).map((i) => i.id)])
    for (const r of [...graph.relationshipsFrom(id), ...graph.relationshipsTo(id)])
      if (!rels.includes(r)) rels.push(r);
  for (const r of rels) {
    const src = graph.get(r.sourceRef);
    const dst = graph.get(r.targetRef);
    if (src === undefined || dst === undefined) continue;
    const s = r.sourceRef === caseId ? groupingId : exportEntity(b, src);
    const t = r.targetRef === caseId ? groupingId : exportEntity(b, dst);
    if (s === undefined || t === undefined) continue;
    const relType = r.sourceType ?? r.type;
    b.sdo(
      {
        type: 'relationship',
        id: cairnId('relationship', `${relType}:${s}:${t}`),
        relationship_type: relType,
        source_ref: s,
        target_ref: t,
        confidence: Math.round(r.confidence),
        ...(r.description !== undefined ? { description: r.description } : {}),
      },
      b.timestamp,
    );
  }
}

/** The attribution: the case as an incident `attributed-to` each candidate's intrusion set. */
function exportAttribution(
  b: BundleBuilder,
  theCase: Case,
  candidates: readonly StixAttributionCandidate[],
): void {
  if (candidates.length === 0) return;
  const incidentId = cairnId('incident', `attributed:${theCase.id}`);
  b.sdo({ type: 'incident', id: incidentId, name: theCase.name }, b.timestamp);
  for (const c of candidates) {
    const setId = cairnId('intrusion-set', `intrusion-set:${c.actor}`);
    b.sdo(
      {
        type: 'intrusion-set',
        id: setId,
        name: c.actor,
        ...(c.aliases.length > 0 ? { aliases: [...c.aliases] } : {}),
        ...externalReferences(c.externalIds),
      },
      b.timestamp,
    );
    b.sdo(
      {
        type: 'relationship',
        id: cairnId('relationship', `attributed-to:${incidentId}:${setId}`),
        relationship_type: 'attributed-to',
        source_ref: incidentId,
        target_ref: setId,
        confidence: Math.round(c.confidence * 100),
        description: 'cairn attribution (calibrated confidence)',
      },
      b.timestamp,
    );
  }
}

/** cairn's identity, its extension definition and the TLP markings used. */
function producerObjects(b: BundleBuilder): Json[] {
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
  const markings = [...b.markings].sort().map((level) => ({
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP2_MARKINGS[level],
    created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${level.toUpperCase()}`,
    extensions: { [TLP2_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: level } },
  }));
  return [identity, extension, ...markings];
}

/** The case's grouping, listing everything exported. */
function groupingOf(b: BundleBuilder, theCase: Case, groupingId: string): Json {
  const extension: Json = { case_kind: theCase.caseKind };
  if (theCase.actorLabels.length > 0) extension.actor_labels = theCase.actorLabels;
  if (theCase.techniqueIds.length > 0) extension.technique_ids = theCase.techniqueIds;
  if (theCase.date !== undefined) extension.date = theCase.date;
  const refs = [...b.objects.keys()].sort();
  const grouping = new BundleBuilder(b.timestamp);
  const out = grouping.sdo(
    {
      type: 'grouping',
      id: groupingId,
      name: theCase.name,
      context: 'suspicious-activity',
      object_refs: refs,
      ...(theCase.description !== undefined ? { description: theCase.description } : {}),
    },
    b.time(theCase.date, theCase.firstSeen),
    [...theCase.labels, ...(theCase.markings ?? [])],
    extension,
  );
  for (const m of grouping.markings) b.markings.add(m);
  return out;
}

/** The bundle's objects in order: the grouping, the producer objects, then the rest by id. */
function bundleObjects(graph: EvidenceGraph, caseId: string, options: StixExportOptions): Json[] {
  const theCase = graph.getAs('case', caseId);
  if (theCase === undefined) throw new Error(`no case ${caseId}`);
  const b = new BundleBuilder(options.timestamp);
  const groupingId = cairnId('grouping', `case:${caseId}`);
  b.idOf.set(caseId, groupingId);
  const techniques = new Set(theCase.techniqueIds);
  for (const [key, list] of indicatorGroups(graph, caseId)) {
    if (list[0].type === 'attack-technique') techniques.add(list[0].value.toUpperCase());
    else exportValue(b, theCase, key, list);
  }
  for (const t of [...techniques].sort())
    exportTechnique(b, t, graph.techniques.find((x) => x.externalId === t)?.name);
  exportRelationships(b, graph, caseId, groupingId);
  exportAttribution(b, theCase, options.attribution ?? []);
  const grouping = groupingOf(b, theCase, groupingId);
  const rest = [...b.objects.values()].sort((x, y) => ((x.id as string) < (y.id as string) ? -1 : 1));
  return [grouping, ...producerObjects(b), ...rest];
}

/**
 * Exports `caseId` with its indicators (observed-data for context values), its techniques as
 * attack patterns, the relationships touching the case or its indicators and the SDOs at their
 * other ends, and the attribution when given. Returns the bundle as a JSON value.
 */
export function exportCaseAsStix(graph: EvidenceGraph, caseId: string, options: StixExportOptions): Json {
  return {
    type: 'bundle',
    id: cairnId('bundle', `case:${caseId}`),
    objects: bundleObjects(graph, caseId, options),
  };
}

/**
 * The same bundle as {@link exportCaseAsStix}, as JSON text in small chunks (one object each), so
 * that a large case is written as it goes and never held as one string.
 */
export function* stixBundleChunks(
  graph: EvidenceGraph,
  caseId: string,
  options: StixExportOptions,
): Generator<string> {
  const objects = bundleObjects(graph, caseId, options);
  yield `{"type":"bundle","id":${JSON.stringify(cairnId('bundle', `case:${caseId}`))},"objects":[`;
  for (let i = 0; i < objects.length; i++) yield (i === 0 ? '' : ',') + JSON.stringify(objects[i]);
  yield ']}';
}
