/**
 * Galaxies and clusters (draft-dulaunoy-misp-core-format, Galaxy; MISP/misp-galaxy cluster
 * files): threat-actor clusters become actors the case is attributed to (its actor labels,
 * resolved to actors by the correlator's directory), software galaxies malware families the case
 * uses, attack-pattern clusters the case's ATT&CK technique ids.
 */
import { beginImport, str, stringList } from '../facts.js';
import type { ImportContext, ImportOptions } from '../facts.js';
import type { EvidenceGraph } from '../graph.js';
import { decodeInput } from '../json-scan.js';
import type { Actor, MalwareFamily, Relationship } from '../model.js';
import { ReportBuilder } from '../report.js';
import type { ImportReport } from '../report.js';
import { cairnId } from '../uuid.js';
import type { EventState } from './attribute.js';
import { isObject, isUuid } from './shapes.js';
import type { Json } from './shapes.js';
import { SOFTWARE_GALAXIES, attackIdOf, isAttackPatternGalaxy } from './tags.js';

/** uuid of the MISP threat-actor galaxy collection (clusters/threat-actor.json `uuid`). */
const THREAT_ACTOR_COLLECTION_UUID = '7cdff317-a673-4474-84ec-4f1754947823';

/** A cluster as the event gives it (from `Galaxy[].GalaxyCluster[]` or a `misp-galaxy:` tag). */
interface ClusterRef {
  type: string;
  value: string;
  node?: Json;
  path: string;
}

/** Reads a `Galaxy` list and the galaxy tags of the same level, and applies every cluster to the case. */
export function addGalaxies(
  state: EventState,
  raw: unknown,
  path: string,
  tagged: readonly { type: string; value: string }[],
): void {
  const clusters: ClusterRef[] = [];
  if (Array.isArray(raw)) raw.forEach((g, gi) => clusters.push(...clustersOf(g, `${path}[${gi}]`)));
  else if (raw !== undefined && raw !== null)
    state.ctx.report.issue('MISP_NOT_A_LIST', '"Galaxy" must be a list', { path });
  for (const t of tagged) clusters.push({ ...t, path: `${path.replace(/\.Galaxy$/, '')}.Tag` });
  for (const c of clusters) applyCluster(state, c);
}

function clustersOf(g: unknown, path: string): ClusterRef[] {
  if (!isObject(g) || !Array.isArray(g.GalaxyCluster)) return [];
  const type = str(g.type) ?? '';
  return g.GalaxyCluster.flatMap((c, ci) => {
    const value = isObject(c) ? str(c.value) : undefined;
    return value === undefined
      ? []
      : [
          {
            type: str((c as Json).type) ?? type,
            value,
            node: c as Json,
            path: `${path}.GalaxyCluster[${ci}]`,
          },
        ];
  });
}

function applyCluster(state: EventState, c: ClusterRef): void {
  const { theCase, meta } = state;
  if (meta.galaxies.some((g) => g.type === c.type && g.value === c.value)) return;
  const uuid = c.node !== undefined ? str(c.node.uuid) : undefined;
  const description = c.node !== undefined ? str(c.node.description) : undefined;
  const clusterMeta = c.node !== undefined && isObject(c.node.meta) ? c.node.meta : undefined;
  meta.galaxies.push({
    type: c.type,
    value: c.value,
    ...(uuid !== undefined ? { uuid } : {}),
    ...(description ? { description } : {}),
    ...(clusterMeta !== undefined && Object.keys(clusterMeta).length > 0 ? { meta: clusterMeta } : {}),
  });
  if (c.type === 'threat-actor') {
    if (!theCase.actorLabels.includes(c.value)) theCase.actorLabels.push(c.value);
    const actor = clusterActor(state.ctx, c.node ?? { value: c.value }, c.path);
    if (actor !== undefined) relate(state, 'attributed-to', actor.id, c.path);
  } else if (isAttackPatternGalaxy(c.type)) {
    const id = attackIdOf(c.value);
    if (id !== undefined && !theCase.techniqueIds.includes(id)) theCase.techniqueIds.push(id);
  } else if (SOFTWARE_GALAXIES.has(c.type)) {
    const fam = clusterSoftware(state.ctx, c);
    relate(state, 'uses', fam.id, c.path);
  }
}

function relate(state: EventState, type: 'attributed-to' | 'uses', target: string, path: string): void {
  const rel: Relationship = {
    kind: 'relationship',
    id: cairnId('relationship', `${state.caseId} ${type} ${target}`),
    provenance: { file: state.ctx.file, objectId: state.meta.uuid, path },
    confidence: state.ctx.defaultConfidence,
    confidenceStated: false,
    type,
    sourceRef: state.caseId,
    targetRef: target,
    revoked: false,
    deprecated: false,
  };
  if (state.ctx.graph.add(rel)) state.ctx.report.added('relationship');
}

function clusterSoftware(ctx: ImportContext, c: ClusterRef): MalwareFamily {
  const attackId = attackIdOf(c.value);
  const name = attackId !== undefined ? c.value.slice(0, -attackId.length - 3) : c.value;
  const id = cairnId('malware', `misp:${name}`);
  const existing = ctx.graph.getAs('malware', id);
  if (existing !== undefined) return existing;
  const meta = c.node !== undefined && isObject(c.node.meta) ? c.node.meta : {};
  const fam: MalwareFamily = {
    kind: 'malware',
    id,
    provenance: {
      file: ctx.file,
      objectId: c.node !== undefined ? str(c.node.uuid) : undefined,
      path: c.path,
    },
    confidence: ctx.defaultConfidence,
    confidenceStated: false,
    name,
    softwareKind: c.type.includes('tool') ? 'tool' : 'malware',
    aliases: stringList(meta.synonyms),
    externalIds: attackId !== undefined ? [attackId] : [],
    revoked: false,
    deprecated: false,
  };
  if (ctx.graph.add(fam)) ctx.report.added('malware');
  return fam;
}

/** The actor fact of a threat-actor cluster (reused when the graph has it). */
export function clusterActor(ctx: ImportContext, cluster: Json, path: string): Actor | undefined {
  const uuid = str(cluster.uuid);
  const name = str(cluster.value);
  if (name === undefined) return undefined;
  // Older MISP exports put the galaxy's collection uuid (the same for every threat-actor
  // cluster) in the cluster's `uuid`; such a uuid does not name the cluster, so the name does.
  const collection = str(cluster.collection_uuid);
  const ownUuid =
    isUuid(uuid) &&
    uuid.toLowerCase() !== collection?.toLowerCase() &&
    uuid.toLowerCase() !== THREAT_ACTOR_COLLECTION_UUID;
  let id = ownUuid ? `threat-actor--${uuid.toLowerCase()}` : cairnId('threat-actor', `misp:${name}`);
  let existing = ctx.graph.getAs('actor', id);
  if (existing !== undefined && existing.name !== name) {
    id = cairnId('threat-actor', `misp:${name}`);
    existing = ctx.graph.getAs('actor', id);
  }
  if (existing !== undefined) return existing;
  const actor = newActor(ctx, cluster, id, name, path);
  if (ctx.graph.add(actor)) ctx.report.added('actor');
  return actor;
}

function newActor(ctx: ImportContext, cluster: Json, id: string, name: string, path: string): Actor {
  const meta = isObject(cluster.meta) ? cluster.meta : {};
  const actor: Actor = {
    kind: 'actor',
    id,
    provenance: { file: ctx.file, objectId: str(cluster.uuid), path },
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
  return actor;
}

/** Parses JSON input, reporting a located problem instead of throwing. */
export function parseJson(report: ReportBuilder, input: Uint8Array | string): unknown {
  try {
    return JSON.parse(decodeInput(input, report.report.file));
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const loc = m === null ? { path: '$' } : { path: '$', offset: Number(m[1]) };
    report.issue('INTEL_BAD_JSON', `not valid JSON: ${(err as Error).message}`, loc);
    return undefined;
  }
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
  if (!isObject(doc) || !Array.isArray(doc.values)) {
    report.issue('MISP_BAD_GALAXY', 'galaxy cluster file needs a "values" array', { path: '$' });
    return report.report;
  }
  const ctx = beginImport(graph, report, options, 'misp-galaxy', String(doc.version ?? ''));
  const isActor = doc.type === 'threat-actor';
  doc.values.forEach((c, i) => {
    const path = `$.values[${i}]`;
    report.report.recordsRead++;
    if (!isObject(c) || typeof c.value !== 'string') {
      report.issue('MISP_BAD_CLUSTER', 'cluster needs a string "value"', { path });
      return;
    }
    if (isActor) clusterActor(ctx, c, path);
    else addGalaxyFamily(ctx, c, path);
  });
  return report.report;
}

function addGalaxyFamily(ctx: ImportContext, cluster: Json, path: string): void {
  const uuid = str(cluster.uuid);
  const name = str(cluster.value) ?? '';
  const meta = isObject(cluster.meta) ? cluster.meta : {};
  const fam: MalwareFamily = {
    kind: 'malware',
    id: isUuid(uuid) ? `malware--${uuid.toLowerCase()}` : cairnId('malware', `misp:${name}`),
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
  if (ctx.graph.add(fam)) ctx.report.added('malware');
}
