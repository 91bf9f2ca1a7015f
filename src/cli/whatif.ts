/**
 * `cairn whatif --remove AS... --country CC...` and `--all-countries`: parse, call app's whatIf,
 * print the split of each country's space (observed / alternative valley-free / cut off) with the
 * per-prefix evidence, or the ranking of every country, and always the limits of the method.
 */
import { Command } from 'commander';
import { whatIf, type LinkEvidence, type WhatIfCountry, type WhatIfResult } from '../app/surface-whatif.js';
import { escapeForTerminal as esc } from '../errors/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_OK } from './io.js';
import { problemPrinter, progressHooks, textTable as table } from './output.js';

interface WhatIfOptions {
  remove: string[];
  country?: string[];
  allCountries?: boolean;
  mrt?: string[];
  registry?: string[];
  asnames?: string;
  json?: boolean;
  progress: boolean;
  limit: string;
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

function linkText(link: LinkEvidence): string {
  const kind =
    link.type === 'p2c'
      ? link.provider === link.to
        ? `AS${link.to} is its provider`
        : `AS${link.to} is its customer`
      : link.type === 'p2p'
        ? `AS${link.to} is its peer`
        : `AS${link.to} is its sibling`;
  const removed = link.removed ? ' [removed]' : '';
  return `AS${link.from} - AS${link.to} ${esc(link.toName)}: ${kind}${removed}; ${link.paths} path${link.paths === 1 ? '' : 's'}, e.g. ${link.evidence.map((p) => `"${p}"`).join(', ')}`;
}

function countryText(view: WhatIfCountry, limit: number): string[] {
  const lines: string[] = [];
  const s = view.space;
  const unit = view.unit === 'ipv4' ? 'IPv4 space' : 'IPv6 prefixes';
  lines.push(
    `Country ${view.country} (${unit}): observed paths ${percent(view.share.observed)}, ` +
      `only alternative valley-free paths ${percent(view.share.alternative)}, cut off ${percent(view.share.cut)}`,
  );
  lines.push(
    `  prefixes: ${s.observed.prefixes} observed, ${s.alternative.prefixes} alternative, ${s.cut.prefixes} cut off`,
  );
  const shown = view.prefixes.filter((p) => p.fate !== 'observed').slice(0, limit);
  for (const p of shown) {
    lines.push('', `  ${p.prefix} (origin ${p.origins.map((a) => `AS${a}`).join(' ')}): ${p.fate}`);
    for (const v of p.vantagePoints.slice(0, limit))
      lines.push(
        `    peer ${esc(v.peerAddress)} AS${v.peerAsn}: ${v.asPath} ${v.survives ? 'survives' : 'crosses a removed AS'}`,
      );
    if (p.alternative !== undefined) {
      lines.push(`    shortest valley-free path without the removed ASes: ${p.alternative.path.join(' ')}`);
      for (const link of p.alternative.links) lines.push(`      ${linkText(link)}`);
    } else lines.push('    no valley-free path without the removed ASes in the inferred graph');
    lines.push('    origin links (inferred):');
    for (const link of p.originLinks) lines.push(`      ${linkText(link)}`);
  }
  const rest = view.prefixes.filter((p) => p.fate !== 'observed').length - shown.length;
  if (rest > 0) lines.push(`  ... ${rest} more affected prefixes (--json for all)`);
  return lines;
}

function resultText(result: WhatIfResult, limit: number): string {
  const lines: string[] = [];
  lines.push(
    `Removed: ${result.removed.map((a) => `AS${a.asn} ${esc(a.name)}${a.country ? ` (${a.country})` : ''}`).join(', ')}`,
  );
  const r = result.relationships;
  lines.push(
    `Inferred graph: ${r.ases} ASes, ${r.links} links (${r.p2c} p2c, ${r.p2p} p2p, ${r.sibling} sibling) from ${r.paths} paths; ${result.vantageAses.length} vantage ASes`,
    `Method: ${result.method}`,
  );
  for (const view of result.countries) lines.push('', ...countryText(view, limit));
  if (result.ranking.length > 0) {
    lines.push('', 'Countries by share cut off');
    lines.push(
      table([
        ['country', 'prefixes', 'cut off', 'alternative only', 'observed', 'cut /24s'],
        ...result.ranking
          .slice(0, limit)
          .map((c) => [
            c.country,
            String(c.prefixes),
            percent(c.share.cut),
            percent(c.share.alternative),
            percent(c.share.observed),
            c.cutIpv4Slash24s.toFixed(0),
          ]),
      ]),
    );
    if (result.ranking.length > limit)
      lines.push(`... ${result.ranking.length - limit} more (--limit, --json)`);
  }
  lines.push('', 'Limits:', ...result.limits.map((l) => `  - ${l}`));
  return lines.join('\n');
}

export function whatifCommand(context: CliContext): Command {
  const { io } = context;
  return new Command('whatif')
    .description('remove ASes: which countries still reach the Internet over observed or valley-free paths')
    .requiredOption('--remove <asn...>', 'ASes to remove, e.g. AS4837')
    .option('--country <code...>', 'ISO 3166-1 alpha-2 codes: per-prefix detail')
    .option('--all-countries', 'rank every country by the share of its space cut off')
    .option('--mrt <file...>', 'MRT files (default: the bundled 2015 table)')
    .option('--registry <file...>', 'RIR delegated files (default: the bundled APNIC 2014 file)')
    .option('--asnames <file>', 'AS names JSON (default: the bundled asnames.json.gz)')
    .option('--limit <n>', 'rows and prefixes shown per table', '20')
    .option('--json', 'print one JSON object instead of text')
    .option('--no-progress', 'no progress bar on stderr')
    .action(
      action(context, async (options: WhatIfOptions) => {
        const problems = problemPrinter(io, { limit: 20 });
        const result = await whatIf(
          {
            remove: options.remove,
            countries: options.country,
            allCountries: options.allCountries,
            mrt: options.mrt,
            registry: options.registry,
            asnames: options.asnames,
          },
          { ...progressHooks(io, options.progress), onProblem: problems.onProblem },
        );
        const limit = Math.max(1, Number.parseInt(options.limit, 10) || 20);
        io.stdout.write((options.json ? JSON.stringify(result) : resultText(result, limit)) + '\n');
        return EXIT_OK;
      }),
    );
}
