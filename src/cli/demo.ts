/**
 * `cairn demo` (what `npm start` runs until the web UI exists): a real analysis of the bundled
 * data. It decodes a full routing table seen by a RIPE RIS peer in October 2015, prints the
 * decoder's statistics, then every route toward North Korea's address space (175.45.176.0/22,
 * delegated by APNIC to KP) and which networks those routes pass through.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { escapeForTerminal } from '../errors/index.js';
import { analyzeAch, parseAchCase, type AchAnalysis } from '../intel/index.js';
import { scanMrt, type MrtElement } from '../mrt/index.js';
import { parsePrefix } from '../net/index.js';
import { computeStats, formatStats, makeElementFilter } from './mrt.js';
import { progressBar } from './output.js';

const DATA = fileURLToPath(new URL('../../data/', import.meta.url));
const SONY_CASE = fileURLToPath(new URL('../../cases/sony-pictures-2014.json', import.meta.url));
const DEMO_FILE = `${DATA}mrt/ripe-bgpdump/updates.et-header.2015.gz`;
/** North Korea's IPv4 allocation (APNIC delegated statistics: apnic|KP|ipv4|175.45.176.0|1024). */
const KP_SPACE = '175.45.176.0/22';

export interface Upstream {
  asn: number;
  /** Number of (prefix, peer) routes whose path reaches the origin through this AS. */
  routes: number;
}

export interface KpAnalysis {
  routes: MrtElement[];
  origins: number[];
  upstreams: Upstream[];
  prefixes: string[];
}

/** Routes toward `space` in `file`, their origins and the AS just before the origin on each path. */
export async function analyseSpace(file: string, space: string): Promise<KpAnalysis> {
  const accept = makeElementFilter({ prefix: [parsePrefix(space)], type: ['A', 'B'] });
  const routes: MrtElement[] = [];
  await scanMrt(file, (cursor) => {
    if (accept(cursor)) routes.push(cursor.toElement());
  });
  const origins = new Set<number>();
  const upstreams = new Map<number, number>();
  const prefixes = new Set<string>();
  for (const route of routes) {
    if (route.prefix !== undefined) prefixes.add(route.prefix);
    const sequence = (route.asPathSegments ?? []).flatMap((s) => (s.kind === 'sequence' ? s.asns : []));
    // Collapse prepending, then take the origin and its neighbour.
    const path = sequence.filter((asn, i) => i === 0 || sequence[i - 1] !== asn);
    const origin = path[path.length - 1];
    if (origin === undefined) continue;
    origins.add(origin);
    const upstream = path[path.length - 2];
    if (upstream !== undefined) upstreams.set(upstream, (upstreams.get(upstream) ?? 0) + 1);
  }
  return {
    routes,
    origins: [...origins].sort((a, b) => a - b),
    upstreams: [...upstreams]
      .map(([asn, count]) => ({ asn, routes: count }))
      .sort((a, b) => b.routes - a.routes),
    prefixes: [...prefixes].sort(),
  };
}

/** The shipped Sony Pictures 2014 case, analysed (competing hypotheses). */
export function analyseSonyCase(): AchAnalysis {
  const parsed = parseAchCase(readFileSync(SONY_CASE), { file: SONY_CASE, format: 'json' });
  if (!parsed.ok) throw parsed.issues[0];
  return analyzeAch(parsed.achCase);
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      "analyse the bundled data: decoder statistics and the routes toward North Korea's address space",
    )
    .option('--json', 'one JSON object instead of text')
    .action(async (options: { json?: boolean }) => {
      const progress = progressBar('decoding', !options.json && process.stderr.isTTY === true);
      const stats = await computeStats(DEMO_FILE, { onProgress: (d, t) => progress.update(d, t) });
      progress.stop();
      const kp = await analyseSpace(DEMO_FILE, KP_SPACE);
      const ach = analyseSonyCase();
      if (options.json) {
        process.stdout.write(
          JSON.stringify({ stats, northKorea: { space: KP_SPACE, ...kp }, sonyCase: ach }) + '\n',
        );
        return;
      }
      const out: string[] = [];
      out.push('cairn: analysis of the bundled data', '');
      out.push('1. The decoder on a full table from RIPE RIS (one peer, October 2015)', '');
      out.push(formatStats(stats), '');
      out.push(`2. Routes toward North Korea's address space ${KP_SPACE} (APNIC: KP)`, '');
      for (const route of kp.routes) {
        out.push(
          `   ${route.type} ${(route.prefix ?? '').padEnd(18)} via peer AS${route.peerAsn}  path ${route.asPath ?? ''}`,
        );
      }
      out.push('');
      out.push(`   prefixes announced: ${kp.prefixes.join(', ') || 'none'}`);
      out.push(`   origin AS: ${kp.origins.map((a) => `AS${a}`).join(', ') || 'none'}`);
      const total = kp.upstreams.reduce((n, u) => n + u.routes, 0);
      for (const upstream of kp.upstreams) {
        const share = total === 0 ? 0 : (100 * upstream.routes) / total;
        out.push(
          `   upstream AS${upstream.asn}: ${upstream.routes} of ${total} routes (${share.toFixed(0)}%)`,
        );
      }
      if (kp.upstreams.length === 1) {
        out.push(
          `   => every route to North Korea's networks passes through AS${kp.upstreams[0].asn}: a single chokepoint.`,
        );
      }
      out.push(
        '',
        `3. Competing hypotheses: ${escapeForTerminal(ach.title)} (cases/sony-pictures-2014.json)`,
        '',
      );
      for (const id of ach.ranking) {
        const h = ach.hypotheses.find((x) => x.id === id);
        if (h === undefined) continue;
        out.push(
          `   ${String(h.rank).padStart(2)}. ${id} ${escapeForTerminal(h.title).padEnd(52)} weighted inconsistency ${h.inconsistency.toFixed(2)}`,
        );
      }
      out.push(
        `   margin to the runner-up: ${ach.sensitivity.margin.toFixed(2)}; the top hypothesis hinges on ${ach.sensitivity.topHingesOn.length} of ${ach.evidence.length} items (${ach.sensitivity.topHingesOnRemoval.join(', ') || 'none'} by removal alone)`,
        '   ratings are analyst judgments; see `cairn ach cases/sony-pictures-2014.json` for the matrix and sources.',
      );
      process.stdout.write(out.join('\n') + '\n');
    });
}
