/**
 * `cairn ach CASEFILE [--json]`: analysis of competing hypotheses on an analyst's case file (JSON,
 * or YAML when the `yaml` package is installed): the matrix, the weighted inconsistency scores and
 * ranking, the diagnosticity of each item, and the items the conclusion hinges on. Thin: parse,
 * call app (achAnalyze), render.
 */
import { Command } from 'commander';
import { CairnError, escapeForTerminal } from '../errors/index.js';
import { AchCaseError, achAnalyze, achFormatOption, type AchResult } from '../app/surface-ach.js';
import { action, type CliContext } from './command.js';
import { EXIT_OK, exitCodeFor, type CliIo } from './io.js';

export interface AchOptions {
  json?: boolean;
  format?: string;
  asOf?: string;
}

const esc = escapeForTerminal;
const MAX_TITLE = 48;

function clip(text: string, width: number): string {
  const safe = esc(text);
  return safe.length <= width ? safe : `${safe.slice(0, width - 1)}…`;
}

function table(header: string[], rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const number = (value: number, digits = 2) => value.toFixed(digits);

/** The report for people: matrix, scores and ranking, diagnosticity, sensitivity. */
export function achText(analysis: AchResult): string {
  const out: string[] = [];
  const hyps = analysis.hypotheses;
  out.push(`ACH: ${esc(analysis.title)}`);
  if (analysis.question !== undefined) out.push(`Question: ${esc(analysis.question)}`);
  out.push('');
  out.push('Hypotheses');
  for (const h of hyps) out.push(`  ${esc(h.id)}  ${esc(h.title)}`);
  out.push('');
  out.push('Matrix (ratings and weights are analyst judgments; weight = credibility x relevance)');
  out.push(
    ...table(
      ['item', 'evidence', 'cred', 'rel', 'weight', ...hyps.map((h) => esc(h.id)), 'diag'],
      analysis.evidence.map((e) => [
        esc(e.id),
        clip(e.title, MAX_TITLE),
        number(e.credibility, 2),
        number(e.relevance, 2),
        number(e.weight, 2),
        ...e.ratings,
        number(e.diagnosticity, 2),
      ]),
      new Set([2, 3, 4, 5 + hyps.length]),
    ).map((l) => `  ${l}`),
  );
  out.push('');
  out.push(
    'Ranking (least weighted inconsistency first: I = 1, II = 2; consistency C = 1, CC = 2 shown, not ranked)',
  );
  const byId = new Map(hyps.map((h) => [h.id, h]));
  out.push(
    ...table(
      ['rank', 'hypothesis', 'inconsistency', 'consistency', 'title'],
      analysis.ranking.map((id) => {
        const h = byId.get(id)!;
        return [String(h.rank), esc(h.id), number(h.inconsistency), number(h.consistency), clip(h.title, 60)];
      }),
      new Set([0, 2, 3]),
    ).map((l) => `  ${l}`),
  );
  out.push('');
  out.push('Most diagnostic items (standard deviation of CC=+2 .. II=-2 across hypotheses)');
  const diagnostic = analysis.evidence
    .filter((e) => e.diagnosticity > 0)
    .sort((a, b) => b.diagnosticity - a.diagnosticity || (a.id < b.id ? -1 : 1))
    .slice(0, 5);
  for (const e of diagnostic) out.push(`  ${esc(e.id)}  ${number(e.diagnosticity)}  ${clip(e.title, 70)}`);
  const flat = analysis.evidence.filter((e) => e.diagnosticity === 0).map((e) => esc(e.id));
  if (flat.length > 0) out.push(`  not diagnostic (same rating for every hypothesis): ${flat.join(', ')}`);
  out.push('');
  out.push('Sensitivity (remove one item, or move one of its ratings one step)');
  const s = analysis.sensitivity;
  out.push(`  top: ${analysis.top.map(esc).join(', ')}`);
  if (s.topHingesOn.length === 0) out.push('  no single item changes the top hypothesis');
  else {
    out.push(`  the top hypothesis hinges on: ${s.topHingesOn.map(esc).join(', ')}`);
    if (s.topHingesOnRemoval.length > 0)
      out.push(`    removing one of: ${s.topHingesOnRemoval.map(esc).join(', ')}`);
  }
  out.push(`  margin to the runner-up: ${number(s.margin)} (weighted inconsistency)`);
  for (const item of s.items) {
    const notes: string[] = [];
    if (item.removal.changesOrder) {
      notes.push(
        `removed -> ${item.removal.order.map(esc).join(' > ')}${item.removal.changesTop ? ' (new top)' : ''}`,
      );
    }
    for (const r of item.reratings) {
      notes.push(
        `${esc(r.hypothesis)} ${r.from}->${r.to} -> ${r.order.map(esc).join(' > ')}${r.changesTop ? ' (new top)' : ''}`,
      );
    }
    if (notes.length > 0) out.push(`  ${esc(item.evidence)}: ${notes.join('; ')}`);
  }
  const others = s.items.length - s.orderHingesOn.length;
  out.push(`  ${others} of ${s.items.length} items change nothing on their own`);
  const groups = analysis.evidence.filter((e) => e.group !== undefined && e.groupSize > 1);
  if (groups.length > 0) {
    out.push('');
    out.push('Dependent items counted once (a group weighs as one item)');
    const byGroup = new Map<string, string[]>();
    for (const e of groups) byGroup.set(e.group!, [...(byGroup.get(e.group!) ?? []), e.id]);
    for (const [group, ids] of byGroup)
      out.push(`  ${esc(group)}: ${ids.map(esc).join(', ')} (each x1/${ids.length})`);
  }
  if (analysis.warnings.length > 0) {
    out.push('');
    out.push('Warnings');
    for (const w of analysis.warnings) out.push(`  ${esc(w.hypothesis)}: ${esc(w.message)}`);
  }
  return out.join('\n');
}

/** The ranking as of a date beside the ranking on all the evidence. */
export function asOfText(asOf: AchResult, now: AchResult): string {
  const out: string[] = [
    '',
    `Ranking as of ${esc(asOf.asOf ?? '')} beside today's (all ${now.evidence.length} items)`,
  ];
  const rows = asOf.ranking.map((id, i) => {
    const then = asOf.hypotheses.find((h) => h.id === id)!;
    const nowId = now.ranking[i];
    const today = now.hypotheses.find((h) => h.id === nowId)!;
    return [
      String(then.rank),
      esc(id),
      number(then.inconsistency),
      String(today.rank),
      esc(nowId),
      number(today.inconsistency),
    ];
  });
  out.push(
    ...table(
      ['rank then', 'hypothesis', 'inconsistency', 'rank today', 'hypothesis', 'inconsistency'],
      rows,
      new Set([0, 2, 3, 5]),
    ).map((l) => `  ${l}`),
  );
  out.push(`  not known on ${esc(asOf.asOf ?? '')}: ${asOf.hiddenEvidence.map(esc).join(', ') || 'none'}`);
  return out.join('\n');
}

/** One problem per line on stderr, or a JSON object on stdout with --json; exit code 2 for bad input. */
function reportFailure(io: CliIo, error: CairnError, json: boolean | undefined): number {
  const issues = error instanceof AchCaseError ? error.issues : [error];
  if (json) io.stdout.write(JSON.stringify({ ok: false, issues: issues.map((i) => i.toJSON()) }) + '\n');
  else for (const issue of issues) io.stderr.write(`cairn: ${esc(issue.describe())}\n`);
  return Math.max(...issues.map(exitCodeFor));
}

export function achCommand(context: CliContext): Command {
  const { io } = context;
  return new Command('ach')
    .description(
      'analysis of competing hypotheses (Heuer): matrix, ranking by weighted inconsistency, diagnosticity, sensitivity',
    )
    .argument('<casefile>', 'case file (JSON; YAML with the "yaml" package installed)')
    .option('--format <format>', 'json or yaml (default: from the file extension)')
    .option('--json', 'print one JSON object instead of tables')
    .option('--as-of <date>', "the evidence as it stood on this date (YYYY-MM-DD), beside today's ranking")
    .action(
      action(context, async (casefile: string, options: AchOptions) => {
        try {
          const format = achFormatOption(options.format);
          const analysis = await achAnalyze({
            file: casefile,
            format,
            ...(options.asOf !== undefined ? { asOf: options.asOf } : {}),
          });
          const now = options.asOf === undefined ? undefined : await achAnalyze({ file: casefile, format });
          const today =
            now === undefined
              ? {}
              : { today: { ranking: now.ranking, top: now.top, hypotheses: now.hypotheses } };
          io.stdout.write(
            (options.json
              ? JSON.stringify({ ok: true, ...analysis, ...today })
              : achText(analysis) + (now === undefined ? '' : '\n' + asOfText(analysis, now))) + '\n',
          );
          return EXIT_OK;
        } catch (error) {
          if (error instanceof CairnError) return reportFailure(io, error, options.json);
          throw error;
        }
      }),
    );
}
