/**
 * STIX 2.0 / 2.1 bundle importer: SDOs, SCOs, relationships and sightings, streamed object by
 * object (see json-scan.ts), with indicator patterns parsed by pattern.ts.
 */
import type { EvidenceGraph } from './graph.js';
import { addIndicator, beginImport, readConfidence, str, stringList } from './facts.js';
import type { ImportContext, ImportOptions } from './facts.js';
import { decodeInput, scanJsonArray } from './json-scan.js';
import { RELATIONSHIP_TYPES } from './model.js';
import type {
  Actor,
  Case,
  IndicatorType,
  MalwareFamily,
  Relationship,
  RelationshipType,
  Provenance,
  Report,
  Sighting,
  Technique,
} from './model.js';
import { PatternError, extractPatternIndicators, parsePattern } from './pattern.js';
import { ReportBuilder } from './report.js';
import type { ImportReport } from './report.js';
import { isStixId } from './uuid.js';
import { CAIRN_EXTENSION_ID, tlpOfMarking } from './stix-export.js';

/**
 * A cairn property of an object: from cairn's property extension, else the `x_cairn_` custom
 * property older exports wrote.
 */
function cairnProp(obj: Json, name: string): unknown {
  const ext = (obj.extensions as Json | undefined)?.[CAIRN_EXTENSION_ID] as Json | undefined;
  return ext?.[name] ?? obj[`x_cairn_${name}`];
}

/** The labels of an object with its TLP markings as `tlp:<level>` labels (TLP 1.0 WHITE as clear). */
function labelsWithTlp(obj: Json): string[] {
  const labels = stringList(obj.labels);
  for (const ref of stringList(obj.object_marking_refs)) {
    const level = tlpOfMarking(ref);
    if (level !== undefined && !labels.includes(`tlp:${level}`)) labels.push(`tlp:${level}`);
  }
  return labels;
}

/** Options of {@link importStixBundle}. */
export interface StixImportOptions extends ImportOptions {
  /** Format recorded on the Source fact (`attack` for the ATT&CK importer). */
  format?: 'stix' | 'attack';
  /**
   * Which objects to import, asked of each once parsed: the others are read and counted as
   * skipped, nothing else (no checks, no fact). All of them when not given.
   */
  keep?: (object: Readonly<Record<string, unknown>>) => boolean;
}

type Json = Record<string, unknown>;

const SCO_TYPES: Record<string, { prop: string; type: IndicatorType }> = {
  'ipv4-addr': { prop: 'value', type: 'ipv4' },
  'ipv6-addr': { prop: 'value', type: 'ipv6' },
  'domain-name': { prop: 'value', type: 'domain' },
  url: { prop: 'value', type: 'url' },
  'email-addr': { prop: 'value', type: 'email' },
  mutex: { prop: 'name', type: 'mutex' },
};
const HASH_NAMES: Record<string, IndicatorType> = {
  md5: 'md5',
  'sha-1': 'sha1',
  sha1: 'sha1',
  'sha-256': 'sha256',
  sha256: 'sha256',
  'sha-512': 'sha512',
  sha512: 'sha512',
  ssdeep: 'ssdeep',
  tlsh: 'tlsh',
};
/** Custom SCO types cairn's export uses for indicator kinds STIX has no object for. */
export const CAIRN_CUSTOM_SCO_PREFIX = 'x-cairn-';

/** SDO/SRO types that are read but carry nothing the model keeps; counted as skipped. */
const IGNORED_TYPES = new Set([
  'identity',
  'marking-definition',
  'course-of-action',
  'vulnerability',
  'location',
  'note',
  'opinion',
  'infrastructure',
  'language-content',
  'extension-definition',
  'x-mitre-tactic',
  'x-mitre-matrix',
  'x-mitre-collection',
  'x-mitre-data-source',
  'x-mitre-data-component',
  'x-mitre-analytic',
  'x-mitre-detection-strategy',
]);

function externalIds(obj: Json): { ids: string[]; urls: string[] } {
  const ids: string[] = [];
  const urls: string[] = [];
  const refs = Array.isArray(obj.external_references) ? obj.external_references : [];
  for (const r of refs as unknown[]) {
    if (r === null || typeof r !== 'object') continue;
    const ref = r as Json;
    const id = str(ref.external_id);
    if (id !== undefined && (ref.source_name === 'mitre-attack' || /^[GSTCM]\d{4}/.test(id))) ids.push(id);
    const url = str(ref.url);
    if (url !== undefined) urls.push(url);
  }
  return { ids, urls };
}

/**
 * Imports one STIX bundle (2.0 or 2.1; gzip accepted) into `graph`. Never throws for bad input:
 * every problem is in the returned report with its JSON path.
 */
export function importStixBundle(
  graph: EvidenceGraph,
  input: Uint8Array | string,
  options: StixImportOptions = {},
): ImportReport {
  const report = new ReportBuilder(options.file ?? '<stix>');
  let text: string;
  try {
    text = decodeInput(input, report.report.file);
  } catch (err) {
    report.error(err as PatternError);
    return report.report;
  }
  const ctx = beginImport(graph, report, options, options.format ?? 'stix');
  pendingCaseRefs.clear();
  pendingObserved.clear();
  const addedIds: string[] = [];
  const keep = options.keep;
  const scan = scanJsonArray(
    text,
    'objects',
    (el) => {
      report.report.recordsRead++;
      let obj: unknown;
      try {
        obj = JSON.parse(el.text);
      } catch (err) {
        report.issue('INTEL_BAD_JSON', `object is not valid JSON: ${(err as Error).message}`, {
          path: el.path,
          offset: el.offset,
        });
        return;
      }
      if (keep !== undefined && obj !== null && typeof obj === 'object' && !keep(obj as Json)) {
        report.report.skipped++;
        return;
      }
      importObject(ctx, obj, el.path, addedIds);
    },
    report.report.file,
  );
  if (scan.error !== undefined) report.error(scan.error);
  const bundleVersion = str(scan.header.spec_version);
  if (scan.header.type !== undefined && scan.header.type !== 'bundle')
    report.issue('STIX_NOT_A_BUNDLE', `top-level type is ${JSON.stringify(scan.header.type)}, not "bundle"`, {
      path: '$.type',
    });
  if (!scan.foundArray && scan.error === undefined)
    report.issue('STIX_NO_OBJECTS', 'bundle has no "objects" array', { path: '$' });
  const source = graph.getAs('source', ctx.sourceId);
  if (source !== undefined && bundleVersion !== undefined) source.version = bundleVersion;
  linkIndicatorsToCases(ctx, addedIds);
  return report.report;
}

/** What every STIX domain object shares once its type and id are valid. */
interface StixObject {
  ctx: ImportContext;
  obj: Json;
  type: string;
  id: string;
  path: string;
  conf: ReturnType<typeof readConfidence>;
  base: { id: string; provenance: Provenance; confidence: number; confidenceStated: boolean };
  name: string;
  description?: string;
  revoked: boolean;
  deprecated: boolean;
}

type DomainFact = Actor | MalwareFamily | Technique | Case | Report | Relationship | Sighting;

function importObject(ctx: ImportContext, raw: unknown, path: string, added: string[]): void {
  const stix = validObject(ctx, raw, path);
  if (stix === undefined) return;
  const { obj, type, id, conf } = stix;
  if (type === 'indicator') return importIndicator(ctx, obj, id, path, conf, added);
  if (SCO_TYPES[type] !== undefined || type === 'file' || type.startsWith(CAIRN_CUSTOM_SCO_PREFIX)) {
    for (const ind of scoIndicators(ctx, obj, type, id, path, conf)) added.push(ind);
    return;
  }
  if (type === 'observed-data') return importObservedData(stix, added);
  const fact = domainFact(stix);
  if (fact !== undefined && ctx.graph.add(fact)) {
    ctx.report.added(fact.kind);
    added.push(fact.id);
  }
}

/** The object with its common fields when it has a valid type and id; else an issue and undefined. */
function validObject(ctx: ImportContext, raw: unknown, path: string): StixObject | undefined {
  const { report } = ctx;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    report.issue('STIX_BAD_OBJECT', 'bundle member is not a JSON object', { path });
    return undefined;
  }
  const obj = raw as Json;
  const type = obj.type;
  if (typeof type !== 'string' || !/^[a-z0-9][a-z0-9-]{0,249}$/.test(type)) {
    report.issue('STIX_BAD_OBJECT', `object has no valid "type" (${JSON.stringify(type)?.slice(0, 60)})`, {
      path: `${path}.type`,
    });
    return undefined;
  }
  if (!isStixId(obj.id, type)) {
    report.issue(
      'STIX_BAD_ID',
      `${type} object has id ${JSON.stringify(obj.id)?.slice(0, 80)}, not "${type}--<uuid>"`,
      {
        path: `${path}.id`,
        recordType: type,
      },
    );
    return undefined;
  }
  const id = obj.id;
  const conf = readConfidence(ctx, obj.confidence, `${path}.confidence`);
  return {
    ctx,
    obj,
    type,
    id,
    path,
    conf,
    base: {
      id,
      provenance: { file: ctx.file, objectId: id, path },
      confidence: conf.confidence,
      confidenceStated: conf.stated,
    },
    name: str(obj.name) ?? '',
    description: str(obj.description),
    revoked: obj.revoked === true,
    deprecated: obj.x_mitre_deprecated === true,
  };
}

/** The fact a domain object or relationship becomes; undefined (skipped or an issue) otherwise. */
function domainFact(stix: StixObject): DomainFact | undefined {
  switch (stix.type) {
    case 'intrusion-set':
    case 'threat-actor':
      return actorOf(stix);
    case 'malware':
    case 'tool':
      return softwareOf(stix, stix.type);
    case 'attack-pattern':
      return techniqueOf(stix);
    case 'campaign':
    case 'incident':
    case 'grouping':
      return caseOf(stix);
    case 'report':
      return reportOf(stix);
    case 'relationship':
      return relationshipOf(stix);
    case 'sighting':
      return sightingOf(stix);
    default:
      if (IGNORED_TYPES.has(stix.type) || stix.type.startsWith('x-')) stix.ctx.report.report.skipped++;
      else
        stix.ctx.report.issue('STIX_UNKNOWN_TYPE', `unknown STIX object type ${JSON.stringify(stix.type)}`, {
          path: stix.path,
          recordType: stix.type,
        });
      return undefined;
  }
}

function actorOf({ obj, base, name, description, revoked, deprecated }: StixObject): Actor {
  const actor: Actor = {
    kind: 'actor',
    ...base,
    name,
    aliases: stringList(obj.aliases),
    externalIds: externalIds(obj).ids,
    revoked,
    deprecated,
  };
  const country = str(obj.country) ?? str(cairnProp(obj, 'country'));
  if (country !== undefined) actor.country = country;
  if (description !== undefined) actor.description = description;
  return actor;
}

function softwareOf(
  { obj, base, name, description, revoked, deprecated }: StixObject,
  softwareKind: 'malware' | 'tool',
): MalwareFamily {
  const family: MalwareFamily = {
    kind: 'malware',
    ...base,
    name,
    softwareKind,
    aliases: stringList(obj.aliases ?? obj.x_mitre_aliases),
    externalIds: externalIds(obj).ids,
    revoked,
    deprecated,
  };
  if (description !== undefined) family.description = description;
  return family;
}

function techniqueOf({ obj, base, name, revoked, deprecated }: StixObject): Technique {
  const phases = Array.isArray(obj.kill_chain_phases) ? (obj.kill_chain_phases as unknown[]) : [];
  const technique: Technique = {
    kind: 'technique',
    ...base,
    name,
    tactics: phases.flatMap((p) =>
      p !== null && typeof p === 'object' && typeof (p as Json).phase_name === 'string'
        ? [(p as Json).phase_name as string]
        : [],
    ),
    isSubtechnique: obj.x_mitre_is_subtechnique === true,
    revoked,
    deprecated,
  };
  const tid = externalIds(obj).ids.find((x) => /^T\d{4}(\.\d{3})?$/.test(x));
  if (tid !== undefined) technique.externalId = tid;
  return technique;
}

/** A campaign, incident or grouping; a grouping's object_refs join the case at the end of the import. */
function caseOf({ obj, type, id, base, name, description, revoked, deprecated }: StixObject): Case {
  const kindProp = str(cairnProp(obj, 'case_kind'));
  const c: Case = {
    kind: 'case',
    ...base,
    caseKind:
      kindProp === 'incident' ||
      kindProp === 'campaign' ||
      kindProp === 'misp-event' ||
      kindProp === 'report-list'
        ? kindProp
        : type === 'campaign'
          ? 'campaign'
          : 'incident',
    name,
    aliases: stringList(obj.aliases),
    labels: labelsWithTlp(obj),
    actorLabels: stringList(cairnProp(obj, 'actor_labels')),
    techniqueIds: stringList(cairnProp(obj, 'technique_ids')),
    externalIds: externalIds(obj).ids,
    revoked,
    deprecated,
  };
  if (description !== undefined) c.description = description;
  const fs = str(obj.first_seen);
  const ls = str(obj.last_seen);
  if (fs !== undefined) c.firstSeen = fs;
  if (ls !== undefined) c.lastSeen = ls;
  const date = str(cairnProp(obj, 'date'));
  if (date !== undefined) c.date = date;
  if (type === 'grouping') {
    for (const ref of stringList(obj.object_refs)) pendingCaseRefs.set(`${ref}\u0000${id}`, [ref, id]);
  }
  return c;
}

function reportOf({ obj, base, name }: StixObject): Report {
  const r: Report = {
    kind: 'report',
    ...base,
    name,
    urls: externalIds(obj).urls,
    objectRefs: stringList(obj.object_refs),
  };
  const published = str(obj.published);
  if (published !== undefined) r.published = published;
  return r;
}

function relationshipOf({
  ctx,
  obj,
  type,
  path,
  base,
  description,
  revoked,
  deprecated,
}: StixObject): Relationship | undefined {
  const rawType = str(obj.relationship_type);
  const src = obj.source_ref;
  const dst = obj.target_ref;
  if (rawType === undefined || !isStixId(src) || !isStixId(dst)) {
    ctx.report.issue(
      'STIX_BAD_RELATIONSHIP',
      'relationship needs relationship_type, source_ref and target_ref ids',
      {
        path,
        recordType: type,
      },
    );
    return undefined;
  }
  const known = (RELATIONSHIP_TYPES as readonly string[]).includes(rawType);
  const rel: Relationship = {
    kind: 'relationship',
    ...base,
    type: known ? (rawType as RelationshipType) : 'related-to',
    sourceRef: src,
    targetRef: dst,
    revoked,
    deprecated,
  };
  if (!known) rel.sourceType = rawType;
  if (description !== undefined) rel.description = description;
  return rel;
}

function sightingOf({ ctx, obj, type, path, base }: StixObject): Sighting | undefined {
  const of = obj.sighting_of_ref;
  if (!isStixId(of)) {
    ctx.report.issue('STIX_BAD_SIGHTING', 'sighting needs a sighting_of_ref id', { path, recordType: type });
    return undefined;
  }
  const s: Sighting = {
    kind: 'sighting',
    ...base,
    sightingOfRef: of,
    observedDataRefs: stringList(obj.observed_data_refs),
    whereSightedRefs: stringList(obj.where_sighted_refs),
  };
  const fs = str(obj.first_seen);
  const ls = str(obj.last_seen);
  if (fs !== undefined) s.firstSeen = fs;
  if (ls !== undefined) s.lastSeen = ls;
  if (typeof obj.count === 'number' && Number.isInteger(obj.count) && obj.count >= 0) s.count = obj.count;
  return s;
}

/**
 * Observed data: in STIX 2.1 its `object_refs` name SCOs of the bundle, values seen but not for
 * detection (the SCOs' indicators are marked so at the end of the import, with the original and
 * type cairn's extension carries); STIX 2.0 embeds its SCOs in `objects` (keyed "0", "1"...).
 */
function importObservedData({ ctx, obj, id, path, conf }: StixObject, added: string[]): void {
  if (Array.isArray(obj.object_refs)) {
    const originals = cairnProp(obj, 'originals');
    const original = Array.isArray(originals) && typeof originals[0] === 'string' ? originals[0] : undefined;
    for (const ref of stringList(obj.object_refs))
      pendingObserved.set(ref, { original, labels: labelsWithTlp(obj), observedDataId: id });
    return;
  }
  const objs = obj.objects;
  if (objs === null || typeof objs !== 'object' || Array.isArray(objs)) {
    ctx.report.report.skipped++;
    return;
  }
  for (const [k, sco] of Object.entries(objs as Json).slice(0, 10_000)) {
    if (sco === null || typeof sco !== 'object') continue;
    const t = (sco as Json).type;
    if (typeof t === 'string' && (SCO_TYPES[t] !== undefined || t === 'file'))
      for (const ind of scoIndicators(ctx, sco as Json, t, `${id}/${k}`, `${path}.objects.${k}`, conf))
        added.push(ind);
  }
}

/** grouping object_refs seen during the current import, applied at the end (refs may come first). */
const pendingCaseRefs = new Map<string, [string, string]>();
/** SCO ids STIX 2.1 observed-data names in the current import, with what cairn's extension says. */
const pendingObserved = new Map<string, { original?: string; labels: string[]; observedDataId: string }>();

function importIndicator(
  ctx: ImportContext,
  obj: Json,
  id: string,
  path: string,
  conf: { confidence: number; stated: boolean },
  added: string[],
): void {
  const pattern = obj.pattern;
  const patternType = str(obj.pattern_type) ?? 'stix';
  const common = {
    confidence: conf,
    labels: labelsWithTlp(obj),
    validFrom: str(obj.valid_from),
    forDetection: true,
    comment: str(obj.name),
  };
  if (typeof pattern !== 'string') {
    ctx.report.issue('STIX_BAD_PATTERN', 'indicator has no string pattern', { path: `${path}.pattern` });
    return;
  }
  if (patternType === 'yara') {
    const ind = addIndicator(ctx, {
      ...common,
      id,
      type: 'yara-rule',
      original: pattern,
      sourceType: 'pattern_type=yara',
      provenance: { file: ctx.file, objectId: id, path: `${path}.pattern` },
    });
    if (ind !== undefined) added.push(ind.id);
    return;
  }
  if (patternType !== 'stix') {
    ctx.report.issue('STIX_UNSUPPORTED_PATTERN', `pattern_type ${JSON.stringify(patternType)} is not read`, {
      path: `${path}.pattern_type`,
    });
    return;
  }
  let ast;
  try {
    ast = parsePattern(pattern);
  } catch (err) {
    if (err instanceof PatternError) {
      ctx.report.issue(err.code, err.message, { path: `${path}.pattern`, offset: err.location.offset });
      return;
    }
    throw err;
  }
  const found = extractPatternIndicators(ast, pattern, `${path}.pattern`);
  for (const u of found.unsupported) ctx.report.error(u);
  const explicitType = str(cairnProp(obj, 'indicator_type'));
  const originalsProp = cairnProp(obj, 'originals');
  const originals = Array.isArray(originalsProp) ? (originalsProp as unknown[]) : [];
  found.indicators.forEach((pi, k) => {
    const type =
      explicitType !== undefined && found.indicators.length === 1 && isCompatible(pi.type, explicitType)
        ? (explicitType as IndicatorType)
        : pi.type;
    const original = typeof originals[k] === 'string' ? (originals[k] as string) : pi.value;
    const ind = addIndicator(ctx, {
      ...common,
      id: found.indicators.length === 1 ? id : `${id}/${k}`,
      type,
      original,
      sourceType: pi.path,
      provenance: { file: ctx.file, objectId: id, path: `${path}.pattern@${pi.offset}` },
    });
    if (ind !== undefined) added.push(ind.id);
  });
}

/** The export may refine a pattern type (domain-name → hostname, x-cairn-* → its kind). */
function isCompatible(found: IndicatorType, claimed: string): boolean {
  if (found === claimed) return true;
  if (found === 'domain' && claimed === 'hostname') return true;
  return false;
}

function scoIndicators(
  ctx: ImportContext,
  obj: Json,
  type: string,
  id: string,
  path: string,
  conf: { confidence: number; stated: boolean },
): string[] {
  const out: string[] = [];
  const push = (t: IndicatorType, value: unknown, prop: string, k: number | undefined) => {
    if (typeof value !== 'string') {
      ctx.report.issue('STIX_BAD_OBJECT', `${type}.${prop} is not a string`, { path: `${path}.${prop}` });
      return;
    }
    const ind = addIndicator(ctx, {
      id: k === undefined ? id : `${id}/${k}`,
      type: t,
      original: typeof obj.x_cairn_original === 'string' && k === undefined ? obj.x_cairn_original : value,
      sourceType: `${type}:${prop}`,
      confidence: conf,
      provenance: { file: ctx.file, objectId: id, path: `${path}.${prop}` },
    });
    if (ind !== undefined) out.push(ind.id);
  };
  const sco = SCO_TYPES[type];
  if (sco !== undefined) {
    const value = obj[sco.prop];
    const t =
      sco.type === 'ipv4' || sco.type === 'ipv6'
        ? typeof value === 'string' && value.includes('/')
          ? 'cidr'
          : sco.type
        : sco.type;
    push(t, value, sco.prop, undefined);
  } else if (type.startsWith(CAIRN_CUSTOM_SCO_PREFIX)) {
    const t = type.slice(CAIRN_CUSTOM_SCO_PREFIX.length);
    if (
      (Object.values(HASH_NAMES) as string[]).includes(t) ||
      ['hostname', 'imphash', 'string', 'byte-pattern', 'attack-technique', 'filename'].includes(t)
    )
      push(t as IndicatorType, obj.value, 'value', undefined);
    else ctx.report.report.skipped++;
  } else if (type === 'file') {
    let k = 0;
    const hashes = obj.hashes;
    if (hashes !== null && typeof hashes === 'object' && !Array.isArray(hashes)) {
      for (const [alg, v] of Object.entries(hashes as Json)) {
        const t = HASH_NAMES[alg.toLowerCase()];
        if (t === undefined) {
          ctx.report.issue('STIX_UNSUPPORTED_HASH', `hash algorithm ${JSON.stringify(alg)} is not read`, {
            path: `${path}.hashes`,
          });
          continue;
        }
        push(t, v, `hashes.${alg}`, k++);
      }
    }
    if (obj.name !== undefined) push('filename', obj.name, 'name', k);
  }
  return out;
}

/**
 * Gives indicators their cases: an indicator that `indicates` (or is `related-to`) a campaign or
 * incident, or that a grouping lists, belongs to that case.
 */
function linkIndicatorsToCases(ctx: ImportContext, added: string[]): void {
  const { graph } = ctx;
  const byObject = new Map<string, string[]>();
  for (const id of added) {
    const f = graph.get(id);
    if (f?.kind === 'indicator' && f.provenance.objectId !== undefined) {
      const list = byObject.get(f.provenance.objectId) ?? [];
      list.push(id);
      byObject.set(f.provenance.objectId, list);
    }
  }
  const link = (objectId: string, caseId: string) => {
    if (graph.getAs('case', caseId) === undefined) return;
    for (const indId of byObject.get(objectId) ?? []) {
      const ind = graph.getAs('indicator', indId);
      if (ind !== undefined) graph.addIndicatorToCase(ind, caseId);
    }
  };
  for (const id of added) {
    const f = graph.get(id);
    if (f?.kind === 'relationship' && (f.type === 'indicates' || f.type === 'related-to'))
      link(f.sourceRef, f.targetRef);
  }
  for (const [scoId, seen] of pendingObserved)
    for (const indId of byObject.get(scoId) ?? []) {
      const ind = graph.getAs('indicator', indId);
      if (ind === undefined) continue;
      ind.forDetection = false;
      if (seen.original !== undefined) ind.original = seen.original;
      for (const l of seen.labels) if (!ind.labels.includes(l)) ind.labels.push(l);
    }
  for (const [, [ref, caseId]] of pendingCaseRefs) {
    link(ref, caseId);
    // A technique the grouping lists is one of the case's techniques.
    const technique = graph.getAs('technique', ref);
    const theCase = graph.getAs('case', caseId);
    if (
      technique?.externalId !== undefined &&
      theCase !== undefined &&
      !theCase.techniqueIds.includes(technique.externalId)
    )
      theCase.techniqueIds.push(technique.externalId);
  }
  pendingCaseRefs.clear();
  pendingObserved.clear();
}

/** Facts of a graph reachable from a STIX id (indicator facts split from one pattern share it). */
export function indicatorsOfStixObject(graph: EvidenceGraph, stixId: string): string[] {
  const out: string[] = [];
  if (graph.getAs('indicator', stixId) !== undefined) out.push(stixId);
  for (let k = 0; ; k++) {
    if (graph.getAs('indicator', `${stixId}/${k}`) === undefined) break;
    out.push(`${stixId}/${k}`);
  }
  return out;
}
