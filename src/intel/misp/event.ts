/**
 * One MISP event (or the lone attributes and objects of a file) into the graph: the case with its
 * MISP fields, tags and galaxies, then its attributes, objects, references, sightings and
 * proposals (draft-dulaunoy-misp-core-format: Event, Attribute, Object, ObjectReference, Tag,
 * Galaxy, Sighting, ShadowAttribute).
 */
import { str } from '../facts.js';
import type { ImportContext } from '../facts.js';
import type { Case, MispEventMeta, Relationship, RelationshipType, Sighting } from '../model.js';
import { emptyCase, RELATIONSHIP_TYPES } from '../model.js';
import { cairnId } from '../uuid.js';
import {
  importAttribute,
  importProposals,
  listAt,
  observationIdOf,
  readSightings,
  readTags,
} from './attribute.js';
import type { EventState, Tagging } from './attribute.js';
import { addGalaxies } from './galaxies.js';
import { isObject, isUuid } from './shapes.js';
import type { Json } from './shapes.js';

/** Most attributes read from one MISP object; past it the rest are reported and set aside. */
export const MAX_OBJECT_ATTRIBUTES = 10_000;

/** Seconds since 1970 (MISP `timestamp`, a string or number) as ISO 8601, or undefined. */
export function isoOfUnix(raw: unknown): string | undefined {
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,12}$/.test(raw) ? Number(raw) : NaN;
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : undefined;
}

/** A small MISP integer field (`distribution`, `analysis`...), or undefined. */
export function smallInt(raw: unknown): number | undefined {
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

function emptyMeta(): MispEventMeta {
  return {
    tags: [],
    galaxies: [],
    objects: [],
    sightings: { seen: 0, falsePositive: 0, expiration: 0 },
    proposals: [],
    context: [],
    unknownTypes: {},
    deleted: 0,
  };
}

function sharingGroupOf(node: Json): string | undefined {
  const sg = node.SharingGroup;
  if (isObject(sg)) return str(sg.name) ?? str(sg.uuid);
  const id =
    str(node.sharing_group_id) ??
    (typeof node.sharing_group_id === 'number' ? String(node.sharing_group_id) : undefined);
  return id !== undefined && id !== '0' ? id : undefined;
}

/** The event-level MISP fields cairn keeps. */
function eventMeta(event: Json): MispEventMeta {
  const meta = emptyMeta();
  const set = <K extends keyof MispEventMeta>(k: K, v: MispEventMeta[K] | undefined) => {
    if (v !== undefined) meta[k] = v;
  };
  set('uuid', str(event.uuid));
  set('orgc', isObject(event.Orgc) ? str(event.Orgc.name) : undefined);
  set('distribution', smallInt(event.distribution));
  set('sharingGroup', sharingGroupOf(event));
  set('threatLevel', smallInt(event.threat_level_id));
  set('analysis', smallInt(event.analysis));
  set('published', typeof event.published === 'boolean' ? event.published : undefined);
  set('timestamp', isoOfUnix(event.timestamp));
  set('publishTimestamp', isoOfUnix(event.publish_timestamp));
  set('extendsUuid', str(event.extends_uuid) || undefined);
  return meta;
}

function newCase(ctx: ImportContext, id: string, name: string, path: string, objectId?: string): Case {
  return emptyCase(id, name, 'misp-event', { file: ctx.file, objectId, path }, ctx.defaultConfidence);
}

function newState(ctx: ImportContext, c: Case, meta: MispEventMeta, tagging: Tagging): EventState {
  return {
    ctx,
    caseId: c.id,
    theCase: c,
    meta,
    tagging,
    observations: new Map(),
    objectUuids: new Set(),
    references: [],
    sightings: new Map(),
  };
}

/** Reads the event's own fields, tags and galaxies and adds its case. */
function beginEvent(ctx: ImportContext, event: Json, path: string): EventState {
  ctx.report.report.recordsRead++;
  const uuid = str(event.uuid);
  const id = isUuid(uuid)
    ? `misp-event--${uuid.toLowerCase()}`
    : cairnId('misp-event', `${ctx.file}:${path}`);
  const c = newCase(ctx, id, str(event.info) ?? '', path, uuid);
  const date = str(event.date);
  if (date !== undefined) c.date = date;
  const meta = eventMeta(event);
  const tagging = readTags(ctx, event.Tag, `${path}.Tag`);
  meta.tags = tagging.all;
  c.labels = tagging.labels;
  if (tagging.markings.length > 0) c.markings = tagging.markings;
  c.misp = meta;
  const state = newState(ctx, c, meta, tagging);
  if (ctx.graph.add(c)) ctx.report.added('case');
  addGalaxies(state, event.Galaxy, `${path}.Galaxy`, tagging.galaxies);
  return state;
}

/** A case for the lone attributes and objects of a file, named after the file. */
export function beginLooseCase(ctx: ImportContext): EventState {
  const name = ctx.file.replace(/^.*[\\/]/, '');
  const c = newCase(ctx, cairnId('misp-event', `${ctx.file}:loose`), name, '$');
  c.misp = emptyMeta();
  const state = newState(ctx, c, c.misp, { all: [], labels: [], markings: [], galaxies: [] });
  const existing = ctx.graph.getAs('case', c.id);
  if (existing !== undefined)
    return { ...state, caseId: existing.id, theCase: existing, meta: existing.misp ?? c.misp };
  ctx.graph.add(c);
  ctx.report.added('case');
  return state;
}

/** Imports one event: its case, attributes, objects, then what refers to them. */
export function importEvent(
  ctx: ImportContext,
  event: Json,
  path: string,
  proposalsAsEvidence = false,
): void {
  const state = beginEvent(ctx, event, path);
  state.proposalsAsEvidence = proposalsAsEvidence;
  for (const a of listAt(ctx, event, 'Attribute', path).elements()) importAttribute(state, a.value, a.path);
  for (const o of listAt(ctx, event, 'Object', path).elements()) importObject(state, o.value, o.path);
  importProposals(state, event.ShadowAttribute, `${path}.ShadowAttribute`);
  readSightings(state, event.Sighting, `${path}.Sighting`);
  finishEvent(state);
}

/** Imports one MISP object: its attributes with the object's name and relation, its references. */
export function importObject(state: EventState, raw: unknown, path: string): void {
  const { ctx } = state;
  if (!isObject(raw)) {
    ctx.report.issue('MISP_BAD_OBJECT', 'MISP object is not a JSON object', { path });
    return;
  }
  if (raw.deleted === true) {
    state.meta.deleted++;
    ctx.report.setAside('misp deleted object');
    return;
  }
  const name = str(raw.name) ?? '';
  const uuid = str(raw.uuid);
  if (isUuid(uuid)) state.objectUuids.add(uuid.toLowerCase());
  const attrs = listAt(ctx, raw, 'Attribute', path);
  const n = Math.min(attrs.length, MAX_OBJECT_ATTRIBUTES);
  if (attrs.length > MAX_OBJECT_ATTRIBUTES) {
    ctx.report.issue(
      'MISP_OBJECT_TOO_LARGE',
      `object "${name.slice(0, 80)}" has ${attrs.length} attributes; the first ${MAX_OBJECT_ATTRIBUTES} are read`,
      { path: `${path}.Attribute` },
    );
    ctx.report.setAside('misp attribute past the object limit', attrs.length - n);
  }
  const objectTags = readTags(ctx, raw.Tag, `${path}.Tag`);
  const object = { name, ...(uuid !== undefined ? { uuid } : {}) };
  let read = 0;
  for (const a of attrs.elements()) {
    if (read++ >= n) break;
    importAttribute(state, a.value, a.path, object, objectTags);
  }
  state.meta.objects.push({
    name,
    attributes: n,
    ...(uuid !== undefined ? { uuid } : {}),
    ...(str(raw['meta-category']) !== undefined ? { metaCategory: str(raw['meta-category']) } : {}),
    ...(str(raw.comment) ? { comment: str(raw.comment) } : {}),
  });
  for (const r of listAt(ctx, raw, 'ObjectReference', path).elements())
    state.references.push({ raw: r.value, path: r.path, from: uuid });
}

/** Imports lone attributes and objects into the file's case. */
export function finishLoose(state: EventState): void {
  finishEvent(state);
}

/** Adds the relationships of object references and the sighting facts once everything is read. */
function finishEvent(state: EventState): void {
  state.references.forEach((r) => addReference(state, r.raw, r.path, r.from));
  for (const [observation, s] of state.sightings) addSighting(state, observation, s);
}

function refIdOf(state: EventState, uuid: string): string {
  const u = uuid.toLowerCase();
  if (state.objectUuids.has(u)) return `misp-object--${u}`;
  return state.observations.get(u) ?? observationIdOf(u);
}

function addReference(state: EventState, raw: unknown, path: string, from: string | undefined): void {
  const { ctx } = state;
  if (!isObject(raw)) {
    ctx.report.issue('MISP_BAD_OBJECT', 'object reference is not a JSON object', { path });
    return;
  }
  const source = str(raw.object_uuid) ?? from;
  const target = str(raw.referenced_uuid);
  const relation = str(raw.relationship_type) ?? 'related-to';
  if (raw.deleted === true) return;
  if (!isUuid(source) || !isUuid(target)) {
    ctx.report.issue('MISP_BAD_OBJECT', 'object reference needs object_uuid and referenced_uuid', { path });
    return;
  }
  const known = (RELATIONSHIP_TYPES as readonly string[]).includes(relation);
  const rel: Relationship = {
    kind: 'relationship',
    id: cairnId('relationship', `${state.caseId} ${source} ${relation} ${target}`),
    provenance: { file: ctx.file, objectId: str(raw.uuid), path },
    confidence: ctx.defaultConfidence,
    confidenceStated: false,
    type: known ? (relation as RelationshipType) : 'related-to',
    sourceRef: refIdOf(state, source),
    targetRef: refIdOf(state, target),
    revoked: false,
    deprecated: false,
  };
  if (!known) rel.sourceType = relation;
  const comment = str(raw.comment);
  if (comment) rel.description = comment;
  if (ctx.graph.add(rel)) ctx.report.added('relationship');
}

function addSighting(
  state: EventState,
  observation: string,
  s: { count: number; first?: string; last?: string; path: string },
): void {
  const sighting: Sighting = {
    kind: 'sighting',
    id: cairnId('sighting', `${state.caseId} ${observation}`),
    provenance: { file: state.ctx.file, path: s.path },
    confidence: state.ctx.defaultConfidence,
    confidenceStated: false,
    sightingOfRef: observation,
    observedDataRefs: [],
    whereSightedRefs: [],
    count: s.count,
  };
  if (s.first !== undefined) sighting.firstSeen = s.first;
  if (s.last !== undefined) sighting.lastSeen = s.last;
  if (state.ctx.graph.add(sighting)) state.ctx.report.added('sighting');
}
