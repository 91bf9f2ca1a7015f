/**
 * The evidence corpus kept by a long-running face: read once, its IP indicators enriched from the
 * workspace's routing world, with one correlator over it. The questions are those of intel.ts
 * (show, similar, attribute, export, import) with the same result schemas, asked by case id;
 * `correlate` (the evidence tying two cases) and `casesInCountry` (incidents whose indicators sit
 * in a country's space) are the two it adds. An import adds to the kept graph and rebuilds the
 * correlator, so what is imported is then compared like the rest.
 *
 * @example
 * const intel = await IntelWorkspace.load(workspace.world);
 * intel.attribute(intel.cases()[0].id).verdict;
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CairnError } from '../errors/index.js';
import {
  Correlator,
  EvidenceGraph,
  attribute,
  enrichIndicators,
  exportCaseAsStix,
  importFile,
  loadCorpus,
  type Enrichment,
  type LoadedCorpus,
  type RoutingLookup,
} from '../intel/index.js';
import { formatAddress } from '../net/index.js';
import { DEFAULT_INTEL_CORPUS } from './defaults.js';
import { readInputFileSync } from './input-file.js';
import { compileUserPattern } from './user-pattern.js';
import {
  caseOfFile,
  IntelAttributeResult,
  IntelCase,
  IntelImportResult,
  IntelShowResult,
  IntelSimilarResult,
  IntelSimilarity,
  IntelStixBundle,
  listCorpusFiles,
  upstreamsOfView,
} from './intel.js';
import type { WorkHooks } from './progress.js';
import { storedCorpus } from './intel-index.js';
import type { CairnStore } from '../store/index.js';
import type { RoutingWorld } from './world.js';

function victimNamingOf(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined;
  // User patterns run on the linear-time engine (user-pattern.ts).
  return compileUserPattern(pattern, 'victim-naming');
}

/** `IntelWorkspace.correlate`: the score and evidence tying one case to another. */
export const IntelCorrelateResult = z.object({
  case: z.string(),
  other: z.string(),
  /** The other case as a unit of comparison, or null when nothing ties them. */
  link: IntelSimilarity.nullable(),
});
export type IntelCorrelateResult = z.infer<typeof IntelCorrelateResult>;

/** The formats an import names (anything else is detected from the bytes). */
export const INTEL_IMPORT_FORMATS = ['stix', 'misp-event', 'indicator-list'] as const;

export interface IntelWorkspaceSources {
  /** Corpus folders or files (default: the bundled data/intel). */
  corpus?: readonly string[];
  /** The victim's internal host naming (a regular expression): insider signals. */
  victimNaming?: string;
  /** A store whose evidence index (`cairn ingest --intel`) is read instead of the corpus files, when it has one. */
  store?: CairnStore;
}

export class IntelWorkspace {
  private enrichment!: Enrichment;
  private correlator!: Correlator;
  /** Files imported through `import`, in order (their bytes are in the graph). */
  readonly imported: string[] = [];

  private constructor(
    readonly graph: EvidenceGraph,
    private readonly corpus: LoadedCorpus,
    private readonly world: RoutingWorld,
    private readonly victimNaming: RegExp | undefined,
    /** Names of the corpus files read (relative to their root). */
    readonly files: readonly string[],
  ) {
    this.rebuild();
  }

  /** Reads the corpus once and enriches it from `world` (its routes, registry and AS names). */
  static async load(
    world: RoutingWorld,
    sources: IntelWorkspaceSources = {},
    hooks: WorkHooks = {},
  ): Promise<IntelWorkspace> {
    const stored =
      sources.store !== undefined &&
      sources.corpus === undefined &&
      (await sources.store.loadEvidenceIndex()) !== undefined
        ? await storedCorpus(sources.store, hooks)
        : undefined;
    if (stored !== undefined) {
      const names = [...stored.corpus.casesByFile.keys()];
      return new IntelWorkspace(
        stored.graph,
        stored.corpus,
        world,
        victimNamingOf(sources.victimNaming),
        names,
      );
    }
    const files: Array<{ path: string; full: string }> = [];
    for (const root of sources.corpus ?? [DEFAULT_INTEL_CORPUS]) {
      if (!existsSync(root))
        throw new CairnError('INTEL_NO_CORPUS', `corpus path does not exist: ${root}`, { file: root });
      files.push(...listCorpusFiles(root, hooks.onProblem));
    }
    const label = 'importing corpus';
    let done = 0;
    const graph = new EvidenceGraph();
    const corpus = loadCorpus(
      graph,
      (function* () {
        for (const f of files) yield { path: f.path, bytes: readInputFileSync(f.full, 'corpus file') };
      })(),
      () => hooks.onProgress?.({ label, done: ++done, total: files.length, unit: 'files' }),
    );
    hooks.onDone?.(label);
    const victimNaming = victimNamingOf(sources.victimNaming);
    return new IntelWorkspace(
      graph,
      corpus,
      world,
      victimNaming,
      files.map((f) => f.path),
    );
  }

  /** Enrichment and correlator over the graph as it is now. */
  private rebuild(): void {
    const { observatory, registry, names, table } = this.world;
    const routing: RoutingLookup | undefined =
      table.routeCount === 0
        ? undefined
        : {
            lookup(ip) {
              const view = observatory.addressView(ip, formatAddress(ip));
              if (view.prefix === undefined) return undefined;
              return {
                prefix: view.prefix,
                originAsns: view.origins.map((o) => o.asn),
                upstreams: upstreamsOfView(view),
              };
            },
          };
    this.enrichment = enrichIndicators(this.graph.indicators, {
      routing,
      registry,
      asNames: names,
      victimNaming: this.victimNaming,
    });
    this.correlator = new Correlator(this.graph, {
      attack: this.corpus.attack,
      labels: this.corpus.labels,
      yaraRules: this.corpus.yaraRules,
      enrichment: this.enrichment.ips,
    });
  }

  private caseOf(id: string): IntelCase {
    const found = this.graph.getAs('case', id);
    if (found === undefined)
      throw new CairnError('INTEL_UNKNOWN_CASE', `no case with id ${JSON.stringify(id)}`, { field: 'id' });
    return found;
  }

  /** Every case, newest first (by date, first seen, then name). */
  cases(): IntelCase[] {
    const when = (c: IntelCase): string => c.date ?? c.firstSeen ?? c.lastSeen ?? '';
    return [...this.graph.cases].sort(
      (a, b) => when(b).localeCompare(when(a)) || a.name.localeCompare(b.name),
    );
  }

  /** The date a case is placed at in time (for time ranges), or undefined. */
  static dateOf(c: IntelCase): string | undefined {
    return c.date ?? c.firstSeen ?? c.lastSeen;
  }

  /** A case, its indicators with their enrichment, and the insider signals among them. */
  show(id: string): IntelShowResult {
    const theCase = this.caseOf(id);
    const indicators = this.graph.indicatorsOfCase(theCase.id);
    const ids = new Set(indicators.map((i) => i.id));
    return IntelShowResult.parse({
      case: theCase,
      indicators: indicators.map((i) => ({ ...i, enrichment: this.enrichment.ips.get(i.id) })),
      insiderSignals: this.enrichment.insider.filter((s) => ids.has(s.indicatorId)),
    });
  }

  /** The most similar cases and units, and actors (each of `limit`, 1..100). */
  similar(id: string, limit = 5): IntelSimilarResult {
    const theCase = this.caseOf(id);
    const profile = this.correlator.profileOfCase(theCase.id);
    const exclude = new Set([theCase.id]);
    const n = Math.max(1, Math.min(100, limit));
    return IntelSimilarResult.parse({
      case: theCase.id,
      similar: this.correlator.similarUnits(profile, { exclude, limit: n }),
      actors: this.correlator.rankActors(profile, { exclude, limit: n }),
    });
  }

  /** Candidate actors with a calibrated confidence and their evidence (as `intelAttribute`). */
  attribute(id: string, ignoreLabels = false): IntelAttributeResult {
    const theCase = this.caseOf(id);
    const a = attribute(this.correlator, this.correlator.profileOfCase(theCase.id), {
      exclude: new Set([theCase.id]),
      ignoreLabels,
    });
    return IntelAttributeResult.parse({
      verdict: a.verdict,
      reason: a.reason,
      candidates: a.candidates.map((c) => ({
        actor: c.actor,
        id: c.id,
        aliases: c.aliases,
        confidence: Number(c.confidence.toFixed(4)),
        score: Number(c.score.toFixed(4)),
        evidence: c.evidence,
      })),
    });
  }

  /** The evidence tying case `id` to case `other` (the other as a unit of the correlator). */
  correlate(id: string, other: string): IntelCorrelateResult {
    const theCase = this.caseOf(id);
    const target = this.caseOf(other);
    const profile = this.correlator.profileOfCase(theCase.id);
    const all = this.correlator.similarUnits(profile, {
      exclude: new Set([theCase.id]),
      limit: this.correlator.units.length,
    });
    const link = all.find((s) => s.id === target.id) ?? null;
    return IntelCorrelateResult.parse({ case: theCase.id, other: target.id, link });
  }

  /** The case as a deterministic STIX 2.1 bundle. */
  exportStix(id: string): IntelStixBundle {
    const theCase = this.caseOf(id);
    return IntelStixBundle.parse(
      exportCaseAsStix(this.graph, theCase.id, { timestamp: new Date().toISOString() }),
    );
  }

  /** Cases with an IP indicator whose registry country is `country`, newest first. */
  casesInCountry(country: string): IntelCase[] {
    const code = country.toUpperCase();
    const ids = new Set<string>();
    for (const indicator of this.graph.indicators) {
      const e = this.enrichment.ips.get(indicator.id);
      if (e?.country === code) for (const c of indicator.caseIds) ids.add(c);
    }
    return this.cases().filter((c) => ids.has(c.id));
  }

  /**
   * Imports one document (STIX bundle, MISP event, CSV) into the kept graph under `name` (a label,
   * not a path), then re-enriches and rebuilds the correlator. Answers what it brought in and
   * the ids of the cases it made.
   */
  import(
    name: string,
    bytes: Uint8Array,
    format?: (typeof INTEL_IMPORT_FORMATS)[number],
  ): IntelImportResult & { cases: string[] } {
    const label = `upload:${path.basename(name)}`;
    const before = new Set(this.graph.cases.map((c) => c.id));
    const { format: used, report } = importFile(this.graph, label, bytes, format);
    const created = this.graph.cases.filter((c) => !before.has(c.id)).map((c) => c.id);
    // A file that made no case (a STIX bundle of indicators) becomes one, as the CLI's query files do.
    if (created.length !== 1 && report !== undefined && report.recordsRead > 0)
      caseOfFile(this.graph, label, created);
    this.imported.push(label);
    this.rebuild();
    const result = IntelImportResult.parse({
      files: [
        {
          file: label,
          format: used,
          recordsRead: report?.recordsRead ?? 0,
          added: report?.added,
          skipped: report?.skipped ?? 0,
          issueCount: report?.issueCount ?? 0,
          issues: report?.issues.slice(0, 100).map((i) => i.toJSON()) ?? [],
        },
      ],
      totals: this.graph.counts(),
    });
    return { ...result, cases: this.graph.cases.filter((c) => !before.has(c.id)).map((c) => c.id) };
  }
}
