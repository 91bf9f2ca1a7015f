// The STIX 2.1 export validated against the OASIS STIX 2.1 JSON schemas (vendored as test data in
// test/fixtures/stix2.1-schemas, BSD-3-Clause, see its PROVENANCE.md) with ajv, and round-tripped:
// TLP markings, attack patterns, context values and the attribution come back on import.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  CAIRN_IDENTITY_ID,
  EvidenceGraph,
  TLP2_MARKINGS,
  exportCaseAsStix,
  importIndicatorList,
  importMispEvent,
  importStixBundle,
} from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.resolve(here, '../../data/intel');
const schemaDir = path.resolve(here, '../../test/fixtures/stix2.1-schemas/schemas');
const EXPORT_TIME = '2026-01-02T03:04:05.000Z';
type Obj = Record<string, unknown>;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
/** Schema ids by object type (file name), and the two cores custom objects are checked against. */
const schemaOfType = new Map<string, string>();
for (const file of files(schemaDir)) {
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { $id: string };
  ajv.addSchema(schema);
  schemaOfType.set(path.basename(file, '.json'), schema.$id);
}
const validator = (type: string) => ajv.getSchema(schemaOfType.get(type)!)!;

/**
 * Schema errors of a bundle, one line per object that fails (empty when it validates): the bundle
 * envelope against bundle.json, each object against its own type's schema, a custom SCO
 * (`x-cairn-*`) against cyber-observable-core. Objects are checked one by one because the
 * repository's bundle.json lists no schema for grouping, incident or extension-definition and
 * sends them to its custom-object branch, whose oneOf (core or cyber-observable-core) no
 * well-formed SDO can satisfy, both cores matching it.
 */
function schemaErrors(bundle: Obj): string[] {
  const out: string[] = [];
  const envelope = validator('bundle');
  // The envelope with the one object every export carries that bundle.json lists (the identity).
  const identity = (bundle.objects as Obj[]).filter((o) => o.type === 'identity');
  if (!envelope({ ...bundle, objects: identity })) out.push(`bundle: ${ajv.errorsText(envelope.errors)}`);
  for (const o of bundle.objects as Obj[]) {
    const type = String(o.type);
    const v = schemaOfType.has(type)
      ? validator(type)
      : validator(type.startsWith('x-') && !('created' in o) ? 'cyber-observable-core' : 'core');
    if (!v(o)) out.push(`${String(o.id)}: ${ajv.errorsText(v.errors?.slice(0, 4))}`);
  }
  return out;
}

function mispCase(file: string): { graph: EvidenceGraph; caseId: string } {
  const graph = new EvidenceGraph();
  importMispEvent(graph, readFileSync(path.join(dataDir, file)), { file: path.basename(file) });
  return { graph, caseId: graph.cases[0].id };
}

describe('STIX 2.1 export against the OASIS schemas', () => {
  it('the schemas reject what STIX forbids: an indicator without created or pattern, a bad bundle id', () => {
    expect(
      schemaErrors({
        type: 'bundle',
        id: 'bundle--4a1b6e0f-6c7e-4b0e-9f5a-3c6a0c1e2d3f',
        objects: [{ type: 'indicator' }],
      }),
    ).not.toEqual([]);
  });

  for (const file of [
    'misp-events/eset/nukesped_lazarus/lazarus_3cx.json',
    'misp-events/eset/telebots/misp-telebots.json',
    'misp-events/eset/sednit/2018-11-20_Zebrocy.json',
  ])
    it(`${path.basename(file)} exports a bundle every object of which validates`, () => {
      const { graph, caseId } = mispCase(file);
      const bundle = exportCaseAsStix(graph, caseId, { timestamp: EXPORT_TIME });
      expect(schemaErrors(bundle).join('\n')).toBe('');
      for (const o of bundle.objects as Obj[])
        if (!['identity', 'marking-definition'].includes(o.type as string) && o.created !== undefined)
          expect(o.created_by_ref).toBe(CAIRN_IDENTITY_ID);
    });

  it('a CSV list of every indicator kind validates (custom SCOs declared by the extension)', () => {
    const graph = new EvidenceGraph();
    importIndicatorList(
      graph,
      [
        'type,value',
        'hostname,host.evil.example',
        'imphash,' + 'd'.repeat(32),
        'string,a string',
        'byte-pattern,33C06A00',
        'attack-technique,T1059.001',
        'ipv4,198.51.100.1',
      ].join('\n'),
      { file: 'kinds.csv', caseName: 'kinds' },
    );
    const bundle = exportCaseAsStix(graph, graph.cases[0].id, { timestamp: EXPORT_TIME });
    expect(schemaErrors(bundle).join('\n')).toBe('');
    // No epoch: a list without dates takes the export time.
    expect(JSON.stringify(bundle)).not.toContain('1970-01-01');
    const pattern = (bundle.objects as Obj[]).find((o) => o.type === 'attack-pattern')!;
    expect(pattern.external_references).toEqual([
      {
        source_name: 'mitre-attack',
        external_id: 'T1059.001',
        url: 'https://attack.mitre.org/techniques/T1059/001',
      },
    ]);
  });

  it("TeleBots' tlp:white travels as the TLP 2.0 CLEAR marking and comes back as a label", () => {
    const { graph, caseId } = mispCase('misp-events/eset/telebots/misp-telebots.json');
    // MISP's TLP tags are the case's markings (the MISP importer keeps them apart from labels).
    expect(graph.getAs('case', caseId)!.markings).toContain('tlp:white');
    const bundle = exportCaseAsStix(graph, caseId, { timestamp: EXPORT_TIME });
    const objects = bundle.objects as Obj[];
    const grouping = objects.find((o) => o.type === 'grouping')!;
    expect(grouping.object_marking_refs).toEqual([TLP2_MARKINGS.clear]);
    expect(grouping.labels ?? []).not.toContain('tlp:white');
    expect(objects.some((o) => o.id === TLP2_MARKINGS.clear && o.type === 'marking-definition')).toBe(true);
    const back = new EvidenceGraph();
    importStixBundle(back, JSON.stringify(bundle), { file: 'back.json' });
    expect(back.cases.find((c) => c.name === graph.getAs('case', caseId)!.name)!.labels).toContain(
      'tlp:clear',
    );
  });

  it('to_ids=false values are observed-data, and come back as context', () => {
    // The 3CX event marks values as not for detection; count them from the data.
    const { graph, caseId } = mispCase('misp-events/eset/nukesped_lazarus/lazarus_3cx.json');
    const key = (i: { type: string; value: string }) => `${i.type} ${i.value}`;
    const all = graph.indicatorsOfCase(caseId);
    const detection = new Set(all.filter((i) => i.forDetection !== false).map(key));
    const context = new Set(all.filter((i) => !detection.has(key(i))).map(key));
    const bundle = exportCaseAsStix(graph, caseId, { timestamp: EXPORT_TIME });
    const observed = (bundle.objects as Obj[]).filter((o) => o.type === 'observed-data');
    expect(observed.length).toBe(context.size);
    const patterns = (bundle.objects as Obj[])
      .filter((o) => o.type === 'indicator')
      .map((o) => o.pattern as string);
    for (const k of context) expect(patterns.some((p) => p.includes(`'${k.split(' ')[1]}'`))).toBe(false);
  });

  it('an attribution is an incident attributed-to intrusion sets with their confidence, and round-trips', () => {
    const { graph, caseId } = mispCase('misp-events/eset/nukesped_lazarus/lazarus_3cx.json');
    const attribution = [
      { actor: 'Lazarus Group', externalIds: ['G0032'], aliases: ['HIDDEN COBRA'], confidence: 0.8123 },
      { actor: 'Kimsuky', externalIds: ['G0094'], aliases: [], confidence: 0.05 },
    ];
    const bundle = exportCaseAsStix(graph, caseId, { timestamp: EXPORT_TIME, attribution });
    expect(schemaErrors(bundle).join('\n')).toBe('');
    const objects = bundle.objects as Obj[];
    const rels = objects.filter((o) => o.type === 'relationship' && o.relationship_type === 'attributed-to');
    const incident = objects.find((o) => o.type === 'incident')!;
    const fromIncident = rels.filter((r) => r.source_ref === incident.id);
    expect(fromIncident.map((r) => r.confidence)).toEqual(expect.arrayContaining([81, 5]));
    const back = new EvidenceGraph();
    expect(importStixBundle(back, JSON.stringify(bundle), { file: 'back.json' }).issues).toEqual([]);
    const backIncident = back.cases.find((c) => c.id === incident.id)!;
    const backRels = back.relationshipsFrom(backIncident.id, 'attributed-to');
    expect(backRels.map((r) => [back.getAs('actor', r.targetRef)?.name, r.confidence]).sort()).toEqual([
      ['Kimsuky', 5],
      ['Lazarus Group', 81],
    ]);
  });
});
