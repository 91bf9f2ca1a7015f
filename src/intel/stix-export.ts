/**
 * Export of one case as a STIX 2.1 bundle, deterministic: the same graph gives the same bytes.
 *
 * - SCOs (ipv4-addr, ipv6-addr, domain-name, url, email-addr, file, mutex) get the STIX 2.1
 *   deterministic ids (UUIDv5 in the SCO namespace over the JCS of the id-contributing
 *   properties, §2.9); for `file` only one hash contributes, chosen MD5, SHA-1, SHA-256, SHA-512.
 * - Indicator kinds STIX has no SCO for (hostname, imphash, byte-pattern, string,
 *   attack-technique, ssdeep/tlsh without a file) use custom `x-cairn-<type>` objects, and
 *   `x_cairn_indicator_type` / `x_cairn_original` keep the exact type and original value so that
 *   re-importing loses nothing; yara rules use `pattern_type: "yara"`.
 * - SDOs and SROs get UUIDv5 ids in the cairn namespace over their content key.
 * - The case is a `grouping` (context `suspicious-activity`) listing everything exported.
 */
import type { EvidenceGraph } from './graph.js';
import type {
  Actor,
  Case,
  EvidenceObject,
  Indicator,
  MalwareFamily,
  Relationship,
  Technique,
} from './model.js';
import { cairnId, stixScoId } from './uuid.js';

type Json = Record<string, unknown>;

/** Options of {@link exportCaseAsStix}. */
export interface StixExportOptions {
  /** Time written as created/modified when a fact has none. Default 1970-01-01T00:00:00.000Z (keeps output deterministic). */
  timestamp?: string;
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

/** SCO and pattern for an indicator value. */
function observable(ind: { type: Indicator['type']; value: string }): {
  sco: Json;
  pattern: string;
  patternType: 'stix' | 'yara';
} {
  const v = ind.value;
  switch (ind.type) {
    case 'ipv4':
    case 'ipv6':
    case 'cidr': {
      const t = ind.type === 'ipv6' || (ind.type === 'cidr' && v.includes(':')) ? 'ipv6-addr' : 'ipv4-addr';
      return {
        sco: { type: t, id: stixScoId(t, { value: v }), value: v },
        pattern: `[${t}:value = ${lit(v)}]`,
        patternType: 'stix',
      };
    }
    case 'domain':
      return {
        sco: { type: 'domain-name', id: stixScoId('domain-name', { value: v }), value: v },
        pattern: `[domain-name:value = ${lit(v)}]`,
        patternType: 'stix',
      };
    case 'url':
      return {
        sco: { type: 'url', id: stixScoId('url', { value: v }), value: v },
        pattern: `[url:value = ${lit(v)}]`,
        patternType: 'stix',
      };
    case 'email':
      return {
        sco: { type: 'email-addr', id: stixScoId('email-addr', { value: v }), value: v },
        pattern: `[email-addr:value = ${lit(v)}]`,
        patternType: 'stix',
      };
    case 'mutex':
      return {
        sco: { type: 'mutex', id: stixScoId('mutex', { name: v }), name: v },
        pattern: `[mutex:name = ${lit(v)}]`,
        patternType: 'stix',
      };
    case 'filename':
      return {
        sco: { type: 'file', id: stixScoId('file', { name: v }), name: v },
        pattern: `[file:name = ${lit(v)}]`,
        patternType: 'stix',
      };
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
    case 'ssdeep':
    case 'tlsh': {
      const key = HASH_KEY[ind.type]!;
      const hashes = { [key]: v };
      return {
        sco: { type: 'file', id: stixScoId('file', { hashes }), hashes },
        pattern: `[file:hashes.${lit(key)} = ${lit(v)}]`,
        patternType: 'stix',
      };
    }
    case 'yara-rule':
      return { sco: {}, pattern: v, patternType: 'yara' };
    default: {
      const t = `x-cairn-${ind.type}`;
      return {
        sco: { type: t, id: stixScoId(t, { value: v }), value: v },
        pattern: `[${t}:value = ${lit(v)}]`,
        patternType: 'stix',
      };
    }
  }
}

/**
 * Exports `caseId` with its indicators, the relationships touching the case or its indicators,
 * and the actors, malware and techniques at their other ends. Returns the bundle as a JSON value.
 */
export function exportCaseAsStix(
  graph: EvidenceGraph,
  caseId: string,
  options: StixExportOptions = {},
): Json {
  const theCase = graph.getAs('case', caseId);
  if (theCase === undefined) throw new Error(`no case ${caseId}`);
  const epoch = options.timestamp ?? '1970-01-01T00:00:00.000Z';
  const objects = new Map<string, Json>();
  const idMap = new Map<string, string>();
  const put = (o: Json) => {
    if (!objects.has(o.id as string)) objects.set(o.id as string, o);
  };
  const time = (...candidates: (string | undefined)[]) =>
    candidates.map(rfc3339).find((x) => x !== undefined) ?? epoch;
  const groupingId = cairnId('grouping', `case:${caseId}`);
  idMap.set(caseId, groupingId);

  // Indicators: one SDO per distinct (type, value), originals kept.
  const byKey = new Map<string, Indicator[]>();
  for (const ind of graph.indicatorsOfCase(caseId)) {
    const k = `${ind.type}\u0000${ind.value}`;
    const list = byKey.get(k) ?? [];
    list.push(ind);
    byKey.set(k, list);
  }
  for (const [k, list] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const first = list[0];
    const obs = observable(first);
    const id = cairnId('indicator', `indicator:${k}`);
    for (const i of list) idMap.set(i.id, id);
    if (obs.sco.id !== undefined) put({ spec_version: '2.1', ...obs.sco });
    const created = time(first.validFrom, first.firstSeen, theCase.date);
    const sdo: Json = {
      type: 'indicator',
      spec_version: '2.1',
      id,
      created,
      modified: created,
      name: first.original.length <= 256 ? first.original : `${first.type} indicator`,
      pattern: obs.pattern,
      pattern_type: obs.patternType,
      valid_from: created,
      confidence: Math.max(...list.map((i) => i.confidence)),
      x_cairn_indicator_type: first.type,
      x_cairn_originals: [first.original],
    };
    const labels = [...new Set(list.flatMap((i) => i.labels))];
    if (labels.length > 0) sdo.labels = labels;
    const comment = list.map((i) => i.comment).find((c) => c !== undefined);
    if (comment !== undefined) sdo.description = comment;
    put(sdo);
  }

  // Relationships touching the case or its indicators, and their other ends.
  const exportEntity = (f: EvidenceObject): string | undefined => {
    const known = idMap.get(f.id);
    if (known !== undefined) return known;
    let o: Json | undefined;
    const created = epoch;
    if (f.kind === 'actor') {
      const a = f as Actor;
      o = { type: 'intrusion-set', name: a.name };
      if (a.aliases.length > 0) o.aliases = a.aliases;
      if (a.country !== undefined) o.x_cairn_country = a.country;
      addExternal(o, a.externalIds);
    } else if (f.kind === 'malware') {
      const m = f as MalwareFamily;
      o = { type: m.softwareKind, name: m.name };
      if (m.softwareKind === 'malware') o.is_family = true;
      if (m.aliases.length > 0) o.aliases = m.aliases;
      addExternal(o, m.externalIds);
    } else if (f.kind === 'technique') {
      const t = f as Technique;
      o = { type: 'attack-pattern', name: t.name };
      if (t.externalId !== undefined) addExternal(o, [t.externalId]);
    } else if (f.kind === 'case') {
      const c = f as Case;
      o = { type: c.caseKind === 'campaign' ? 'campaign' : 'incident', name: c.name };
    }
    if (o === undefined) return undefined;
    const id = cairnId(o.type as string, `${o.type}:${f.id}`);
    idMap.set(f.id, id);
    put({ ...o, spec_version: '2.1', id, created, modified: created });
    return id;
  };
  const rels: Relationship[] = [];
  const ends = new Set<string>([caseId, ...graph.indicatorsOfCase(caseId).map((i) => i.id)]);
  for (const id of ends) {
    for (const r of [...graph.relationshipsFrom(id), ...graph.relationshipsTo(id)])
      if (!rels.includes(r)) rels.push(r);
  }
  for (const r of rels) {
    const src = graph.get(r.sourceRef);
    const dst = graph.get(r.targetRef);
    if (src === undefined || dst === undefined) continue;
    const s = r.sourceRef === caseId ? groupingId : exportEntity(src);
    const t = r.targetRef === caseId ? groupingId : exportEntity(dst);
    if (s === undefined || t === undefined) continue;
    const relType = r.sourceType ?? r.type;
    const id = cairnId('relationship', `${relType}:${s}:${t}`);
    const o: Json = {
      type: 'relationship',
      spec_version: '2.1',
      id,
      created: epoch,
      modified: epoch,
      relationship_type: relType,
      source_ref: s,
      target_ref: t,
      confidence: r.confidence,
    };
    if (r.description !== undefined) o.description = r.description;
    put(o);
  }

  const created = time(theCase.date, theCase.firstSeen);
  const grouping: Json = {
    type: 'grouping',
    spec_version: '2.1',
    id: groupingId,
    created,
    modified: created,
    name: theCase.name,
    context: 'suspicious-activity',
    object_refs: [...objects.keys()].sort(),
    x_cairn_case_kind: theCase.caseKind,
  };
  if (theCase.description !== undefined) grouping.description = theCase.description;
  if (theCase.actorLabels.length > 0) grouping.x_cairn_actor_labels = theCase.actorLabels;
  if (theCase.techniqueIds.length > 0) grouping.x_cairn_technique_ids = theCase.techniqueIds;
  if (theCase.date !== undefined) grouping.x_cairn_date = theCase.date;
  if (theCase.labels.length > 0) grouping.labels = theCase.labels;
  const all = [
    grouping,
    ...[...objects.values()].sort((a, b) => ((a.id as string) < (b.id as string) ? -1 : 1)),
  ];
  return { type: 'bundle', id: cairnId('bundle', `case:${caseId}`), objects: all };
}

function addExternal(o: Json, ids: readonly string[]): void {
  if (ids.length > 0)
    o.external_references = ids.map((external_id) => ({ source_name: 'mitre-attack', external_id }));
}
