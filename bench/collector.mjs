// Passive BGP collector benchmark (over dist/; run `npm run build` first):
//  - sustained updates/s: a loopback test speaker replays real routes from
//    data/mrt/ripe-bgpdump/updates.et-header.2015.gz (decoded with readElements, re-encoded one
//    UPDATE per element with encodeUpdate) as fast as the collector takes them; the collector
//    decodes every message, calls an onMessage listener and writes gzip MRT;
//  - peak RSS of the collector process (it runs in a child process of its own);
//  - delay from a withdrawal being written to the socket to the onMessage callback (p50/p99),
//    under that full load (queueing included) and at a light load (one probe every 5 ms).
// Results go to bench/RESULTS-collector.md, section `collector` (the rest of the file is kept).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { machine, today } from './lib/measure.mjs';
import { writeSection } from './lib/results-section.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bgp = {
  ...(await import(join(root, 'dist/bgp/index.js'))),
  ...(await import(join(root, 'dist/bgp/collector/index.js'))),
};
const now = () => performance.timeOrigin + performance.now();
const PEER = { address: '127.0.0.2', asn: 65001 };
const PROBE_EVERY = 1000;

if (process.argv[2] === 'child') {
  // ----- the collector process -----
  const { pino } = await import('pino');
  const dir = process.argv[3];
  const config = bgp.parseCollectorConfig({
    listenPort: 0,
    localAsn: 65000,
    bgpId: '192.0.2.1',
    peers: [PEER],
    outputDirectory: dir,
    logLevel: 'warn',
  });
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const { createCollectorArchive } = await import(join(root, 'dist/app/index.js'));
  const archive = createCollectorArchive(config, { logger });
  const collector = new bgp.BgpCollector(config, { logger, archive });
  let updates = 0;
  let first = 0;
  let last = 0;
  const probes = {};
  collector.onMessage((_peer, _time, message) => {
    if (message.type !== 'update') return;
    const t = now();
    if (updates++ === 0) first = t;
    last = t;
    const w = message.withdrawn[0]?.prefixes[0]?.prefix;
    if (w !== undefined && w.startsWith('198.18.')) probes[w] = t;
  });
  const { port } = await collector.start();
  process.send({ port });
  process.on('message', async (m) => {
    if (m === 'report') {
      process.send({ updates, first, last, probes: { ...probes } });
      for (const k of Object.keys(probes)) delete probes[k];
    } else if (m === 'stop') {
      await collector.stop();
      process.send({ rssMiB: process.resourceUsage().maxRSS / 1024, records: archive.writer.records });
      process.exit(0);
    }
  });
} else {
  // ----- the sender (this process) -----
  const file = join(root, 'data/mrt/ripe-bgpdump/updates.et-header.2015.gz');
  const limit = Number(process.env.BENCH_UPDATES ?? 400000);
  const messages = [];
  let skipped = 0;
  const probeText = (i) => `198.18.${(i >>> 8) & 0xff}.${i & 0xff}/32`;
  const probe = (i) =>
    bgp.encodeUpdate({ withdrawn: [{ afi: 1, safi: 1, prefixes: [{ prefix: probeText(i) }] }] });
  let probes = 0;
  const probeAt = new Map();
  for await (const e of (await import(join(root, 'dist/mrt/index.js'))).readElements(file)) {
    if (messages.length >= limit) break;
    if (e.type === 'STATE' || e.prefix === undefined) continue;
    const v6 = e.prefix.includes(':');
    const family = { afi: v6 ? 2 : 1, safi: 1, prefixes: [{ prefix: e.prefix }] };
    try {
      if (e.type === 'W') {
        messages.push(bgp.encodeUpdate({ withdrawn: [family] }));
      } else if (e.type === 'A') {
        const attributes = { origin: e.origin ?? 'IGP', asPath: e.asPathSegments ?? [] };
        if (v6) attributes.mpReach = { afi: 2, safi: 1, nextHop: e.nextHop };
        else attributes.nextHop = e.nextHop;
        if (e.med !== undefined) attributes.med = e.med;
        if (e.communities !== undefined) attributes.communities = e.communities;
        if (e.aggregator !== undefined) attributes.aggregator = e.aggregator;
        if (e.atomicAggregate) attributes.atomicAggregate = true;
        messages.push(bgp.encodeUpdate({ announced: [family], attributes }));
      }
    } catch {
      skipped++;
    }
    if (messages.length % PROBE_EVERY === 0 && messages.length > 0) {
      probeAt.set(messages.length, probeText(probes));
      messages.push(probe(probes++));
    }
  }
  const bytes = messages.reduce((n, m) => n + m.length, 0);
  console.error(
    `${messages.length} UPDATEs (${probes} probe withdrawals, ${skipped} elements not encodable), ${bytes} bytes`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-collector-'));
  const child = fork(fileURLToPath(import.meta.url), ['child', dir], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies = [];
  let waiting;
  child.on('message', (m) => (waiting ? (waiting(m), (waiting = undefined)) : replies.push(m)));
  const next = () =>
    replies.length > 0 ? Promise.resolve(replies.shift()) : new Promise((r) => (waiting = r));
  const { port } = await next();
  const speaker = await bgp.BgpTestSpeaker.connect({
    host: '127.0.0.1',
    port,
    localAddress: PEER.address,
    asn: PEER.asn,
    bgpId: '10.0.0.2',
    answerKeepalives: true,
  });
  await speaker.establish();

  // Phase 1: full load, written in 256 KiB batches as fast as the socket drains.
  const sentAt = {};
  let batch = [];
  let batchBytes = 0;
  const start = now();
  for (let i = 0; i < messages.length; i++) {
    batch.push(messages[i]);
    batchBytes += messages[i].length;
    const isProbe = probeAt.has(i);
    if (isProbe || batchBytes >= 256 * 1024 || i === messages.length - 1) {
      if (isProbe) sentAt[probeAt.get(i)] = now();
      await speaker.send(Buffer.concat(batch));
      batch = [];
      batchBytes = 0;
    }
  }
  const sendDone = now();
  let report;
  const received = {};
  do {
    await new Promise((r) => setTimeout(r, 100));
    child.send('report');
    report = await next();
    Object.assign(received, report.probes);
  } while (report.updates < messages.length);
  const rate = report.updates / ((report.last - report.first) / 1000);
  const loaded = Object.entries(received).map(([k, t]) => t - sentAt[k]);
  if (loaded.length !== probes) throw new Error(`${loaded.length} of ${probes} probes seen`);

  // Phase 2: light load, one probe withdrawal every 5 ms.
  const light = {};
  for (let i = 0; i < 400; i++) {
    const text = probeText(60000 + i);
    light[text] = now();
    await speaker.send(bgp.encodeUpdate({ withdrawn: [{ afi: 1, safi: 1, prefixes: [{ prefix: text }] }] }));
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 200));
  child.send('report');
  const lightReport = await next();
  const idle = Object.entries(lightReport.probes).map(([k, t]) => t - light[k]);
  if (idle.length !== 400) throw new Error(`${idle.length} of 400 light-load probes seen`);
  await speaker.close();
  child.send('stop');
  const final = await next();
  rmSync(dir, { recursive: true, force: true });

  const pct = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  };
  const ms = (x) => `${x.toFixed(2)} ms`;
  const result = {
    updates: report.updates,
    updatesPerSecond: Math.round(rate),
    sendSeconds: (sendDone - start) / 1000,
    peakRssMiB: Math.round(final.rssMiB),
    mrtRecords: final.records,
    loaded: { n: loaded.length, p50: pct(loaded, 50), p99: pct(loaded, 99) },
    light: { n: idle.length, p50: pct(idle, 50), p99: pct(idle, 99) },
  };
  console.log(JSON.stringify(result));
  const text = `### Passive BGP collector — ${today()}

Machine: ${machine()}. Command: \`npm run build && node bench/collector.mjs\` (one run; the collector runs in a
child process, the test speaker in the parent, over loopback TCP).

Input: ${messages.length.toLocaleString('en')} UPDATEs: the first ${(messages.length - probes).toLocaleString('en')} elements of \`data/mrt/ripe-bgpdump/updates.et-header.2015.gz\`
re-encoded as one UPDATE each, plus ${probes} probe withdrawals of 198.18.x.y/32 (${(bytes / 2 ** 20).toFixed(1)} MiB
of BGP messages), sent as fast as the collector reads them. The collector decodes every
message (RFC 7606 checks), calls an \`onMessage\` listener and writes every message to gzip MRT
(${final.records.toLocaleString('en')} records, gzip level 6).

| measure | value |
|---|---:|
| sustained updates/s (first to last onMessage) | ${result.updatesPerSecond.toLocaleString('en')} |
| peak RSS of the collector process | ${result.peakRssMiB} MiB |
| withdrawal sent -> onMessage, full load, p50 / p99 (${loaded.length} probes; includes queueing behind the flood) | ${ms(result.loaded.p50)} / ${ms(result.loaded.p99)} |
| withdrawal sent -> onMessage, light load (one every 5 ms), p50 / p99 (${idle.length} probes) | ${ms(result.light.p50)} / ${ms(result.light.p99)} |

Target: >= 50,000 updates/s.
`;
  // Only this benchmark's section: bench/collector-daemon.mjs keeps its own in the same file.
  writeSection(join(root, 'bench/RESULTS-collector.md'), 'collector', text, {
    heading: '# Collector benchmark\n',
    before: ['collector-daemon', 'collector-daemon-bird'],
  });
}
