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
import { CairnError } from '../errors/index.js';
import { buildAttackIndex } from './attack.js';
import { EvidenceGraph } from './graph.js';
import type { LoadedCorpus, YaraRuleMeta } from './corpus.js';
import { BlockCountryTable, type CountryLookup, type IpEnrichment } from './enrich.js';
import type { Reliability } from './labels.js';
import type { EvidenceKind, EvidenceObject, Indicator, Provenance } from './model.js';
import { WarninglistIndex, type WarninglistData } from './warninglists.js';

/** Bumped when the text's shape changes: an index of another format is rebuilt, never misread. */
export const CORPUS_INDEX_FORMAT = 3;

/**
 * Where the corpus's addresses sit, computed when the index was built, so a question needs no
 * routing world unless its own addresses must be placed: the corpus's IP enrichment by indicator
 * id, and the registry as a block -> country table for any other address (built on its first use).
 */
export interface CorpusPlacement {
  /** What the placement was computed from (e.g. the registry files), shown to the reader. */
  from: string[];
  enrichment: Map<string, IpEnrichment>;
  countries: CountryLookup;
}

/** A warninglist file as the corpus held it (its path and its JSON text). */
export interface WarninglistText {
  path: string;
  text: string;
}

/**
 * A fact or a provenance as a shape number (its keys, in their order, in `shapes`) followed by
 * its values; ids, references and provenance files are numbers into `strings`.
 */
type Packed = unknown[];

interface CorpusIndexText {
  format: number;
  /** Every fact id, every id a fact refers to and every provenance file, once. */
  strings: string[];
  /** Key lists of the packed objects. */
  shapes: string[][];
  /** Facts per kind in insertion order, indicators with their case ids as the import left them. */
  facts: Array<[EvidenceKind, Packed[]]>;
  /** Indicator ids per case id in the order the graph's case index holds them (string numbers). */
  byCase: Array<[number, number[]]>;
  labels: Array<[string, string[]]>;
  reliability: Array<[string, Reliability]>;
  casesByFile: Array<[string, string[]]>;
  /** The corpus's YARA rules with their metadata, by name. */
  yaraRules: Array<[string, YaraRuleMeta]>;
  /** The warninglist index prebuilt (no list parsed again on reading). */
  warninglists: WarninglistData;
  placement?: {
    from: string[];
    /** By indicator id (string number). */
    enrichment: Array<[number, IpEnrichment]>;
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

/**
 * How a value of a packed object is written: as it is, a string number, a list of them, a
 * provenance, or a provenance's object id (0 when it is the fact's own id).
 */
const Field = { Raw: 0, Str: 1, StrList: 2, Provenance: 3, ObjectId: 4 } as const;
type Field = (typeof Field)[keyof typeof Field];

const FIELD_OF_KEY: Readonly<Record<string, Field>> = {
  id: Field.Str,
  sourceRef: Field.Str,
  targetRef: Field.Str,
  sightingOfRef: Field.Str,
  caseIds: Field.StrList,
  reportIds: Field.StrList,
  objectRefs: Field.StrList,
  observedDataRefs: Field.StrList,
  whereSightedRefs: Field.StrList,
  provenance: Field.Provenance,
};

const FIELD_OF_PROVENANCE_KEY: Readonly<Record<string, Field>> = {
  file: Field.Str,
  objectId: Field.ObjectId,
};

/** Builds the string and shape tables while packing. */
class Packer {
  readonly strings: string[] = [];
  readonly shapes: string[][] = [];
  private readonly stringAt = new Map<string, number>();
  private readonly shapeAt = new Map<string, number>();

  str(s: string): number {
    let n = this.stringAt.get(s);
    if (n === undefined) {
      n = this.strings.length;
      this.strings.push(s);
      this.stringAt.set(s, n);
    }
    return n;
  }

  private shape(keys: string[]): number {
    const k = keys.join('\u0000');
    let n = this.shapeAt.get(k);
    if (n === undefined) {
      n = this.shapes.length;
      this.shapes.push(keys);
      this.shapeAt.set(k, n);
    }
    return n;
  }

  /** A record packed, keys whose value is undefined left out (as JSON leaves them out). */
  pack(record: object, fields: Readonly<Record<string, Field>>, factId?: string): Packed {
    const entries = Object.entries(record).filter(([, v]) => v !== undefined);
    const out: Packed = [this.shape(entries.map(([k]) => k))];
    for (const [key, value] of entries)
      switch (fields[key] ?? Field.Raw) {
        case Field.Str:
          out.push(this.str(value as string));
          break;
        case Field.StrList:
          out.push((value as string[]).map((s) => this.str(s)));
          break;
        case Field.Provenance:
          out.push(this.pack(value as Provenance, FIELD_OF_PROVENANCE_KEY, (record as EvidenceObject).id));
          break;
        case Field.ObjectId:
          out.push(value === factId ? 0 : value);
          break;
        default:
          out.push(value);
      }
    return out;
  }
}

/** A packed record of one shape read back: the packed values, the string table, the fact's id. */
type ShapeReader = (
  packed: Packed,
  strings: readonly string[],
  factId: string,
  provenance: (packed: Packed, factId: string) => Record<string, unknown>,
) => Record<string, unknown>;

/**
 * The reader of one shape as straight-line code building an object literal: every object of a
 * shape is made the same way (one hidden class, no keyed stores), several times faster than a
 * loop over the keys. Undefined for keys a literal cannot hold as data (`__proto__`).
 */
function compileShape(keys: readonly string[], fields: readonly Field[]): ShapeReader | undefined {
  if (keys.includes('__proto__')) return undefined;
  const parts = keys.map((key, i) => {
    const v = `p[${i + 1}]`;
    switch (fields[i]) {
      case Field.Str:
        return key === 'id' ? `(id = s[${v}])` : `s[${v}]`;
      case Field.StrList:
        return `${v}.map((n) => s[n])`;
      case Field.Provenance:
        return `prov(${v}, id)`;
      case Field.ObjectId:
        return `${v} === 0 ? factId : ${v}`;
      default:
        return v;
    }
  });
  const body = `let id = factId; return { ${keys.map((k, i) => `${JSON.stringify(k)}: ${parts[i]}`).join(', ')} };`;
  return new Function('p', 's', 'factId', 'prov', body) as ShapeReader;
}

/** Reads packed records back with the tables of the text. */
class Unpacker {
  private readonly factFields: Field[][];
  private readonly provenanceFields: Field[][];
  private readonly factReaders: Array<ShapeReader | undefined | null> = [];
  private readonly provenanceReaders: Array<ShapeReader | undefined | null> = [];
  private readonly provenance = (packed: Packed, factId: string): Record<string, unknown> =>
    this.read(packed, this.provenanceFields, this.provenanceReaders, factId);

  constructor(
    private readonly strings: readonly string[],
    private readonly shapes: readonly string[][],
  ) {
    this.factFields = shapes.map((keys) => keys.map((k) => FIELD_OF_KEY[k] ?? Field.Raw));
    this.provenanceFields = shapes.map((keys) => keys.map((k) => FIELD_OF_PROVENANCE_KEY[k] ?? Field.Raw));
  }

  fact(packed: Packed): EvidenceObject {
    return this.read(packed, this.factFields, this.factReaders, '') as unknown as EvidenceObject;
  }

  /** A record through its shape's compiled reader (compiled on the shape's first record). */
  private read(
    packed: Packed,
    fieldsOf: Field[][],
    readers: Array<ShapeReader | undefined | null>,
    factId: string,
  ): Record<string, unknown> {
    const shape = packed[0] as number;
    let reader = readers[shape];
    if (reader === undefined)
      reader = readers[shape] = compileShape(this.shapes[shape], fieldsOf[shape]) ?? null;
    return reader === null
      ? this.record(packed, fieldsOf, factId)
      : reader(packed, this.strings, factId, this.provenance);
  }

  private record(packed: Packed, fieldsOf: Field[][], factId: string): Record<string, unknown> {
    const shape = packed[0] as number;
    const keys = this.shapes[shape];
    const fields = fieldsOf[shape];
    const out: Record<string, unknown> = {};
    let id = factId;
    for (let i = 0; i < keys.length; i++) {
      const value = packed[i + 1];
      switch (fields[i]) {
        case Field.Str:
          out[keys[i]] = this.strings[value as number];
          if (keys[i] === 'id') id = out[keys[i]] as string;
          break;
        case Field.StrList:
          out[keys[i]] = (value as number[]).map((n) => this.strings[n]);
          break;
        case Field.Provenance:
          out[keys[i]] = this.read(value as Packed, this.provenanceFields, this.provenanceReaders, id);
          break;
        case Field.ObjectId:
          out[keys[i]] = value === 0 ? factId : value;
          break;
        default:
          out[keys[i]] = value;
      }
    }
    return out;
  }
}

/** Writes a loaded corpus as text (JSON, ASCII only), with where its addresses sit when that is given. */
export function writeCorpusIndex(
  graph: EvidenceGraph,
  corpus: LoadedCorpus,
  placement?: {
    from: string[];
    enrichment: ReadonlyMap<string, IpEnrichment>;
    countries: ReadonlyArray<{ prefix: string; country: string }>;
  },
): string {
  const packer = new Packer();
  const caseIds = new Set<string>();
  for (const ind of graph.indicators) for (const c of ind.caseIds) caseIds.add(c);
  const facts = KINDS.map((k): [EvidenceKind, Packed[]] => [
    k,
    graph.all(k).map((f) => packer.pack(f, FIELD_OF_KEY)),
  ]);
  const doc: CorpusIndexText = {
    format: CORPUS_INDEX_FORMAT,
    strings: [],
    shapes: [],
    facts,
    byCase: [...caseIds].map((c) => [packer.str(c), graph.indicatorsOfCase(c).map((i) => packer.str(i.id))]),
    labels: [...corpus.labels],
    reliability: [...corpus.reliability],
    casesByFile: [...corpus.casesByFile],
    yaraRules: [...corpus.yaraRules],
    warninglists: corpus.warninglists.toData(),
    ...(placement !== undefined
      ? {
          placement: {
            from: placement.from,
            enrichment: [...placement.enrichment].map(([id, e]): [number, IpEnrichment] => [
              packer.str(id),
              e,
            ]),
            countries: [...placement.countries],
          },
        }
      : {}),
  };
  doc.strings = packer.strings;
  doc.shapes = packer.shapes;
  // ASCII text: decoded from bytes and parsed as one-byte characters, the cheapest way.
  return JSON.stringify(doc).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The format number of an index text, or undefined when it is not one. */
export function corpusIndexFormat(text: string): number | undefined {
  const m = /^\{"format":(\d+),/.exec(text.slice(0, 32));
  return m === null ? undefined : Number(m[1]);
}

/**
 * Reads an index text back into a graph and corpus equal to those it was written from: the same
 * facts in the same order, every index of the graph in the same order (an indicator's place in
 * a case's list is where the import put it, not where it was first added). A text of another
 * format is INTEL_INDEX_FORMAT, never read.
 */
export function readCorpusIndex(text: string): {
  graph: EvidenceGraph;
  corpus: LoadedCorpus;
  placement?: CorpusPlacement;
} {
  const format = corpusIndexFormat(text);
  if (format !== CORPUS_INDEX_FORMAT)
    throw new CairnError(
      'INTEL_INDEX_FORMAT',
      `the evidence index is of format ${format ?? 'unknown'}, not ${CORPUS_INDEX_FORMAT}; rebuild it`,
      { field: 'format' },
    );
  const doc = JSON.parse(text) as CorpusIndexText;
  const { strings } = doc;
  const unpacker = new Unpacker(strings, doc.shapes);
  const graph = new EvidenceGraph();
  const caseIdsOf = new Map<Indicator, string[]>();
  for (const [kind, facts] of doc.facts)
    for (const packed of facts) {
      const fact = unpacker.fact(packed);
      if (kind === 'indicator') {
        const ind = fact as Indicator;
        caseIdsOf.set(ind, ind.caseIds);
        ind.caseIds = [];
      }
      graph.add(fact);
    }
  for (const [caseId, ids] of doc.byCase)
    for (const id of ids) {
      const ind = graph.getAs('indicator', strings[id]);
      if (ind !== undefined) graph.addIndicatorToCase(ind, strings[caseId]);
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
            enrichment: new Map(p.enrichment.map(([id, e]) => [strings[id], e])),
            countries: lazyCountries(p.countries),
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

/** The block -> country table built when an address outside the corpus is first placed. */
function lazyCountries(rows: ReadonlyArray<{ prefix: string; country: string }>): CountryLookup {
  let table: BlockCountryTable | undefined;
  return {
    countryOfAddress: (address) => (table ??= new BlockCountryTable(rows)).countryOfAddress(address),
  };
}
