/**
 * `cairn history ...`: what the store kept (after `cairn ingest`), through app's history
 * functions. `visibility` (a country, an AS or a prefix per bin; JSON lines or CSV for plotting),
 * `dependency` (a country's snapshots with the change against the previous one), `outages`,
 * `changes` (a country between two times, or the origin and upstream changes of a prefix or an
 * AS). Thin: parse, call app, render.
 */
import { Command } from 'commander';
import {
  historyCountryChanges,
  historyDependency,
  historyOutages,
  historyPrefixChanges,
  historyVisibility,
  visibilityCsv,
  type HistoryCountryChangesResult,
  type HistoryPrefixChangesResult,
} from '../app/surface-store.js';
import { ParseError, escapeForTerminal } from '../errors/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_OK, type CliIo } from './io.js';
import { textTable } from './output.js';

interface CommonOptions {
  db?: string;
  store?: string;
  from?: string;
  to?: string;
  json?: boolean;
}

const common = (command: Command): Command =>
  command
    .option('--db <file>', 'the store (default: $CAIRN_DB, else ~/.local/share/cairn/cairn.duckdb)')
    .option(
      '--store <url>',
      'a ClickHouse cluster store instead of a file: clickhouse://host:port[,host:port...]/database',
    )
    .option('--from <time>', 'ISO 8601 time or Unix seconds (default: the first bin in the store)')
    .option('--to <time>', 'ISO 8601 time or Unix seconds (default: the last bin in the store)');

const range = (o: CommonOptions) => ({
  ...((o.store ?? o.db) !== undefined ? { db: o.store ?? o.db } : {}),
  ...(o.from !== undefined ? { from: o.from } : {}),
  ...(o.to !== undefined ? { to: o.to } : {}),
});

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
const asLabel = (asn: number, name: string): string =>
  `AS${asn}${name !== '' ? ` ${escapeForTerminal(name)}` : ''}`;

function write(io: CliIo, text: string): number {
  io.stdout.write(text.endsWith('\n') || text === '' ? text : text + '\n');
  return EXIT_OK;
}

function visibilityCommand(context: CliContext): Command {
  return common(new Command('visibility'))
    .description('visible space of a country, an AS or a prefix per bin')
    .option('--country <cc>', 'a country')
    .option('--asn <asn>', 'an origin AS')
    .option('--prefix <prefix>', 'a prefix')
    .option('--json', 'JSON lines, one point per bin')
    .option('--csv', 'CSV, one row per bin')
    .action(
      action(
        context,
        async (o: CommonOptions & { country?: string; asn?: string; prefix?: string; csv?: boolean }) => {
          const result = await historyVisibility({
            ...range(o),
            ...(o.country !== undefined ? { country: o.country } : {}),
            ...(o.asn !== undefined ? { asn: o.asn } : {}),
            ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
          });
          if (o.csv === true) return write(context.io, visibilityCsv(result));
          if (o.json === true)
            return write(context.io, result.points.map((p) => JSON.stringify(p)).join('\n'));
          if (result.points.length === 0)
            return write(
              context.io,
              `No bins for ${result.scope} ${escapeForTerminal(result.key)} in the range.`,
            );
          return write(
            context.io,
            textTable([
              ['time', '/24s', '/48s', 'prefixes', 'peers'],
              ...result.points.map((p) => [
                p.time,
                String(p.ipv4Slash24s),
                String(p.ipv6Slash48s),
                String(p.prefixes),
                String(p.peers),
              ]),
            ]),
          );
        },
      ),
    );
}

function dependencyCommand(context: CliContext): Command {
  return common(new Command('dependency'))
    .description(
      "a country's dependency (AS hegemony) over time, with the change against the previous snapshot",
    )
    .requiredOption('--country <cc>', 'a country')
    .option('--top <n>', 'ASes per snapshot', '5')
    .option('--json', 'the result as JSON')
    .action(
      action(context, async (o: CommonOptions & { country: string; top: string }) => {
        const top = Number(o.top);
        if (!Number.isInteger(top) || top < 1 || top > 1000)
          throw new ParseError('CLI_BAD_OPTION', '--top must be a whole number from 1 to 1000', {
            field: 'top',
          });
        const result = await historyDependency({ ...range(o), country: o.country, top });
        if (o.json === true) return write(context.io, JSON.stringify(result));
        if (result.snapshots.length === 0)
          return write(context.io, `No dependency snapshot of ${result.country} in the range.`);
        const lines = result.snapshots.map(
          (s) =>
            `${s.time}  ${s.peers} peers  ` +
            s.dependency
              .map((d) => `${asLabel(d.asn, d.name)} ${pct(d.hegemony)} (${signed(d.change)})`)
              .join(', '),
        );
        return write(context.io, lines.join('\n'));
      }),
    );
}

function outagesCommand(context: CliContext): Command {
  return common(new Command('outages'))
    .description('outage events kept by ingest')
    .option('--country <cc>', 'a country')
    .option('--open', 'only events still open')
    .option('--json', 'JSON lines, one event per line')
    .action(
      action(context, async (o: CommonOptions & { country?: string; open?: boolean }) => {
        const result = await historyOutages({
          ...range(o),
          ...(o.country !== undefined ? { country: o.country } : {}),
          ...(o.open === true ? { open: true } : {}),
        });
        if (o.json === true)
          return write(context.io, result.outages.map((e) => JSON.stringify(e)).join('\n'));
        if (result.outages.length === 0) return write(context.io, 'No outage events.');
        return write(
          context.io,
          textTable([
            ['selection', 'start', 'end', 'class', 'extent', 'lost', 'cause'],
            ...result.outages.map((e) => [
              escapeForTerminal(e.selection),
              e.startTime,
              e.endTime ?? 'open',
              e.classification,
              e.extent,
              pct(e.lostShare),
              e.cause,
            ]),
          ]),
        );
      }),
    );
}

function countryChangesText(r: HistoryCountryChangesResult): string {
  const lines = [
    `${r.country} from ${r.before?.time ?? 'no snapshot'} to ${r.after?.time ?? 'no snapshot'}:`,
    `  upstreams gained: ${r.upstreamsGained.map((u) => `${asLabel(u.asn, u.name)} (${pct(u.share)})`).join(', ') || 'none'}`,
    `  upstreams lost:   ${r.upstreamsLost.map((u) => `${asLabel(u.asn, u.name)} (${pct(u.share)})`).join(', ') || 'none'}`,
    `  dependency moved by more than ${pct(r.threshold)}: ` +
      (r.dependencyMoved
        .map((d) => `${asLabel(d.asn, d.name)} ${pct(d.before)} -> ${pct(d.after)}`)
        .join(', ') || 'none'),
    `  outage events in the range: ${r.outages}`,
  ];
  return lines.join('\n');
}

function prefixChangesText(r: HistoryPrefixChangesResult): string {
  if (r.changes.length === 0) return 'No origin or upstream changes.';
  const set = (asns: number[]): string => (asns.length === 0 ? '-' : asns.map((a) => `AS${a}`).join(' '));
  return textTable([
    ['time', 'prefix', 'kind', 'before', 'after'],
    ...r.changes.map((c) => [c.time, escapeForTerminal(c.prefix), c.kind, set(c.before), set(c.after)]),
  ]);
}

function changesCommand(context: CliContext): Command {
  return common(new Command('changes'))
    .description(
      'what changed for a country between two times (upstreams, dependency), or the origin and upstream changes of a prefix or an AS',
    )
    .option('--country <cc>', 'a country: upstreams gained or lost, dependency moved')
    .option('--prefix <prefix>', 'a prefix: its origin and upstream changes')
    .option('--asn <asn>', 'an AS: origin and upstream changes it appears in')
    .option('--kind <kind>', 'origin or upstream (with --prefix or --asn)')
    .option('--threshold <share>', 'dependency moves to show (with --country)', '0.1')
    .option('--json', 'the result as JSON')
    .action(
      action(
        context,
        async (
          o: CommonOptions & {
            country?: string;
            prefix?: string;
            asn?: string;
            kind?: string;
            threshold: string;
          },
        ) => {
          if (o.country !== undefined) {
            if (o.prefix !== undefined || o.asn !== undefined)
              throw new ParseError('CLI_BAD_OPTION', 'give --country, or --prefix / --asn, not both', {
                field: 'country',
              });
            const threshold = Number(o.threshold);
            if (!(threshold >= 0 && threshold <= 1))
              throw new ParseError('CLI_BAD_OPTION', '--threshold must be a share from 0 to 1', {
                field: 'threshold',
              });
            const result = await historyCountryChanges({ ...range(o), country: o.country, threshold });
            return write(context.io, o.json === true ? JSON.stringify(result) : countryChangesText(result));
          }
          if (o.kind !== undefined && o.kind !== 'origin' && o.kind !== 'upstream')
            throw new ParseError('CLI_BAD_OPTION', '--kind must be origin or upstream', { field: 'kind' });
          const result = await historyPrefixChanges({
            ...range(o),
            ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
            ...(o.asn !== undefined ? { asn: o.asn } : {}),
            ...(o.kind !== undefined ? { kind: o.kind as 'origin' | 'upstream' } : {}),
          });
          return write(context.io, o.json === true ? JSON.stringify(result) : prefixChangesText(result));
        },
      ),
    );
}

export function historyCommand(context: CliContext): Command {
  return new Command('history')
    .description(
      'what the store kept: visibility, dependency, outages and changes over time (after cairn ingest)',
    )
    .addCommand(visibilityCommand(context))
    .addCommand(dependencyCommand(context))
    .addCommand(outagesCommand(context))
    .addCommand(changesCommand(context));
}
