/**
 * One MISP attribute into the graph (draft-dulaunoy-misp-core-format, Attribute): indicator types
 * become indicators (composite types split into typed parts sharing one observation id), `link`
 * a report of the case, everything else context of the case; with its tags, galaxies,
 * sightings and ShadowAttribute proposals.
 */
import { addIndicator, str } from '../facts.js';
import type { ImportContext } from '../facts.js';
import type {
  Case,
  IndicatorType,
  MispAttributeMeta,
  MispContext,
  MispEventMeta,
  MispSightingRecord,
  Report,
} from '../model.js';
import { detectIndicatorType, hasMarkup } from '../normalize.js';
import { MAX_VALUE_LENGTH } from '../report.js';
import { listElements, listLength } from '../json-stream.js';
import { cairnId } from '../uuid.js';
import { addGalaxies } from './galaxies.js';
import { isObject, isUuid } from './shapes.js';
import type { Json } from './shapes.js';
import { galaxyTag, tlpMarking } from './tags.js';
import { MISP_CONTEXT_TYPES, MISP_INDICATOR_TYPES, MISP_LINK_TYPE } from './types.js';
import type { MispPart } from './types.js';

/** Tags of one level (event, object or attribute), sorted. */
export interface Tagging {
  /** Every tag name as written. */
  all: string[];
  /** Tags that are neither TLP nor galaxy tags. */
  labels: string[];
  /** TLP tags, lower-cased. */
  markings: string[];
  /** Galaxy clusters named by `misp-galaxy:` tags. */
  galaxies: { type: string; value: string }[];
}

/** What one event's import holds while its members are read. */
export interface EventState {
  ctx: ImportContext;
  caseId: string;
  theCase: Case;
  meta: MispEventMeta;
  tagging: Tagging;
  /** Observation id of each attribute uuid read (lower case). */
  observations: Map<string, string>;
  /** Uuids of the event's objects (lower case). */
  objectUuids: Set<string>;
  /** Object references, resolved once every object and attribute is known. */
  references: { raw: unknown; path: string; from: string | undefined }[];
  /** Sightings of type 0 by observation id. */
  sightings: Map<string, { count: number; first?: string; last?: string; path: string }>;
  /** Import ShadowAttribute proposals as indicators too (labelled `misp:proposal`). */
  proposalsAsEvidence?: boolean;
}

type ObjectRef = { uuid?: string; name: string };

/** A list member of a MISP node, read one element at a time (lazy lists from their bytes). */
export interface MispList {
  length: number;
  elements(): Generator<{ value: unknown; path: string }>;
}

const NO_LIST: MispList = { length: 0, *elements() {} };

/**
 * A value that must be a list, as a {@link MispList}: an empty one and a located problem when it
 * is something else; an element that is not valid JSON is reported at its path and skipped.
 */
export function listOf(ctx: ImportContext, v: unknown, path: string, name: string): MispList {
  if (v === undefined || v === null) return NO_LIST;
  if (!Array.isArray(v)) {
    ctx.report.issue('MISP_NOT_A_LIST', `"${name}" must be a list, not ${typeof v}`, { path });
    return NO_LIST;
  }
  return {
    length: listLength(v),
    *elements() {
      for (const el of listElements(v, path, ctx.file)) {
        if (el.error !== undefined) ctx.report.error(el.error);
        else yield { value: el.value, path: el.path };
      }
    },
  };
}

/** A member that must be a list: the list, or none and a located problem when it is something else. */
export function listAt(ctx: ImportContext, node: Json, key: string, path: string): MispList {
  return listOf(ctx, node[key], `${path}.${key}`, key);
}

/** The observation id of an attribute uuid. */
export function observationIdOf(uuid: string): string {
  return `misp-attribute--${uuid.toLowerCase()}`;
}

/** Reads a `Tag` list: names sorted into labels, TLP markings and galaxy clusters. */
export function readTags(ctx: ImportContext, raw: unknown, path: string): Tagging {
  const out: Tagging = { all: [], labels: [], markings: [], galaxies: [] };
  if (raw === undefined || raw === null) return out;
  if (!Array.isArray(raw)) {
    ctx.report.issue('MISP_NOT_A_LIST', `"Tag" must be a list, not ${typeof raw}`, { path });
    return out;
  }
  raw.forEach((t, i) => {
    const name = isObject(t) ? str(t.name) : str(t);
    if (name === undefined) {
      ctx.report.issue('MISP_BAD_TAG', 'tag needs a string "name"', { path: `${path}[${i}]` });
      return;
    }
    if (hasMarkup(name))
      ctx.report.issue('INTEL_VALUE_MARKUP', 'tag holds markup; stored as text, never rendered', {
        path: `${path}[${i}].name`,
      });
    sortTag(out, name);
  });
  return out;
}

function sortTag(out: Tagging, name: string): void {
  out.all.push(name);
  const tlp = tlpMarking(name);
  const galaxy = galaxyTag(name);
  if (tlp !== undefined) out.markings.push(tlp);
  else if (galaxy !== undefined) out.galaxies.push(galaxy);
  else out.labels.push(name);
}

/** Imports one attribute of the event (or of one of its objects). */
export function importAttribute(
  state: EventState,
  raw: unknown,
  path: string,
  object?: ObjectRef,
  objectTags?: Tagging,
): void {
  const { ctx } = state;
  ctx.report.report.recordsRead++;
  if (!isObject(raw)) {
    ctx.report.issue('MISP_BAD_ATTRIBUTE', 'attribute is not a JSON object', { path });
    return;
  }
  if (raw.deleted === true) {
    state.meta.deleted++;
    ctx.report.report.skipped++;
    ctx.report.setAside('misp deleted attribute');
    return;
  }
  const type = raw.type;
  const value = typeof raw.value === 'number' ? String(raw.value) : raw.value;
  if (typeof type !== 'string' || typeof value !== 'string') {
    ctx.report.issue('MISP_BAD_ATTRIBUTE', 'attribute needs string "type" and "value"', { path });
    return;
  }
  const uuid = str(raw.uuid);
  const tags = readTags(ctx, raw.Tag, `${path}.Tag`);
  addGalaxies(state, raw.Galaxy, `${path}.Galaxy`, tags.galaxies);
  if (raw.ShadowAttribute !== undefined)
    importProposals(state, raw.ShadowAttribute, `${path}.ShadowAttribute`, uuid);
  if (raw.Sighting !== undefined) readSightings(state, raw.Sighting, `${path}.Sighting`, uuid);
  const relation = str(raw.object_relation);
  const objectRef = object === undefined ? undefined : { ...object, ...(relation ? { relation } : {}) };
  const input: AttributeInput = { raw, type, value, uuid, path, object: objectRef, tags, objectTags };
  if (type === MISP_LINK_TYPE) addLink(state, input);
  else if (MISP_INDICATOR_TYPES[type] !== undefined) addObservation(state, input, MISP_INDICATOR_TYPES[type]);
  else addContext(state, input);
}

interface AttributeInput {
  raw: Json;
  type: string;
  value: string;
  uuid: string | undefined;
  path: string;
  object: (ObjectRef & { relation?: string }) | undefined;
  tags: Tagging;
  objectTags?: Tagging;
}

function addLink(state: EventState, a: AttributeInput): void {
  if (a.value.length > MAX_VALUE_LENGTH) {
    state.ctx.report.issue('INTEL_VALUE_TOO_LONG', `link of ${a.value.length} characters`, {
      path: `${a.path}.value`,
    });
    return;
  }
  const r: Report = {
    kind: 'report',
    id: cairnId('report', `${state.caseId} link ${a.value}`),
    provenance: { file: state.ctx.file, objectId: a.uuid, path: a.path },
    confidence: state.ctx.defaultConfidence,
    confidenceStated: false,
    name: str(a.raw.comment) || a.value,
    urls: [a.value],
    objectRefs: [state.caseId],
  };
  if (state.ctx.graph.add(r)) state.ctx.report.added('report');
}

/** Keeps a non-indicator attribute as context of the case; unknown types are also counted. */
function addContext(state: EventState, a: AttributeInput): void {
  const { meta, ctx } = state;
  if (!MISP_CONTEXT_TYPES.has(a.type)) {
    const type = a.type.slice(0, 80);
    if (meta.unknownTypes[type] === undefined)
      ctx.report.issue(
        'MISP_UNKNOWN_TYPE',
        `MISP attribute type ${JSON.stringify(type)} is not one cairn reads; kept as context`,
        {
          path: a.path,
          field: 'type',
        },
      );
    meta.unknownTypes[type] = (meta.unknownTypes[type] ?? 0) + 1;
    ctx.report.setAside(`misp unknown type ${type}`);
  } else {
    ctx.report.report.skipped++;
    ctx.report.setAside('misp context attribute');
  }
  if (a.value.length > MAX_VALUE_LENGTH) {
    ctx.report.issue('INTEL_VALUE_TOO_LONG', `${a.type} value of ${a.value.length} characters`, {
      path: `${a.path}.value`,
    });
    return;
  }
  const entry: MispContext = { type: a.type, value: a.value, path: a.path };
  if (a.uuid !== undefined) entry.uuid = a.uuid;
  const category = str(a.raw.category);
  if (category !== undefined) entry.category = category;
  const comment = str(a.raw.comment);
  if (comment) entry.comment = comment;
  if (a.object !== undefined) entry.object = a.object;
  meta.context.push(entry);
}

/** Last times converted: the attributes of one event mostly share a few timestamps. */
const isoCache = new Map<number, string>();

function isoOfSeconds(secs: number): string {
  let iso = isoCache.get(secs);
  if (iso === undefined) {
    if (isoCache.size > 1024) isoCache.clear();
    iso = new Date(secs * 1000).toISOString();
    isoCache.set(secs, iso);
  }
  return iso;
}

function attributeMeta(a: AttributeInput): MispAttributeMeta {
  const m: MispAttributeMeta = {};
  if (a.uuid !== undefined) m.uuid = a.uuid;
  const category = str(a.raw.category);
  if (category !== undefined) m.category = category;
  const d = a.raw.distribution;
  const dist = typeof d === 'number' ? d : typeof d === 'string' && /^\d$/.test(d) ? Number(d) : undefined;
  if (dist !== undefined) m.distribution = dist;
  const sg = isObject(a.raw.SharingGroup) ? str(a.raw.SharingGroup.name) : str(a.raw.sharing_group_id);
  if (sg !== undefined && sg !== '0') m.sharingGroup = sg;
  const ts = a.raw.timestamp;
  const secs = typeof ts === 'number' ? ts : typeof ts === 'string' && /^\d{1,12}$/.test(ts) ? Number(ts) : 0;
  if (secs > 0) m.timestamp = isoOfSeconds(secs);
  if (a.object !== undefined) m.object = a.object;
  return m;
}

function markingsOf(state: EventState, a: AttributeInput): string[] | undefined {
  if (a.tags.markings.length > 0) return a.tags.markings;
  if (a.objectTags !== undefined && a.objectTags.markings.length > 0) return a.objectTags.markings;
  return state.tagging.markings.length > 0 ? state.tagging.markings : undefined;
}

/** An indicator type: its parts split on `|` and added as indicators sharing one observation id. */
function addObservation(state: EventState, a: AttributeInput, parts: readonly MispPart[]): void {
  const { ctx } = state;
  const values = parts.length === 1 ? [a.value] : a.value.split('|');
  if (values.length !== parts.length) {
    ctx.report.issue(
      'MISP_BAD_ATTRIBUTE',
      `${a.type} value must have ${parts.length} parts separated by '|'`,
      {
        path: a.path,
        field: 'value',
      },
    );
    return;
  }
  const observation = isUuid(a.uuid)
    ? observationIdOf(a.uuid)
    : cairnId('misp-attribute', `${ctx.file}:${a.path}`);
  if (isUuid(a.uuid)) state.observations.set(a.uuid.toLowerCase(), observation);
  const meta = attributeMeta(a);
  if (parts.length > 1) meta.compositeValue = a.value;
  const labels = a.objectTags === undefined ? a.tags.labels : [...a.objectTags.labels, ...a.tags.labels];
  const markings = markingsOf(state, a);
  const indicatorParts = parts.filter((p) => p !== 'port' && p !== 'context').length;
  parts.forEach((p, k) => {
    if (p === 'port' || p === 'context') return;
    const ind = addIndicator(ctx, {
      id: indicatorParts === 1 ? observation : `${observation}/${k}`,
      type: p === 'ip' ? ipType(values[k]) : p,
      original: values[k],
      sourceType: a.type,
      comment: commentOf(a),
      caseIds: [state.caseId],
      labels,
      forDetection: a.raw.to_ids === true,
      firstSeen: str(a.raw.first_seen) ?? undefined,
      lastSeen: str(a.raw.last_seen) ?? undefined,
      provenance: { file: ctx.file, objectId: a.uuid, path: `${a.path}.value` },
    });
    if (ind === undefined || ind.caseIds[0] !== state.caseId) return;
    ind.observationId = observation;
    ind.misp = meta;
    if (markings !== undefined) ind.markings = markings;
  });
}

function commentOf(a: AttributeInput): string {
  return [a.object?.name, a.object?.relation, str(a.raw.comment)]
    .filter((x) => x !== undefined && x !== '')
    .join(' / ');
}

function ipType(value: string): IndicatorType {
  const t = detectIndicatorType(value);
  // Anything else is given as ipv4 so that normalisation reports it as a bad address.
  return t === 'ipv4' || t === 'ipv6' || t === 'cidr' ? t : 'ipv4';
}

/** ShadowAttribute proposals: kept on the case apart from the evidence (or as labelled indicators when asked). */
export function importProposals(state: EventState, raw: unknown, path: string, attributeUuid?: string): void {
  const { ctx } = state;
  for (const { value: p, path: at } of listOf(ctx, raw, path, 'ShadowAttribute').elements()) {
    if (!isObject(p) || typeof p.type !== 'string' || typeof p.value !== 'string') {
      ctx.report.issue('MISP_BAD_ATTRIBUTE', 'proposal needs string "type" and "value"', { path: at });
      continue;
    }
    const target = str(p.old_uuid) ?? str(p.attribute_uuid) ?? attributeUuid;
    state.meta.proposals.push({
      type: p.type,
      value: p.value.slice(0, MAX_VALUE_LENGTH),
      path: at,
      ...(str(p.category) !== undefined ? { category: str(p.category) } : {}),
      ...(typeof p.to_ids === 'boolean' ? { toIds: p.to_ids } : {}),
      ...(target !== undefined ? { attributeUuid: target } : {}),
      ...(str(p.comment) ? { comment: str(p.comment) } : {}),
    });
    ctx.report.setAside('misp proposal');
    if (state.proposalsAsEvidence === true) importProposalAsEvidence(state, p, at);
  }
}

function importProposalAsEvidence(state: EventState, p: Json, path: string): void {
  const parts = MISP_INDICATOR_TYPES[p.type as string];
  if (parts === undefined) return;
  const uuid = isUuid(p.uuid) ? `proposal-${p.uuid}` : undefined;
  const a: AttributeInput = {
    raw: { ...p, uuid },
    type: p.type as string,
    value: p.value as string,
    uuid: undefined,
    path,
    object: undefined,
    tags: { all: ['misp:proposal'], labels: ['misp:proposal'], markings: [], galaxies: [] },
  };
  addObservation(state, a, parts);
}

/** Sightings (type 0 seen, 1 false positive, 2 expiration), counted and dated per attribute. */
export function readSightings(state: EventState, raw: unknown, path: string, attributeUuid?: string): void {
  for (const { value: s, path: at } of listOf(state.ctx, raw, path, 'Sighting').elements()) {
    if (!isObject(s)) continue;
    const type = String(s.type ?? '0');
    const counts = state.meta.sightings;
    if (type === '1') counts.falsePositive++;
    else if (type === '2') counts.expiration++;
    else counts.seen++;
    const uuid = str(s.attribute_uuid) ?? attributeUuid;
    (state.meta.sightingRecords ??= []).push(sightingRecord(s, type, uuid));
    if (type !== '0' || !isUuid(uuid)) continue;
    addSeen(state, observationIdOf(uuid), s.date_sighting, at);
  }
}

function sightingRecord(s: Json, type: string, attributeUuid: string | undefined): MispSightingRecord {
  const date = sightingDate(s.date_sighting);
  const org = isObject(s.Organisation) ? str(s.Organisation.name) : undefined;
  return {
    type: type === '1' ? 1 : type === '2' ? 2 : 0,
    ...(attributeUuid !== undefined ? { attributeUuid } : {}),
    ...(date !== undefined ? { date } : {}),
    ...(str(s.source) ? { source: str(s.source) } : {}),
    ...(str(s.uuid) !== undefined ? { uuid: str(s.uuid) } : {}),
    ...(org !== undefined ? { org } : {}),
  };
}

function sightingDate(date: unknown): string | undefined {
  const secs =
    typeof date === 'number' ? date : typeof date === 'string' && /^\d{1,12}$/.test(date) ? Number(date) : 0;
  return secs > 0 ? new Date(secs * 1000).toISOString() : undefined;
}

function addSeen(state: EventState, observation: string, date: unknown, path: string): void {
  const secs =
    typeof date === 'number' ? date : typeof date === 'string' && /^\d{1,12}$/.test(date) ? Number(date) : 0;
  const when = secs > 0 ? new Date(secs * 1000).toISOString() : undefined;
  const s = state.sightings.get(observation) ?? { count: 0, path };
  s.count++;
  if (when !== undefined) {
    if (s.first === undefined || when < s.first) s.first = when;
    if (s.last === undefined || when > s.last) s.last = when;
  }
  state.sightings.set(observation, s);
}
