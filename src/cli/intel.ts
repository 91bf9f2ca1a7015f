/**
 * `cairn intel import|show|similar|attribute|export`: evidence import, correlation and
 * attribution over the bundled corpus (data/intel) or the corpora given with --corpus. Thin: the
 * logic is in src/intel; routing enrichment (--mrt) is built here from src/routing and
 * src/observatory because intel may not import them.
 */
import { exitOnInputError } from './replay.js';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { CairnError, escapeForTerminal, formatLocation } from '../errors/index.js';
import {
  Correlator,
  EvidenceGraph,
  attribute,
  enrichIndicators,
  exportCaseAsStix,
  importFile,
  loadCorpus,
} from '../intel/index.js';
import type {
  Attribution,
  Case,
  Enrichment,
  EvidenceItem,
  ImportReport,
  IntelFormat,
  LoadedCorpus,
  Profile,
  RoutingLookup,
  Similarity,
} from '../intel/index.js';
import { scanMrt } from '../mrt/index.js';
import { formatAddress } from '../net/index.js';
import { Observatory } from '../observatory/index.js';
import { AsNames, Registry } from '../registry/index.js';
import { RoutingTable } from '../routing/index.js';
import { DEFAULT_ASNAMES_FILE, DEFAULT_REGISTRY_FILES } from './country.js';
import { problemLine, progressBar } from './output.js';

/** The bundled corpus, relative to this file (src/cli or dist/cli). */
export const DEFAULT_INTEL_CORPUS = fileURLToPath(new URL('../../data/intel', import.meta.url));

/** Most files read from one corpus folder (a hostile tree cannot make us walk forever). */
const MAX_CORPUS_FILES = 100_000;
const MAX_PROBLEM_LINES = 20;

interface IntelOptions {
  corpus?: string[];
  json?: boolean;
  progress?: boolean;
  mrt?: string[];
  registry?: string[];
  asnames?: string;
  victimNaming?: string;
  ignoreLabels?: boolean;
  limit?: string;
}

const esc = escapeForTerminal;

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Files under a folder (sorted, paths relative to it), or the file itself. */
export function listCorpusFiles(root: string): Array<{ path: string; full: string }> {
  const out: Array<{ path: string; full: string }> = [];
  const st = statSync(root);
  if (!st.isDirectory()) return [{ path: root, full: root }];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (out.length >= MAX_CORPUS_FILES) return;
      const full = path.join(dir, name);
      const s = statSync(full);
      if (s.isDirectory()) walk(full);
      else if (s.isFile()) out.push({ path: path.relative(root, full).split(path.sep).join('/'), full });
    }
  };
  walk(root);
  return out;
}

interface Loaded {
  graph: EvidenceGraph;
  corpus: LoadedCorpus;
  correlator: Correlator;
  query?: { caseId: string; file?: string };
  enrichment: Enrichment;
  reports: Array<{ path: string; format: IntelFormat; report: ImportReport | undefined }>;
}

/** Routing lookup from MRT files through the observatory's address view. */
async function routingLookup(options: IntelOptions): Promise<{
  routing?: RoutingLookup;
  registry: Registry;
  asNames: AsNames;
}> {
  const loaded = await Registry.load(options.registry ?? DEFAULT_REGISTRY_FILES);
  const asNames = await AsNames.load(options.asnames ?? DEFAULT_ASNAMES_FILE);
  let shown = 0;
  const report = (problem: unknown): void => {
    if (shown++ < MAX_PROBLEM_LINES) process.stderr.write(`cairn: ${problemLine(problem)}\n`);
  };
  for (const p of [...loaded.problems, ...asNames.problems]) report(p);
  if (options.mrt === undefined || options.mrt.length === 0) return { registry: loaded.registry, asNames };
  const table = new RoutingTable();
  for (const file of options.mrt) {
    const bar = progressBar(`loading ${file}`, options.progress !== false && process.stderr.isTTY === true);
    try {
      await scanMrt(file, table.visitor(), {
        onProblem: report,
        afterChunk: (state) => bar.update(state.compressedBytesRead, state.compressedSize),
      });
    } finally {
      bar.stop();
    }
  }
  const observatory = new Observatory(table, loaded.registry, asNames);
  const routing: RoutingLookup = {
    lookup(ip) {
      const view = observatory.addressView(ip, formatAddress(ip));
      if (view.prefix === undefined) return undefined;
      const origins = view.origins.map((o) => o.asn);
      const upstreams: number[] = [];
      for (const p of view.paths)
        for (const hop of p.upstreamChain)
          if (!origins.includes(hop.asn) && !upstreams.includes(hop.asn)) upstreams.push(hop.asn);
      return { prefix: view.prefix, originAsns: origins, upstreams };
    },
  };
  return { routing, registry: loaded.registry, asNames };
}

/** Makes the indicators a file brought in into one case when the file made none (STIX bundles). */
function caseOfFile(graph: EvidenceGraph, file: string, created: readonly string[]): string {
  if (created.length === 1) return created[0];
  const id = `case--file:${file}`;
  if (graph.get(id) === undefined) {
    const c: Case = {
      kind: 'case',
      id,
      provenance: { file },
      confidence: 50,
      confidenceStated: false,
      caseKind: 'report-list',
      name: path.basename(file),
      aliases: [],
      labels: [],
      actorLabels: [],
      techniqueIds: [],
      externalIds: [],
      revoked: false,
      deprecated: false,
    };
    for (const cid of created) {
      const other = graph.getAs('case', cid);
      if (other !== undefined) c.actorLabels.push(...other.actorLabels);
    }
    for (const t of graph.techniques)
      if (t.provenance.file === file && t.externalId !== undefined) c.techniqueIds.push(t.externalId);
    graph.add(c);
    for (const ind of graph.indicators) if (ind.provenance.file === file) graph.addIndicatorToCase(ind, id);
  }
  return id;
}

async function load(options: IntelOptions, caseArg?: string): Promise<Loaded> {
  const graph = new EvidenceGraph();
  const roots = options.corpus ?? [DEFAULT_INTEL_CORPUS];
  const files: Array<{ path: string; full: string }> = [];
  for (const root of roots) {
    if (!existsSync(root))
      throw new CairnError('INTEL_NO_CORPUS', `corpus path does not exist: ${root}`, { file: root });
    files.push(...listCorpusFiles(root));
  }
  const bar = progressBar('importing corpus', options.progress !== false && process.stderr.isTTY === true);
  let bytesDone = 0;
  const total = files.reduce((s, f) => s + statSync(f.full).size, 0);
  const reports: Loaded['reports'] = [];
  const corpus = loadCorpus(
    graph,
    (function* () {
      for (const f of files) {
        const bytes = readFileSync(f.full);
        bytesDone += bytes.length;
        yield { path: f.path, bytes };
      }
    })(),
    (p, report, format) => {
      reports.push({ path: p, format, report });
      bar.update(bytesDone, total);
    },
  );
  bar.stop();
  let query: Loaded['query'];
  if (caseArg !== undefined) {
    const byId = graph.getAs('case', caseArg);
    const byName = graph.cases.filter((c) => c.name === caseArg);
    const byFile = corpus.casesByFile.get(caseArg);
    if (byId !== undefined) query = { caseId: byId.id };
    else if (byName.length > 0) query = { caseId: byName[0].id };
    else if (byFile !== undefined) query = { caseId: caseOfFile(graph, caseArg, byFile) };
    else if (existsSync(caseArg) && statSync(caseArg).isFile()) {
      const bytes = readFileSync(caseArg);
      // The same event or bundle may already be in the corpus (same ids): then it is that case.
      const scratch = new EvidenceGraph();
      importFile(scratch, caseArg, bytes);
      const known = scratch.cases.find(
        (c) => graph.getAs('case', c.id) !== undefined && !c.id.startsWith('case--'),
      );
      if (known !== undefined) return finish({ caseId: known.id });
      const before = graph.cases.length;
      const { format, report } = importFile(graph, caseArg, bytes);
      reports.push({ path: caseArg, format, report });
      const created = graph.cases.slice(before).map((c) => c.id);
      query = { caseId: caseOfFile(graph, caseArg, created), file: caseArg };
    } else {
      const lower = caseArg.toLowerCase();
      const partial = graph.cases.filter((c) => c.name.toLowerCase().includes(lower));
      if (partial.length === 1) query = { caseId: partial[0].id };
      else
        throw new CairnError(
          'INTEL_UNKNOWN_CASE',
          partial.length === 0
            ? `no case, file or case name matches ${JSON.stringify(caseArg)}`
            : `${partial.length} cases match ${JSON.stringify(caseArg)}; give the id or the exact name`,
          { field: 'case' },
        );
    }
  }
  return finish(query);

  async function finish(query: Loaded['query']): Promise<Loaded> {
    const { routing, registry, asNames } = await routingLookup(options);
    const victimNaming =
      options.victimNaming === undefined ? undefined : new RegExp(options.victimNaming, 'i');
    const enrichment = enrichIndicators(graph.indicators, { routing, registry, asNames, victimNaming });
    const excludeCases = query?.file !== undefined ? new Set([query.caseId]) : undefined;
    const correlator = new Correlator(graph, {
      attack: corpus.attack,
      labels: corpus.labels,
      enrichment: enrichment.ips,
      excludeCases,
    });
    return { graph, corpus, correlator, query, reports, enrichment };
  }
}

function withCommon(command: Command): Command {
  return command
    .option('--corpus <path...>', 'corpus folders or files (default: the bundled data/intel)')
    .option('--mrt <file...>', 'MRT RIB/update files: enrich IPs with prefix, origin AS, upstreams')
    .option('--registry <file...>', 'RIR delegated files (default: the bundled APNIC 2014 file)')
    .option('--asnames <file>', 'AS names JSON (default: the bundled asnames.json.gz)')
    .option('--victim-naming <regex>', "the victim's internal host naming, flagged as insider knowledge")
    .option('--json', 'print one JSON object')
    .option('--no-progress', 'no progress bar on stderr');
}

function where(p: { file: string; objectId?: string; line?: number; path?: string }): string {
  return esc(
    [p.file, p.line !== undefined ? `line ${p.line}` : '', p.path ?? '', p.objectId ?? '']
      .filter((x) => x !== '')
      .join(' '),
  );
}

function evidenceLines(evidence: readonly EvidenceItem[], limit = 12): string[] {
  const lines = evidence.slice(0, limit).map((e) => {
    const other = e.candidateValue !== undefined ? ` ~ ${esc(e.candidateValue)}` : '';
    const via = e.via.length > 0 ? ` via ${esc(e.via.slice(0, 3).join(', '))}` : '';
    return (
      `    +${e.contribution.toFixed(3)}  ${e.feature.padEnd(14)} ${esc(e.value)}${other}  (${esc(e.note)})${via}` +
      `\n        query: ${e.query.slice(0, 2).map(where).join('; ')}` +
      (e.candidate.length > 0 ? `\n        candidate: ${e.candidate.slice(0, 2).map(where).join('; ')}` : '')
    );
  });
  if (evidence.length > limit) lines.push(`    ... ${evidence.length - limit} more items (--json for all)`);
  return lines;
}

function similarityText(title: string, list: readonly Similarity[]): string[] {
  const lines = [title];
  if (list.length === 0) lines.push('  none');
  for (const s of list) {
    lines.push(
      `  ${s.score.toFixed(3)}  ${esc(s.name)} [${esc(s.id)}]${s.kind === 'case' && s.aliases.length > 0 ? ` (labelled ${esc(s.aliases.join(', '))})` : ''}`,
    );
    lines.push(...evidenceLines(s.evidence, 6));
  }
  return lines;
}

function attributionJson(a: Attribution): object {
  return {
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
  };
}

function profileSummary(p: Profile): string {
  return `${p.indicators.size} indicator values, ${p.techniques.size} techniques, ${p.software.size} software`;
}

/** `cairn intel ...` */
export function intelCommand(): Command {
  const intel = new Command('intel').description(
    'threat intelligence: import evidence, correlate cases, attribute them to actors',
  );

  intel.addCommand(
    new Command('import')
      .description('import STIX, ATT&CK, MISP, CSV/IOC files; summary of what came in and every problem')
      .argument('<file...>', 'files or folders')
      .option('--json', 'print one JSON object')
      .option('--no-progress', 'no progress bar on stderr')
      .action(
        exitOnInputError(async (inputs: string[], options: IntelOptions) => {
          const graph = new EvidenceGraph();
          const files = inputs.flatMap((i) => {
            if (!existsSync(i)) throw new CairnError('INTEL_NO_FILE', `no such file: ${i}`, { file: i });
            return statSync(i).isDirectory()
              ? listCorpusFiles(i).map((f) => ({ path: f.full, full: f.full }))
              : [{ path: i, full: i }];
          });
          const bar = progressBar('importing', options.progress !== false && process.stderr.isTTY === true);
          const out: Array<{ path: string; format: IntelFormat; report: ImportReport | undefined }> = [];
          let k = 0;
          loadCorpus(
            graph,
            files.map((f) => ({ path: f.path, bytes: readFileSync(f.full) })),
            (p, report, format) => {
              out.push({ path: p, format, report });
              bar.update(++k, files.length);
            },
          );
          bar.stop();
          if (options.json) {
            print(
              JSON.stringify({
                files: out.map((o) => ({
                  file: o.path,
                  format: o.format,
                  recordsRead: o.report?.recordsRead ?? 0,
                  added: o.report?.added,
                  skipped: o.report?.skipped ?? 0,
                  issueCount: o.report?.issueCount ?? 0,
                  issues: o.report?.issues.map((i) => i.toJSON()) ?? [],
                })),
                totals: graph.counts(),
              }),
            );
            return;
          }
          const lines: string[] = [];
          for (const o of out) {
            if (o.report === undefined) {
              lines.push(`${esc(o.path)}: skipped (${o.format})`);
              continue;
            }
            const added = Object.entries(o.report.added)
              .filter(([, n]) => n > 0)
              .map(([kind, n]) => `${n} ${kind}`)
              .join(', ');
            lines.push(
              `${esc(o.path)}: ${o.format}, ${o.report.recordsRead} records, added ${added || 'nothing'}, ${o.report.issueCount} problems`,
            );
            for (const issue of o.report.issues.slice(0, MAX_PROBLEM_LINES))
              lines.push(`  ${esc(issue.code)}: ${esc(issue.message)}${esc(formatLocation(issue.location))}`);
            if (o.report.issueCount > MAX_PROBLEM_LINES)
              lines.push(`  ... ${o.report.issueCount - MAX_PROBLEM_LINES} more problems (--json for all)`);
          }
          const c = graph.counts();
          lines.push(
            `total: ${c.indicator} indicators, ${c.case} cases, ${c.actor} actors, ${c.malware} software, ${c.technique} techniques, ${c.relationship} relationships`,
          );
          print(lines.join('\n'));
        }),
      ),
  );

  intel.addCommand(
    withCommon(
      new Command('show')
        .description("a case's indicators by type, with provenance, enrichment and insider signals")
        .argument('<case>', 'case id, name, corpus path or a file (CSV, STIX, MISP)'),
    ).action(
      exitOnInputError(async (caseArg: string, options: IntelOptions) => {
        const { graph, query, enrichment: all } = await load(options, caseArg);
        const c = graph.getAs('case', query!.caseId)!;
        const inds = graph.indicatorsOfCase(c.id);
        const ids = new Set(inds.map((i) => i.id));
        const enrichment = { ips: all.ips, insider: all.insider.filter((s) => ids.has(s.indicatorId)) };
        if (options.json) {
          print(
            JSON.stringify({
              case: c,
              indicators: inds.map((i) => ({ ...i, enrichment: enrichment.ips.get(i.id) })),
              insiderSignals: enrichment.insider,
            }),
          );
          return;
        }
        const byType = new Map<string, typeof inds>();
        for (const i of inds) byType.set(i.type, [...(byType.get(i.type) ?? []), i]);
        const lines = [
          `${esc(c.name)} [${esc(c.id)}] ${c.caseKind}${c.date ? ` ${esc(c.date)}` : ''}`,
          `  from ${where(c.provenance)}`,
        ];
        if (c.actorLabels.length > 0) lines.push(`  stated actor: ${esc(c.actorLabels.join(', '))}`);
        if (c.techniqueIds.length > 0) lines.push(`  techniques: ${esc(c.techniqueIds.join(' '))}`);
        for (const [type, list] of [...byType].sort()) {
          lines.push('', `${type} (${list.length})`);
          for (const i of list) {
            const e = enrichment.ips.get(i.id);
            const net =
              e === undefined
                ? ''
                : `  [${e.prefix ?? e.block}${e.originAsns.length > 0 ? ` AS${e.originAsns.join(',AS')} ${e.originNames.join(', ')}` : ''}${e.country ? ` ${e.country}` : ''}${e.upstreams.length > 0 ? ` upstreams AS${e.upstreams.join(' AS')}` : ''}]`;
            lines.push(`  ${esc(i.original)}${esc(net)}  (${where(i.provenance)})`);
          }
        }
        if (enrichment.insider.length > 0) {
          lines.push('', 'Insider-knowledge signals (names that are not public DNS names)');
          for (const s of enrichment.insider)
            lines.push(`  ${esc(s.value)}: ${s.reason} (${where(s.provenance)})`);
        }
        print(lines.join('\n'));
      }),
    ),
  );

  intel.addCommand(
    withCommon(
      new Command('similar')
        .description('most similar cases and actors, each score broken into its evidence')
        .argument('<case>', 'case id, name, corpus path or a file')
        .option('--limit <n>', 'candidates of each kind', '5'),
    ).action(
      exitOnInputError(async (caseArg: string, options: IntelOptions) => {
        const { correlator, query } = await load(options, caseArg);
        const profile = correlator.profileOfCase(query!.caseId);
        const limit = Math.max(1, Math.min(100, Number(options.limit) || 5));
        const exclude = new Set([query!.caseId]);
        const cases = correlator.similarUnits(profile, { exclude, limit });
        const actors = correlator.rankActors(profile, { exclude, limit });
        if (options.json) {
          print(JSON.stringify({ case: query!.caseId, similar: cases, actors }));
          return;
        }
        print(
          [
            `${esc(profile.name)}: ${profileSummary(profile)}`,
            '',
            ...similarityText('Similar cases and ATT&CK units', cases),
            '',
            ...similarityText('Actors', actors),
          ].join('\n'),
        );
      }),
    ),
  );

  intel.addCommand(
    withCommon(
      new Command('attribute')
        .description('rank candidate actors for a case with a calibrated confidence and the evidence')
        .requiredOption(
          '--case <file>',
          'the case: CSV `type,value`, STIX bundle or MISP event (or a corpus case)',
        )
        .option('--ignore-labels', 'do not use the actor the case itself names'),
    ).action(
      exitOnInputError(async (options: IntelOptions & { case: string }) => {
        const { correlator, query } = await load(options, options.case);
        const profile = correlator.profileOfCase(query!.caseId);
        const result = attribute(correlator, profile, {
          exclude: new Set([query!.caseId]),
          ignoreLabels: options.ignoreLabels === true,
        });
        if (options.json) {
          print(JSON.stringify(attributionJson(result)));
          return;
        }
        const lines = [
          `${esc(profile.name)}: ${profileSummary(profile)}`,
          `Verdict: ${result.verdict} (${esc(result.reason)})`,
          '',
        ];
        for (const c of result.candidates.slice(0, 5)) {
          lines.push(
            `${(c.confidence * 100).toFixed(1).padStart(5)}%  ${esc(c.actor)} [${esc(c.id)}] score ${c.score.toFixed(3)}  aka ${esc(c.aliases.slice(0, 6).join(', '))}`,
          );
          lines.push(...evidenceLines(c.evidence, 8));
        }
        if (result.candidates.length === 0) lines.push('No actor shares any evidence with this case.');
        print(lines.join('\n'));
      }),
    ),
  );

  intel.addCommand(
    withCommon(
      new Command('export')
        .description('a case as a STIX 2.1 bundle on stdout')
        .argument('<case>', 'case id, name, corpus path or a file')
        .option('--stix', 'STIX 2.1 (the only format; the default)'),
    ).action(
      exitOnInputError(async (caseArg: string, options: IntelOptions) => {
        const { graph, query } = await load(options, caseArg);
        print(JSON.stringify(exportCaseAsStix(graph, query!.caseId)));
      }),
    ),
  );
  return intel;
}
