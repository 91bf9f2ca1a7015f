/**
 * The evidence index as text: a loaded corpus (its graph, the labels and reliability the
 * `cairn-labels` manifests gave, its warninglists, the cases each file made) written once and read
 * back into the very graph and corpus the import made, so that a store can keep the corpus
 * imported and attribution reads it instead of re-importing every file. No I/O: the caller keeps
 * the text where it wants (the store's `saveEvidenceIndex`).
 *
 * @example
 * const text = writeCorpusIndex(graph, corpus, { enrichment, countries: registry.blockCountries() });
 * const { graph: again, corpus: same, placement } = readCorpusIndex(text);
 */
import { buildAttackIndex } from './attack.js';
import { EvidenceGraph } from './graph.js';
import type { LoadedCorpus, YaraRuleMeta } from './corpus.js';
import { BlockCountryTable, type IpEnrichment } from './enrich.js';
import type { Reliability } from './labels.js';
import type { EvidenceKind, EvidenceObject, Indicator } from './model.js';
import { WarninglistIndex, type WarninglistData } from './warninglists.js';

/** Bumped when the text's shape changes: an index of another format is rebuilt, never misread. */
export const CORPUS_INDEX_FORMAT = 2;

/**
 * Where the corpus's addresses sit, computed when the index was built, so a question needs no
 * routing world unless its own addresses must be placed: the corpus's IP enrichment by indicator
 * id, and the registry as a block -> country table for any other address.
 */
export interface CorpusPlacement {
  /** What the placement was computed from (e.g. the registry files), shown to the reader. */
  from: string[];
  enrichment: Map<string, IpEnrichment>;
  countries: BlockCountryTable;
}

/** A warninglist file as the corpus held it (its path and its JSON text). */
export interface WarninglistText {
  path: string;
  text: string;
}

interface CorpusIndexText {
  format: number;
  /** Facts per kind in insertion order, indicators with their case ids as the import left them. */
  facts: Array<[EvidenceKind, EvidenceObject[]]>;
  /** Indicator ids per case id in the order the graph's case index holds them. */
  byCase: Array<[string, string[]]>;
  labels: Array<[string, string[]]>;
  reliability: Array<[string, Reliability]>;
  casesByFile: Array<[string, string[]]>;
  /** The corpus's YARA rules with their metadata, by name. */
  yaraRules: Array<[string, YaraRuleMeta]>;
  /** The warninglist index prebuilt (no list parsed again on reading). */
  warninglists: WarninglistData;
  placement?: {
    from: string[];
    enrichment: Array<[string, IpEnrichment]>;
    countries: Array<{ prefix: string; country: string }>;
  };
}

const KINDS: readonly EvidenceKind[] = [
  'source',
  'case',
  'actor',
  'malware',
  'technique',
  'report',
  'relationship',
  'sighting',
  'indicator',
];

/** Writes a loaded corpus as text (JSON), with where its addresses sit when that is given. */
export function writeCorpusIndex(
  graph: EvidenceGraph,
  corpus: LoadedCorpus,
  placement?: {
    from: string[];
    enrichment: ReadonlyMap<string, IpEnrichment>;
    countries: ReadonlyArray<{ prefix: string; country: string }>;
  },
): string {
  const caseIds = new Set<string>();
  for (const ind of graph.indicators) for (const c of ind.caseIds) caseIds.add(c);
  const doc: CorpusIndexText = {
    format: CORPUS_INDEX_FORMAT,
    facts: KINDS.map((k) => [k, [...graph.all(k)]]),
    byCase: [...caseIds].map((c) => [c, graph.indicatorsOfCase(c).map((i) => i.id)]),
    labels: [...corpus.labels],
    reliability: [...corpus.reliability],
    casesByFile: [...corpus.casesByFile],
    yaraRules: [...corpus.yaraRules],
    warninglists: corpus.warninglists.toData(),
    ...(placement !== undefined
      ? {
          placement: {
            from: placement.from,
            enrichment: [...placement.enrichment],
            countries: [...placement.countries],
          },
        }
      : {}),
  };
  return JSON.stringify(doc);
}

/** The format number of an index text, or undefined when it is not one. */
export function corpusIndexFormat(text: string): number | undefined {
  const m = /^\{"format":(\d+),/.exec(text.slice(0, 32));
  return m === null ? undefined : Number(m[1]);
}

/**
 * Reads an index text back into a graph and corpus equal to those it was written from: the same
 * facts in the same order, every index of the graph in the same order (an indicator's place in
 * a case's list is where the import put it, not where it was first added).
 */
export function readCorpusIndex(text: string): {
  graph: EvidenceGraph;
  corpus: LoadedCorpus;
  placement?: CorpusPlacement;
} {
  const doc = JSON.parse(text) as CorpusIndexText;
  const graph = new EvidenceGraph();
  const caseIdsOf = new Map<Indicator, string[]>();
  for (const [kind, facts] of doc.facts)
    for (const fact of facts) {
      if (kind === 'indicator') {
        const ind = fact as Indicator;
        caseIdsOf.set(ind, ind.caseIds);
        ind.caseIds = [];
      }
      graph.add(fact);
    }
  for (const [caseId, ids] of doc.byCase)
    for (const id of ids) {
      const ind = graph.getAs('indicator', id);
      if (ind !== undefined) graph.addIndicatorToCase(ind, caseId);
    }
  // The case index is as the import left it; each indicator's own list is put back in its order.
  for (const [ind, ids] of caseIdsOf) ind.caseIds = ids;
  const warninglists = WarninglistIndex.fromData(doc.warninglists);
  const p = doc.placement;
  return {
    ...(p !== undefined
      ? {
          placement: {
            from: p.from,
            enrichment: new Map(p.enrichment),
            countries: new BlockCountryTable(p.countries),
          },
        }
      : {}),
    graph,
    corpus: {
      attack: buildAttackIndex(graph),
      labels: new Map(doc.labels),
      reliability: new Map(doc.reliability),
      warninglists,
      reports: [],
      casesByFile: new Map(doc.casesByFile),
      yaraRules: new Map(doc.yaraRules),
    },
  };
}
