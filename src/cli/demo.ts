/**
 * `cairn demo` (what `npm start` runs until the web UI exists): app's demo analysis of the bundled
 * data, printed as three sections (decoder statistics, how North Korea reaches the Internet, the
 * Sony Pictures 2014 case) or as one JSON object.
 */
import { Command } from 'commander';
import { demoAnalysis, type DemoResult } from '../app/surface-demo.js';
import { escapeForTerminal } from '../errors/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_OK } from './io.js';
import { formatStats, problemPrinter, progressHooks } from './output.js';

function percent(value: number): string {
  return `${(value * 100).toFixed(0)}%`;
}

export function demoText(demo: DemoResult): string {
  const { stats, northKorea: kp, sonyCase: ach } = demo;
  const out: string[] = [];
  out.push('cairn: analysis of the bundled data', '');
  out.push('1. The decoder on a full table from RIPE RIS (one peer, October 2015)', '');
  out.push(formatStats(stats), '');
  const space = kp.space;
  out.push(
    `2. Routes toward North Korea's address space (APNIC: ${kp.country}, ${space.registered.ipv4Slash24s} /24s registered, ${space.visible.ipv4Slash24s} visible)`,
    '',
  );
  for (const route of kp.routes) {
    out.push(
      `   ${route.prefix.padEnd(18)} via peer AS${route.peerAsn}  path ${route.asPath}  upstream ${route.upstream === undefined ? 'none' : `AS${route.upstream}`}`,
    );
  }
  out.push('');
  out.push(`   prefixes announced: ${kp.prefixes.join(', ') || 'none'}`);
  out.push(`   origin AS: ${kp.origins.map((a) => `AS${a}`).join(', ') || 'none'}`);
  const total = kp.routes.length;
  for (const upstream of kp.upstreams) {
    out.push(
      `   upstream AS${upstream.asn} ${escapeForTerminal(upstream.name)} (${upstream.country || '?'}): ${upstream.routes} of ${total} routes, ${percent(upstream.share)} of the visible space`,
    );
  }
  if (kp.upstreams.length === 1) {
    out.push(
      `   => every route to North Korea's networks passes through AS${kp.upstreams[0].asn}: a single chokepoint.`,
    );
  }
  const vantagePoints = new Set(kp.routes.map((route) => `${route.peerAddress} ${route.peerAsn}`)).size;
  out.push(
    `   chokepoints (dependency >= 0.99): ${kp.chokepoints.map((a) => `AS${a}`).join(', ') || 'none'}` +
      (vantagePoints === 1 ? ' (one vantage point sees one path, so every AS on it counts)' : ''),
  );
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
  return out.join('\n');
}

export function demoCommand(context: CliContext): Command {
  const { io } = context;
  return new Command('demo')
    .description(
      "analyse the bundled data: decoder statistics and the routes toward North Korea's address space",
    )
    .option('--json', 'one JSON object instead of text')
    .action(
      action(context, async (options: { json?: boolean }) => {
        const problems = problemPrinter(io);
        const demo = await demoAnalysis(
          {},
          { ...progressHooks(io, !options.json), onProblem: problems.onProblem },
        );
        io.stdout.write((options.json ? JSON.stringify(demo) : demoText(demo)) + '\n');
        return EXIT_OK;
      }),
    );
}
