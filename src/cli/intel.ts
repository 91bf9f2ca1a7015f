/**
 * `cairn intel import|show|similar|attribute|export`: evidence import, correlation and
 * attribution over the bundled corpus (data/intel) or the corpora given with --corpus. Thin:
 * parse the options, call the app's intel questions, render tables or the result as JSON.
 */
import { once } from 'node:events';
import { Command } from 'commander';
import { CairnError, escapeForTerminal, formatLocation, type ErrorCode } from '../errors/index.js';
import type {
  IntelAttributeResult,
  IntelCaseInput,
  IntelEvidenceItem,
  IntelImportResult,
  IntelQuerySummary,
  IntelShowResult,
  IntelSimilarResult,
  IntelSimilarity,
  WorkHooks,
} from '../app/surface-intel.js';
import { action, type CliContext } from './command.js';
import { addIntelSampleCommand } from './intel-sample.js';
import { EXIT_OK, noteProblem, type CliIo } from './io.js';
import { problemPrinter, progressHooks } from './output.js';

const MAX_PROBLEM_LINES = 20;

/**
 * The intel app code, loaded when a subcommand runs: `intel sample` (its own module) needs none of
 * it, and loading it (the corpus readers, correlation, zod) is most of a short run's start-up.
 */
const intelApp = (): Promise<typeof import('../app/surface-intel.js')> => import('../app/surface-intel.js');

interface IntelOptions {
  corpus?: string[];
  db?: string;
  json?: boolean;
  progress?: boolean;
  mrt?: string[];
  archives?: string[];
  registry?: string[];
  asnames?: string;
  victimNaming?: string;
  ignoreLabels?: boolean;
  limit?: string;
  proposals?: boolean;
}

const esc = escapeForTerminal;

function print(io: CliIo, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Progress bars on a terminal (unless --no-progress), the first problems of the input on stderr. */
function hooksFor(io: CliIo, options: { progress?: boolean }): WorkHooks {
  return {
    ...progressHooks(io, options.progress !== false),
    ...problemPrinter(io, { limit: MAX_PROBLEM_LINES }),
  };
}

function caseInput(caseArg: string, options: IntelOptions): IntelCaseInput {
  return {
    case: caseArg,
    corpus: options.corpus,
    mrt: options.mrt,
    ...(options.archives !== undefined ? { archives: options.archives } : {}),
    registry: options.registry,
    asnames: options.asnames,
    victimNaming: options.victimNaming,
    ...(options.db !== undefined ? { db: options.db } : {}),
    ...(options.proposals === true ? { proposals: true } : {}),
  };
}

function withCommon(command: Command): Command {
  return command
    .option('--corpus <path...>', 'corpus folders or files (default: the bundled data/intel)')
    .option('--db <file>', "read the corpus from this store's evidence index (cairn ingest --intel) instead")
    .option('--mrt <file...>', 'MRT RIB/update files: enrich IPs with prefix, origin AS, upstreams')
    .option(
      '--archives <path...>',
      'MRT archives (files or folders): place IPs with the RIB/updates last taken at or before the case date (or --as-of)',
    )
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

function evidenceLines(evidence: readonly IntelEvidenceItem[], limit = 12): string[] {
  const lines = evidence.slice(0, limit).map((e) => {
    const other = e.candidateValue !== undefined ? ` ~ ${esc(e.candidateValue)}` : '';
    const via = e.via.length > 0 ? ` via ${esc(e.via.slice(0, 3).join(', '))}` : '';
    return (
      `    +${e.contribution.toFixed(3)}  ${e.feature.padEnd(14)} ${esc(e.value)}${other}  (${esc(e.note)})${via}` +
      `\n        query: ${e.query.slice(0, 2).map(where).join('; ')}` +
      (e.candidate.length > 0
        ? `\n        candidate: ${e.candidate.slice(0, 2).map(where).join('; ')}`
        : '') +
      (e.labelledBy !== undefined ? `\n        tied by: ${esc(e.labelledBy)}` : '')
    );
  });
  if (evidence.length > limit) lines.push(`    ... ${evidence.length - limit} more items (--json for all)`);
  return lines;
}

function similarityText(title: string, list: readonly IntelSimilarity[]): string[] {
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

function querySummaryText(q: IntelQuerySummary): string {
  return `${esc(q.name)}: ${q.indicatorValues} indicator values, ${q.techniques} techniques, ${q.software} software`;
}

/** `intel import` for people: per file what came in and its first problems, then totals. */
export function importText(result: IntelImportResult): string {
  const lines: string[] = [];
  for (const file of result.files) {
    if (file.added === undefined) {
      lines.push(`${esc(file.file)}: skipped (${file.format})`);
      continue;
    }
    const added = Object.entries(file.added)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', ');
    lines.push(
      `${esc(file.file)}: ${file.format}, ${file.recordsRead} records, added ${added || 'nothing'}, ${file.issueCount} problems`,
    );
    const aside = Object.entries(file.setAside ?? {});
    if (aside.length > 0)
      lines.push(`  kept aside: ${aside.map(([why, n]) => `${n} ${esc(why)}`).join(', ')}`);
    for (const issue of file.issues.slice(0, MAX_PROBLEM_LINES))
      lines.push(`  ${esc(issue.code)}: ${esc(issue.message)}${esc(formatLocation(issue))}`);
    if (file.issueCount > MAX_PROBLEM_LINES)
      lines.push(`  ... ${file.issueCount - MAX_PROBLEM_LINES} more problems (--json for all)`);
  }
  const c = result.totals;
  lines.push(
    `total: ${c.indicator} indicators, ${c.case} cases, ${c.actor} actors, ${c.malware} software, ${c.technique} techniques, ${c.relationship} relationships`,
  );
  return lines.join('\n');
}

/** `intel show` for people: the case, its indicators by type with their place on the routing map. */
export function showText(result: IntelShowResult): string {
  return [...showLines(result)].join('\n');
}

function enrichmentText(e: IntelShowResult['indicators'][number]['enrichment']): string {
  if (e === undefined) return '';
  const asns = e.originAsns.length > 0 ? ` AS${e.originAsns.join(',AS')} ${e.originNames.join(', ')}` : '';
  const ups = e.upstreams.length > 0 ? ` upstreams AS${e.upstreams.join(' AS')}` : '';
  return `  [${e.prefix ?? e.block}${asns}${e.country ? ` ${e.country}` : ''}${ups}]`;
}

/** The lines of {@link showText}, one at a time (a case of a million indicators is never one string). */
export function* showLines(result: IntelShowResult): Generator<string> {
  const c = result.case;
  const byType = new Map<string, IntelShowResult['indicators']>();
  for (const i of result.indicators) {
    const list = byType.get(i.type);
    if (list === undefined) byType.set(i.type, [i]);
    else list.push(i);
  }
  yield `${esc(c.name)} [${esc(c.id)}] ${c.caseKind}${c.date ? ` ${esc(c.date)}` : ''}`;
  yield* routingLines(result.routing);
  yield `  from ${where(c.provenance)}`;
  if (c.actorLabels.length > 0) yield `  stated actor: ${esc(c.actorLabels.join(', '))}`;
  if (c.techniqueIds.length > 0) yield `  techniques: ${esc(c.techniqueIds.join(' '))}`;
  for (const [type, list] of [...byType].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    yield '';
    yield `${type} (${list.length})`;
    for (const i of list)
      yield `  ${esc(i.original)}${esc(enrichmentText(i.enrichment))}  (${where(i.provenance)})`;
  }
  if (result.insiderSignals.length > 0) {
    yield '';
    yield 'Insider-knowledge signals (names that are not public DNS names)';
    for (const s of result.insiderSignals) yield `  ${esc(s.value)}: ${s.reason} (${where(s.provenance)})`;
  }
}

/** `intel show --json`: the same text as `JSON.stringify(result)`, an indicator at a time. */
export function* showJsonChunks(result: IntelShowResult): Generator<string> {
  yield `{"case":${JSON.stringify(result.case)},"indicators":[`;
  let first = true;
  for (const i of result.indicators) {
    yield (first ? '' : ',') + JSON.stringify(i);
    first = false;
  }
  yield `],"insiderSignals":${JSON.stringify(result.insiderSignals)}}`;
}

/** Writes chunks gathered into blocks, waiting for the reader when its buffer is full. */
async function writeChunks(io: CliIo, chunks: Iterable<string>, separator = ''): Promise<void> {
  let block = '';
  let first = true;
  for (const chunk of chunks) {
    block += (first ? '' : separator) + chunk;
    first = false;
    if (block.length < 1 << 16) continue;
    if (!io.stdout.write(block)) await Promise.race([once(io.stdout, 'drain'), once(io.stdout, 'close')]);
    block = '';
  }
  io.stdout.write(block + '\n');
}

/** `intel similar` for people. */
export function similarText(query: IntelQuerySummary, result: IntelSimilarResult): string {
  return [
    querySummaryText(query),
    '',
    ...similarityText('Similar cases and ATT&CK units', result.similar),
    '',
    ...similarityText('Actors', result.actors),
  ].join('\n');
}

/** `intel attribute` for people: the verdict, then the first five candidates with their evidence. */
/** Which archives placed the addresses, and for which date. */
function routingLines(routing: IntelAttributeResult['routing']): string[] {
  if (routing === undefined) return [];
  return [
    `Routing as of ${routing.date}: ` +
      routing.archives.map((a) => `${esc(a.file)} (${a.kind} ${a.time})`).join(', '),
  ];
}

export function attributionText(query: IntelQuerySummary, result: IntelAttributeResult): string {
  const lines = [
    querySummaryText(query),
    ...routingLines(result.routing),
    `Verdict: ${result.verdict} (${esc(result.reason)})`,
    '',
  ];
  for (const c of result.candidates.slice(0, 5)) {
    lines.push(
      `${(c.confidence * 100).toFixed(1).padStart(5)}%  ${esc(c.actor)} [${esc(c.id)}] score ${c.score.toFixed(3)}  aka ${esc(c.aliases.slice(0, 6).join(', '))}` +
        (c.umbrella !== undefined ? `  (part of ${esc(c.umbrella.join(', '))})` : ''),
    );
    lines.push(...evidenceLines(c.evidence, 8));
  }
  if (result.candidates.length === 0) lines.push('No actor shares any evidence with this case.');
  return lines.join('\n');
}

interface MispExportFlags {
  format?: string;
  mispEnvelope?: boolean;
  attribution?: boolean;
}

/** `intel export --format misp`: the event is written to stdout as it is produced. */
async function exportMisp(
  io: CliIo,
  input: IntelCaseInput,
  options: IntelOptions & MispExportFlags,
): Promise<number> {
  const { intelExportMisp } = await intelApp();
  await intelExportMisp(
    { ...input, envelope: options.mispEnvelope === true, attribution: options.attribution !== false },
    io.stdout,
    hooksFor(io, options),
  );
  return EXIT_OK;
}

/** `cairn intel ...` */
export function intelCommand(context: CliContext): Command {
  const { io } = context;
  const intel = new Command('intel').description(
    'threat intelligence: import evidence, correlate cases, attribute them to actors',
  );

  intel.addCommand(
    new Command('import')
      .description('import STIX, ATT&CK, MISP, CSV/IOC files; summary of what came in and every problem')
      .argument('<file...>', 'files or folders')
      .option('--json', 'print one JSON object')
      .option('--no-progress', 'no progress bar on stderr')
      .option('--proposals', 'MISP: ShadowAttribute proposals are evidence too (labelled misp:proposal)')
      .action(
        action(context, async (inputs: string[], options: IntelOptions) => {
          const { intelImport } = await intelApp();
          const result = intelImport(
            { files: inputs, proposals: options.proposals === true },
            hooksFor(io, options),
          );
          print(io, options.json ? JSON.stringify(result) : importText(result));
          for (const file of result.files)
            for (const issue of file.issues)
              noteProblem(io, new CairnError(issue.code as ErrorCode, issue.message, { file: file.file }));
          return EXIT_OK;
        }),
      ),
  );

  intel.addCommand(
    withCommon(
      new Command('show')
        .description("a case's indicators by type, with provenance, enrichment and insider signals")
        .argument('<case>', 'case id, name, corpus path or a file (CSV, STIX, MISP)')
        .option('--proposals', 'MISP: ShadowAttribute proposals are evidence too (labelled misp:proposal)'),
    ).action(
      action(context, async (caseArg: string, options: IntelOptions) => {
        const { intelShow } = await intelApp();
        const result = await intelShow(caseInput(caseArg, options), hooksFor(io, options));
        if (options.json) await writeChunks(io, showJsonChunks(result));
        else await writeChunks(io, showLines(result), '\n');
        return EXIT_OK;
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
      action(context, async (caseArg: string, options: IntelOptions) => {
        const { intelSimilar } = await intelApp();
        const { query, result } = await intelSimilar(
          { ...caseInput(caseArg, options), limit: Number(options.limit) },
          hooksFor(io, options),
        );
        print(io, options.json ? JSON.stringify(result) : similarText(query, result));
        return EXIT_OK;
      }),
    ),
  );

  intel.addCommand(
    withCommon(
      new Command('attribute')
        .description('rank candidate actors for a case with a calibrated confidence and the evidence')
        .requiredOption(
          '--case <file>',
          'the case: CSV `type,value`, STIX bundle, MISP event, `intel sample --json` lines (or a corpus case); - reads stdin',
        )
        .option('--ignore-labels', 'do not use the actor the case itself names')
        .option('--as-of <date>', 'the evidence as it stood on this date (ISO 8601): later units left out')
        .option('--proposals', 'MISP: ShadowAttribute proposals are evidence too (labelled misp:proposal)'),
    ).action(
      action(context, async (options: IntelOptions & { case: string; asOf?: string }) => {
        // `-`: the case on stdin (`intel sample --json DIR | intel attribute --case -`).
        const { intelAttribute, spoolCaseStream } = await intelApp();
        const spooled = options.case === '-' ? await spoolCaseStream(process.stdin) : undefined;
        const { query, result } = await intelAttribute(
          {
            ...caseInput(spooled?.file ?? options.case, options),
            ignoreLabels: options.ignoreLabels === true,
            ...(options.asOf !== undefined ? { asOf: options.asOf } : {}),
          },
          hooksFor(io, options),
        ).finally(() => spooled?.dispose());
        print(io, options.json ? JSON.stringify(result) : attributionText(query, result));
        return EXIT_OK;
      }),
    ),
  );

  intel.addCommand(
    withCommon(
      new Command('export')
        .description('a case as a STIX 2.1 bundle (or a MISP event) on stdout')
        .argument('<case>', 'case id, name, corpus path or a file')
        .option('--stix', 'STIX 2.1 (the default)')
        .option('--format <format>', 'stix or misp', 'stix')
        .option('--misp-envelope', 'MISP: {"Event": ...} as MISP\'s API writes it (default: the bare event)')
        // STIX leaves the attribution out unless asked; MISP carries it unless told not to.
        .option('--attribution', 'STIX: add attributed-to relationships with their confidence')
        .option('--no-attribution', "MISP: leave out cairn's attribution tags and annotation"),
    ).action(
      action(context, async (caseArg: string, options: IntelOptions & MispExportFlags) => {
        if (options.format === 'misp') return exportMisp(io, caseInput(caseArg, options), options);
        if (options.format !== 'stix')
          throw new CairnError('INTEL_BAD_OPTION', `unknown export format: ${options.format}`, {
            field: 'format',
          });
        const input = { ...caseInput(caseArg, options), attribution: options.attribution === true };
        const { intelExportStix } = await intelApp();
        await intelExportStix(input, io.stdout, hooksFor(io, options));
        return EXIT_OK;
      }),
    ),
  );
  addIntelSampleCommand(intel, context);
  return intel;
}
