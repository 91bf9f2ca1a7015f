/**
 * The store holds every evidence object with the id the whole corpus gives it. An id can depend on
 * the files before it: the ESET Dukes MISP event names galaxy cluster b2056ff0-... "APT 29", and
 * the MISP galaxy file names the same uuid "APT29", so in one graph the galaxy's actor gets an id
 * of its own (threat-actor--<uuidv5 of its name>). `ingest` must store that id too, in one run and
 * when the galaxy comes in a later run, so attribution's ids (read from the same whole-corpus
 * graph) are all found by `evidence(id)`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest, refreshEvidenceIndex, storedCorpus } from '../../src/app/index.js';
import { EvidenceGraph, importFile } from '../../src/intel/index.js';
import { DuckDbStore } from '../../src/store/index.js';

const INTEL = fileURLToPath(new URL('../../data/intel/', import.meta.url));
const EVENT = 'misp-events/eset/dukes/misp-dukes-operation-ghost-event.json';
const GALAXY = 'misp-galaxy/clusters/threat-actor.json.gz';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-evidence-ids-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A corpus folder holding `files` at their corpus paths (a file's path is part of some ids). */
function corpus(name: string, files: readonly string[]): string {
  const root = path.join(dir, name);
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.copyFileSync(path.join(INTEL, file), path.join(root, file));
  }
  return root;
}

/**
 * The ids of the two files imported into one graph, in this order (as the evidence index does),
 * kind by kind.
 */
function graphIdsByKind(): string[][] {
  const graph = new EvidenceGraph();
  for (const file of [EVENT, GALAXY]) importFile(graph, file, fs.readFileSync(path.join(INTEL, file)));
  return [
    graph.sources,
    graph.cases,
    graph.actors,
    graph.malware,
    graph.techniques,
    graph.reports,
    graph.relationships,
    graph.sightings,
    graph.indicators,
  ].map((facts) => facts.map((o) => o.id));
}

/**
 * The ids the store does not hold under that id: every id asked in one batched lookup (1,134 ids
 * one query each took seconds), and the one-id lookup asked for the first and last id of each
 * kind, which must answer as the batched one.
 */
async function missing(db: string, byKind: readonly string[][]): Promise<string[]> {
  const store = await DuckDbStore.open(db);
  try {
    const ids = byKind.flat();
    const held = await store.evidenceObjects(ids);
    const out = ids.filter((id) => held.get(id)?.id !== id);
    for (const id of new Set(byKind.flatMap((k) => (k.length > 0 ? [k[0], k[k.length - 1]] : []))))
      expect(await store.evidence(id), `evidence ${id}`).toEqual(held.get(id));
    return out;
  } finally {
    await store.close();
  }
}

describe('evidence ids in the store', () => {
  const byKind = graphIdsByKind();
  const ids = byKind.flat();
  const uuidActor = 'threat-actor--b2056ff0-00b9-482e-b11c-c771daa5f28a';

  it('the two files give the galaxy actor an id of its own in one graph', () => {
    expect(ids).toContain(uuidActor);
    expect(ids.filter((id) => id.startsWith('threat-actor--')).length).toBeGreaterThan(1);
  });

  it('one ingest run stores every id of the graph', async () => {
    const db = path.join(dir, 'one.duckdb');
    await ingest({ intel: [corpus('one', [EVENT, GALAXY])], db });
    expect(await missing(db, byKind)).toEqual([]);
    const store = await DuckDbStore.open(db);
    try {
      // The uuid's actor is the one the first file named, as in the graph.
      expect(await store.evidence(uuidActor)).toMatchObject({ kind: 'actor', name: 'APT 29' });
    } finally {
      await store.close();
    }
  });

  it('the galaxy ingested in a later run gets the same ids', async () => {
    const db = path.join(dir, 'two.duckdb');
    const root = corpus('two', [EVENT]);
    await ingest({ intel: [root], db });
    corpus('two', [GALAXY]);
    await ingest({ intel: [root], db });
    expect(await missing(db, byKind)).toEqual([]);
  });

  it('one run on a new store imports the corpus once: the index is the one a rebuild gives', async () => {
    // The same event under a second name before the galaxy: the index reads that content once,
    // so the galaxy's ids (which depend on what came before) must not see it twice.
    const root = corpus('once', [EVENT, GALAXY]);
    fs.mkdirSync(path.join(root, 'misp-events/zz-copy'), { recursive: true });
    fs.copyFileSync(path.join(INTEL, EVENT), path.join(root, 'misp-events/zz-copy/event.json'));
    const db = path.join(dir, 'once.duckdb');
    const summary = await ingest({ intel: [root], db });
    expect(summary.files.map((f) => f.status)).toEqual(['ingested', 'skipped', 'ingested']);
    expect(await missing(db, byKind)).toEqual([]);
    const store = await DuckDbStore.open(db);
    const rebuilt = await DuckDbStore.open(path.join(dir, 'rebuilt.duckdb'));
    try {
      const saved = await store.loadEvidenceIndex();
      expect(saved?.inputs.map((i) => i.path)).toEqual([EVENT, GALAXY]);
      const clock = { now: () => saved!.builtAt * 1000 };
      const again = await refreshEvidenceIndex(rebuilt, saved!.inputs, clock);
      expect(again?.text === saved?.text, 'the saved index equals the rebuilt one').toBe(true);
      // Every fact of the index's graph is stored under its id, as the index holds it.
      const { graph } = await storedCorpus(store);
      const facts = [...graph.cases, ...graph.actors, ...graph.indicators, ...graph.relationships];
      const held = await store.evidenceObjects(facts.map((o) => o.id));
      for (const o of facts) expect(held.get(o.id)?.id, o.id).toBe(o.id);
    } finally {
      await rebuilt.close();
      await store.close();
    }
  });
});
