/**
 * `cairn country CC`, `cairn asn N`, `cairn ip ADDR`, `cairn countries`: parse the arguments, call
 * app (countryReport, asnReport, ipReport, countriesReport), and print tables for people or one
 * JSON object (the app result as it is) with --json.
 */
import { Command } from 'commander';
// app/country.ts is a surface of its own: the country questions start without loading intel, the
// collector or the store.
import {
  asnReport,
  countriesReport,
  countryReport,
  ipReport,
  type AsResult,
  type CountriesResult,
  type CountryResult,
  type IpResult,
  type RoutingSources,
} from '../app/country.js';
import type { WorkHooks } from '../app/index.js';
import { escapeForTerminal } from '../errors/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_OK, type CliIo } from './io.js';
import { problemPrinter, progressHooks, textTable as table } from './output.js';

/** Problems printed per run; the rest are counted. */
const MAX_PROBLEM_LINES = 20;

interface LoadOptions {
  mrt: string[];
  registry?: string[];
  asnames?: string;
  json?: boolean;
  progress: boolean;
}

function withLoadOptions(command: Command): Command {
  return command
    .requiredOption('--mrt <file...>', 'MRT files: RIB dumps and/or update files (plain, gzip, bzip2)')
    .option('--registry <file...>', 'RIR delegated files (default: the bundled APNIC 2014 file)')
    .option('--asnames <file>', 'AS names JSON (default: the bundled asnames.json.gz)')
    .option('--json', 'print one JSON object instead of tables')
    .option('--no-progress', 'no progress bar on stderr');
}

function sources(options: LoadOptions): RoutingSources {
  return { mrt: options.mrt, registry: options.registry, asnames: options.asnames };
}

/**
 * Runs a question with progress bars and the first problems on stderr, then a count of the rest.
 */
async function withHooks<T>(
  io: CliIo,
  options: LoadOptions,
  ask: (hooks: WorkHooks) => Promise<T>,
): Promise<T> {
  const problems = problemPrinter(io, { limit: MAX_PROBLEM_LINES });
  const result = await ask({ ...progressHooks(io, options.progress), onProblem: problems.onProblem });
  if (problems.count > MAX_PROBLEM_LINES)
    io.stderr.write(`cairn: ${problems.count} problems in the input, ${MAX_PROBLEM_LINES} shown\n`);
  return result;
}

const esc = escapeForTerminal;

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function print(io: CliIo, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function countryText(view: CountryResult, limit = 20): string {
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

function asText(view: AsResult): string {
  const lines = [
    `AS${view.asn} ${esc(view.name)} (${view.country || '?'}): ${view.prefixes.length} prefixes originated, ${view.space.ipv4Slash24s} /24s`,
  ];
  lines.push(
    '',
    'Prefixes',
    table([['prefix', 'country'], ...view.prefixes.slice(0, 50).map((p) => [p.prefix, p.country || '?'])]),
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
  return lines.join('\n');
}

function ipText(view: IpResult): string {
  return [
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
  ].join('\n');
}

function countriesText(result: CountriesResult): string {
  return table([
    ['country', 'prefixes', '/24s', 'upstreams', 'top AS', 'name', 'hegemony', 'chokepoints'],
    ...result.countries.map((r) => [
      r.country,
      String(r.prefixes),
      String(r.visibleIpv4Slash24s),
      String(r.upstreamCount),
      r.top ? `AS${r.top.asn}` : '-',
      esc(r.top?.name ?? ''),
      r.top ? r.top.hegemony.toFixed(3) : '-',
      r.chokepoints.map((a) => `AS${a}`).join(' '),
    ]),
  ]);
}

export function countryCommands(context: CliContext): Command[] {
  const { io } = context;
  const render = <T>(options: LoadOptions, result: T, text: (result: T) => string): number => {
    print(io, options.json ? JSON.stringify(result) : text(result));
    return EXIT_OK;
  };

  const country = withLoadOptions(
    new Command('country')
      .description(
        'how a country reaches the Internet: prefixes, origins, upstreams, dependency, chokepoints',
      )
      .argument('<code>', 'ISO 3166-1 alpha-2 country code, e.g. KP'),
  ).action(
    action(context, async (code: string, options: LoadOptions) => {
      const result = await withHooks(io, options, (hooks) =>
        countryReport({ country: code, ...sources(options) }, hooks),
      );
      return render(options, result, (view) => countryText(view));
    }),
  );

  const asn = withLoadOptions(
    new Command('asn')
      .description('an AS: prefixes originated, upstreams, downstreams, dependency of its space')
      .argument('<asn>', 'AS number, e.g. 131279 or AS131279'),
  ).action(
    action(context, async (text: string, options: LoadOptions) => {
      const result = await withHooks(io, options, (hooks) =>
        asnReport({ asn: text, ...sources(options) }, hooks),
      );
      return render(options, result, asText);
    }),
  );

  const ip = withLoadOptions(
    new Command('ip')
      .description('an address: matching prefix, origins, registry country, paths, upstream chain')
      .argument('<address>', 'IPv4 or IPv6 address'),
  ).action(
    action(context, async (text: string, options: LoadOptions) => {
      const result = await withHooks(io, options, (hooks) =>
        ipReport({ address: text, ...sources(options) }, hooks),
      );
      return render(options, result, ipText);
    }),
  );

  const countries = withLoadOptions(
    new Command('countries').description(
      'every country ranked by its largest dependency, single-upstream countries first',
    ),
  ).action(
    action(context, async (options: LoadOptions) => {
      const result = await withHooks(io, options, (hooks) => countriesReport(sources(options), hooks));
      return render(options, result, countriesText);
    }),
  );
  return [country, asn, ip, countries];
}
