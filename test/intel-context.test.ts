// Context and independence rules of attribution (issue 13 points 3 and 6) on the bundled corpus:
// MISP warninglists, to_ids=false as context, types that name the same thing, source reliability
// and fact confidence. Queries are small CSV cases built here from values of the real files.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONTEXT_FACTOR,
  Correlator,
  DERIVED_FACTOR,
  EvidenceGraph,
  LATE_REPORT_GRACE_YEARS,
  RELIABILITY_FACTOR,
  WARNINGLIST_FACTOR,
  confidenceFactor,
  importIndicatorList,
  lateFactor,
  loadCorpus,
  readCorpusIndex,
  writeCorpusIndex,
} from '../src/intel/index.js';
import type { EvidenceItem, LoadedCorpus } from '../src/intel/index.js';
import { bundledIntelDir } from './fixtures/bundled-intel.js';

const walk = (d: string): string[] =>
  readdirSync(d)
    .sort()
    .flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : [path.join(d, f)]));
const bundledFiles = () =>
  walk(bundledIntelDir).map((p) => ({ path: path.relative(bundledIntelDir, p), bytes: readFileSync(p) }));

/** The bundled corpus with a query case imported, by query: only read once imported. */
const imports = new Map<string, { graph: EvidenceGraph; corpus: LoadedCorpus; queryId: string }>();
let bare: { graph: EvidenceGraph; corpus: LoadedCorpus } | undefined;
let bareIndex: string | undefined;
// Later files in this worker need not keep the imported corpora.
afterAll(() => {
  imports.clear();
  bare = undefined;
  bareIndex = undefined;
});

/** The bundled corpus alone, imported once for the tests that only read it. */
function bundledCorpus(): { graph: EvidenceGraph; corpus: LoadedCorpus } {
  if (bare !== undefined) return bare;
  const graph = new EvidenceGraph();
  return (bare = { graph, corpus: loadCorpus(graph, bundledFiles()) });
}

/**
 * A copy of the bundled corpus of its own, to import a query into: the import above written as
 * the store's evidence index and read back, every fact, case list, label, reliability and
 * warninglist as the import made them (test/intel-store.test.ts checks that), in about a quarter
 * of an import's time.
 */
function bundledCopy(): { graph: EvidenceGraph; corpus: LoadedCorpus } {
  if (bareIndex === undefined) {
    const { graph, corpus } = bundledCorpus();
    bareIndex = writeCorpusIndex(graph, corpus);
  }
  const { graph, corpus } = readCorpusIndex(bareIndex);
  return { graph, corpus };
}

/**
 * The corpus (`files` imported, else a copy of the bundled corpus) with the query CSV imported; the
 * bundled corpus with a given query and confidence is made once (tests compare correlator options
 * on it).
 */
function importedQuery(csv: string, files?: { path: string; bytes: Uint8Array }[], confidence?: number) {
  const key = files === undefined ? JSON.stringify([csv, confidence ?? null]) : undefined;
  const known = key === undefined ? undefined : imports.get(key);
  if (known !== undefined) return known;
  let graph: EvidenceGraph;
  let corpus: LoadedCorpus;
  if (files === undefined) ({ graph, corpus } = bundledCopy());
  else corpus = loadCorpus((graph = new EvidenceGraph()), files);
  importIndicatorList(graph, csv, {
    file: 'query.csv',
    ...(confidence !== undefined ? { defaultConfidence: confidence } : {}),
  });
  const queryId = graph.cases.find((c) => c.provenance.file === 'query.csv')!.id;
  const result = { graph, corpus, queryId };
  if (key !== undefined) imports.set(key, result);
  return result;
}

/** The bundled corpus with a query case (a CSV written here) and the correlator over both. */
function withQuery(
  csv: string,
  options: {
    files?: { path: string; bytes: Uint8Array }[];
    warninglists?: boolean;
    confidence?: number;
  } = {},
) {
  const { graph, corpus, queryId } = importedQuery(csv, options.files, options.confidence);
  const correlator = new Correlator(graph, {
    attack: corpus.attack,
    labels: corpus.labels,
    reliability: corpus.reliability,
    warninglists: options.warninglists === false ? undefined : corpus.warninglists,
    excludeCases: new Set([queryId]),
  });
  const items = correlator
    .similarUnits(correlator.profileOfCase(queryId), { limit: 100 })
    .flatMap((s) => s.evidence.map((e) => ({ unit: s.name, ...e })));
  return { corpus, correlator, items };
}

const only = (items: (EvidenceItem & { unit: string })[], unit: RegExp, value?: string) => {
  const hit = items.filter((i) => unit.test(i.unit) && (value === undefined || i.value === value));
  expect(hit, `items for ${unit}`).toHaveLength(1);
  return hit[0];
};

/** The first value of a type in a Unit 42 list, refanged as the importer does. */
function unit42Value(file: string, type: string): string {
  const text = readFileSync(path.join(bundledIntelDir, 'iocs/unit42/iran_linked_operators', file), 'utf8');
  const row = text.split('\n').find((l) => l.startsWith(`${type},`))!;
  return row
    .split(',')[1]
    .replace(/\[\.\]/g, '.')
    .toLowerCase();
}

describe('MISP warninglists and to_ids=false', () => {
  it('the bundled corpus carries its warninglists', () => {
    const { corpus } = bundledCorpus();
    const lists = readdirSync(path.join(bundledIntelDir, 'warninglists/lists'));
    expect(corpus.warninglists.names).toHaveLength(lists.length);
  });

  it('an imgur URL of Operation Ghost (to_ids=false, on the Alexa top-1000 list) counts as context', () => {
    // The ESET event lists imgur.com image URLs as to_ids=false (checked on the file itself).
    const event = readFileSync(
      path.join(bundledIntelDir, 'misp-events/eset/dukes/misp-dukes-operation-ghost-event.json'),
      'utf8',
    );
    const url = 'http://imgur.com/1RzfF7r';
    const attr = JSON.parse(event).response[0].Event.Attribute.find(
      (a: { value: string }) => a.value === url,
    );
    expect(attr.to_ids).toBe(false);
    const csv = `type,value\nurl,${url}\n`;
    const warned = only(withQuery(csv).items, /^Operation Ghost/, url);
    const plain = only(withQuery(csv, { warninglists: false }).items, /^Operation Ghost/, url);
    expect(warned.note).toContain('on MISP warninglist "Top 1000 website from Alexa" (imgur.com)');
    expect(warned.note).toContain(`candidate marks it to_ids=false (context) ×${CONTEXT_FACTOR}`);
    expect(warned.contribution).toBeCloseTo(plain.contribution * WARNINGLIST_FACTOR, 12);
    expect(plain.contribution).toBeLessThan(0.8 * CONTEXT_FACTOR + 1e-12);
  });
});

describe('types that name the same thing match', () => {
  const domain = unit42Value('APT33.csv', 'Domain');

  it('a hostname matches the same value listed as a domain', () => {
    const item = only(withQuery(`type,value\nhostname,${domain}\n`).items, /^APT33$/);
    expect(item).toMatchObject({ feature: 'exact', value: domain });
  });

  it("a URL's host matches the domain, weighed as derived", () => {
    // A URL on that host, written here (the path is synthetic).
    const url = `http://${domain}/synthetic/path`;
    const viaUrl = only(withQuery(`type,value\nurl,${url}\n`).items, /^APT33$/);
    const direct = only(withQuery(`type,value\ndomain,${domain}\n`).items, /^APT33$/);
    expect(viaUrl.note).toContain(`host of ${url} ×${DERIVED_FACTOR}`);
    expect(viaUrl.contribution).toBeCloseTo(direct.contribution * DERIVED_FACTOR, 12);
  });
});

describe('source reliability and fact confidence weigh the evidence', () => {
  const hash = unit42Value('OilRig.csv', 'SHA256');
  const csv = `type,value\nsha256,${hash}\n`;

  it('a cairn-labels reliability letter scales the matches of that source', () => {
    const files = bundledFiles().map((f) =>
      f.path === 'iocs/unit42/iran_linked_operators/cairn-labels'
        ? {
            path: f.path,
            bytes: Buffer.from(`${Buffer.from(f.bytes).toString('utf8')}\n[OilRig.csv]\nreliability = D\n`),
          }
        : f,
    );
    const rated = only(withQuery(csv, { files }).items, /^OilRig$/);
    const unrated = only(withQuery(csv).items, /^OilRig$/);
    expect(rated.note).toContain(`source reliability D ×${RELIABILITY_FACTOR.D}`);
    expect(rated.contribution).toBeCloseTo(unrated.contribution * RELIABILITY_FACTOR.D, 12);
  });

  it('a low stated confidence of the query lowers its evidence; Med or above counts fully', () => {
    const low = only(withQuery(csv, { confidence: 15 }).items, /^OilRig$/);
    const med = only(withQuery(csv).items, /^OilRig$/);
    expect(confidenceFactor(50)).toBe(1);
    expect(low.note).toContain(`query confidence 15 ×${confidenceFactor(15).toFixed(2)}`);
    expect(low.contribution).toBeCloseTo(med.contribution * confidenceFactor(15), 12);
  });
});

describe('time: the case as of a date, and values reported long after it', () => {
  it("as of a date before C0022's first_seen, Operation Dream Job is left out of the comparison", () => {
    const { graph, corpus } = bundledCorpus();
    const correlator = new Correlator(graph, { attack: corpus.attack, labels: corpus.labels });
    const c0022 = corpus.attack.campaigns.get('C0022')!;
    const firstSeen = c0022.case.firstSeen!;
    const query = correlator.units.find((u) => u.id === 'C0022')!.profile;
    expect(query.date).toBe(firstSeen);
    const before = new Date(Date.parse(firstSeen) - 86_400_000).toISOString();
    const names = (asOf?: string) =>
      correlator
        .similarUnits(query, { limit: 500, features: new Set(['ttp']), ...(asOf ? { asOf } : {}) })
        .map((s) => s.id);
    expect(names()).toContain('C0022');
    expect(names(before)).not.toContain('C0022');
    // Every unit kept as of that date is undated or dated on or before it.
    for (const id of names(before)) {
      const d = correlator.units.find((u) => u.id === id)!.profile.date;
      if (d !== undefined) expect(Date.parse(d)).toBeLessThanOrEqual(Date.parse(before));
    }
  });

  it('a value reported more than a year after the case weighs less, the gap named', () => {
    expect(lateFactor('2014-11-24', '2015-06-01')).toBeUndefined();
    const late = lateFactor('2014-11-24', '2017-11-24')!;
    expect(late.years).toBeCloseTo(3, 2);
    expect(late.factor).toBeCloseTo(1 / (1 + (late.years - LATE_REPORT_GRACE_YEARS) / 2), 12);
    expect(lateFactor(undefined, '2017-01-01')).toBeUndefined();
  });
});
