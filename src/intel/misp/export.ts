/**
 * A case as a MISP event (draft-dulaunoy-misp-core-format: Event, Attribute, Object,
 * ObjectReference, Tag, Sighting, ShadowAttribute), produced piece by piece: the generator yields
 * the JSON text in small chunks (one attribute at a time) so that a case of any size is written
 * as it goes, never built as one string.
 */
import type { EvidenceGraph } from '../graph.js';
import type {
  Case,
  Indicator,
  IndicatorType,
  MispContext,
  MispProposal,
  MispSightingRecord,
  Sighting,
} from '../model.js';
import { CAIRN_NAMESPACE, uuidV5 } from '../uuid.js';
import { galaxyTagOf, confidenceLevelTag } from './tags.js';
import { EXPORT_TYPES, MISP_INDICATOR_TYPES } from './types.js';

/** cairn's attribution of the case, written as tags and an annotation object. */
export interface MispAttribution {
  verdict: string;
  reason: string;
  candidates: {
    actor: string;
    /** 0..1 */
    confidence: number;
    evidence: { type?: IndicatorType; value: string; feature: string; note: string }[];
  }[];
}

/** Options of {@link mispEventChunks}. */
export interface MispExportOptions {
  /** `{"Event": {...}}` as MISP's REST API and feeds write it; otherwise the bare event (PyMISP `to_json`). */
  envelope?: boolean;
  /** cairn's attribution (verdict `attributed` or `leaning` adds the first candidate's tags). */
  attribution?: MispAttribution;
}

type Attr = Record<string, unknown>;

const CATEGORY: Partial<Record<IndicatorType, string>> = {
  ipv4: 'Network activity',
  ipv6: 'Network activity',
  cidr: 'Network activity',
  domain: 'Network activity',
  hostname: 'Network activity',
  url: 'Network activity',
  email: 'Payload delivery',
  md5: 'Payload delivery',
  sha1: 'Payload delivery',
  sha256: 'Payload delivery',
  sha512: 'Payload delivery',
  ssdeep: 'Payload delivery',
  tlsh: 'Payload delivery',
  imphash: 'Payload delivery',
  filename: 'Payload delivery',
  mutex: 'Artifacts dropped',
  'yara-rule': 'Payload installation',
  'byte-pattern': 'Artifacts dropped',
  string: 'Artifacts dropped',
};

/** The uuid an indicator is exported under (its MISP uuid when it came from MISP). */
export function exportUuid(ind: Indicator): string {
  return ind.misp?.uuid ?? uuidV5(CAIRN_NAMESPACE, ind.observationId ?? ind.id);
}

function exportType(ind: Indicator): string {
  const t = ind.sourceType;
  if (t !== undefined && MISP_INDICATOR_TYPES[t] !== undefined) return t;
  return EXPORT_TYPES[ind.type];
}

function withSome(o: Attr, key: string, value: unknown): void {
  if (value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0)) o[key] = value;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return (a ?? []).join('\u0000') === (b ?? []).join('\u0000');
}

/** One indicator (or the first part of a composite observation) as a MISP attribute. */
function indicatorAttribute(sightings: SightingIndex, theCase: Case, ind: Indicator): Attr {
  const m = ind.misp;
  const composite = m?.compositeValue !== undefined && ind.sourceType !== undefined;
  const a: Attr = {
    uuid: exportUuid(ind),
    type: composite ? ind.sourceType : exportType(ind),
    category: m?.category ?? CATEGORY[ind.type] ?? 'Other',
    value: composite ? m?.compositeValue : ind.original,
    to_ids: ind.forDetection === true,
  };
  withSome(a, 'comment', ind.misp?.object !== undefined ? commentWithoutObject(ind) : ind.comment);
  if (m?.distribution !== undefined) a.distribution = String(m.distribution);
  withSome(a, 'sharing_group_id', m?.sharingGroup);
  if (m?.timestamp !== undefined) a.timestamp = String(Date.parse(m.timestamp) / 1000);
  withSome(a, 'first_seen', ind.firstSeen);
  withSome(a, 'last_seen', ind.lastSeen);
  withSome(a, 'object_relation', m?.object?.relation);
  const tags = [...ind.labels];
  if (!sameList(ind.markings, theCase.markings)) tags.push(...(ind.markings ?? []));
  withSome(
    a,
    'Tag',
    tags.map((name) => ({ name })),
  );
  // A MISP case's sightings are written one by one at the event level, each as it was read.
  if (theCase.misp?.sightingRecords === undefined) withSome(a, 'Sighting', sightingsOf(sightings, ind));
  return a;
}

/** The comment the importer folded the object name and relation into, without them. */
function commentWithoutObject(ind: Indicator): string | undefined {
  const prefix = [ind.misp?.object?.name, ind.misp?.object?.relation].filter(
    (x) => x !== undefined && x !== '',
  );
  const parts = (ind.comment ?? '').split(' / ');
  const rest = parts.slice(prefix.length).join(' / ');
  return rest === '' ? undefined : rest;
}

/** Sighting facts by the observation they are of (built once per export). */
type SightingIndex = Map<string, Sighting>;

function sightingIndex(graph: EvidenceGraph): SightingIndex {
  const index: SightingIndex = new Map();
  for (const s of graph.sightings) index.set(s.sightingOfRef, s);
  return index;
}

function sightingsOf(sightings: SightingIndex, ind: Indicator): Attr[] {
  const s = sightings.get(ind.observationId ?? ind.id);
  if (s === undefined || s.count === undefined) return [];
  const first = s.firstSeen !== undefined ? String(Date.parse(s.firstSeen) / 1000) : undefined;
  const last = s.lastSeen !== undefined ? String(Date.parse(s.lastSeen) / 1000) : first;
  return Array.from({ length: s.count }, (_, i) => ({
    type: '0',
    ...(first !== undefined ? { date_sighting: i === s.count! - 1 ? last : first } : {}),
  }));
}

function sightingJson(s: MispSightingRecord): Attr {
  const out: Attr = { type: String(s.type) };
  withSome(out, 'attribute_uuid', s.attributeUuid);
  if (s.date !== undefined) out.date_sighting = String(Date.parse(s.date) / 1000);
  withSome(out, 'source', s.source);
  withSome(out, 'uuid', s.uuid);
  if (s.org !== undefined) out.Organisation = { name: s.org };
  return out;
}

function contextAttribute(c: MispContext): Attr {
  const a: Attr = { type: c.type, category: c.category ?? 'Other', value: c.value, to_ids: false };
  withSome(a, 'uuid', c.uuid);
  withSome(a, 'comment', c.comment);
  withSome(a, 'object_relation', c.object?.relation);
  return a;
}

function proposalAttribute(p: MispProposal): Attr {
  const a: Attr = { type: p.type, category: p.category ?? 'Other', value: p.value, to_ids: p.toIds === true };
  withSome(a, 'old_uuid', p.attributeUuid);
  withSome(a, 'comment', p.comment);
  return a;
}

/** Event-level tags: as the source wrote them, else from the case; then cairn's attribution. */
function eventTags(graph: EvidenceGraph, theCase: Case, attribution: MispAttribution | undefined): string[] {
  const tags = theCase.misp !== undefined ? [...theCase.misp.tags] : caseTags(graph, theCase);
  const top = attribution?.candidates[0];
  if (top !== undefined && (attribution?.verdict === 'attributed' || attribution?.verdict === 'leaning')) {
    const actorTag = galaxyTagOf('threat-actor', top.actor);
    if (!tags.includes(actorTag)) tags.push(actorTag);
    tags.push(confidenceLevelTag(top.confidence));
  }
  return tags;
}

function caseTags(graph: EvidenceGraph, theCase: Case): string[] {
  const names = new Map<string, string>();
  for (const t of graph.techniques) if (t.externalId !== undefined) names.set(t.externalId, t.name);
  return [
    ...(theCase.markings ?? []),
    ...theCase.labels,
    ...theCase.actorLabels.map((a) => galaxyTagOf('threat-actor', a)),
    ...theCase.techniqueIds.map((t) => galaxyTagOf('mitre-attack-pattern', `${names.get(t) ?? t} - ${t}`)),
  ];
}

/** The event's galaxy clusters, grouped by galaxy type, with the cluster uuids the import read. */
function galaxiesOf(theCase: Case): Attr[] {
  const byType = new Map<string, Attr[]>();
  for (const g of theCase.misp?.galaxies ?? []) {
    const list = byType.get(g.type) ?? [];
    const cluster: Attr = { type: g.type, value: g.value, tag_name: galaxyTagOf(g.type, g.value) };
    if (g.uuid !== undefined) cluster.uuid = g.uuid;
    withSome(cluster, 'description', g.description);
    if (g.meta !== undefined) cluster.meta = g.meta;
    list.push(cluster);
    byType.set(g.type, list);
  }
  return [...byType].map(([type, clusters]) => ({ type, GalaxyCluster: clusters }));
}

function eventHeader(theCase: Case): Attr {
  const m = theCase.misp;
  const e: Attr = {
    uuid: m?.uuid ?? uuidV5(CAIRN_NAMESPACE, theCase.id),
    info: theCase.name,
    date: theCase.date ?? theCase.firstSeen?.slice(0, 10) ?? '1970-01-01',
    threat_level_id: String(m?.threatLevel ?? 4),
    analysis: String(m?.analysis ?? 0),
    distribution: String(m?.distribution ?? 0),
    published: m?.published ?? false,
  };
  withSome(e, 'sharing_group_id', m?.sharingGroup);
  if (m?.timestamp !== undefined) e.timestamp = String(Date.parse(m.timestamp) / 1000);
  if (m?.publishTimestamp !== undefined) e.publish_timestamp = String(Date.parse(m.publishTimestamp) / 1000);
  withSome(e, 'extends_uuid', m?.extendsUuid);
  if (m?.orgc !== undefined) e.Orgc = { name: m.orgc };
  return e;
}

/** Indicators and context of the case's MISP objects, by object uuid (or name when it has none). */
interface ObjectGroup {
  uuid?: string;
  name: string;
  metaCategory?: string;
  comment?: string;
  attributes: Attr[];
}

function objectKey(o: { uuid?: string; name: string }): string {
  return o.uuid ?? `name:${o.name}`;
}

/**
 * The case as MISP event JSON, in chunks. Attributes come one by one, so the caller can write
 * each chunk as it comes and hold back for a slow reader.
 */
export function* mispEventChunks(
  graph: EvidenceGraph,
  caseId: string,
  options: MispExportOptions = {},
): Generator<string> {
  const theCase = graph.getAs('case', caseId);
  if (theCase === undefined) throw new RangeError(`no case ${caseId}`);
  const header = JSON.stringify({
    ...eventHeader(theCase),
    Tag: eventTags(graph, theCase, options.attribution).map((name) => ({ name })),
    Galaxy: galaxiesOf(theCase),
  });
  yield (options.envelope === true ? '{"Event":' : '') + header.slice(0, -1) + ',"Attribute":[';
  const objects = new Map<string, ObjectGroup>();
  for (const o of theCase.misp?.objects ?? []) objects.set(objectKey(o), { ...o, attributes: [] });
  let first = true;
  const sep = (): string => (first ? ((first = false), '') : ',');
  for (const chunk of looseAttributes(graph, theCase, objects)) yield sep() + chunk;
  yield '],"Object":[';
  first = true;
  for (const o of objects.values()) yield sep() + JSON.stringify(objectJson(graph, o));
  const note = attributionObject(graph, theCase, options.attribution);
  if (note !== undefined) yield sep() + JSON.stringify(note);
  yield '],"ShadowAttribute":' + JSON.stringify((theCase.misp?.proposals ?? []).map(proposalAttribute));
  const records = theCase.misp?.sightingRecords;
  if (records !== undefined) {
    yield ',"Sighting":[';
    for (let i = 0; i < records.length; i++)
      yield (i === 0 ? '' : ',') + JSON.stringify(sightingJson(records[i]));
    yield ']';
  }
  yield '}';
  if (options.envelope === true) yield '}';
}

/** Attributes outside objects, as JSON texts; those inside objects are put in `objects`. */
function* looseAttributes(
  graph: EvidenceGraph,
  theCase: Case,
  objects: Map<string, ObjectGroup>,
): Generator<string> {
  const done = new Set<string>();
  const sightings = sightingIndex(graph);
  for (const ind of graph.indicatorsOfCase(theCase.id)) {
    const observation = ind.observationId ?? ind.id;
    if (done.has(observation)) continue;
    done.add(observation);
    const attr = indicatorAttribute(sightings, theCase, ind);
    const o = ind.misp?.object;
    if (o !== undefined) groupOf(objects, o).attributes.push(attr);
    else yield JSON.stringify(attr);
  }
  for (const c of theCase.misp?.context ?? []) {
    if (c.object !== undefined) groupOf(objects, c.object).attributes.push(contextAttribute(c));
    else yield JSON.stringify(contextAttribute(c));
  }
  for (const r of graph.reports)
    if (r.objectRefs.includes(theCase.id) && r.urls.length > 0)
      yield JSON.stringify({
        type: 'link',
        category: 'External analysis',
        value: r.urls[0],
        to_ids: false,
        ...(r.name !== r.urls[0] ? { comment: r.name } : {}),
      });
}

function groupOf(objects: Map<string, ObjectGroup>, o: { uuid?: string; name: string }): ObjectGroup {
  const key = objectKey(o);
  let g = objects.get(key);
  if (g === undefined) {
    g = { name: o.name, attributes: [], ...(o.uuid !== undefined ? { uuid: o.uuid } : {}) };
    objects.set(key, g);
  }
  return g;
}

function objectJson(graph: EvidenceGraph, o: ObjectGroup): Attr {
  const out: Attr = { name: o.name, 'meta-category': o.metaCategory ?? 'misc' };
  withSome(out, 'uuid', o.uuid);
  withSome(out, 'comment', o.comment);
  out.Attribute = o.attributes;
  if (o.uuid !== undefined) withSome(out, 'ObjectReference', objectReferences(graph, o.uuid));
  return out;
}

/** The object's references as the importer read them (relationships from `misp-object--uuid`). */
function objectReferences(graph: EvidenceGraph, uuid: string): Attr[] {
  return graph.relationshipsFrom(`misp-object--${uuid.toLowerCase()}`).map((r) => {
    const ref: Attr = {
      object_uuid: uuid,
      referenced_uuid: r.targetRef.replace(/^misp-(object|attribute)--/, '').replace(/\/\d+$/, ''),
      relationship_type: r.sourceType ?? r.type,
    };
    withSome(ref, 'comment', r.description);
    return ref;
  });
}

/**
 * cairn's attribution as an `annotation` object: the verdict and reason as text, and one
 * ObjectReference to each attribute that is evidence for the first candidate.
 */
function attributionObject(
  graph: EvidenceGraph,
  theCase: Case,
  attribution: MispAttribution | undefined,
): Attr | undefined {
  if (attribution === undefined) return undefined;
  const top = attribution.candidates[0];
  const uuid = uuidV5(CAIRN_NAMESPACE, `${theCase.id} attribution`);
  const text =
    top === undefined
      ? `cairn attribution: ${attribution.verdict} (${attribution.reason})`
      : `cairn attribution: ${attribution.verdict}, ${top.actor} at confidence ${top.confidence.toFixed(4)} (${attribution.reason})`;
  const refs = new Map<string, string>();
  for (const e of top?.evidence ?? []) {
    if (e.type === undefined) continue;
    for (const ind of graph.findIndicator(e.type, e.value))
      if (ind.caseIds.includes(theCase.id)) refs.set(exportUuid(ind), `${e.feature}: ${e.note}`);
  }
  return {
    name: 'annotation',
    'meta-category': 'misc',
    uuid,
    comment: 'cairn attribution',
    Attribute: [
      { type: 'text', category: 'Other', object_relation: 'text', value: text, to_ids: false },
      { type: 'text', category: 'Other', object_relation: 'type', value: 'Attribution', to_ids: false },
    ],
    ObjectReference: [...refs].map(([target, comment]) => ({
      object_uuid: uuid,
      referenced_uuid: target,
      relationship_type: 'annotates',
      comment,
    })),
  };
}
