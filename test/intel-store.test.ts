// The evidence corpus read from the store (issue 13 point 10, issue 15 point 8): attribution and
// correlation over the store's evidence index give the very answers of the import-every-time path,
// field by field, on the bundled corpus, whether the store is opened per question (cold) or held
// with its correlator kept (warm).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_INTEL_CORPUS,
  IntelWorkspace,
  loadRoutingWorld,
  ingest,
  intelAttribute,
  intelExport,
  intelShow,
  intelSimilar,
} from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { CairnError } from '../src/errors/index.js';
import {
  CORPUS_INDEX_FORMAT,
  EvidenceGraph,
  enrichIndicators,
  loadCorpus,
  readCorpusIndex,
  writeCorpusIndex,
} from '../src/intel/index.js';
import { parseAddress } from '../src/net/index.js';
import { openStore, type CairnStore } from '../src/store/index.js';
import { listCorpusFiles } from '../src/app/intel.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-intel-store-'));
const db = path.join(dir, 'cairn.duckdb');
const corpus = [DEFAULT_INTEL_CORPUS];
/** A query list outside the corpus, made by code from real corpus values (synthetic: named so). */
const syntheticCase = path.join(dir, 'synthetic-query.csv');
/** A query of a YARA rule of the corpus (ESET's 3CX Rich-header rule) and addresses outside it. */
const ruleCase = path.join(dir, 'synthetic-rule-query.csv');

let loadedCorpus: { graph: EvidenceGraph; corpus: ReturnType<typeof loadCorpus> } | undefined;
/** The bundled corpus imported into a graph, once per file: the tests only read it. */
function bundledCorpus(): { graph: EvidenceGraph; corpus: ReturnType<typeof loadCorpus> } {
  if (loadedCorpus !== undefined) return loadedCorpus;
  const graph = new EvidenceGraph();
  const files = listCorpusFiles(DEFAULT_INTEL_CORPUS).map((f) => ({
    path: f.path,
    bytes: readFileSync(f.full),
  }));
  return (loadedCorpus = { graph, corpus: loadCorpus(graph, files) });
}

const fromFilesAnswers = new Map<string, ReturnType<typeof intelAttribute>>();
/** The import-every-time answer for a case, asked of the corpus files once per case and option. */
function attributeFromFiles(theCase: string, ignoreLabels: boolean): ReturnType<typeof intelAttribute> {
  const key = JSON.stringify([theCase, ignoreLabels]);
  let answer = fromFilesAnswers.get(key);
  if (answer === undefined)
    fromFilesAnswers.set(key, (answer = intelAttribute({ case: theCase, corpus, ignoreLabels })));
  return answer;
}

beforeAll(async () => {
  await ingest({ db, intel: corpus });
  // Every 37th non-technique indicator of the corpus, in corpus order: a query sharing real values.
  const { graph } = bundledCorpus();
  const rows = ['type,value'];
  graph.indicators
    .filter((i) => i.type !== 'attack-technique' && !/[,"\n]/.test(i.original))
    .forEach((i, n) => {
      if (n % 37 === 0) rows.push(`${i.type},${i.original}`);
    });
  writeFileSync(syntheticCase, `${rows.join('\n')}\n`);
  writeFileSync(
    ruleCase,
    [
      'type,value',
      'yara-rule,RichHeaders_Lazarus_NukeSped_IconicPayloads_3CX_Q12023',
      // Addresses no corpus file holds: placed from the index's block -> country table.
      'ipv4,175.45.178.1',
      'ipv4,1.0.16.1',
      '',
    ].join('\n'),
  );
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES = [
  // A MISP event given by its path outside the corpus root (it repeats a corpus case).
  'data/intel/misp-events/eset/nukesped_lazarus/lazarus_3cx.json',
  // A corpus case by its exact name.
  'OSINT - The rise of TeleBots: Analyzing disruptive KillDisk attacks',
  // A labelled list by its corpus path (one file, several cases: the file case is made).
  'iocs/eset/nukesped_lazarus/samples.sha256',
  // A file outside the corpus, imported as the query.
  syntheticCase,
  // A matched rule whose name names an actor, and addresses outside the corpus.
  ruleCase,
];

describe('attribution from the store equals the import-every-time path', () => {
  let held: CairnStore;
  let withCandidates = 0;
  beforeAll(async () => {
    held = await openStore(db);
  });
  afterAll(() => held.close());

  for (const theCase of CASES)
    it(`attribute ${path.basename(theCase)}: cold and warm store answers are the re-import answer`, async () => {
      for (const ignoreLabels of [false, true]) {
        const fromFiles = await attributeFromFiles(theCase, ignoreLabels);
        if (fromFiles.result.candidates.length > 0) withCandidates++;
        const cold = await intelAttribute({ case: theCase, db, ignoreLabels });
        expect(cold).toEqual(fromFiles);
        const warm = await intelAttribute({ case: theCase, db: held, ignoreLabels });
        expect(warm).toEqual(fromFiles);
        // Asked again, the held correlator answers the same (a query file leaves it unchanged).
        expect(await intelAttribute({ case: theCase, db: held, ignoreLabels })).toEqual(fromFiles);
      }
    }, 300_000);

  it('compared answers that rank actors, not only empty ones', () => {
    expect(withCandidates).toBeGreaterThanOrEqual(6);
  });

  it('similar cases and actors, as of a date, are the same from the store', async () => {
    for (const theCase of [CASES[0], syntheticCase]) {
      const input = { case: theCase, limit: 10, asOf: '2020-01-01' };
      const fromFiles = await intelSimilar({ ...input, corpus });
      expect(await intelSimilar({ ...input, db })).toEqual(fromFiles);
      expect(await intelSimilar({ ...input, db: held })).toEqual(fromFiles);
    }
  }, 300_000);

  it("the server's intel workspace over the store answers as over the corpus files", async () => {
    const world = await loadRoutingWorld({ mrt: [] });
    const fromFiles = await IntelWorkspace.load(world);
    const fromStore = await IntelWorkspace.load(world, { store: held });
    const id = fromFiles.cases().find((c) => c.name === CASES[1])!.id;
    expect(fromStore.attribute(id)).toEqual(fromFiles.attribute(id));
    expect(fromStore.similar(id, 10)).toEqual(fromFiles.similar(id, 10));
  }, 300_000);

  it('show and export read the stored corpus too', async () => {
    const theCase = CASES[1];
    expect(await intelShow({ case: theCase, db })).toEqual(await intelShow({ case: theCase, corpus }));
    const timestamp = '2026-01-02T03:04:05.000Z';
    expect(await intelExport({ case: theCase, db, timestamp })).toEqual(
      await intelExport({ case: theCase, corpus, timestamp }),
    );
  }, 300_000);
});

describe('the evidence index', () => {
  it('reads back into the graph the import made: every fact, every case list in its order', () => {
    const { graph, corpus: loaded } = bundledCorpus();
    const again = readCorpusIndex(writeCorpusIndex(graph, loaded));
    expect(again.graph.counts()).toEqual(graph.counts());
    for (const kind of ['indicator', 'case', 'actor', 'relationship', 'technique'] as const)
      expect(again.graph.all(kind)).toEqual(graph.all(kind));
    for (const c of graph.cases)
      expect(again.graph.indicatorsOfCase(c.id).map((i) => i.id)).toEqual(
        graph.indicatorsOfCase(c.id).map((i) => i.id),
      );
    expect(again.corpus.labels).toEqual(loaded.labels);
    expect(again.corpus.casesByFile).toEqual(loaded.casesByFile);
    expect([...again.corpus.attack.groups.keys()]).toEqual([...loaded.attack.groups.keys()]);
  });

  it('keeps placement and warninglists that answer as the registry and the list files do', async () => {
    const { graph, corpus: loaded } = bundledCorpus();
    const world = await loadRoutingWorld({ mrt: [] });
    const enrichment = enrichIndicators(graph.indicators, { registry: world.registry }).ips;
    const again = readCorpusIndex(
      writeCorpusIndex(graph, loaded, {
        from: ['registry'],
        enrichment,
        countries: world.registry.blockCountries(),
      }),
    );
    expect(again.placement?.enrichment).toEqual(enrichment);
    // Every corpus address and a spread of others: the table's country is the registry's.
    const addresses = [
      ...graph.indicators.filter((i) => i.type === 'ipv4' || i.type === 'ipv6').map((i) => i.value),
      ...Array.from({ length: 2000 }, (_, k) => `${(k * 131) % 224}.${(k * 71) % 256}.${(k * 13) % 256}.1`),
      '2001:200::1',
      '2400:cb00::1',
      '::1',
    ];
    for (const text of addresses) {
      const address = parseAddress(text);
      expect(again.placement?.countries.countryOfAddress(address)?.country).toBe(
        world.registry.countryOfAddress(address)?.country,
      );
    }
    // The prebuilt warninglists say what the lists read from their files say, value by value.
    let hits = 0;
    for (const ind of graph.indicators) {
      const hit = loaded.warninglists.lookup(ind.type, ind.value);
      if (hit !== undefined) hits++;
      expect(again.corpus.warninglists.lookup(ind.type, ind.value)).toEqual(hit);
    }
    for (const [type, value] of [
      ['ipv4', '8.8.8.8'],
      ['ipv4', '10.1.2.3'],
      ['domain', 'www.google.com'],
      ['ipv6', '2001:4860:4860::8888'],
    ] as const) {
      const hit = loaded.warninglists.lookup(type, value);
      if (hit !== undefined) hits++;
      expect(again.corpus.warninglists.lookup(type, value)).toEqual(hit);
    }
    expect(hits).toBeGreaterThan(0);
    expect(again.corpus.yaraRules).toEqual(loaded.yaraRules);
  }, 300_000);

  it('an index of another format is never misread: the text is refused, a store rebuilds it', async () => {
    const { graph, corpus: loaded } = bundledCorpus();
    const text = writeCorpusIndex(graph, loaded);
    expect(text.startsWith(`{"format":${CORPUS_INDEX_FORMAT},`)).toBe(true);
    // The same text under an older number (a format 2 index is JSON too): refused, not read.
    const older = text.replace(/^\{"format":\d+,/, '{"format":2,');
    const error = (() => {
      try {
        readCorpusIndex(older);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CairnError);
    expect((error as CairnError).code).toBe('INTEL_INDEX_FORMAT');
    // A store whose index says format 2 answers as the files do, and holds the current format after.
    const copy = path.join(dir, 'older-index.duckdb');
    copyFileSync(db, copy);
    const store = await openStore(copy);
    const record = (await store.loadEvidenceIndex())!;
    await store.saveEvidenceIndex({ ...record, format: 2, text: older });
    await store.close();
    expect(await intelAttribute({ case: CASES[1], db: copy })).toEqual(
      await attributeFromFiles(CASES[1], false),
    );
    const after = await openStore(copy);
    try {
      expect((await after.loadEvidenceIndex())?.format).toBe(CORPUS_INDEX_FORMAT);
    } finally {
      await after.close();
    }
  }, 300_000);

  it('is built once: a second ingest of the same files keeps it as it was', async () => {
    const store = await openStore(db);
    const before = await store.loadEvidenceIndex();
    await store.close();
    await ingest({ db, intel: corpus });
    const again = await openStore(db);
    try {
      const after = await again.loadEvidenceIndex();
      expect(after?.builtAt).toBe(before?.builtAt);
      expect(after?.inputs).toEqual(before?.inputs);
    } finally {
      await again.close();
    }
  }, 300_000);

  it('cairn intel attribute --db prints what --corpus prints; both at once is a usage error', async () => {
    const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const io = captureIo();
      const code = await runCli(
        ['intel', 'attribute', '--case', CASES[0], '--json', '--no-progress', ...args],
        io,
      );
      return { code, out: io.out(), err: io.err() };
    };
    const fromFiles = await run([]);
    expect(fromFiles.code).toBe(0);
    const fromStore = await run(['--db', db]);
    expect(fromStore.code).toBe(0);
    expect(JSON.parse(fromStore.out)).toEqual(JSON.parse(fromFiles.out));
    const both = await run(['--db', db, '--corpus', DEFAULT_INTEL_CORPUS]);
    expect(both.code).not.toBe(0);
    expect(both.err).toContain('INTEL_BAD_OPTION: give the corpus files or a store (--db), not both');
  }, 300_000);

  it('a store with no evidence answers INTEL_NO_INDEX naming the store', async () => {
    const empty = path.join(dir, 'empty.duckdb');
    // A store that exists and holds no evidence (a missing one is STORE_NOT_FOUND).
    await (await openStore(empty)).close();
    const error = await intelAttribute({ case: CASES[1], db: empty }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CairnError);
    expect((error as CairnError).code).toBe('INTEL_NO_INDEX');
    expect((error as CairnError).message).toContain(empty);
  });

  it('a store that does not exist is STORE_NOT_FOUND, and is not created', async () => {
    const missing = path.join(dir, 'missing.duckdb');
    const error = await intelAttribute({ case: CASES[1], db: missing }).catch((e: unknown) => e);
    expect((error as CairnError).code).toBe('STORE_NOT_FOUND');
    expect(existsSync(missing)).toBe(false);
  });
});
