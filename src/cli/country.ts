/**
 * `cairn country CC`, `cairn asn N`, `cairn ip ADDR`, `cairn countries`: load MRT files into a
 * routing table, the registry and AS names, and print the observatory's views (tables for people,
 * one JSON object with --json). Thin: the logic is in src/routing and src/observatory.
 */
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { escapeForTerminal } from '../errors/index.js';
import { parseAddress, parseAsn, formatAddress } from '../net/index.js';
import type { CountryView, Dependency } from '../observatory/index.js';
import { Observatory, parseCountryCode } from '../observatory/index.js';
import { AsNames, Registry } from '../registry/index.js';
import { RoutingTable } from '../routing/index.js';
import { problemLine } from './output.js';
import { exitOnInputError, replayMrtFiles } from './replay.js';

/** Bundled defaults, relative to this file (src/cli or dist/cli). */
export const DEFAULT_REGISTRY_FILES = [
  fileURLToPath(new URL('../../data/registry/delegated-apnic-20141009.gz', import.meta.url)),
];
export const DEFAULT_ASNAMES_FILE = fileURLToPath(
  new URL('../../data/registry/asnames.json.gz', import.meta.url),
);

/** Problems printed per run; the rest are counted. */
const MAX_PROBLEM_LINES = 20;

interface LoadOptions {
  mrt: string[];
  registry?: string[];
  asnames?: string;
  json?: boolean;
  progress?: boolean;
}

interface Loaded {
  table: RoutingTable;
  observatory: Observatory;
}

async function load(options: LoadOptions): Promise<Loaded> {
  let shown = 0;
  let problems = 0;
  const report = (problem: unknown): void => {
    problems++;
    if (shown++ < MAX_PROBLEM_LINES) process.stderr.write(`cairn: ${problemLine(problem)}\n`);
  };
  const table = new RoutingTable();
  await replayMrtFiles(options.mrt, table, { verb: 'loading', progress: options.progress !== false, report });
  const loaded = await Registry.load(options.registry ?? DEFAULT_REGISTRY_FILES);
  for (const problem of loaded.problems) report(problem);
  const names = await AsNames.load(options.asnames ?? DEFAULT_ASNAMES_FILE);
  for (const problem of names.problems) report(problem);
  if (shown > MAX_PROBLEM_LINES)
    process.stderr.write(`cairn: ${problems} problems in the input, ${MAX_PROBLEM_LINES} shown\n`);
  return { table, observatory: new Observatory(table, loaded.registry, names) };
}

function withLoadOptions(command: Command): Command {
  return command
    .requiredOption('--mrt <file...>', 'MRT files: RIB dumps and/or update files (plain, gzip, bzip2)')
    .option('--registry <file...>', 'RIR delegated files (default: the bundled APNIC 2014 file)')
    .option('--asnames <file>', 'AS names JSON (default: the bundled asnames.json.gz)')
    .option('--json', 'print one JSON object instead of tables')
    .option('--no-progress', 'no progress bar on stderr');
}

const esc = escapeForTerminal;

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

function countryJson(view: CountryView): object {
  return {
    country: view.country,
    prefixes: view.prefixes,
    space: view.space,
    origins: view.origins.map((o) => ({ asn: o.asn, name: o.name, share: o.share })),
    upstreams: view.upstreams,
    dependency: view.dependency.map((d: Dependency) => ({
      asn: d.asn,
      name: d.name,
      hegemony: d.hegemony,
      ipv4: d.ipv4,
      ipv6: d.ipv6,
    })),
    chokepoints: view.chokepoints,
    upstreamCount: view.upstreamCount,
    vantagePoints: view.vantagePoints,
  };
}

function countryText(view: CountryView, limit = 20): string {
  const lines: string[] = [];
  const space = view.space;
  lines.push(`Country ${view.country}: ${view.prefixes.length} announced prefixes`);
  lines.push(
    `Space: registered ${space.registered.ipv4Slash24s} /24s, ${space.registered.ipv6Slash48s} /48s; ` +
      `visible ${space.visible.ipv4Slash24s} /24s, ${space.visible.ipv6Slash48s} /48s`,
  );
  lines.push(
    `Vantage points: ${view.vantagePoints.peers} sessions, ${view.vantagePoints.peerAses} peer ASes`,
  );
  lines.push('', 'Prefixes');
  lines.push(
    table([
      ['prefix', 'origins'],
      ...view.prefixes.slice(0, limit).map((p) => [p.prefix, p.origins.map((a) => `AS${a}`).join(' ')]),
    ]),
  );
  if (view.prefixes.length > limit) lines.push(`... ${view.prefixes.length - limit} more (--json for all)`);
  lines.push('', 'Origins');
  lines.push(
    table([
      ['AS', 'name', 'share'],
      ...view.origins.slice(0, limit).map((o) => [`AS${o.asn}`, esc(o.name), percent(o.share)]),
    ]),
  );
  lines.push('', `Upstreams (${view.upstreamCount})`);
  lines.push(
    table([
      ['AS', 'name', 'country', 'share'],
      ...view.upstreams
        .slice(0, limit)
        .map((u) => [`AS${u.asn}`, esc(u.name), u.country || '?', percent(u.share)]),
    ]),
  );
  lines.push('', 'Dependency (AS hegemony)');
  lines.push(
    table([
      ['AS', 'name', 'hegemony'],
      ...view.dependency.slice(0, limit).map((d) => [`AS${d.asn}`, esc(d.name), d.hegemony.toFixed(3)]),
    ]),
  );
  lines.push(
    '',
    `Chokepoints (>= 0.99): ${view.chokepoints.length === 0 ? 'none' : view.chokepoints.map((a) => `AS${a}`).join(' ')}`,
  );
  return lines.join('\n');
}

export function countryCommands(): Command[] {
  const country = withLoadOptions(
    new Command('country')
      .description(
        'how a country reaches the Internet: prefixes, origins, upstreams, dependency, chokepoints',
      )
      .argument('<code>', 'ISO 3166-1 alpha-2 country code, e.g. KP'),
  ).action(
    exitOnInputError(async (code: string, options: LoadOptions) => {
      const cc = parseCountryCode(code);
      const { observatory } = await load(options);
      const view = observatory.country(cc);
      print(options.json ? JSON.stringify(countryJson(view)) : countryText(view));
    }),
  );

  const asn = withLoadOptions(
    new Command('asn')
      .description('an AS: prefixes originated, upstreams, downstreams, dependency of its space')
      .argument('<asn>', 'AS number, e.g. 131279 or AS131279'),
  ).action(
    exitOnInputError(async (text: string, options: LoadOptions) => {
      const number = parseAsn(text);
      const { observatory } = await load(options);
      const view = observatory.asView(number);
      if (options.json) return print(JSON.stringify(view));
      const lines = [
        `AS${view.asn} ${esc(view.name)} (${view.country || '?'}): ${view.prefixes.length} prefixes originated, ${view.space.ipv4Slash24s} /24s`,
      ];
      lines.push(
        '',
        'Prefixes',
        table([
          ['prefix', 'country'],
          ...view.prefixes.slice(0, 50).map((p) => [p.prefix, p.country || '?']),
        ]),
      );
      lines.push(
        '',
        'Upstreams',
        table([
          ['AS', 'name', 'country', 'share'],
          ...view.upstreams.map((u) => [`AS${u.asn}`, esc(u.name), u.country || '?', percent(u.share)]),
        ]),
      );
      lines.push(
        '',
        'Downstreams',
        table([
          ['AS', 'name', 'country', 'paths'],
          ...view.downstreams
            .slice(0, 50)
            .map((d) => [`AS${d.asn}`, esc(d.name), d.country || '?', String(d.paths)]),
        ]),
      );
      lines.push(
        '',
        'Dependency (AS hegemony)',
        table([
          ['AS', 'name', 'hegemony'],
          ...view.dependency.slice(0, 20).map((d) => [`AS${d.asn}`, esc(d.name), d.hegemony.toFixed(3)]),
        ]),
      );
      print(lines.join('\n'));
    }),
  );

  const ip = withLoadOptions(
    new Command('ip')
      .description('an address: matching prefix, origins, registry country, paths, upstream chain')
      .argument('<address>', 'IPv4 or IPv6 address'),
  ).action(
    exitOnInputError(async (text: string, options: LoadOptions) => {
      const address = parseAddress(text);
      const { observatory } = await load(options);
      const view = observatory.addressView(address, formatAddress(address));
      if (options.json) return print(JSON.stringify(view));
      const lines = [
        `${view.address}: prefix ${view.prefix ?? 'none announced'}, registry country ${view.country || '?'}${view.registry ? ` (${esc(view.registry)})` : ''}`,
        `Origins: ${view.origins.map((o) => `AS${o.asn} ${esc(o.name)} (${o.country || '?'})`).join(', ') || 'none'}`,
        '',
        table([
          ['peer', 'peer AS', 'AS path', 'chain to the border'],
          ...view.paths.map((p) => [
            esc(p.peerAddress),
            `AS${p.peerAsn}`,
            p.asPath,
            p.upstreamChain.map((h) => `AS${h.asn}(${h.country || '?'})`).join(' > '),
          ]),
        ]),
      ];
      print(lines.join('\n'));
    }),
  );

  const countries = withLoadOptions(
    new Command('countries').description(
      'every country ranked by its largest dependency, single-upstream countries first',
    ),
  ).action(
    exitOnInputError(async (options: LoadOptions) => {
      const { observatory } = await load(options);
      const ranks = observatory.rankCountries();
      if (options.json) return print(JSON.stringify({ countries: ranks }));
      print(
        table([
          ['country', 'prefixes', '/24s', 'upstreams', 'top AS', 'name', 'hegemony', 'chokepoints'],
          ...ranks.map((r) => [
            r.country,
            String(r.prefixes),
            String(r.visibleIpv4Slash24s),
            String(r.upstreamCount),
            r.top ? `AS${r.top.asn}` : '-',
            esc(r.top?.name ?? ''),
            r.top ? r.top.hegemony.toFixed(3) : '-',
            r.chokepoints.map((a) => `AS${a}`).join(' '),
          ]),
        ]),
      );
    }),
  );
  return [country, asn, ip, countries];
}

/** For `cairn outages`: the first record's time and kind, to replay files in time order. */
export { firstMrtRecord } from './replay.js';
