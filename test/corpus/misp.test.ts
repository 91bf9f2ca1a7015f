// Every MISP event of the shared corpus (ESET events in the envelope they are stored in) and the
// MISP galaxy: counts per type derived from each file's JSON by the tests' own reading of the
// types, tags and galaxies as written, and a round trip through the MISP export.
// Reads $CAIRN_CORPUS or ../shared/data relative to the repo root.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ActorResolver,
  EvidenceGraph,
  importMispEvent,
  importMispGalaxy,
  mispEventChunks,
} from '../../src/intel/index.js';
import type { Indicator } from '../../src/intel/index.js';
import { expectedOf } from '../fixtures/misp-shapes.js';
import type { Json } from '../fixtures/misp-shapes.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const intelDir = path.join(process.env.CAIRN_CORPUS ?? path.resolve(repoRoot, '../shared/data'), 'intel');

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.json') ? [p] : [];
    });
}

/** The events of a file as stored (`{"Event"}`, `{"response"}` or bare). */
function eventsOf(doc: Json): Json[] {
  if (Array.isArray(doc.response)) return (doc.response as Json[]).map((r) => r.Event as Json);
  if (doc.Event !== undefined) return [doc.Event as Json];
  return [doc];
}

function countByType(indicators: readonly Indicator[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of indicators) out[i.type] = (out[i.type] ?? 0) + 1;
  return out;
}

const files = walk(path.join(intelDir, 'misp-events'));

describe('MISP events of the shared corpus', () => {
  it('the corpus holds the ESET events', () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
  });

  for (const file of files) {
    const rel = path.relative(intelDir, file);
    it(`${rel}: counts per type, tags, galaxies; export and import give it back`, () => {
      const bytes = readFileSync(file);
      const [event] = eventsOf(JSON.parse(bytes.toString('utf8')) as Json);
      const want = expectedOf(event);
      const graph = new EvidenceGraph();
      const report = importMispEvent(graph, bytes, { file: rel });
      expect(
        report.issues.filter((i) => i.code.startsWith('MISP_') && i.code !== 'MISP_UNKNOWN_TYPE'),
      ).toEqual([]);
      const c = graph.cases[0];
      expect(countByType(graph.indicators)).toEqual(want.byType);
      expect(c.misp?.context.length).toBe(want.context);
      expect(c.misp?.tags).toEqual(((event.Tag as Json[]) ?? []).map((t) => t.name));
      const clusters = ((event.Galaxy as Json[]) ?? []).flatMap((g) =>
        ((g.GalaxyCluster as Json[]) ?? []).map((x) => `${x.type as string}=${x.value as string}`),
      );
      for (const cl of clusters) expect(c.misp?.galaxies.map((g) => `${g.type}=${g.value}`)).toContain(cl);
      const text = [...mispEventChunks(graph, c.id, { envelope: true })].join('');
      const back = new EvidenceGraph();
      importMispEvent(back, text, { file: rel });
      expect(countByType(back.indicators)).toEqual(want.byType);
      expect(back.cases[0].actorLabels).toEqual(c.actorLabels);
      expect(back.cases[0].techniqueIds).toEqual(c.techniqueIds);
    });
  }

  it('every threat-actor cluster an event names is a name (or synonym) of an actor of the MISP galaxy', () => {
    const graph = new EvidenceGraph();
    importMispGalaxy(graph, readFileSync(path.join(intelDir, 'misp-galaxy/clusters/threat-actor.json')), {
      file: 'threat-actor.json',
    });
    const galaxyActors = graph.actors.length;
    expect(galaxyActors).toBeGreaterThan(1000);
    for (const file of files)
      importMispEvent(graph, readFileSync(file), { file: path.relative(intelDir, file) });
    const resolver = new ActorResolver(graph);
    for (const c of graph.cases)
      for (const label of c.actorLabels)
        expect(resolver.resolve(label).candidates.length, `${c.name}: ${label}`).toBeGreaterThan(0);
  });
});
