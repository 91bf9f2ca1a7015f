// The collector process of bench/collector-daemon.mjs (forked, so that its peak RSS is its own).
// It runs what `cairn collect --prefix P... --time-scale X` runs: startCollect (src/app/collect.ts:
// collector, MRT archive, peer alerts, and with a selection the live outage detection of
// src/app/live.ts and src/observatory/live.ts: routing table, outage detector, alerts), from dist/.
//
// Measurement hooks (kept cheap: counters, and a Set lookup only for withdrawals):
// - a message listener registered after the pipeline's: counts UPDATEs and prefixes, notes the
//   first and last UPDATE of the current phase and when the table reached the target size, and,
//   for every withdrawal of a watched prefix, sends the parent the time its chunk reached the
//   collector's socket handler (the `time` the collector gives listeners: its clock at the start
//   of the socket 'data' handler);
// - the alert output: a Writable that stamps each alert line when the AlertPublisher writes it.
// Times are Unix milliseconds from performance.timeOrigin + performance.now(), like the collector's.
//
// argv: dir listenAddress peerAddress peerAsn timeScale tickMs prefix...
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [root, dir, listenAddress, peerAddress, peerAsn, timeScale, tickMs, ...watched] = process.argv.slice(2);
const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href);
const { parseCollectorConfig } = await load('bgp/collector/index.js');
const { startCollect } = await load('app/index.js');
const { parsePrefix } = await load('net/index.js');
const { pino } = await import('pino');

const now = () => performance.timeOrigin + performance.now();
const send = (m) => process.send?.(m);
const watchedSet = new Set(watched);

const alertOutput = new Writable({
  write(chunk, _encoding, done) {
    const at = now();
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.length === 0) continue;
      const alert = JSON.parse(line);
      send({
        t: 'alert',
        at,
        kind: alert.kind,
        eventId: alert.eventId,
        prefixes: alert.prefixes,
        classification: alert.classification,
      });
    }
    done();
  },
});

const phase = {};
function resetPhase(name) {
  Object.assign(phase, {
    name,
    updates: 0,
    announced: 0,
    withdrawn: 0,
    first: 0,
    last: 0,
    fullAt: 0,
    cpu: process.cpuUsage(),
    elu: performance.eventLoopUtilization(),
    started: now(),
  });
}
resetPhase('start');
let target = Number.POSITIVE_INFINITY;
let live;

const config = parseCollectorConfig({
  listenAddress,
  listenPort: 0,
  localAsn: 65000,
  bgpId: '192.0.2.1',
  peers: [{ address: peerAddress, asn: Number(peerAsn) }],
  outputDirectory: dir,
  logLevel: 'warn',
});
const logger = pino({ level: 'warn' }, pino.destination(2));
const runtime = await startCollect({
  config,
  selection: { prefix: watched },
  detection: { timeScale: Number(timeScale), tickMs: Number(tickMs), minFullFeedPeers: 1 },
  alertOutput,
  logger,
});
live = runtime.detection.live;
// After the pipeline's listener (startCollect attached it): the table includes the message.
runtime.collector.onMessage((_peer, time, message) => {
  if (message.type !== 'update') return;
  const ms = time * 1000;
  if (phase.updates++ === 0) phase.first = ms;
  phase.last = ms;
  for (const f of message.announced) phase.announced += f.prefixes.length;
  for (const f of message.withdrawn) {
    phase.withdrawn += f.prefixes.length;
    for (const p of f.prefixes)
      if (watchedSet.has(p.prefix)) send({ t: 'withdrawn', prefix: p.prefix, at: ms });
  }
  // routeCount, not prefixCount (prefixes ever seen): with one peer, the prefixes routed now;
  // it drops again when a table is withdrawn (the BIRD phase loads the table several times).
  if (phase.fullAt === 0 && live.table.routeCount >= target) phase.fullAt = now();
});
send({ t: 'listening', port: runtime.address.port });

function report() {
  const cpu = process.cpuUsage(phase.cpu);
  const elu = performance.eventLoopUtilization(phase.elu);
  return {
    t: 'report',
    phase: phase.name,
    updates: phase.updates,
    announced: phase.announced,
    withdrawn: phase.withdrawn,
    first: phase.first,
    last: phase.last,
    fullAt: phase.fullAt,
    started: phase.started,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (now() - phase.started) / 1000,
    eventLoopUtilization: elu.utilization,
    tablePrefixes: live.table.prefixCount,
    tableRoutes: live.table.routeCount,
    liveStats: { ...live.stats },
    rssMiB: process.memoryUsage.rss() / 2 ** 20,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20,
  };
}

process.on('message', async (m) => {
  if (m.t === 'phase') {
    resetPhase(m.name);
    if (m.target !== undefined) target = m.target;
    send({ t: 'phase-started', name: m.name });
  } else if (m.t === 'report') send(report());
  else if (m.t === 'missing') {
    // Which of the given prefixes the table has no route for (the inject re-check).
    const missing = m.prefixes.filter((p) => live.table.routesOf(parsePrefix(p)).length === 0);
    send({ t: 'missing', missing });
  } else if (m.t === 'stop') {
    const last = report();
    await runtime.stop();
    send({
      ...last,
      t: 'stopped',
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      mrtRecords: runtime.collector.archive?.writer?.records,
    });
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(1));
