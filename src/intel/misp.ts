/**
 * MISP importers: events (`{"Event": …}`, `{"response": [{"Event": …}]}` or an array of either)
 * with their attributes, object attributes, tags and galaxy clusters; and galaxy cluster files
 * (threat-actor, malpedia...) that give actors and malware families with their synonyms.
 */
import { addIndicator, beginImport, str, stringList } from './facts.js';
import type { ImportContext, ImportOptions } from './facts.js';
import type { EvidenceGraph } from './graph.js';
import { decodeInput } from './json-scan.js';
import {
  emptyCase,
  type Actor,
  type IndicatorType,
  type MalwareFamily,
  type Relationship,
  type Report,
} from './model.js';
import { detectIndicatorType } from './normalize.js';
import { MAX_VALUE_LENGTH, ReportBuilder } from './report.js';
import type { ImportReport } from './report.js';
import { cairnId } from './uuid.js';

type Json = Record<string, unknown>;

/** How a MISP attribute type becomes indicators: one type per `|`-separated part. */
const MISP_TYPES: Record<string, readonly (IndicatorType | 'ip' | null)[]> = {
  'ip-dst': ['ip'],
  'ip-src': ['ip'],
  'ip-dst|port': ['ip', null],
  'ip-src|port': ['ip', null],
  domain: ['domain'],
  'domain|ip': ['domain', 'ip'],
  hostname: ['hostname'],
  'hostname|port': ['hostname', null],
  url: ['url'],
  email: ['email'],
  'email-src': ['email'],
  'email-dst': ['email'],
  md5: ['md5'],
  sha1: ['sha1'],
  sha256: ['sha256'],
  sha512: ['sha512'],
  ssdeep: ['ssdeep'],
  tlsh: ['tlsh'],
  imphash: ['imphash'],
  filename: ['filename'],
  'filename|md5': ['filename', 'md5'],
  'filename|sha1': ['filename', 'sha1'],
  'filename|sha256': ['filename', 'sha256'],
  'filename|sha512': ['filename', 'sha512'],
  'filename|ssdeep': ['filename', 'ssdeep'],
  'filename|imphash': ['filename', 'imphash'],
  'filename|tlsh': ['filename', 'tlsh'],
  mutex: ['mutex'],
  yara: ['yara-rule'],
  regkey: ['string'],
  'regkey|value': ['string', null],
  'named pipe': ['string'],
  'pattern-in-file': ['string'],
  'pattern-in-memory': ['string'],
  'pattern-in-traffic': ['string'],
  'email-subject': ['string'],
  'user-agent': ['string'],
  uri: ['string'],
};

/** MISP attribute types that are not indicators; read, counted as skipped, no issue. */
const NON_INDICATOR_TYPES = new Set([
  'text',
  'comment',
  'other',
  'port',
  'datetime',
  'counter',
  'size-in-bytes',
  'float',
  'boolean',
  'AS',
  'attachment',
  'malware-sample',
  'whois-registrant-email',
  'whois-registrant-name',
  'whois-registrar',
  'whois-creation-date',
  'x509-fingerprint-sha1',
  'x509-fingerprint-sha256',
  'x509-fingerprint-md5',
  'vulnerability',
  'weakness',
  'target-org',
  'target-location',
  'threat-actor',
  'campaign-name',
  'campaign-id',
  'email-body',
  'email-header',
  'email-attachment',
  'mime-type',
  'cpe',
  'hex',
  'github-repository',
]);

/**
 * Imports one MISP event file. Never throws for bad input; problems are in the report with the
 * JSON path of the attribute.
 */
export function importMispEvent(
  graph: EvidenceGraph,
  input: Uint8Array | string,
  options: ImportOptions = {},
): ImportReport {
  const report = new ReportBuilder(options.file ?? '<misp>');
  const doc = parseJson(report, input);
  if (doc === undefined) return report.report;
  const ctx = beginImport(graph, report, options, 'misp-event');
  const events: [Json, string][] = [];
  const collect = (node: unknown, path: string) => {
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      const o = node as Json;
      if (o.Event !== null && typeof o.Event === 'object' && !Array.isArray(o.Event))
        events.push([o.Event as Json, `${path}.Event`]);
      else if (Array.isArray(o.response)) o.response.forEach((r, i) => collect(r, `${path}.response[${i}]`));
      else report.issue('MISP_NOT_AN_EVENT', 'no "Event" or "response" member', { path });
    } else if (Array.isArray(node) && path === '$') node.forEach((r, i) => collect(r, `$[${i}]`));
    else report.issue('MISP_NOT_AN_EVENT', 'expected an object with "Event"', { path });
  };
  collect(doc, '$');
  for (const [event, path] of events) importEvent(ctx, event, path);
  return report.report;
}

function parseJson(report: ReportBuilder, input: Uint8Array | string): unknown {
  try {
    return JSON.parse(decodeInput(input, report.report.file));
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const loc = m === null ? { path: '$' } : { path: '$', offset: Number(m[1]) };
    report.issue('INTEL_BAD_JSON', `not valid JSON: ${(err as Error).message}`, loc);
    return undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tagClusterValue(tag: string, galaxy: string): string | undefined {
  const prefix = `misp-galaxy:${galaxy}="`;
  return tag.startsWith(prefix) && tag.endsWith('"') ? tag.slice(prefix.length, -1) : undefined;
}

function importEvent(ctx: ImportContext, event: Json, path: string): void {
  const { graph, report } = ctx;
  report.report.recordsRead++;
  const uuid = str(event.uuid);
  const caseId =
    uuid !== undefined && UUID.test(uuid)
      ? `misp-event--${uuid.toLowerCase()}`
      : cairnId('misp-event', `${ctx.file}:${path}`);
  const tags = Array.isArray(event.Tag) ? (event.Tag as unknown[]) : [];
  const tagNames = tags.flatMap((t) =>
    t !== null && typeof t === 'object' && typeof (t as Json).name === 'string'
      ? [(t as Json).name as string]
      : [],
  );
  const actorLabels = new Set<string>();
  const techniqueIds = new Set<string>();
  const actorClusters: [Json, string][] = [];
  const galaxies = Array.isArray(event.Galaxy) ? (event.Galaxy as unknown[]) : [];
  galaxies.forEach((g, gi) => {
    if (g === null || typeof g !== 'object') return;
    const gal = g as Json;
    const clusters = Array.isArray(gal.GalaxyCluster) ? (gal.GalaxyCluster as unknown[]) : [];
    clusters.forEach((c, ci) => {
      if (c === null || typeof c !== 'object') return;
      const value = str((c as Json).value);
      if (value === undefined) return;
      if (gal.type === 'threat-actor') {
        actorLabels.add(value);
        actorClusters.push([c as Json, `${path}.Galaxy[${gi}].GalaxyCluster[${ci}]`]);
      } else if (typeof gal.type === 'string' && gal.type.includes('attack-pattern')) {
        const m = / - (T\d{4}(?:\.\d{3})?)$/.exec(value);
        if (m !== null) techniqueIds.add(m[1]);
      }
    });
  });
  for (const t of tagNames) {
    const actor = tagClusterValue(t, 'threat-actor');
    if (actor !== undefined) actorLabels.add(actor);
    const m = /^misp-galaxy:[a-z-]*attack-pattern=".* - (T\d{4}(?:\.\d{3})?)"$/.exec(t);
    if (m !== null) techniqueIds.add(m[1]);
  }
  const c = emptyCase(
    caseId,
    str(event.info) ?? '',
    'misp-event',
    { file: ctx.file, objectId: uuid, path },
    ctx.defaultConfidence,
  );
  c.labels = tagNames.filter((t) => !t.startsWith('misp-galaxy:'));
  c.actorLabels = [...actorLabels];
  c.techniqueIds = [...techniqueIds];
  const date = str(event.date);
  if (date !== undefined) c.date = date;
  if (graph.add(c)) report.added('case');
  // Each threat-actor cluster becomes (or reuses) an actor fact, attributed with provenance.
  for (const [cluster, cpath] of actorClusters) {
    const actor = clusterActor(ctx, cluster, cpath);
    if (actor === undefined) continue;
    const rel: Relationship = {
      kind: 'relationship',
      id: cairnId('relationship', `${caseId} attributed-to ${actor.id}`),
      provenance: { file: ctx.file, objectId: uuid, path: cpath },
      confidence: ctx.defaultConfidence,
      confidenceStated: false,
      type: 'attributed-to',
      sourceRef: caseId,
      targetRef: actor.id,
      revoked: false,
      deprecated: false,
    };
    if (graph.add(rel)) report.added('relationship');
  }
  const attrs = Array.isArray(event.Attribute) ? (event.Attribute as unknown[]) : [];
  attrs.forEach((a, i) => importAttribute(ctx, a, `${path}.Attribute[${i}]`, caseId));
  const objects = Array.isArray(event.Object) ? (event.Object as unknown[]) : [];
  objects.forEach((o, oi) => {
    if (o === null || typeof o !== 'object') {
      report.issue('MISP_BAD_OBJECT', 'MISP object is not a JSON object', { path: `${path}.Object[${oi}]` });
      return;
    }
    const oattrs = Array.isArray((o as Json).Attribute) ? ((o as Json).Attribute as unknown[]) : [];
    oattrs.forEach((a, i) =>
      importAttribute(ctx, a, `${path}.Object[${oi}].Attribute[${i}]`, caseId, str((o as Json).name)),
    );
  });
}

/** uuid of the MISP threat-actor galaxy collection (clusters/threat-actor.json `uuid`). */
const THREAT_ACTOR_COLLECTION_UUID = '7cdff317-a673-4474-84ec-4f1754947823';

function clusterActor(ctx: ImportContext, cluster: Json, path: string): Actor | undefined {
  const uuid = str(cluster.uuid);
  const name = str(cluster.value);
  if (name === undefined) return undefined;
  // Older MISP exports put the galaxy's collection uuid (the same for every threat-actor
  // cluster) in the cluster's `uuid`; such a uuid does not name the cluster, so the name does.
  const collection = str(cluster.collection_uuid);
  const ownUuid =
    uuid !== undefined &&
    UUID.test(uuid) &&
    uuid.toLowerCase() !== collection?.toLowerCase() &&
    uuid.toLowerCase() !== THREAT_ACTOR_COLLECTION_UUID;
  let id = ownUuid ? `threat-actor--${uuid.toLowerCase()}` : cairnId('threat-actor', `misp:${name}`);
  let existing = ctx.graph.getAs('actor', id);
  if (existing !== undefined && existing.name !== name) {
    id = cairnId('threat-actor', `misp:${name}`);
    existing = ctx.graph.getAs('actor', id);
  }
  if (existing !== undefined) return existing;
  const meta = cluster.meta !== null && typeof cluster.meta === 'object' ? (cluster.meta as Json) : {};
  const actor: Actor = {
    kind: 'actor',
    id,
    provenance: { file: ctx.file, objectId: uuid, path },
    confidence: ctx.defaultConfidence,
    confidenceStated: false,
    name,
    aliases: stringList(meta.synonyms),
    externalIds: [],
    revoked: false,
    deprecated: false,
  };
  const country = Array.isArray(meta.country) ? str(meta.country[0]) : str(meta.country);
  if (country !== undefined) actor.country = country;
  const description = str(cluster.description);
  if (description !== undefined && description !== '') actor.description = description;
  if (ctx.graph.add(actor)) ctx.report.added('actor');
  return actor;
}

function importAttribute(
  ctx: ImportContext,
  raw: unknown,
  path: string,
  caseId: string,
  objectName?: string,
): void {
  const { report } = ctx;
  report.report.recordsRead++;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    report.issue('MISP_BAD_ATTRIBUTE', 'attribute is not a JSON object', { path });
    return;
  }
  const a = raw as Json;
  if (a.deleted === true) {
    report.report.skipped++;
    return;
  }
  const type = a.type;
  const value = a.value;
  if (typeof type !== 'string' || typeof value !== 'string') {
    report.issue('MISP_BAD_ATTRIBUTE', 'attribute needs string "type" and "value"', { path });
    return;
  }
  if (type === 'link') {
    if (value.length <= MAX_VALUE_LENGTH) {
      const r: Report = {
        kind: 'report',
        id: cairnId('report', `${caseId} link ${value}`),
        provenance: { file: ctx.file, objectId: str(a.uuid), path },
        confidence: ctx.defaultConfidence,
        confidenceStated: false,
        name: value,
        urls: [value],
        objectRefs: [caseId],
      };
      if (ctx.graph.add(r)) report.added('report');
    }
    return;
  }
  const parts = MISP_TYPES[type];
  if (parts === undefined) {
    if (NON_INDICATOR_TYPES.has(type)) report.report.skipped++;
    else
      report.issue('MISP_UNKNOWN_TYPE', `unknown MISP attribute type ${JSON.stringify(type.slice(0, 80))}`, {
        path,
        field: 'type',
      });
    return;
  }
  const values = parts.length === 1 ? [value] : value.split('|');
  if (values.length !== parts.length) {
    report.issue('MISP_BAD_ATTRIBUTE', `${type} value must have ${parts.length} parts separated by '|'`, {
      path,
      field: 'value',
    });
    return;
  }
  const uuid = str(a.uuid);
  const baseId =
    uuid !== undefined && UUID.test(uuid)
      ? `misp-attribute--${uuid.toLowerCase()}`
      : cairnId('misp-attribute', `${ctx.file}:${path}`);
  const comment = [objectName, str(a.object_relation), str(a.comment)]
    .filter((x) => x !== undefined && x !== '')
    .join(' / ');
  parts.forEach((p, k) => {
    if (p === null) return;
    let t: IndicatorType = p === 'ip' ? ipType(values[k]) : p;
    if (p === 'ip' && t === 'string') t = 'ipv4'; // let normalisation report it as a bad address
    addIndicator(ctx, {
      id: parts.filter((x) => x !== null).length === 1 ? baseId : `${baseId}/${k}`,
      type: t,
      original: values[k],
      sourceType: type,
      comment,
      caseIds: [caseId],
      forDetection: a.to_ids === true,
      firstSeen: str(a.first_seen),
      lastSeen: str(a.last_seen),
      provenance: { file: ctx.file, objectId: uuid, path: `${path}.value` },
    });
  });
}

function ipType(value: string): IndicatorType {
  const t = detectIndicatorType(value);
  return t === 'ipv4' || t === 'ipv6' || t === 'cidr' ? t : 'string';
}

/**
 * Imports a MISP galaxy cluster file. `threat-actor` clusters become actors (synonyms as
 * aliases, `country`), every other galaxy (malpedia, tool...) becomes malware families.
 */
export function importMispGalaxy(
  graph: EvidenceGraph,
  input: Uint8Array | string,
  options: ImportOptions = {},
): ImportReport {
  const report = new ReportBuilder(options.file ?? '<misp-galaxy>');
  const doc = parseJson(report, input);
  if (doc === undefined) return report.report;
  if (doc === null || typeof doc !== 'object' || !Array.isArray((doc as Json).values)) {
    report.issue('MISP_BAD_GALAXY', 'galaxy cluster file needs a "values" array', { path: '$' });
    return report.report;
  }
  const galaxy = doc as Json;
  const ctx = beginImport(graph, report, options, 'misp-galaxy', String(galaxy.version ?? ''));
  const isActor = galaxy.type === 'threat-actor';
  (galaxy.values as unknown[]).forEach((c, i) => {
    const path = `$.values[${i}]`;
    report.report.recordsRead++;
    if (c === null || typeof c !== 'object' || typeof (c as Json).value !== 'string') {
      report.issue('MISP_BAD_CLUSTER', 'cluster needs a string "value"', { path });
      return;
    }
    const cluster = c as Json;
    if (isActor) {
      clusterActor(ctx, cluster, path);
      return;
    }
    const uuid = str(cluster.uuid);
    const name = str(cluster.value) ?? '';
    const meta = cluster.meta !== null && typeof cluster.meta === 'object' ? (cluster.meta as Json) : {};
    const fam: MalwareFamily = {
      kind: 'malware',
      id:
        uuid !== undefined && UUID.test(uuid)
          ? `malware--${uuid.toLowerCase()}`
          : cairnId('malware', `misp:${name}`),
      provenance: { file: ctx.file, objectId: uuid, path },
      confidence: ctx.defaultConfidence,
      confidenceStated: false,
      name,
      softwareKind: 'malware',
      aliases: stringList(meta.synonyms),
      externalIds: [],
      revoked: false,
      deprecated: false,
    };
    if (graph.add(fam)) report.added('malware');
  });
  return report.report;
}
