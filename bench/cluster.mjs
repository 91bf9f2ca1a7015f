#!/usr/bin/env node
// Cluster benchmark (issue 17): the ClickHouse cluster store against DuckDB in the same run, on
// the same input. It starts its own clickhouse-server processes on 127.0.0.1 (free ports, config
// in a temp folder, killed on exit): two shards of cluster `cairn`, and the first of them alone
// as cluster `single`. Measured:
//  1. app ingest (decode + HistoryRecorder + store) of the MRT files into DuckDB, 1 shard, 2 shards;
//  2. the store's own write rate: the FileBatches of that ingest (recorded once) written again
//     into a fresh store of each kind (rows/s and the input's elements/s);
//  3. the insert formats: the visibility rows into a scratch MergeTree table as RowBinary and as
//     JSONEachRow over HTTP, and how many doubles JSONEachRow stored off by one ulp;
//  4. query latencies of the main views (median of --queries runs, warm);
//  5. bytes on disk per element (ClickHouse active parts, compressed; DuckDB file after checkpoint);
//  6. ingest through the element bus (its own nats-server with JetStream on 127.0.0.1): the files
//     published (`cairn publish`), then one worker (`cairn ingest --from nats://`) draining them
//     into DuckDB and into 2 shards, against the direct app ingest of step 1.
// Build first (npm run bench does). Run: npm run bench -- cluster [--queries N] [FILE ...]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const HOST = '127.0.0.1';

const args = process.argv.slice(2);
let queries = 15;
// Only the insert formats (the batches still come from an ingest into DuckDB).
let formatsOnly = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--queries') queries = Number(args[++i]);
  else if (args[i] === '--formats-only') formatsOnly = true;
  else files.push(path.resolve(args[i]));
}
if (files.length === 0) files.push(`${root}data/mrt/ripe-bgpdump/updates.et-header.2015.gz`);

const binary = spawnSync('sh', ['-c', 'PATH="$PATH:/usr/sbin" command -v clickhouse-server'], {
  encoding: 'utf8',
}).stdout.trim();
if (binary === '') {
  process.stderr.write('bench cluster needs clickhouse-server: apt-get install -y clickhouse-server\n');
  process.exit(1);
}

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bench-cluster-'));
const children = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(temp, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function startServers(count) {
  const servers = [];
  for (let i = 0; i < count; i++)
    servers.push({ http: await freePort(), tcp: await freePort(), dir: path.join(temp, `s${i + 1}`) });
  const shard = (s) => `<shard><replica><host>${HOST}</host><port>${s.tcp}</port></replica></shard>`;
  for (const s of servers) {
    fs.mkdirSync(s.dir, { recursive: true });
    fs.writeFileSync(
      path.join(s.dir, 'users.xml'),
      `<?xml version="1.0"?><yandex><profiles><default/></profiles><users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users><quotas><default/></quotas></yandex>`,
    );
    fs.writeFileSync(
      path.join(s.dir, 'config.xml'),
      `<?xml version="1.0"?><yandex><logger><level>warning</level><console>1</console></logger>
<http_port>${s.http}</http_port><tcp_port>${s.tcp}</tcp_port><listen_host>${HOST}</listen_host>
<path>${s.dir}/data/</path><tmp_path>${s.dir}/tmp/</tmp_path><user_files_path>${s.dir}/uf/</user_files_path>
<mark_cache_size>268435456</mark_cache_size><users_config>${s.dir}/users.xml</users_config>
<default_profile>default</default_profile><default_database>default</default_database>
<remote_servers><cairn>${servers.map(shard).join('')}</cairn><single>${shard(servers[0])}</single></remote_servers></yandex>`,
    );
    const child = spawn(binary, [`--config-file=${s.dir}/config.xml`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.resume();
    children.push(child);
  }
  for (const s of servers) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`http://${HOST}:${s.http}/ping`)).ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline)
        throw new Error(`clickhouse-server on port ${s.http} did not answer /ping in 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return servers;
}

const sql = async (port, query, body) => {
  const url = `http://${HOST}:${port}/?query=${encodeURIComponent(query)}`;
  const response = await fetch(url, { method: 'POST', body: body ?? '' });
  const text = await response.text();
  if (!response.ok) throw new Error(`${query.slice(0, 80)}: ${text}`);
  return text;
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (n, ms) => Math.round((n / ms) * 1000).toLocaleString('en-US');

const { ingest, VirtualClock } = await import(dist('app/index.js'));
const { DuckDbStore, ClickHouseStore } = await import(dist('store/index.js'));

const servers = await startServers(2);
const nodes = servers.map((s) => `${HOST}:${s.http}`);
const urls = {
  '1 shard': (db) => `clickhouse://${nodes[0]}/${db}?cluster=single`,
  '2 shards': (db) => `clickhouse://${nodes.join(',')}/${db}`,
};
let dbCount = 0;
const kinds = {
  DuckDB: () => DuckDbStore.open(path.join(temp, `duck${++dbCount}.duckdb`)),
  '1 shard': () => ClickHouseStore.open(urls['1 shard'](`b${++dbCount}`)),
  '2 shards': () => ClickHouseStore.open(urls['2 shards'](`b${++dbCount}`)),
};

// ---- 1. app ingest, and the batches it writes (recorded from the DuckDB run) ---------------------
const batches = [];
const results = {};
for (const [kind, open] of Object.entries(kinds)) {
  if (formatsOnly && kind !== 'DuckDB') continue;
  const inner = await open();
  const store =
    kind === 'DuckDB'
      ? new Proxy(inner, {
          get(target, prop) {
            if (prop === 'ingestFile')
              return (batch) => {
                batches.push(batch);
                return target.ingestFile(batch);
              };
            const value = Reflect.get(target, prop);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        })
      : inner;
  const start = performance.now();
  const out = await ingest(
    { mrt: files, outageCountries: ['KP'] },
    {},
    { clock: new VirtualClock(0), store },
  );
  const ms = performance.now() - start;
  results[kind] = { ingestMs: ms, elements: out.elements };
  await inner.close();
}
const elements = results.DuckDB.elements;
const rowsOf = (b) =>
  1 +
  new Set(b.bins).size +
  b.visibility.length +
  b.dependency.reduce((n, s) => n + 1 + s.dependency.length + s.upstreams.length, 0) +
  b.changes.length +
  b.outages.reduce((n, o) => n + 1 + o.phases.length, 0) +
  b.resets.length;
const rows = batches.reduce((n, b) => n + rowsOf(b), 0);

// ---- 6. through the bus: publish, then one worker drains it into each store -----------------------
const natsBinary = spawnSync('sh', ['-c', 'PATH="$PATH:/usr/sbin" command -v nats-server'], {
  encoding: 'utf8',
}).stdout.trim();
const busResults = {};
if (!formatsOnly && natsBinary !== '') {
  const { publishMrtFiles, busIngest } = await import(dist('app/index.js'));
  const natsPort = await freePort();
  const nats = spawn(
    natsBinary,
    ['-js', '-sd', path.join(temp, 'nats'), '-a', HOST, '-p', String(natsPort)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  nats.stderr.resume();
  children.push(nats);
  for (const deadline = Date.now() + 30_000; ;) {
    const up = await new Promise((resolve) => {
      const socket = net.connect(natsPort, HOST);
      socket.once('data', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error('nats-server did not start in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const kind of ['DuckDB', '2 shards']) {
    const stream = kind === 'DuckDB' ? 'duck' : 'shards';
    const bus = `nats://${HOST}:${natsPort}?stream=B_${stream}&subject=cairn.elements.${stream}`;
    let start = performance.now();
    const published = await publishMrtFiles({ bus, mrt: files });
    const publishMs = performance.now() - start;
    const store = await kinds[kind]();
    start = performance.now();
    let problems = 0;
    let firstProblem = '';
    const drained = await busIngest(
      { bus, untilIdle: true, outageCountries: ['KP'] },
      {
        onProblem: (e) => {
          problems++;
          firstProblem ||= e.message;
        },
      },
      { clock: new VirtualClock(0), store },
    );
    const workerMs = performance.now() - start;
    await store.close();
    if (drained.elements !== elements)
      process.stderr.write(
        `bench cluster: the bus worker (${kind}) decoded ${drained.elements} elements, not ${elements}; ` +
          `${problems} problems (${firstProblem}); segments ${JSON.stringify(drained.segments)}; ` +
          `redelivered ${drained.redelivered}\n`,
      );
    busResults[kind] = {
      publishMs,
      workerMs,
      messages: published.messages,
      bytes: published.bytes,
      decoded: drained.elements,
    };
  }
  nats.kill('SIGTERM');
}

// ---- 2. the store's write rate, 5. bytes per element, 4. query latencies ------------------------
const range = { first: 0, last: 0 };
for (const [kind, open] of formatsOnly ? [] : Object.entries(kinds)) {
  const store = await open();
  const start = performance.now();
  for (const b of batches) await store.ingestFile({ ...b, file: { ...b.file } });
  results[kind].writeMs = performance.now() - start;
  results[kind].bytes = await store.sizeOnDisk();
  const r = await store.timeRange();
  range.first = r.first;
  range.last = r.last;
  const views = {
    'country series (KP, all bins)': () => store.visibilitySeries('country', 'KP', 0, 1e12),
    'AS series (AS4837)': () => store.visibilitySeries('asn', '4837', 0, 1e12),
    'dependency at a time (KP)': () => store.dependencyAt('KP', 1e12),
    'outage list': () => store.outages(),
    'changes of an AS (AS4837)': () => store.prefixChanges({ asn: 4837 }),
    counts: () => store.counts(),
  };
  results[kind].queries = {};
  for (const [name, ask] of Object.entries(views)) {
    await ask();
    const times = [];
    for (let i = 0; i < queries; i++) {
      const t = performance.now();
      await ask();
      times.push(performance.now() - t);
    }
    results[kind].queries[name] = median(times);
  }
  await store.close();
}

// ---- report ------------------------------------------------------------------------------------------
const out = [];
out.push(
  `input: ${files.map((f) => path.relative(root, f)).join(', ')}: ${elements.toLocaleString('en-US')} elements, ${batches.length} files, ${rows.toLocaleString('en-US')} store rows`,
);
out.push(
  `machine: ${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
if (!formatsOnly) {
  out.push('');
  out.push(
    '| store | app ingest | elements/s | store writes only | rows/s | elements/s (writes) | bytes on disk | bytes / element |',
  );
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [kind, r] of Object.entries(results))
    out.push(
      `| ${kind} | ${Math.round(r.ingestMs).toLocaleString('en-US')} ms | ${rate(elements, r.ingestMs)} | ${Math.round(r.writeMs).toLocaleString('en-US')} ms | ${rate(rows, r.writeMs)} | ${rate(elements, r.writeMs)} | ${r.bytes.toLocaleString('en-US')} | ${(r.bytes / elements).toFixed(1)} |`,
    );
  out.push('');
  out.push(`| query (median of ${queries}, warm) | ${Object.keys(results).join(' | ')} |`);
  out.push(
    `|---|${Object.keys(results)
      .map(() => '---:')
      .join('|')}|`,
  );
  for (const name of Object.keys(results.DuckDB.queries))
    out.push(
      `| ${name} | ${Object.values(results)
        .map((r) => `${r.queries[name].toFixed(1)} ms`)
        .join(' | ')} |`,
    );
}
if (Object.keys(busResults).length > 0) {
  out.push('');
  out.push(
    '| through the bus (1 worker) | publish | publish elements/s | worker (drain) | worker elements/s | direct app ingest elements/s | messages | bytes on the bus | elements the worker decoded |',
  );
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [kind, b] of Object.entries(busResults))
    out.push(
      `| ${kind} | ${Math.round(b.publishMs).toLocaleString('en-US')} ms | ${rate(elements, b.publishMs)} | ${Math.round(b.workerMs).toLocaleString('en-US')} ms | ${rate(elements, b.workerMs)} | ${rate(elements, results[kind].ingestMs)} | ${b.messages.toLocaleString('en-US')} | ${b.bytes.toLocaleString('en-US')} | ${b.decoded.toLocaleString('en-US')} |`,
    );
}
process.stdout.write(out.join('\n') + '\n');
out.length = 0;

// ---- 3. RowBinary vs JSONEachRow -------------------------------------------------------------------
const points = batches.flatMap((b) => b.visibility);
const port = servers[0].http;
await sql(port, 'CREATE DATABASE IF NOT EXISTS fmt');
const formats = {};
const client = createClient({ url: `http://${HOST}:${port}`, request_timeout: 120_000 });
const rowEnds = [];
const PIECE = 8 << 20;
function* pieces(body, format) {
  if (format === 'JSONEachRow') {
    let at = 0;
    while (at < body.length) {
      let end = Math.min(body.length, at + PIECE);
      if (end < body.length) end = body.indexOf('\n', end) + 1 || body.length;
      yield body.slice(at, end);
      at = end;
    }
  } else {
    let at = 0;
    for (let i = 0; i < rowEnds.length; i++)
      if (rowEnds[i] - at >= PIECE || i === rowEnds.length - 1) {
        yield body.subarray(at, rowEnds[i]);
        at = rowEnds[i];
      }
  }
}
for (const format of ['RowBinary', 'JSONEachRow']) {
  const table = `fmt.v_${format}`;
  await sql(
    port,
    `CREATE TABLE ${table} (scope String, key String, bin_start Float64, ipv4 Float64, ipv6 Float64, prefixes Int32, peers Int32, row UInt32) ENGINE = MergeTree ORDER BY (scope, key, bin_start, row)`,
  );
  const encodeStart = performance.now();
  let body;
  if (format === 'JSONEachRow') {
    body = points
      .map((p, i) =>
        JSON.stringify({
          scope: p.scope,
          key: p.key,
          bin_start: p.binStart,
          ipv4: p.ipv4Slash24s,
          ipv6: p.ipv6Slash48s,
          prefixes: p.prefixes,
          peers: p.peers,
          row: i,
        }),
      )
      .join('\n');
  } else {
    // The store's own encoder, on the columns of the scratch table.
    const { RowBinaryWriter, encodeRow } = await import(dist('store/clickhouse/rowbinary.js'));
    const columns = [
      ['scope', 'String'],
      ['key', 'String'],
      ['bin_start', 'Float64'],
      ['ipv4', 'Float64'],
      ['ipv6', 'Float64'],
      ['prefixes', 'Int32'],
      ['peers', 'Int32'],
      ['row', 'UInt32'],
    ].map(([name, type]) => ({ name, type }));
    const w = new RowBinaryWriter();
    rowEnds.length = 0;
    for (const [i, p] of points.entries()) {
      encodeRow(w, columns, [
        p.scope,
        p.key,
        p.binStart,
        p.ipv4Slash24s,
        p.ipv6Slash48s,
        p.prefixes,
        p.peers,
        i,
      ]);
      rowEnds.push(w.length);
    }
    body = w.finish();
  }
  const encodeMs = performance.now() - encodeStart;
  // Sent in pieces of about 8 MiB cut at row boundaries, as the store's batches are.
  const start = performance.now();
  for (const piece of pieces(body, format)) {
    const result = await client.exec({
      query: `INSERT INTO ${table} FORMAT ${format}`,
      values: Readable.from([piece]),
    });
    result.stream.resume();
    await new Promise((resolve, reject) => result.stream.once('end', resolve).once('error', reject));
  }
  formats[format] = { encodeMs, sendMs: performance.now() - start, bytes: body.length };
  const back = await (
    await client.query({ query: `SELECT row, ipv4, ipv6 FROM ${table} ORDER BY row`, format: 'JSONEachRow' })
  ).json();
  formats[format].offByUlp = back.filter(
    (r) => r.ipv4 !== points[Number(r.row)].ipv4Slash24s || r.ipv6 !== points[Number(r.row)].ipv6Slash48s,
  ).length;
}

out.push('');
out.push(
  `| insert format (${points.length.toLocaleString('en-US')} visibility rows in ~8 MiB inserts, 1 node) | encode | send + insert | rows/s (send) | body bytes | doubles stored off by one ulp |`,
);
out.push('|---|---:|---:|---:|---:|---:|');
for (const [format, f] of Object.entries(formats))
  out.push(
    `| ${format} | ${Math.round(f.encodeMs)} ms | ${Math.round(f.sendMs)} ms | ${rate(points.length, f.sendMs)} | ${f.bytes.toLocaleString('en-US')} | ${f.offByUlp} |`,
  );
process.stdout.write(out.join('\n') + '\n');
process.exit(0);
