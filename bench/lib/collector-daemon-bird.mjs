// The BIRD 2 phase of bench/collector-daemon.mjs (helpers and constants come from there in `x`).
//
// 1. BIRD (AS64496, bench/lib/bird.mjs) starts with the table as static routes in protocol
//    `realtable` (disabled), the four KP /24s in kp0..kp3 (enabled) and the BGP session to the
//    collector (disabled). Config-load time = BIRD start -> its control socket answers (the whole
//    100 MB configuration parsed).
// 2. `birdc enable collector`: the session comes up with the four KP routes; the detector warms up;
//    withdrawal -> alert samples on the small table (`birdc disable kpN` / `enable kpN`).
// 3. `birdc enable realtable`: BIRD puts the 577,702 routes in its table and sends them. Measured at
//    the collector as in the GoBGP phase, with samples while the table flows; then samples on the
//    full table; then the capacity replay of the UPDATEs BIRD sent.
import { loadavg } from 'node:os';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { summariseProfile } from './cpuprofile.mjs';
import { capacityRows, collectorRssRows, markdownTable, ms, n0, sampleRows } from './collector-report.mjs';
import { machine, today } from './measure.mjs';
import { now, waitFor } from './gobgp.mjs';
import { Bird, freePort, writeBirdConfig } from './bird.mjs';
import { writeSection } from './results-section.mjs';

export async function runBirdPhase(x) {
  const { dir, log, routes, failures, KP, KP_PATH, TARGET, SAMPLES } = x;
  // birdc is one short process (not two gobgp processes): a sample may start as soon as the last one ended.
  const LOAD_SAMPLE_MS = Number(process.env.BENCH_BIRD_LOAD_SAMPLE_MS ?? 0);
  const ROUNDS = Number(process.env.BENCH_BIRD_ROUNDS ?? 10);
  const { collectorAddress, birdAddress } = x;
  const loadAverage = loadavg()[0].toFixed(2);
  const birdBinary = process.env.BENCH_BIRD ?? '/usr/sbin/bird';
  const birdcBinary = process.env.BENCH_BIRDC ?? '/usr/sbin/birdc';
  const phaseFailures = [];
  const fail = (text) => {
    phaseFailures.push(text);
    failures.push(`BIRD: ${text}`);
    log(`BIRD: ${text}`);
  };

  const collector = await x.startCollector(join(dir, 'mrt-bird'), collectorAddress, birdAddress, x.BIRD_ASN);
  const { withdrawals, alerts, report, phase, ask, alertSeen } = collector;
  const birdPort = await freePort(birdAddress);
  const groups = { realtable: routes };
  KP.forEach((prefix, i) => {
    groups[`kp${i}`] = [
      { prefix, v6: false, attributes: { origin: 'IGP', asPath: [{ kind: 'sequence', asns: KP_PATH }] } },
    ];
  });
  const config = join(dir, 'bird.conf');
  let t = now();
  const written = writeBirdConfig(config, {
    address: birdAddress,
    port: birdPort,
    asn: x.BIRD_ASN,
    collector: { address: collectorAddress, port: collector.port, asn: x.COLLECTOR_ASN },
    groups,
    disabled: ['realtable'],
  });
  const configWriteSeconds = (now() - t) / 1000;
  log(
    `BIRD configuration: ${(written.bytes / 2 ** 20).toFixed(1)} MiB, ${written.routes} static routes, in ${configWriteSeconds.toFixed(1)} s`,
  );

  t = now();
  const bird = await Bird.start({ bird: birdBinary, birdc: birdcBinary, dir, config });
  const configLoadSeconds = (now() - t) / 1000;
  const birdVersion = await bird.version();
  const birdStartMemory = bird.daemon.memory();
  log(
    `${birdVersion} up on ${birdAddress}:${birdPort} in ${configLoadSeconds.toFixed(1)} s; collector on ${collectorAddress}:${collector.port}`,
  );

  const ctx = {
    withdrawals,
    alerts,
    withdraw: (prefix) => bird.withdraw(KP.indexOf(prefix)),
    announce: (prefix) => bird.announce(KP.indexOf(prefix)),
  };
  /** One load: `birdc enable realtable`, samples until the collector has the table. */
  async function loadRound(name) {
    const cpu0 = bird.daemon.cpuSeconds();
    await phase(name, { target: TARGET });
    const enableStart = now();
    await bird.set('realtable', true);
    const enableSeconds = (now() - enableStart) / 1000;
    let full = false;
    const poll = setInterval(async () => {
      try {
        full ||= (await report()).fullAt > 0;
      } catch {
        // the next poll reports it
      }
    }, 50);
    const list = [];
    try {
      while (!full && now() - enableStart < 300_000) {
        const next = now() + LOAD_SAMPLE_MS;
        list.push(await x.sample(ctx, KP[list.length % KP.length], 300_000));
        await new Promise((r) => setTimeout(r, Math.max(0, next - now())));
      }
      await x.untilStable(report);
    } finally {
      clearInterval(poll);
    }
    const r = await report();
    const span = (r.last - r.first) / 1000;
    return {
      first: r.first,
      last: r.last,
      updates: r.updates,
      prefixes: r.announced,
      spanSeconds: span,
      updatesPerSecond: r.updates / span,
      prefixesPerSecond: r.announced / span,
      enableSeconds,
      firstUpdateAfterSeconds: (r.first - enableStart) / 1000,
      fullTableSeconds: r.fullAt > 0 ? (r.fullAt - enableStart) / 1000 : undefined,
      tablePrefixes: r.tableRoutes,
      collectorCpuSeconds: r.cpuSeconds,
      collectorWallSeconds: r.wallSeconds,
      collectorEventLoopUtilization: r.eventLoopUtilization,
      birdCpuSeconds: bird.daemon.cpuSeconds() - cpu0,
      rssMiB: r.rssMiB,
      samples: list,
    };
  }

  /**
   * What BIRD sent for each table prefix of the first load, decoded by src/bgp (dist/) and compared
   * with the route it was given: AS path (BIRD's AS, then the route's AS_SEQUENCE ASes), origin,
   * MED, communities (as sets).
   */
  async function fidelity(messages) {
    const { decodeBgpMessage } = await import(join(x.root, 'dist/bgp/index.js'));
    const byPrefix = new Map(routes.map((r) => [r.prefix, r.attributes]));
    const out = { prefixes: 0, path: 0, origin: 0, med: 0, communities: 0 };
    for (const message of messages) {
      const m = decodeBgpMessage(message);
      if (m.type !== 'update') continue;
      const a = m.attributes;
      const path = (a.asPath ?? []).flatMap((s) => s.asns).join(' ');
      const communities = [...(a.communities ?? [])].sort().join(' ');
      for (const family of m.announced) {
        for (const p of family.prefixes) {
          const want = byPrefix.get(p.prefix);
          if (want === undefined) continue;
          out.prefixes++;
          const wantPath = [
            x.BIRD_ASN,
            ...want.asPath.filter((s) => s.kind === 'sequence').flatMap((s) => s.asns),
          ].join(' ');
          if (path === wantPath) out.path++;
          if (a.origin === want.origin) out.origin++;
          if (a.med === want.med) out.med++;
          if (communities === [...(want.communities ?? [])].sort().join(' ')) out.communities++;
        }
      }
    }
    return out;
  }

  const result = {
    configMiB: written.bytes / 2 ** 20,
    staticRoutes: written.routes,
    dropped: written.dropped,
  };
  try {
    await bird.set('collector', true);
    await waitFor('the BGP session with BIRD (peer-up alert)', 30_000, () => alertSeen('peer-up'));
    await waitFor(
      'the KP routes at the collector',
      30_000,
      async () => (await report()).tablePrefixes >= KP.length,
    );
    await waitFor('the detector to warm up', 120_000, () => alertSeen('outage-detector-ready'), 50);
    log('BIRD session established, detector ready');

    await phase('before');
    const before = await x.samples(ctx, 'BIRD, before the table', SAMPLES, 30_000);

    // The table: enable the static protocol; samples while it flows. ROUNDS times (disable
    // withdraws the table again in between): round 1 gives the main figures, the samples of all
    // rounds are pooled (one load lasts a few seconds only).
    const rounds = [];
    for (let i = 1; i <= ROUNDS; i++) {
      if (i > 1) {
        await bird.set('realtable', false);
        await waitFor(
          'the table to be withdrawn at the collector',
          120_000,
          async () => (await report()).tableRoutes <= KP.length,
          100,
        );
      }
      rounds.push(await loadRound(`load-${i}`));
      const r = rounds.at(-1);
      log(
        `BIRD load ${i}: ${r.updates} UPDATEs, ${r.prefixes} prefixes, ${Math.round(r.updatesPerSecond)} UPDATEs/s, ${Math.round(r.prefixesPerSecond)} prefixes/s, table ${r.tablePrefixes}/${TARGET}, ${r.samples.length} samples`,
      );
      if (r.tablePrefixes < TARGET)
        fail(`load ${i}: the collector has ${r.tablePrefixes} of ${TARGET} prefixes`);
    }
    const load = { ...rounds[0], samples: undefined };
    const loaded = rounds.flatMap((r) => r.samples);
    const birdMemory = bird.daemon.memory();
    const birdRoutes = await bird.routeCount();
    const birdExported = await bird.exported('collector');
    log(`BIRD has ${birdRoutes} networks, exported ${birdExported}`);
    if (birdRoutes !== TARGET) fail(`BIRD's table has ${birdRoutes} networks, not ${TARGET}`);

    await phase('after');
    const after = await x.samples(ctx, 'BIRD, after the table', SAMPLES, 30_000);
    const idleEnd = await report();

    // A new session with the table already in BIRD: `birdc disable collector` (the collector
    // drops the peer's routes), then `birdc enable collector`: open + the whole table.
    await bird.set('collector', false);
    const flushed = await waitFor(
      'the collector to drop the routes of the closed session',
      15_000,
      async () => (await report()).tableRoutes === 0,
      50,
    ).catch(() => false);
    if (!flushed) fail('the collector kept routes after the session closed: no session-start time');
    await phase('session', { target: TARGET });
    const sessionStart = now();
    await bird.set('collector', true);
    await waitFor(
      'the full table over the new session',
      300_000,
      async () => (await report()).fullAt > 0,
      50,
    ).catch(() => fail('the new session did not bring the full table'));
    await x.untilStable(report);
    const sr = await report();
    const sessionSpan = (sr.last - sr.first) / 1000;
    result.session = {
      updates: sr.updates,
      prefixes: sr.announced,
      updatesPerSecond: sr.updates / sessionSpan,
      prefixesPerSecond: sr.announced / sessionSpan,
      fullTableSeconds: flushed && sr.fullAt > 0 ? (sr.fullAt - sessionStart) / 1000 : undefined,
      firstUpdateAfterSeconds: (sr.first - sessionStart) / 1000,
      tablePrefixes: sr.tableRoutes,
    };
    log(
      `BIRD new session: ${sr.updates} UPDATEs, ${Math.round(result.session.updatesPerSecond)} UPDATEs/s, ${Math.round(result.session.prefixesPerSecond)} prefixes/s, table ${sr.tableRoutes}`,
    );
    await bird.stop();
    const stopped = await ask({ t: 'stop' }, 'stopped');
    Object.assign(result, {
      rounds: rounds.map(({ samples: list, ...r }) => ({ ...r, samples: list.length })),
      load: {
        ...load,
        birdRssMiB: birdMemory.rssMiB,
        birdPeakMiB: birdMemory.peakMiB,
        birdStartRssMiB: birdStartMemory.rssMiB,
        birdRoutes,
        birdExported,
      },
      rss: { afterLoadMiB: load.rssMiB, afterIdleMiB: idleEnd.rssMiB, peakMiB: stopped.peakRssMiB },
      mrtRecords: stopped.mrtRecords,
      samples: {
        before: x.stats(before, 'BIRD, before the table'),
        loaded: x.stats(loaded, 'BIRD, while the table flows'),
        after: x.stats(after, 'BIRD, after the table'),
      },
    });
    // Capacity: the UPDATEs of the first load only (those the collector received from its first to
    // its last UPDATE; the archive's times are the collector's), replayed.
    const { messages, bytes } = x.archived(join(dir, 'mrt-bird'), {
      fromMs: rounds[0].first - 1,
      toMs: rounds[0].last + 1,
    });
    result.fidelity = await fidelity(messages);
    log(`BIRD attributes at the collector: ${JSON.stringify(result.fidelity)}`);
    // The window holds the table and the sample UPDATEs of that load: full = the table's prefixes.
    result.replay = await x.replay(messages, bytes, 'replay-bird', x.BIRD_ASN, [], routes.length);
    if (process.env.BENCH_BIRD_PROFILE === '1') {
      // Where the collector's time goes on BIRD's packed UPDATEs (not part of the results file).
      const profDir = join(dir, 'prof-bird');
      mkdirSync(profDir);
      await x.replay(
        messages,
        bytes,
        'replay-bird-profiled',
        x.BIRD_ASN,
        ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
        routes.length,
      );
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (file !== undefined)
        log(`BIRD replay profile: ${JSON.stringify(summariseProfile(join(profDir, file), x.root))}`);
    }
  } finally {
    await bird.stop();
    if (collector.exit === undefined) collector.child.kill('SIGTERM');
  }
  console.log(JSON.stringify({ bird: result }));

  // ----- output -------------------------------------------------------------------------------
  const L = result.load;
  const S = result.samples;
  const R = result.replay;
  /** Median (min-max) over the rounds. */
  const spread = (f, digits = 0) => {
    const v = result.rounds.map(f).sort((a, b) => a - b);
    const fmt = (y) => (digits === 0 ? n0(y) : y.toFixed(digits));
    return `${fmt(v[Math.floor((v.length - 1) / 2)])} (${fmt(v[0])}-${fmt(v.at(-1))})`;
  };
  const rows = [
    [
      'BIRD configuration (static routes: the table + 4 KP /24s)',
      `${n0(result.staticRoutes)} routes, ${result.configMiB.toFixed(1)} MiB`,
      '',
    ],
    [
      'BIRD config-load time (start -> control socket answers; before the session)',
      `${configLoadSeconds.toFixed(1)} s`,
      '',
    ],
    ['UPDATEs received during the (first) table load', n0(L.updates), ''],
    [
      'prefixes announced in them (mean per UPDATE)',
      `${n0(L.prefixes)} (${(L.prefixes / L.updates).toFixed(1)})`,
      '',
    ],
    [
      '**sustained UPDATEs/s** (first to last UPDATE at the collector)',
      `**${n0(L.updatesPerSecond)}**`,
      '>= 50,000',
    ],
    ['**sustained prefixes/s**', `**${n0(L.prefixesPerSecond)}**`, ''],
    [
      'time to full table (`birdc enable realtable` -> collector has every prefix)',
      L.fullTableSeconds === undefined ? 'not reached' : `${L.fullTableSeconds.toFixed(2)} s`,
      '',
    ],
    [
      '`birdc enable realtable` run time (BIRD imports the routes into its table) / -> first UPDATE at the collector',
      `${L.enableSeconds.toFixed(2)} s / ${L.firstUpdateAfterSeconds.toFixed(2)} s`,
      '',
    ],
    ['first -> last UPDATE of the table at the collector', `${L.spanSeconds.toFixed(2)} s`, ''],
    [
      'collector CPU during the load phase (user+sys / wall)',
      `${L.collectorCpuSeconds.toFixed(1)} s / ${L.collectorWallSeconds.toFixed(1)} s`,
      '',
    ],
    [
      'collector event-loop utilisation during the load phase',
      `${(L.collectorEventLoopUtilization * 100).toFixed(0)} %`,
      '',
    ],
    ['BIRD CPU during the load phase', `${L.birdCpuSeconds.toFixed(1)} s`, ''],
    [
      `all ${result.rounds.length} loads (\`birdc disable realtable\` in between): UPDATEs/s median (min-max)`,
      spread((r) => r.updatesPerSecond),
      '>= 50,000',
    ],
    [
      `all ${result.rounds.length} loads: prefixes/s median (min-max)`,
      spread((r) => r.prefixesPerSecond),
      '',
    ],
    [
      `all ${result.rounds.length} loads: time to full table median (min-max), s`,
      spread((r) => r.fullTableSeconds ?? Number.NaN, 2),
      '',
    ],
    [
      'new session with the table already in BIRD (`birdc enable collector`): UPDATEs/s / prefixes/s',
      `${n0(result.session.updatesPerSecond)} / ${n0(result.session.prefixesPerSecond)}`,
      '>= 50,000',
    ],
    [
      'new session: `birdc enable collector` -> first UPDATE / -> collector has every prefix',
      `${result.session.firstUpdateAfterSeconds.toFixed(2)} s / ${result.session.fullTableSeconds === undefined ? 'n/a' : `${result.session.fullTableSeconds.toFixed(2)} s`}`,
      '',
    ],
    ...collectorRssRows(result.rss),
    [
      'RSS of BIRD after config load / with the table (peak)',
      `${L.birdStartRssMiB.toFixed(0)} / ${L.birdRssMiB.toFixed(0)} (${L.birdPeakMiB.toFixed(0)}) MiB`,
      '',
    ],
  ];
  rows.push(...sampleRows(S, '`birdc disable`'));
  rows.push(...capacityRows(R, 'every table prefix'));
  const table = markdownTable(rows);
  console.log(table);
  const D = result.dropped;
  const F = result.fidelity;
  const meets = L.updatesPerSecond >= 50_000;
  const alertOk = [S.before, S.loaded, S.after].every((s) => s.n > 0 && s.handler.p99 < 1000);
  const yesNo = (ok) => (ok ? '**met**' : '**not met**');
  const pMeets = L.prefixesPerSecond >= 50_000;
  const sessionMeets = result.session.updatesPerSecond >= 50_000;
  const replayMeets = R.updatesPerSecond >= 50_000;
  const reading = `Reading: with BIRD as the sender the collector took ${n0(L.updatesPerSecond)} UPDATEs/s carrying
${n0(L.prefixesPerSecond)} prefixes/s (first load; ${(L.prefixes / L.updates).toFixed(1)} prefixes per UPDATE: BIRD packs the prefixes
that share attributes into one UPDATE) and had the whole table ${L.fullTableSeconds?.toFixed(1) ?? 'n/a'} s after \`birdc enable realtable\`
(${L.firstUpdateAfterSeconds.toFixed(1)} s of it inside BIRD before its first UPDATE); over ${result.rounds.length} loads the median is ${spread((r) => r.updatesPerSecond).split(' ')[0]} UPDATEs/s.
Against the target "live ingestion >= 50,000 updates/s": counted in BGP UPDATE messages it is ${yesNo(meets)} with
BIRD (${n0(L.updatesPerSecond)}; ${n0(result.session.updatesPerSecond)} on a new session, whose table dump packs fewer prefixes per UPDATE: ${yesNo(sessionMeets)});
counted in prefix updates (routes), the unit of GoBGP's one-prefix UPDATEs (see its section), it is ${yesNo(pMeets)}
(${n0(L.prefixesPerSecond)} prefixes/s, ${(L.prefixesPerSecond / 50_000).toFixed(1)} x the target). Here the sender is not the limit: BIRD used
${L.birdCpuSeconds.toFixed(1)} CPU-seconds for the load, and BIRD's own UPDATEs of the first load, replayed byte for byte by a sender that
keeps up, go through at ${n0(R.updatesPerSecond)} UPDATEs/s (${n0(R.prefixesPerSecond)} prefixes/s; collector event loop ${(R.eventLoopUtilization * 100).toFixed(0)} % busy) —
the same as live, so the collector is the limit for these multi-prefix UPDATEs (replay capacity ${yesNo(replayMeets)} in UPDATEs/s;
per-prefix work dominates; one-prefix UPDATEs replay faster, see the GoBGP section). The alert target
(p99 < 1 s) is ${alertOk ? '**met in every phase**' : '**NOT met in every phase**'}: handler -> alert p99 ${ms(S.before.handler.p99)} before the table, ${ms(S.loaded.handler.p99)}
while it flows (n = ${S.loaded.n}, pooled over the ${result.rounds.length} loads), ${ms(S.after.handler.p99)} after it. Counted from the start of
\`birdc disable\`, the p99 while the table flows is ${ms(S.loaded.command.p99)}: the withdrawal reaches the collector ${ms(S.loaded.arrival.p50)} (p50) after
birdc starts, as BIRD sends it after the UPDATEs it has already queued for the session; from there the collector
alerts within ${ms(S.loaded.handler.p99)} (p99).`;
  console.log(reading);
  const section = `### Live: cairn collector fed by BIRD 2 announcing the same real table — ${today()}

Machine: ${machine()}; ${birdVersion}; load average ${loadAverage} when the phase started (the machine is shared).
Command: \`BENCH_DAEMON=bird npm run bench -- collector-daemon\` (\`node bench/collector-daemon.mjs --daemon bird\`
after the build; the default, \`both\`, runs the GoBGP phase above first; one run).
Set-up: the same collector child (startCollect with live outage detection, detector tick ${x.TICK_MS} ms, time scale ${x.TIME_SCALE},
minFullFeedPeers 1, MRT archive on) on ${collectorAddress}; BIRD (AS${x.BIRD_ASN}) on ${birdAddress}, eBGP with \`multihop\`,
\`strict bind\`, control socket in the temp dir, under a watchdog.
Table: the same ${n0(routes.length)} prefixes (last announcement per prefix of
\`data/mrt/ripe-bgpdump/updates.et-header.2015.gz\`, KP /24s left out) as static routes of protocol \`realtable\`,
each with its real AS path (\`bgp_path.prepend\` per AS), origin, MED and communities; BIRD's filters cannot set
what is left out: the AS_SET segments of ${D.asSet} routes (their sequences kept), extended communities
(${n0(D.extendedCommunities)} routes), AGGREGATOR (${n0(D.aggregator)}) and ATOMIC_AGGREGATE (${n0(D.atomicAggregate)}). The four KP /24s are the
static protocols kp0..kp3 (path ${KP_PATH.join(' ')}). BIRD loads the configuration before the session exists
(config-load time below); the session comes up with the KP routes only, the detector warms up, then
\`birdc enable realtable\` starts the table. The collector ends with ${n0(L.tablePrefixes)} prefixes of ${n0(TARGET)}
(BIRD's table: ${n0(L.birdRoutes)} networks, ${n0(L.birdExported)} exported to the collector); ${n0(result.mrtRecords ?? 0)} MRT records archived.
Checked on the first load's UPDATEs (decoded by src/bgp, compared with the route BIRD was given, for
${n0(F.prefixes)} table prefixes): AS path (BIRD's AS, then the route's) ${n0(F.path)}, origin ${n0(F.origin)}, MED ${n0(F.med)},
communities ${n0(F.communities)} equal.

Withdrawal-to-alert delay: as in the GoBGP section, with \`birdc disable kpN\` / \`birdc enable kpN\` in
place of \`gobgp global rib del/add\`; **command -> alert** starts with the birdc process. While the table
flows, samples follow each other${LOAD_SAMPLE_MS > 0 ? ` (at most one every ${LOAD_SAMPLE_MS} ms)` : ''}; one load lasts a few seconds, so it is
repeated ${result.rounds.length} times (\`birdc disable realtable\` withdraws the table in between) and the samples are pooled;
the first load gives the main figures. Last, \`birdc disable collector\` + \`enable collector\` measures a new
session that starts with the whole table already in BIRD. Capacity: the UPDATEs of the first load (first to
last UPDATE, by the MRT archive's times), read back from the collector's archive and replayed byte for byte by a
BgpTestSpeaker in 256 KiB writes to a fresh collector process: how fast the collector takes BIRD's UPDATEs
when the sender is not the limit.

${table}

${reading}

Targets (issue 5): live ingestion >= 50,000 UPDATEs/s; alert p99 under 1 s.${phaseFailures.length > 0 ? `\nProblems: ${phaseFailures.join('; ')}.` : ''}
`;
  writeSection(x.RESULTS, 'collector-daemon-bird', section, { heading: '# Collector benchmark\n' });
  log('BIRD results in bench/RESULTS-collector.md');
}
