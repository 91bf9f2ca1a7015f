// STIX 2.1 export of a case: structure validated object by object, deterministic, and re-imported
// without loss (same indicators, types, values, originals, relationships).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  EvidenceGraph,
  exportCaseAsStix,
  importIndicatorList,
  importMispEvent,
  importStixBundle,
  stixBundleChunks,
  stixScoId,
  tlpOfLabel,
  uuidV5,
} from './index.js';
import type { Case } from './index.js';

const dataDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/intel');
type Obj = Record<string, unknown>;

const ID =
  /^([a-z0-9][a-z0-9-]*[a-z0-9])--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
// Required properties per object type (STIX 2.1 part 4 and 6), beyond type and id.
const REQUIRED: Record<string, string[]> = {
  indicator: ['spec_version', 'created', 'modified', 'pattern', 'pattern_type', 'valid_from'],
  grouping: ['spec_version', 'created', 'modified', 'context', 'object_refs'],
  relationship: ['spec_version', 'created', 'modified', 'relationship_type', 'source_ref', 'target_ref'],
  'intrusion-set': ['spec_version', 'created', 'modified', 'name'],
  malware: ['spec_version', 'created', 'modified', 'is_family'],
  tool: ['spec_version', 'created', 'modified', 'name'],
  'attack-pattern': ['spec_version', 'created', 'modified', 'name'],
  incident: ['spec_version', 'created', 'modified', 'name'],
  campaign: ['spec_version', 'created', 'modified', 'name'],
  'ipv4-addr': ['value'],
  'ipv6-addr': ['value'],
  'domain-name': ['value'],
  url: ['value'],
  'email-addr': ['value'],
  mutex: ['name'],
  file: [],
  identity: ['spec_version', 'created', 'modified', 'name'],
  'extension-definition': [
    'spec_version',
    'created',
    'modified',
    'name',
    'schema',
    'version',
    'extension_types',
  ],
  'marking-definition': ['spec_version', 'created'],
  'observed-data': [
    'spec_version',
    'created',
    'modified',
    'first_observed',
    'last_observed',
    'number_observed',
    'object_refs',
  ],
};
/** The export time the tests give (deterministic output). */
export const EXPORT_TIME = '2026-01-02T03:04:05.000Z';
const techniqueKey = (t: string) => t.toUpperCase();
/** A label as it comes back: TLP labels in their TLP 2.0 form (MISP's tlp:white is TLP:CLEAR). */
const labelBack = (l: string) => (tlpOfLabel(l) !== undefined ? `tlp:${tlpOfLabel(l)}` : l);

/** Checks a bundle the way a STIX 2.1 validator would for the properties we emit. */
function validateBundle(bundle: Obj): string[] {
  const errors: string[] = [];
  if (bundle.type !== 'bundle') errors.push('bundle type');
  if (typeof bundle.id !== 'string' || !ID.test(bundle.id) || !bundle.id.startsWith('bundle--'))
    errors.push('bundle id');
  const objects = bundle.objects as Obj[];
  const ids = new Set(objects.map((o) => o.id as string));
  if (ids.size !== objects.length) errors.push('duplicate ids');
  for (const o of objects) {
    const t = o.type as string;
    const id = o.id as string;
    if (!ID.test(id) || id.slice(0, id.indexOf('--')) !== t) errors.push(`${id}: id format`);
    if (!t.startsWith('x-cairn-') && REQUIRED[t] === undefined) errors.push(`${id}: unexpected type ${t}`);
    for (const p of ['created', 'modified', 'valid_from'])
      if (typeof o[p] === 'string' && (o[p] as string).startsWith('1970'))
        errors.push(`${id}: ${p} is the epoch`);
    if (
      REQUIRED[t]?.includes('created') &&
      !['identity', 'marking-definition'].includes(t) &&
      o.created_by_ref === undefined
    )
      errors.push(`${id}: no created_by_ref`);
    for (const p of REQUIRED[t] ?? []) if (o[p] === undefined) errors.push(`${id}: missing ${p}`);
    if (o.spec_version !== undefined && o.spec_version !== '2.1') errors.push(`${id}: spec_version`);
    for (const p of ['created', 'modified', 'valid_from'])
      if (o[p] !== undefined && !TS.test(o[p] as string)) errors.push(`${id}: ${p} not RFC 3339 Z`);
    for (const p of ['source_ref', 'target_ref'])
      if (o[p] !== undefined && !ids.has(o[p] as string)) errors.push(`${id}: ${p} dangling`);
    for (const r of (o.object_refs as string[] | undefined) ?? [])
      if (!ids.has(r)) errors.push(`${id}: object_ref ${r} dangling`);
    if (t === 'file' && o.hashes === undefined && o.name === undefined)
      errors.push(`${id}: file needs hashes or name`);
  }
  return errors;
}

function roundTrip(graph: EvidenceGraph, theCase: Case) {
  const bundle = exportCaseAsStix(graph, theCase.id, { timestamp: EXPORT_TIME });
  expect(validateBundle(bundle)).toEqual([]);
  // Deterministic: same bytes twice.
  expect(JSON.stringify(exportCaseAsStix(graph, theCase.id, { timestamp: EXPORT_TIME }))).toBe(
    JSON.stringify(bundle),
  );
  // Written as it goes: the chunks (one object each) make the same text.
  const chunks = [...stixBundleChunks(graph, theCase.id, { timestamp: EXPORT_TIME })];
  expect(chunks.length).toBe((bundle.objects as unknown[]).length + 2);
  expect(chunks.join('')).toBe(JSON.stringify(bundle));
  const back = new EvidenceGraph();
  const report = importStixBundle(back, JSON.stringify(bundle), { file: 'export.json' });
  expect(report.issues).toEqual([]);
  const newCase = back.cases.find((c) => c.name === theCase.name)!;
  const key = (i: { type: string; value: string }) => `${i.type} ${i.value}`;
  const values = (g: EvidenceGraph, c: string) =>
    g.indicatorsOfCase(c).filter((i) => i.type !== 'attack-technique');
  expect(new Set(values(back, newCase.id).map(key))).toEqual(new Set(values(graph, theCase.id).map(key)));
  // Context values (every source says not for detection) come back as context.
  const context = (g: EvidenceGraph, c: string) => {
    const detection = new Set(
      values(g, c)
        .filter((i) => i.forDetection !== false)
        .map(key),
    );
    return new Set(
      values(g, c)
        .filter((i) => !detection.has(key(i)))
        .map(key),
    );
  };
  expect(context(back, newCase.id)).toEqual(context(graph, theCase.id));
  // Techniques (the case's and its technique indicators) come back as the case's techniques.
  const techniques = new Set([
    ...theCase.techniqueIds.map(techniqueKey),
    ...graph
      .indicatorsOfCase(theCase.id)
      .filter((i) => i.type === 'attack-technique')
      .map((i) => techniqueKey(i.value)),
  ]);
  expect(new Set(newCase.techniqueIds.map(techniqueKey))).toEqual(techniques);
  // Originals survive on the indicator SDOs and observed data.
  const firstOriginal = new Map<string, string>();
  for (const i of values(graph, theCase.id))
    if (!firstOriginal.has(key(i))) firstOriginal.set(key(i), `${key(i)} ${i.original}`);
  const originals = new Set(
    values(back, newCase.id)
      .filter((i) => i.provenance.objectId?.startsWith('indicator--') === true || i.forDetection === false)
      .map((i) => `${key(i)} ${i.original}`),
  );
  for (const o of originals) expect([...firstOriginal.values()]).toContain(o);
  expect(newCase.actorLabels).toEqual(theCase.actorLabels);
  expect(newCase.caseKind).toBe(theCase.caseKind);
  expect(newCase.labels).toEqual([...new Set(theCase.labels.map(labelBack))]);
  return { bundle, back, newCase };
}

describe('STIX 2.1 export', () => {
  it('SCO ids follow STIX 2.1 §2.9 (UUIDv5 over the JCS of the contributing properties)', () => {
    // RFC 4122 appendix-style check of uuidV5 (python: uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com")).
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    // Same input gives the same id whatever the key order.
    expect(stixScoId('file', { hashes: { 'SHA-256': 'ab' }, name: 'x' })).toBe(
      stixScoId('file', { name: 'x', hashes: { 'SHA-256': 'ab' } }),
    );
  });

  it('the ESET 3CX MISP event exports, validates and re-imports without loss', () => {
    const graph = new EvidenceGraph();
    importMispEvent(
      graph,
      readFileSync(path.join(dataDir, 'misp-events/eset/nukesped_lazarus/lazarus_3cx.json')),
      { file: 'lazarus_3cx.json' },
    );
    const c = graph.cases[0];
    const { bundle, back, newCase } = roundTrip(graph, c);
    // The attribution relationship comes back, pointing at an actor named Lazarus Group.
    const rel = back.relationshipsFrom(newCase.id, 'attributed-to');
    expect(rel.length).toBe(1);
    expect(back.getAs('actor', rel[0].targetRef)?.name).toBe('Lazarus Group');
    const sdo = (bundle.objects as Obj[]).filter((o) => o.type === 'indicator' || o.type === 'observed-data');
    expect(sdo.length).toBe(new Set(graph.indicatorsOfCase(c.id).map((i) => `${i.type} ${i.value}`)).size);
    // An ipv4-addr SCO has exactly the id the spec's rule gives.
    const ip = (bundle.objects as Obj[]).find((o) => o.type === 'ipv4-addr')!;
    expect(ip.id).toBe(stixScoId('ipv4-addr', { value: ip.value }));
  });

  it('a CSV list with every exotic type exports and re-imports without loss', () => {
    const csv = [
      'type,value,note',
      'ipv4,198.51.100.1,',
      'ipv6,2001:DB8::0001,',
      'cidr,198.51.100.0/24,',
      'domain,Evil[.]Example,',
      'hostname,host.evil.example,',
      'url,hxxp://evil.example/a?b=c,',
      'email,Bad@Evil.example,',
      'md5,' + 'A'.repeat(32) + ',',
      'sha1,' + 'b'.repeat(40) + ',',
      'sha256,' + 'c'.repeat(64) + ',',
      'ssdeep,3:E:E,',
      'imphash,' + 'd'.repeat(32) + ',',
      'filename,Invoice.EXE,',
      'mutex,Global\\FwtSqmSession106829323_S-1-5-19,',
      "string,it's a 'quoted' \\ string,",
      'byte-pattern,33C06A00,',
      'attack-technique,t1059.001,',
    ].join('\n');
    const graph = new EvidenceGraph();
    const r = importIndicatorList(graph, csv, { file: 'all.csv', caseName: 'all types' });
    expect(r.issues).toEqual([]);
    expect(r.added.indicator).toBe(17);
    roundTrip(graph, graph.cases[0]);
  });
});
