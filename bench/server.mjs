#!/usr/bin/env node
// HTTP API load on loopback. The server (dist/server over the bundled data, loaded once) runs in a
// child process so its RSS is its own; this process drives it with autocannon: p50/p99 latency,
// errors and requests/s for the country, IP and outages endpoints at 50 and 200 connections
// (the rate limit is off for the run, its bound would answer 429s); then 1,000 SSE subscribers
// receive a burst of alerts (delivery latency p50/p99 from publish to receipt, server memory per
// subscriber); then a soak on the country endpoint sampling the server's RSS. Every loop is
// bounded in count and time. Build first (`npm run bench` does).
// Run: npm run bench -- server [--duration S] [--soak S] [--subscribers N] [--burst N].
// Writes bench/RESULTS-server.md. `--http-only` runs the endpoint table alone (no SSE, no soak) and
// prints it; `--dist DIR` serves another build (a before/after comparison in the same run).
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import inspector from 'node:inspector';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { machine, today } from './lib/measure.mjs';
import { writeSection } from './lib/results-section.mjs';

const DIST_AT = process.argv.indexOf('--dist');
const dist = (path) =>
  DIST_AT >= 0
    ? new URL(`${path}`, `file://${process.argv[DIST_AT + 1].replace(/\/?$/, '/')}`).href
    : new URL(`../dist/${path}`, import.meta.url).href;
// `--profile FILE`: the server child's V8 CPU profile over the measured runs (not the loading nor the
// warm-up), written as a .cpuprofile (node:inspector's profiler; open it in Chrome's DevTools).
const PROFILE_AT = process.argv.indexOf('--profile');
// `--only country,IP`: run only the named endpoints (with --http-only).
const ONLY_AT = process.argv.indexOf('--only');
const RESULTS = fileURLToPath(new URL('RESULTS-server.md', import.meta.url));

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

// ---- the server child -------------------------------------------------------------------------

async function serve() {
  const { buildServer, loadServices, AlertFeed } = await import(dist('server/index.js'));
  const { AlertJson } = await import(dist('app/index.js'));
  const services = await loadServices();
  const feed = new AlertFeed();
  const app = await buildServer({
    ...services,
    token: 'bench-token-' + 'b'.repeat(32),
    webRoot: null,
    rateLimit: false,
    alerts: feed,
    sse: { heartbeatMs: 0, maxSubscribers: 20_000 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  let sequence = 0;
  process.on('message', (message) => {
    if (message.type === 'memory') {
      globalThis.gc?.();
      const usage = process.memoryUsage();
      process.send({
        type: 'memory',
        rss: usage.rss,
        heapUsed: usage.heapUsed,
        hub: app.alertHub.counts(),
        cpu: process.cpuUsage(),
      });
    } else if (message.type === 'burst') {
      for (let i = 0; i < message.count; i++) {
        const now = new Date();
        // SYNTHETIC alerts (named so in causeEvidence); wallTime carries the publish time.
        feed.publish(
          AlertJson.parse({
            kind: 'outage-open',
            time: now.toISOString(),
            wallTime: String(performance.timeOrigin + performance.now()),
            eventId: ++sequence,
            start: now.toISOString(),
            classification: 'blip',
            level: 'warning',
            extent: 'partial',
            lostShare: 0.25,
            baseline: 4,
            minimum: 3,
            unit: 'ipv4-slash24',
            prefixCount: 1,
            prefixes: ['175.45.176.0/24'],
            origins: [131279],
            upstreams: [{ asn: 4837, routesLost: 1 }],
            cause: 'unknown',
            causeEvidence: 'SYNTHETIC bench alert',
            duration: 0,
            currentLevel: 'warning',
            currentExtent: 'partial',
            currentLostShare: 0.25,
            coverage: { fullFeedPeers: 4, peersLost: 1, peersKept: 3 },
            startWindow: { from: now.getTime() / 1000 - 300, to: now.getTime() / 1000 },
            status: 'open',
            selection: 'country KP',
          }),
        );
      }
      process.send({ type: 'burst-done' });
    } else if (message.type === 'profile') {
      const session = (globalThis.benchProfiler ??= new inspector.Session());
      if (message.on) {
        session.connect();
        session.post('Profiler.enable', () =>
          session.post('Profiler.start', () => process.send({ type: 'profile-done' })),
        );
      } else {
        session.post('Profiler.stop', (error, result) => {
          writeFileSync(message.file, JSON.stringify(result.profile));
          session.disconnect();
          process.send({ type: 'profile-done' });
        });
      }
    } else if (message.type === 'stop') {
      void app.close().then(() => process.exit(0));
    }
  });
  process.send({ type: 'ready', port: app.server.address().port });
}

// ---- the driver -------------------------------------------------------------------------------

function request(child, message, reply) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m.type === reply) {
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
    child.send(message);
  });
}

function cannon(url, connections, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration, pipelining: 1 }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);

/** Opens `count` event streams; each records receipt latency of every alert. */
async function openSubscribers(base, count) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const latencies = [];
  const requests = [];
  let received = 0;
  const opened = Array.from(
    { length: count },
    () =>
      new Promise((resolve, reject) => {
        const req = http.get(`${base}/api/v1/outages/stream`, { agent }, (response) => {
          let buffer = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => {
            const now = performance.timeOrigin + performance.now();
            buffer += chunk;
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = block.split('\n').find((l) => l.startsWith('data: '));
              if (data === undefined) continue;
              latencies.push(now - Number(JSON.parse(data.slice(6)).wallTime));
              received++;
            }
          });
          resolve();
        });
        req.on('error', reject);
        requests.push(req);
      }),
  );
  await Promise.all(opened);
  return { latencies, received: () => received, close: () => requests.forEach((r) => r.destroy()) };
}

async function main() {
  const startLoad = loadavg()[0];
  const duration = option('duration', 10);
  const soakSeconds = option('soak', 60);
  const subscriberCount = option('subscribers', 1000);
  const burst = option('burst', 100);
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--serve', ...(DIST_AT >= 0 ? ['--dist', process.argv[DIST_AT + 1]] : [])],
    { execArgv: ['--expose-gc'] },
  );
  const deadline = setTimeout(() => {
    process.stderr.write('bench/server.mjs: over 30 minutes, stopping\n');
    child.kill('SIGKILL');
    process.exit(1);
  }, 30 * 60_000);
  const ready = await new Promise((resolve) => child.once('message', resolve));
  const base = `http://127.0.0.1:${ready.port}`;
  const idle = await request(child, { type: 'memory' }, 'memory');

  const endpoints = [
    ['country', '/api/v1/countries/KP'],
    ['IP', '/api/v1/ips/175.45.176.1'],
    ['outages', '/api/v1/outages?limit=100'],
  ].filter(([name]) => ONLY_AT < 0 || process.argv[ONLY_AT + 1].split(',').includes(name));
  // Warm-up: the first request of outages replays the archive; then every endpoint under load
  // until the JIT and the heap settle after loading.
  for (const [, path] of endpoints) await fetch(base + path).then((r) => r.arrayBuffer());
  for (const [, path] of endpoints) await cannon(base + path, 50, 5);
  const rows = [];
  if (PROFILE_AT >= 0) await request(child, { type: 'profile', on: true }, 'profile-done');
  for (const [name, path] of endpoints) {
    for (const connections of [50, 200]) {
      const cpuBefore = (await request(child, { type: 'memory' }, 'memory')).cpu;
      const r = await cannon(base + path, connections, duration);
      const cpuAfter = (await request(child, { type: 'memory' }, 'memory')).cpu;
      // The server's own CPU time per request answered: what the server spends, whatever else runs.
      const cpuUs =
        (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / Math.max(1, r.requests.total);
      rows.push({
        name,
        path,
        connections,
        p50: r.latency.p50,
        p99: r.latency.p99,
        rps: r.requests.average,
        // autocannon's errors include its timeouts.
        errors: r.errors + r.non2xx,
        detail: `${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx ${JSON.stringify(r.statusCodeStats)}`,
        total: r.requests.total,
        cpuUs,
      });
      process.stderr.write(
        `${name} c=${connections}: p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms; server CPU ${cpuUs.toFixed(0)} µs/request; ${rows.at(-1).detail}\n`,
      );
    }
  }
  if (PROFILE_AT >= 0)
    await request(child, { type: 'profile', on: false, file: process.argv[PROFILE_AT + 1] }, 'profile-done');
  const afterLoad = await request(child, { type: 'memory' }, 'memory');
  if (process.argv.includes('--http-only')) {
    const table = [
      `Served: ${DIST_AT >= 0 ? process.argv[DIST_AT + 1] : 'dist/'}; duration ${duration} s per run; date: ${today()}; load average (1 min) ${startLoad.toFixed(1)} -> ${loadavg()[0].toFixed(1)}.`,
      '',
      '| endpoint | connections | p50 ms | p99 ms | req/s | requests | errors | server CPU µs/request |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} \`${r.path}\` | ${r.connections} | ${r.p50} | ${r.p99} | ${Math.round(r.rps).toLocaleString('en')} | ${r.total.toLocaleString('en')} | ${r.errors} | ${r.cpuUs.toFixed(0)} |`,
      ),
      '',
      `Server RSS: ${mib(idle.rss)} MiB loaded and idle, ${mib(afterLoad.rss)} MiB after the load runs.`,
    ];
    process.stdout.write(table.join('\n') + '\n');
    clearTimeout(deadline);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ type: 'stop' });
    await exited;
    return;
  }

  // SSE: subscribers, then a burst. Memory is read after GC until two readings agree (at most 10).
  const settled = async () => {
    let last = await request(child, { type: 'memory' }, 'memory');
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const next = await request(child, { type: 'memory' }, 'memory');
      const stable = Math.abs(next.rss - last.rss) < 2 ** 20;
      last = next;
      if (stable) break;
    }
    return last;
  };
  const beforeSse = await settled();
  const subscribers = await openSubscribers(base, subscriberCount);
  const withSse = await settled();
  // Bursts: `burst` alerts at once, then ten times fewer; each waited for (at most 60 s).
  const bursts = [];
  for (const count of [Math.max(1, Math.round(burst / 10)), burst]) {
    subscribers.latencies.length = 0;
    const before = subscribers.received();
    const expected = subscriberCount * count;
    const started = performance.now();
    await request(child, { type: 'burst', count }, 'burst-done');
    while (subscribers.received() - before < expected && performance.now() - started < 60_000)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const sorted = subscribers.latencies.slice().sort((a, b) => a - b);
    bursts.push({
      count,
      expected,
      received: subscribers.received() - before,
      ms: performance.now() - started,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted.at(-1),
    });
  }
  const hub = (await request(child, { type: 'memory' }, 'memory')).hub;
  subscribers.close();

  // Soak: the country endpoint for soakSeconds, RSS sampled every 5 s.
  const samples = [];
  const soak = cannon(base + '/api/v1/countries/KP', 50, soakSeconds);
  const soakStart = performance.now();
  while (performance.now() - soakStart < soakSeconds * 1000) {
    samples.push((await request(child, { type: 'memory' }, 'memory')).rss);
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  const soakResult = await soak;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'stop' });
  await exited;
  clearTimeout(deadline);

  const lines = [];
  lines.push(
    `Command: \`npm run bench -- server\` (duration ${duration} s per run, ${subscriberCount} subscribers, burst ${burst}, soak ${soakSeconds} s); date: ${today()}; machine: ${machine()}.`,
    `Machine load average (1 min) at the start and the end: ${startLoad.toFixed(1)} and ${loadavg()[0].toFixed(1)} (other work shared the 2 cores: the figures are noisy).`,
    '',
    'Server: `dist/server` over the bundled data (RIS table of October 2015, APNIC 2014 registry, intel corpus,',
    'Sony ACH case), loaded once, in a child process; rate limit off for the run (it would answer 429s by',
    'design); load from autocannon in this process over loopback. The outages list is the replay of the',
    'bundled table for country KP (no event in it: the list answers empty pages).',
    '',
    '| endpoint | connections | p50 ms | p99 ms | req/s | requests | errors (non-2xx, timeouts over 10 s, socket errors) | server CPU µs/request |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of rows)
    lines.push(
      `| ${r.name} \`${r.path}\` | ${r.connections} | ${r.p50} | ${r.p99} | ${Math.round(r.rps).toLocaleString('en')} | ${r.total.toLocaleString('en')} | ${r.errors} | ${r.cpuUs.toFixed(0)} |`,
    );
  lines.push(
    '',
    `Server RSS: ${mib(idle.rss)} MiB loaded and idle, ${mib(afterLoad.rss)} MiB after the load runs.`,
    '',
    `SSE: ${subscriberCount} subscribers to \`/api/v1/outages/stream\`, then bursts of alerts published at once (SYNTHETIC`,
    'outage-open alerts); latency from publish (server clock) to receipt (this process, same machine):',
    '',
    '| alerts in the burst | deliveries expected | received | all received in ms | p50 ms | p99 ms | max ms |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...bursts.map(
      (b) =>
        `| ${b.count} | ${b.expected.toLocaleString('en')} | ${b.received.toLocaleString('en')} | ${b.ms.toFixed(0)} | ${b.p50.toFixed(1)} | ${b.p99.toFixed(1)} | ${b.max.toFixed(1)} |`,
    ),
    '',
    `Server hub: ${hub.delivered.toLocaleString('en')} delivered, ${hub.dropped} subscribers dropped.`,
    `Server memory per subscriber (after subscribing minus before, each read after GC once RSS settles): RSS ${((withSse.rss - beforeSse.rss) / subscriberCount / 1024).toFixed(1)} KiB, heap ${((withSse.heapUsed - beforeSse.heapUsed) / subscriberCount / 1024).toFixed(1)} KiB`,
    `(RSS ${mib(beforeSse.rss)} -> ${mib(withSse.rss)} MiB; heap ${mib(beforeSse.heapUsed)} -> ${mib(withSse.heapUsed)} MiB).`,
    '',
    `Soak: \`/api/v1/countries/KP\` at 50 connections for ${soakSeconds} s (${soakResult.requests.total.toLocaleString('en')} requests, ${soakResult.errors + soakResult.non2xx} errors, p99 ${soakResult.latency.p99} ms);`,
    `server RSS every 5 s, MiB: ${samples.map(mib).join(', ')}.`,
  );
  writeSection(RESULTS, 'server', lines.join('\n'), { heading: '# HTTP API benchmark\n' });
  process.stdout.write(lines.join('\n') + '\n');
  process.exit(0);
}

// ---- second start ------------------------------------------------------------------------------

/**
 * `--start-time DB [--runs N]`: times `cairn serve --db DB` (a store a first start made) from spawn
 * to the `serving on` line, to the first 200 of /api/v1/countries/KP (asked again after each 503) and to /api/v1/health
 * saying ready; one start first that is not counted (it leaves what a first start leaves in
 * CAIRN_HOME), then N counted ones, each stopped with SIGTERM.
 */
async function startTime(db, runs) {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { spawn } = await import('node:child_process');
  const home = mkdtempSync(join(tmpdir(), 'cairn-bench-home-'));
  const main = fileURLToPath(dist('cli/main.js'));
  const results = [];
  for (let run = 0; run <= runs; run++) {
    const t0 = performance.now();
    const child = spawn(process.execPath, [main, 'serve', '--port', '0', '--no-progress', '--db', db], {
      env: { ...process.env, CAIRN_HOME: home },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const url = await new Promise((resolve, reject) => {
      const limit = setTimeout(() => reject(new Error('not serving after 300 s')), 300_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /serving on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(limit);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const up = performance.now() - t0;
    // The CPU the process used until it listened (Linux: utime + stime from /proc, in 1/100 s):
    // what the start costs, whatever else the machine runs.
    const upCpu = await import('node:fs/promises')
      .then((fs) => fs.readFile(`/proc/${child.pid}/stat`, 'utf8'))
      .then((stat) => {
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      })
      .catch(() => null);
    // A start that listens before it is built answers 503 API_NOT_READY until then: asked again
    // every 50 ms (at most 5 minutes).
    let answer = await fetch(`${url}/api/v1/countries/KP`);
    let notReady = 0;
    for (let i = 0; i < 6000 && answer.status === 503; i++) {
      notReady++;
      await answer.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await fetch(`${url}/api/v1/countries/KP`);
    }
    const top = (await answer.json()).data?.upstreams?.[0]?.asn;
    const first = performance.now() - t0;
    let ready;
    for (let i = 0; i < 3000 && ready === undefined; i++) {
      const health = await fetch(`${url}/api/v1/health`).then((r) => (r.ok ? r.json() : undefined));
      if (health === undefined) break; // a build without /health
      if (health.data.ready) ready = performance.now() - t0;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    const row = {
      run,
      counted: run > 0,
      status: answer.status,
      notReady,
      top,
      upSeconds: +(up / 1000).toFixed(2),
      upCpuSeconds: upCpu,
      firstCountrySeconds: +(first / 1000).toFixed(2),
      readySeconds: ready === undefined ? null : +(ready / 1000).toFixed(2),
      load: +loadavg()[0].toFixed(1),
    };
    results.push(row);
    process.stdout.write(JSON.stringify(row) + '\n');
  }
}

const START_AT = process.argv.indexOf('--start-time');
if (process.argv.includes('--serve')) await serve();
else if (START_AT >= 0) await startTime(process.argv[START_AT + 1], option('runs', 2));
else await main();
