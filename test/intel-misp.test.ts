// MISP in and out (issue #23) on the bundled ESET events and on documents generated from them in
// every shape MISP writes (test/fixtures/misp-shapes.ts). Expected counts are derived here from
// the JSON itself, with this file's own reading of the MISP types, not from the importer.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  EvidenceGraph,
  MAX_OBJECT_ATTRIBUTES,
  MISP_CONTEXT_TYPES,
  MISP_INDICATOR_TYPES,
  describeMispType,
  importMispEvent,
  loadCorpus,
  mispEventChunks,
} from '../src/intel/index.js';
import type { Indicator } from '../src/intel/index.js';
import { intelExportMisp } from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import {
  ESET_EVENTS,
  bareEvent,
  enrichedEvent,
  envelopedEvent,
  esetEvent,
  eventList,
  feedFolder,
  hostileEvents,
  loneAttribute,
  loneObject,
  searchResponse,
} from './fixtures/misp-shapes.js';
import type { Json } from './fixtures/misp-shapes.js';
import { expectedOf, partsOf } from './fixtures/misp-shapes.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function countByType(indicators: readonly Indicator[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of indicators) out[i.type] = (out[i.type] ?? 0) + 1;
  return out;
}

function tagNames(event: Json): string[] {
  return ((event.Tag as Json[]) ?? []).map((t) => t.name as string);
}

function importDoc(doc: unknown, file = 'doc.json', proposalsAsEvidence = false) {
  const graph = new EvidenceGraph();
  const report = importMispEvent(graph, JSON.stringify(doc), { file, proposalsAsEvidence });
  return { graph, report };
}

describe('every shape MISP writes imports with the same meaning', () => {
  for (const rel of ESET_EVENTS) {
    it(`${rel}: bare, {"Event"}, {"response"}, a list: the same case, counts per type and tags`, () => {
      const event = esetEvent(rel);
      const want = expectedOf(event);
      const tags = tagNames(event);
      const actors = tags
        .filter((t) => t.startsWith('misp-galaxy:threat-actor='))
        .map((t) => t.slice(26, -1));
      for (const doc of [
        bareEvent(event),
        envelopedEvent(event),
        searchResponse([event]),
        eventList([event]),
      ]) {
        const { graph, report } = importDoc(doc);
        expect(graph.cases.length).toBe(1);
        const c = graph.cases[0];
        expect(c.name).toBe(event.info);
        expect(countByType(graph.indicators)).toEqual(want.byType);
        expect(c.misp?.context.length).toBe(want.context);
        expect(graph.reports.length).toBe(want.links);
        expect(c.misp?.tags).toEqual(tags);
        for (const a of actors) expect(c.actorLabels).toContain(a);
        expect(report.issues.filter((i) => i.code === 'MISP_NOT_AN_EVENT')).toEqual([]);
      }
    });
  }

  it('a list of two events gives two cases', () => {
    const events = [esetEvent(ESET_EVENTS[0]), esetEvent(ESET_EVENTS[1])];
    const { graph } = importDoc(eventList(events));
    expect(graph.cases.map((c) => c.name)).toEqual(events.map((e) => e.info));
  });

  it('a lone attribute (bare or {"Attribute"}) and a lone object go into a case named after the file', () => {
    const event = esetEvent('turla/misp-mosquito-event.json');
    const attr = (event.Attribute as Json[]).find((a) => a.type === 'url')!;
    for (const wrapped of [true, false]) {
      const { graph } = importDoc(loneAttribute(attr, wrapped), 'folder/one-attribute.json');
      expect(graph.cases.map((c) => c.name)).toEqual(['one-attribute.json']);
      expect(graph.indicators.map((i) => [i.type, i.original])).toEqual([['url', attr.value]]);
      expect(graph.indicators[0].caseIds).toEqual([graph.cases[0].id]);
    }
    const obj = (esetEvent('nukesped_lazarus/lazarus_3cx.json').Object as Json[]).find(
      (o) => o.name === 'file',
    )!;
    const { graph } = importDoc(loneObject(obj), 'obj.json');
    const want = expectedOf({ Object: [obj] });
    expect(countByType(graph.indicators)).toEqual(want.byType);
    for (const i of graph.indicators) expect(i.misp?.object).toMatchObject({ name: 'file', uuid: obj.uuid });
    const relations = (obj.Attribute as Json[])
      .filter((a) => partsOf(a.type as string, a.value as string) !== undefined)
      .map((a) => a.object_relation);
    expect(graph.indicators.map((i) => i.misp?.object?.relation)).toEqual(relations);
  });

  it('a feed folder: manifest.json set aside, one case per event file', () => {
    const events = [esetEvent(ESET_EVENTS[1]), esetEvent(ESET_EVENTS[2])];
    const files = feedFolder(events);
    const graph = new EvidenceGraph();
    const corpus = loadCorpus(
      graph,
      Object.entries(files).map(([name, text]) => ({ path: `feed/${name}`, bytes: Buffer.from(text) })),
    );
    expect(graph.cases.map((c) => c.misp?.uuid).sort()).toEqual(events.map((e) => e.uuid).sort());
    const manifest = corpus.reports.find((r) => r.file === 'feed/manifest.json')!;
    expect(manifest.setAside).toEqual({ 'misp feed manifest entry': 2 });
    expect(manifest.issueCount).toBe(0);
  });
});

describe("a MISP feed's hashes.csv", () => {
  // Generated: a feed of two ESET events with the hashes.csv the feed generator writes, computed
  // here from the event JSON (md5 of each value, each part of a composite on its own line).
  const events = [esetEvent(ESET_EVENTS[1]), esetEvent(ESET_EVENTS[2])];
  const md5 = (v: string): string => createHash('md5').update(v, 'utf8').digest('hex');
  const valuesOf = (e: Json): string[] => {
    const out = new Set<string>();
    const attrs = [
      ...((e.Attribute as Json[]) ?? []),
      ...((e.Object as Json[]) ?? []).flatMap((o) => (o.Attribute as Json[]) ?? []),
    ].filter((a) => a.deleted !== true);
    for (const a of attrs) {
      out.add(a.value as string);
      if ((a.type as string).includes('|')) for (const p of (a.value as string).split('|')) out.add(p);
    }
    return [...out];
  };
  const lines = events.flatMap((e) => valuesOf(e).map((v) => `${md5(v)},${e.uuid as string}`));
  const load = (hashes: string) => {
    const files = { ...feedFolder(events), 'hashes.csv': hashes };
    const graph = new EvidenceGraph();
    const corpus = loadCorpus(
      graph,
      Object.entries(files).map(([name, text]) => ({ path: `feed/${name}`, bytes: Buffer.from(text) })),
    );
    return { graph, corpus, report: corpus.reports.find((r) => r.file === 'feed/hashes.csv')! };
  };

  it('read, checked against the events (no problem when they agree) and used as a value -> events lookup', () => {
    const { corpus, report } = load(lines.join('\n') + '\n');
    expect(report.issues.map((i) => i.describe())).toEqual([]);
    expect(report.setAside).toEqual({ 'misp feed value hash': new Set(lines).size });
    const feed = corpus.mispFeeds?.get('feed');
    const [value] = valuesOf(events[0]);
    expect(feed?.eventsOf(value)).toContain(events[0].uuid);
    expect(feed?.eventsOf('never-in-this-feed.example')).toEqual([]);
  });

  it('mismatches are located problems: a bad line, an unknown event, a hash of no value, a value left out', () => {
    const unknown = '5eed5ca1-0000-4000-8000-0000000000ff';
    const edited = [
      ...lines.slice(1), // the first value of the first event is left out
      'not-a-hash,also-not-a-uuid',
      `${md5('x')},${unknown}`,
      `${md5('a value no event holds')},${events[1].uuid as string}`,
    ];
    const { report } = load(edited.join('\n'));
    const at = (n: number): number => lines.length - 1 + n;
    expect(report.issues.map((i) => [i.code, i.location.line])).toEqual([
      ['MISP_FEED_BAD_HASH_LINE', at(1)],
      ['MISP_FEED_HASH_UNKNOWN_EVENT', at(2)],
      ['MISP_FEED_HASH_MISMATCH', at(3)],
      ['MISP_FEED_HASH_MISSING', undefined],
    ]);
    expect(report.issues[3].message).toContain(`1 of the ${valuesOf(events[0]).length} values`);
  });
});

describe('what the format means is kept (an ESET event enriched by generated parts)', () => {
  const event = enrichedEvent();
  const { graph, report } = importDoc(event, 'enriched.json');
  const c = graph.cases[0];
  const attrs = event.Attribute as Json[];
  const byUuid = (uuid: unknown) => graph.indicators.filter((i) => i.misp?.uuid === uuid);

  it('counts per type, context, links, deleted, unknown types', () => {
    const want = expectedOf(event);
    expect(countByType(graph.indicators)).toEqual(want.byType);
    expect(c.misp?.deleted).toBe(want.deleted);
    expect(c.misp?.unknownTypes).toEqual({ 'frobnicate-hash': 2 });
    expect(report.setAside?.['misp unknown type frobnicate-hash']).toBe(2);
    expect(report.setAside?.['misp deleted attribute']).toBe(1);
    expect(report.issues.filter((i) => i.code === 'MISP_UNKNOWN_TYPE').map((i) => i.location.path)).toEqual([
      `$.Attribute[${attrs.findIndex((a) => a.type === 'frobnicate-hash')}]`,
    ]);
    expect(c.misp?.context.map((x) => x.value)).toEqual(
      expect.arrayContaining(['synthetic analyst note', 'synthetic unknown', 'synthetic unknown 2']),
    );
    expect(graph.reports.map((r) => r.urls[0])).toEqual(['https://synthetic.example/report']);
    expect(graph.indicators.some((i) => i.value === 'deleted.synthetic.example')).toBe(false);
  });

  it('composite types: typed parts kept as one observation, the whole value kept', () => {
    const di = attrs.find((a) => a.type === 'domain|ip')!;
    const parts = byUuid(di.uuid);
    expect(parts.map((p) => [p.type, p.value])).toEqual([
      ['domain', 'synthetic-c2.example'],
      ['ipv4', '203.0.113.9'],
    ]);
    expect(new Set(parts.map((p) => p.observationId)).size).toBe(1);
    expect(parts[0].misp?.compositeValue).toBe(di.value);
    const port = byUuid(attrs.find((a) => a.type === 'ip-dst|port')!.uuid);
    expect(port.map((p) => [p.type, p.value])).toEqual([['ipv4', '198.51.100.23']]);
    const reg = byUuid(attrs.find((a) => a.type === 'regkey|value')!.uuid);
    expect(reg.map((p) => [p.type, p.original, p.forDetection])).toEqual([
      ['string', 'HKCU\\Software\\Synthetic\\Run', false],
    ]);
  });

  it('to_ids, first/last seen, timestamps, distribution and sharing groups', () => {
    const first = byUuid(attrs[0].uuid);
    expect(first.length).toBeGreaterThan(0);
    expect(first[0]).toMatchObject({
      firstSeen: attrs[0].first_seen,
      lastSeen: attrs[0].last_seen,
      forDetection: attrs[0].to_ids,
    });
    const fm = byUuid(
      attrs.find((a) => a.value === 'synthetic.exe|0123456789abcdef0123456789abcdef')!.uuid,
    )[0];
    expect(fm.misp).toMatchObject({ distribution: 5, timestamp: new Date(1541500000 * 1000).toISOString() });
    expect(c.misp).toMatchObject({
      distribution: 4,
      sharingGroup: 'synthetic sharing group',
      uuid: event.uuid,
    });
  });

  it('tags at three levels, TLP as markings', () => {
    expect(c.markings).toEqual(['tlp:amber']);
    expect(c.labels).not.toContain('tlp:amber');
    expect(byUuid(attrs[0].uuid)[0]).toMatchObject({
      markings: ['tlp:red'],
      labels: ['synthetic:attribute-tag'],
    });
    const objectInd = graph.indicators.filter((i) => i.misp?.object?.name === 'file');
    expect(objectInd.map((i) => i.markings)).toEqual([['tlp:green'], ['tlp:green']]);
    const plain = byUuid(attrs.find((a) => a.type === 'filename|md5')!.uuid)[0];
    expect(plain.markings).toEqual(['tlp:amber']);
  });

  it('galaxies: threat actor as the actor label, malware as software the case uses', () => {
    const galaxyActors = ((event.Galaxy as Json[]) ?? [])
      .filter((g) => g.type === 'threat-actor')
      .flatMap((g) => (g.GalaxyCluster as Json[]).map((x) => x.value));
    expect(galaxyActors.length).toBeGreaterThan(0);
    expect(c.actorLabels).toEqual(expect.arrayContaining(galaxyActors));
    const uses = graph.relationshipsFrom(c.id, 'uses').map((r) => graph.getAs('malware', r.targetRef));
    expect(uses.map((m) => [m?.name, m?.externalIds])).toContainEqual(['Zebrocy', ['S0251']]);
    expect(c.misp?.galaxies).toContainEqual({ type: 'mitre-malware', value: 'Zebrocy - S0251' });
  });

  it('sightings counted and dated; proposals kept apart', () => {
    expect(c.misp?.sightings).toEqual({ seen: 2, falsePositive: 1, expiration: 0 });
    expect(graph.sightings.map((s) => [s.count, s.firstSeen, s.lastSeen])).toEqual([
      [2, new Date(1541500000e3).toISOString(), new Date(1541600000e3).toISOString()],
    ]);
    expect(c.misp?.proposals.map((p) => [p.value, p.attributeUuid])).toEqual([
      ['proposed-change.example', attrs[0].uuid],
      ['fedcba9876543210fedcba9876543210', undefined],
    ]);
    expect(graph.indicators.some((i) => i.value === 'fedcba9876543210fedcba9876543210')).toBe(false);
    const asked = importDoc(event, 'enriched.json', true).graph;
    expect(asked.indicators.filter((i) => i.labels.includes('misp:proposal')).map((i) => i.value)).toContain(
      'fedcba9876543210fedcba9876543210',
    );
  });

  it('objects with their relations; object references as relationships', () => {
    const objects = event.Object as Json[];
    expect(c.misp?.objects.map((o) => [o.name, o.attributes])).toEqual(
      objects.map((o) => [o.name, (o.Attribute as Json[]).length]),
    );
    const refs = graph.relationships.filter((r) => r.sourceRef.startsWith('misp-object--'));
    expect(refs.map((r) => [r.type, r.sourceType, r.targetRef])).toEqual([
      ['related-to', 'communicates-with', `misp-object--${objects[1].uuid}`],
      ['related-to', undefined, `misp-attribute--${attrs[0].uuid}`],
    ]);
  });
});

describe('hostile MISP documents: located errors, no crash', () => {
  const h = hostileEvents();
  it('an Attribute that is not a list', () => {
    const { report } = importDoc(h.notAList);
    expect(report.issues.map((i) => [i.code, i.location.path])).toContainEqual([
      'MISP_NOT_A_LIST',
      '$.Attribute',
    ]);
  });
  it('a 100,000-attribute object', () => {
    const { graph, report } = importDoc(h.hugeObject);
    expect(report.issues.map((i) => [i.code, i.location.path])).toContainEqual([
      'MISP_OBJECT_TOO_LARGE',
      '$.Object[0].Attribute',
    ]);
    expect(graph.indicators.filter((i) => i.misp?.object?.name === 'file').length).toBe(
      MAX_OBJECT_ATTRIBUTES,
    );
    expect(report.setAside?.['misp attribute past the object limit']).toBe(100_000 - MAX_OBJECT_ATTRIBUTES);
  });
  it('a tag named <script>', () => {
    const { graph, report } = importDoc(h.scriptTag);
    expect(report.issues.map((i) => [i.code, i.location.path])).toContainEqual([
      'INTEL_VALUE_MARKUP',
      '$.Tag[0].name',
    ]);
    expect(graph.cases[0].labels).toEqual(['<script>alert(1)</script>']);
  });
  it('shapes that are not MISP at all', () => {
    expect(importDoc({ foo: 1 }).report.issues[0].code).toBe('MISP_NOT_AN_EVENT');
    expect(importDoc([1, 'x']).report.issues.map((i) => i.location.path)).toEqual(['$[0]', '$[1]']);
    expect(importDoc({ response: 3 }).report.issues[0].location.path).toBe('$.response');
  });
});

/** What a round trip must keep, per indicator. */
function indicatorView(graph: EvidenceGraph): string[] {
  return graph.indicators
    .map((i) =>
      JSON.stringify([
        i.type,
        i.value,
        i.original,
        i.forDetection,
        i.firstSeen,
        i.lastSeen,
        i.labels,
        i.markings,
        i.misp?.uuid,
        i.misp?.object?.name,
        i.misp?.object?.relation,
        i.misp?.compositeValue,
        i.observationId,
      ]),
    )
    .sort();
}

function caseView(graph: EvidenceGraph): unknown {
  const c = graph.cases[0];
  return {
    name: c.name,
    date: c.date,
    labels: c.labels,
    markings: c.markings,
    actorLabels: c.actorLabels,
    techniqueIds: c.techniqueIds,
    tags: c.misp?.tags,
    galaxies: c.misp?.galaxies.map((g) => [g.type, g.value]),
    sightings: c.misp?.sightings.seen,
    proposals: c.misp?.proposals.map((p) => [p.type, p.value, p.attributeUuid]),
    context: c.misp?.context.map((x) => [x.type, x.value, x.object?.name]),
    unknownTypes: c.misp?.unknownTypes,
    objects: c.misp?.objects.map((o) => [o.uuid, o.name, o.attributes]),
    distribution: c.misp?.distribution,
    uuid: c.misp?.uuid,
  };
}

function relationView(graph: EvidenceGraph): string[] {
  return graph.relationships
    .map((r) => `${r.sourceRef} ${r.type} ${r.sourceType ?? ''} ${r.targetRef}`)
    .sort();
}

describe('export to MISP and back', () => {
  const sources: [string, Json][] = [
    ['enriched', enrichedEvent()],
    ...ESET_EVENTS.map((rel): [string, Json] => [rel, esetEvent(rel)]),
  ];
  for (const [name, event] of sources) {
    for (const envelope of [false, true]) {
      it(`${name} (${envelope ? '{"Event"}' : 'bare'}): export then import loses nothing named`, () => {
        const { graph } = importDoc(event, 'e.json');
        const text = [...mispEventChunks(graph, graph.cases[0].id, { envelope })].join('');
        const doc = JSON.parse(text) as Json;
        expect(envelope ? Object.keys(doc) : 'Attribute' in doc).toEqual(envelope ? ['Event'] : true);
        const back = importDoc(doc, 'e.json').graph;
        expect(indicatorView(back)).toEqual(indicatorView(graph));
        expect(caseView(back)).toEqual(caseView(graph));
        expect(relationView(back)).toEqual(relationView(graph));
        expect(back.reports.map((r) => r.urls)).toEqual(graph.reports.map((r) => r.urls));
        expect(back.sightings.map((s) => [s.count, s.firstSeen, s.lastSeen])).toEqual(
          graph.sightings.map((s) => [s.count, s.firstSeen, s.lastSeen]),
        );
      });
    }
  }

  it('sightings (each with its type, source, date, organisation) and galaxy clusters (synonyms, meta) survive', () => {
    // Generated: the enriched ESET event with galaxy clusters and sightings at both levels.
    const event = enrichedEvent();
    const attrs = (event.Attribute as Json[]).filter((a) => typeof a.uuid === 'string' && a.deleted !== true);
    const [a1, a2] = [attrs[1], attrs[2]];
    a1.Sighting = [
      {
        type: '0',
        date_sighting: '1600000000',
        source: 'synthetic-sensor-a',
        Organisation: { name: 'Org A' },
      },
      { type: '1', date_sighting: '1600000100', source: 'synthetic-sensor-b' },
    ];
    event.Sighting = [
      { type: '2', date_sighting: '1600000200', attribute_uuid: a2.uuid, source: 'synthetic-expiry' },
      {
        type: '0',
        date_sighting: '1600000300',
        attribute_uuid: a2.uuid,
        uuid: '5eed5ca1-0000-4000-8000-0000000005e1',
      },
    ];
    event.Galaxy = [
      {
        type: 'threat-actor',
        name: 'Threat Actor',
        GalaxyCluster: [
          {
            type: 'threat-actor',
            value: 'Synthetic Bear',
            uuid: '5eed5ca1-0000-4000-8000-00000000ac70',
            description: 'a generated actor',
            meta: { synonyms: ['SYN-1', 'Fake Bear'], country: ['ZZ'], refs: ['https://example.org/syn'] },
          },
        ],
      },
      {
        type: 'tool',
        name: 'Tool',
        GalaxyCluster: [{ type: 'tool', value: 'SynthTool', meta: { synonyms: ['ST'] } }],
      },
    ];
    // What the test expects, read from the document itself.
    const seconds = (x: unknown): string => new Date(Number(x) * 1000).toISOString();
    const wantSightings = [
      ...(event.Attribute as Json[])
        .filter((at) => at.deleted !== true)
        .flatMap((at) =>
          ((at.Sighting as Json[] | undefined) ?? []).map((x) => [
            Number(x.type),
            at.uuid,
            seconds(x.date_sighting),
            x.source,
          ]),
        ),
      ...(event.Sighting as Json[]).map((x) => [
        Number(x.type),
        x.attribute_uuid,
        seconds(x.date_sighting),
        x.source,
      ]),
    ];
    const wantClusters = (event.Galaxy as Json[]).flatMap((g) =>
      (g.GalaxyCluster as Json[]).map((c) => [
        c.type,
        c.value,
        (c.meta as Json).synonyms,
        c.meta,
        c.description,
      ]),
    );
    const sightingsOf = (g: EvidenceGraph): unknown[] =>
      (g.cases[0].misp?.sightingRecords ?? []).map((r) => [r.type, r.attributeUuid, r.date, r.source]);
    const clustersOf = (g: EvidenceGraph): unknown[] =>
      (g.cases[0].misp?.galaxies ?? [])
        .filter((c) => c.meta !== undefined)
        .map((c) => [c.type, c.value, c.meta?.synonyms, c.meta, c.description]);
    const { graph } = importDoc(event, 'generated-sightings-galaxies.json');
    expect(sightingsOf(graph)).toEqual(wantSightings);
    expect(clustersOf(graph)).toEqual(wantClusters);
    for (const envelope of [false, true]) {
      const text = [...mispEventChunks(graph, graph.cases[0].id, { envelope })].join('');
      const back = importDoc(JSON.parse(text), 'generated-sightings-galaxies.json').graph;
      expect(sightingsOf(back)).toEqual(wantSightings);
      expect(back.cases[0].misp?.sightingRecords).toEqual(graph.cases[0].misp?.sightingRecords);
      expect(back.cases[0].misp?.sightings).toEqual(graph.cases[0].misp?.sightings);
      expect(clustersOf(back)).toEqual(wantClusters);
      // Clusters are a set: tag-only clusters come back inside Galaxy, grouped by galaxy type.
      const sorted = (g: EvidenceGraph): string[] =>
        (g.cases[0].misp?.galaxies ?? []).map((c) => JSON.stringify(c)).sort();
      expect(sorted(back)).toEqual(sorted(graph));
      expect(back.actors.find((x) => x.name === 'Synthetic Bear')?.aliases).toEqual(['SYN-1', 'Fake Bear']);
      expect(back.sightings.map((x) => [x.sightingOfRef, x.count, x.firstSeen, x.lastSeen])).toEqual(
        graph.sightings.map((x) => [x.sightingOfRef, x.count, x.firstSeen, x.lastSeen]),
      );
    }
  });

  it('intelExportMisp writes the attribution as a threat-actor tag, a confidence-level tag and evidence references', async () => {
    const out = new PassThrough();
    const parts: Buffer[] = [];
    out.on('data', (b: Buffer) => parts.push(b));
    const file = path.join(repo, 'data/intel/misp-events/eset/nukesped_lazarus/lazarus_3cx.json');
    const result = await intelExportMisp({ case: file, envelope: true }, out);
    const doc = JSON.parse(Buffer.concat(parts).toString('utf8')) as { Event: Json };
    const tags = tagNames(doc.Event);
    expect(result.verdict).toBe('attributed');
    expect(tags).toContain('misp-galaxy:threat-actor="Lazarus Group"');
    expect(tags.filter((t) => t.startsWith('confidence-level:')).length).toBe(1);
    const note = (doc.Event.Object as Json[]).find((o) => o.name === 'annotation')!;
    const refs = note.ObjectReference as Json[];
    expect(refs.length).toBeGreaterThan(0);
    const uuids = new Set(
      [
        ...(doc.Event.Attribute as Json[]),
        ...(doc.Event.Object as Json[]).flatMap((o) => o.Attribute as Json[]),
      ].map((a) => a.uuid),
    );
    for (const r of refs) expect(uuids.has(r.referenced_uuid)).toBe(true);
  }, 120_000);
});

describe('the module README lists every MISP type cairn knows', () => {
  it('one row per type with what it becomes', () => {
    const file = path.join(repo, 'src/intel/misp/README.md');
    const readme = readFileSync(file, 'utf8');
    const types = [...Object.keys(MISP_INDICATOR_TYPES), 'link', ...MISP_CONTEXT_TYPES];
    const rows = types.map((t) => `| \`${t.replace(/\|/g, '\\|')}\` | ${describeMispType(t)} |`);
    const table = ['| MISP type | becomes |', '|---|---|', ...rows].join('\n');
    const begin = '<!-- types:begin -->';
    const end = '<!-- types:end -->';
    if (process.env.CAIRN_WRITE_DOCS === '1') {
      const head = readme.slice(0, readme.indexOf(begin) + begin.length);
      writeFileSync(file, `${head}\n${table}\n${readme.slice(readme.indexOf(end))}`);
      return;
    }
    expect(readme).toContain(`${begin}\n${table}\n${end}`);
  });
});

describe('cairn intel import and export --format misp', () => {
  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const code = await runCli(['intel', ...args], io);
    return { code, out: io.out(), err: io.err() };
  }

  it('a bare event as PyMISP writes it imports (no MISP_NOT_AN_EVENT), the summary counts what was kept aside', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-misp-'));
    const file = path.join(dir, 'bare.json');
    const event = enrichedEvent();
    writeFileSync(file, JSON.stringify(bareEvent(event)));
    const r = await cli(['import', file, '--json', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    const want = expectedOf(event);
    const total = Object.values(want.byType).reduce((a, b) => a + b, 0);
    expect(out.files[0].added.indicator).toBe(total);
    expect(out.files[0].setAside).toMatchObject({
      'misp unknown type frobnicate-hash': 2,
      'misp deleted attribute': 1,
    });
    const text = await cli(['import', file, '--no-progress']);
    expect(text.out).toContain('kept aside: ');
    expect(text.out).toContain('2 misp unknown type frobnicate-hash');
  });

  it('export --format misp writes the bare event, --misp-envelope the {"Event"} form', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-misp-'));
    const file = path.join(dir, 'event.json');
    const event = esetEvent('turla/misp-mosquito-event.json');
    writeFileSync(file, JSON.stringify(envelopedEvent(event)));
    const bare = await cli(['export', '--format', 'misp', '--no-attribution', file, '--no-progress']);
    expect(bare.code, bare.err).toBe(0);
    const doc = JSON.parse(bare.out) as Json;
    expect(doc.uuid).toBe(event.uuid);
    expect((doc.Attribute as Json[]).length + (doc.Object as Json[]).length).toBeGreaterThan(0);
    const enveloped = await cli([
      'export',
      '--format',
      'misp',
      '--misp-envelope',
      '--no-attribution',
      file,
      '--no-progress',
    ]);
    expect(Object.keys(JSON.parse(enveloped.out) as Json)).toEqual(['Event']);
    const bad = await cli(['export', '--format', 'yaml', file, '--no-progress']);
    expect(bad.code).not.toBe(0);
  }, 120_000);
});

describe('--proposals on the commands that read a MISP case', () => {
  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo();
    const code = await runCli(['intel', ...args], io);
    return { code, out: io.out(), err: io.err() };
  }
  // A uuid of its own, so that the file is its own case and not the bundled ESET event it extends.
  const event: Json = { ...enrichedEvent(), uuid: '5eed5ca1-0000-4000-8000-00000000beef' };
  // The proposals of indicator types, read here from the generated event itself.
  const proposed: string[] = [];
  const walk = (list: unknown): void => {
    for (const p of (list as Json[] | undefined) ?? [])
      if (MISP_INDICATOR_TYPES[p.type as string] !== undefined && !(p.type as string).includes('|'))
        proposed.push(p.value as string);
  };
  walk(event.ShadowAttribute);
  for (const a of (event.Attribute as Json[]) ?? []) walk(a.ShadowAttribute);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-misp-proposals-'));
  const file = path.join(dir, 'generated-event-with-proposals.json');
  writeFileSync(file, JSON.stringify(envelopedEvent(event)));

  it('import: proposals become indicators only with --proposals', async () => {
    expect(proposed.length).toBeGreaterThan(0);
    const plain = await cli(['import', file, '--json', '--no-progress']);
    const asked = await cli(['import', file, '--json', '--no-progress', '--proposals']);
    expect(plain.code, plain.err).toBe(0);
    expect(asked.code, asked.err).toBe(0);
    const added = (r: { out: string }): number =>
      (JSON.parse(r.out) as { files: { added: { indicator: number } }[] }).files[0].added.indicator;
    expect(added(asked) - added(plain)).toBe(proposed.length);
  });

  it('show and attribute accept --proposals and read them as evidence', async () => {
    const plain = await cli(['show', file, '--json', '--no-progress']);
    const asked = await cli(['show', file, '--json', '--no-progress', '--proposals']);
    expect(plain.code, plain.err).toBe(0);
    expect(asked.code, asked.err).toBe(0);
    const values = (r: { out: string }): string[] =>
      (JSON.parse(r.out) as { indicators: { value: string }[] }).indicators.map((i) => i.value);
    for (const value of proposed) {
      expect(values(plain)).not.toContain(value);
      expect(values(asked)).toContain(value);
    }
    const attributed = await cli(['attribute', '--case', file, '--json', '--no-progress', '--proposals']);
    expect(attributed.code, attributed.err).toBe(0);
  }, 240_000);
});
