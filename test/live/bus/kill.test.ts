/**
 * The bus survives its workers and its store (issue 17 point 4): real MRT files of data/ are
 * published (three segments, many parts each), and the ingest worker (`cairn ingest --from
 * nats://...`, the built dist/cli/main.js in a child process) is killed with SIGKILL mid-stream
 * and started again, twice: once before any segment is committed, once after the first. Over
 * DuckDB the worker is the store's one writer, so its death is the store's too; over the 2-shard
 * ClickHouse cluster a shard is also stopped while the worker writes and started again. Each time
 * the store must give every answer a direct `ingest` of the same files gives (storeDigest, file
 * records included): nothing lost, nothing counted twice.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock, ingest, publishMrtFiles } from '../../../src/app/index.js';
import { ClickHouseStore, DuckDbStore, type CairnStore } from '../../../src/store/index.js';
import { storeDigest } from '../../store/digest.js';
import { ClickHouseCluster } from '../cluster/cluster.js';
import { waitFor } from '../harness.js';
import { BUS_COUNTRIES, BUS_FILES } from './files.js';
import { NatsServer } from './nats.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const OUTAGE_COUNTRIES = ['US', 'DE'];
const PART_BYTES = 8 * 1024;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bus-kill-'));
let nats: NatsServer | undefined;
let nc: NatsConnection | undefined;
let cluster: ClickHouseCluster | undefined;
let reference: unknown;

async function digestOf(store: CairnStore): Promise<unknown> {
  try {
    return await storeDigest(store, BUS_COUNTRIES);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  nats = await NatsServer.start();
  nc = await connect({ servers: nats.url.slice('nats://'.length) });
  cluster = await ClickHouseCluster.start(2);
  const db = path.join(dir, 'direct.duckdb');
  await ingest(
    { mrt: BUS_FILES, db, jobs: 1, outageCountries: OUTAGE_COUNTRIES },
    {},
    { clock: new VirtualClock(0) },
  );
  reference = await digestOf(await DuckDbStore.open(db));
}, 180_000);

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Worker {
  exited: Promise<number | null>;
  kill(): void;
  output(): string;
}

/** `cairn ingest --from URL` with `storeArgs`, until the bus is idle. */
function startWorker(url: string, storeArgs: string[]): Worker {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'ingest',
      '--from',
      url,
      ...storeArgs,
      '--until-idle',
      '--outage-country',
      ...OUTAGE_COUNTRIES,
      '--no-progress',
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { exited, kill: () => child.kill('SIGKILL'), output: () => output };
}

/** The durable consumer's positions: last delivered and acknowledged stream sequences. */
async function positions(stream: string): Promise<{ delivered: number; floor: number } | undefined> {
  const jsm = await nc!.jetstreamManager();
  const info = await jsm.consumers.info(stream, 'cairn-ingest').catch(() => undefined);
  return info && { delivered: info.delivered.stream_seq, floor: info.ack_floor.stream_seq };
}

/**
 * Publishes the files on `stream`, then runs the worker with two SIGKILLs: mid first segment
 * (delivered past a third of it, nothing acknowledged) and right after the first commit; calls
 * `disturbStore` once the third worker runs; returns when it has drained the bus.
 */
async function killTwiceAndDrain(
  stream: string,
  storeArgs: string[],
  disturbStore: () => Promise<void>,
): Promise<void> {
  const url = `${nats!.url}?stream=${stream}&subject=cairn.elements.${stream.toLowerCase()}`;
  const published = await publishMrtFiles({ bus: url, mrt: BUS_FILES, partBytes: PART_BYTES });
  const ends = published.files.map((_, i) =>
    published.files.slice(0, i + 1).reduce((sum, f) => sum + f.parts, 0),
  );
  const last = ends[ends.length - 1];
  expect(published.files[0].parts).toBeGreaterThan(30);

  const first = startWorker(url, storeArgs);
  const cut1 = await waitFor(
    `the first worker to be delivered a third of segment 1 (${ends[0]} parts)`,
    120_000,
    async () => {
      const p = await positions(stream);
      return p !== undefined && p.delivered >= ends[0] / 3 ? p : undefined;
    },
    first.output,
    5,
  );
  first.kill();
  await first.exited;
  expect(cut1.floor).toBe(0);

  const second = startWorker(url, storeArgs);
  const cut2 = await waitFor(
    'the second worker to commit segment 1',
    120_000,
    async () => {
      const p = await positions(stream);
      return p !== undefined && p.floor >= ends[0] ? p : undefined;
    },
    second.output,
    5,
  );
  second.kill();
  await second.exited;
  // Killed mid-stream: segments 2 and 3 were not all acknowledged.
  expect(cut2.floor).toBeLessThan(last);

  const third = startWorker(url, storeArgs);
  await waitFor(
    'the third worker to be delivered new messages',
    120_000,
    async () => ((await positions(stream))?.delivered ?? 0) > cut2.floor,
    third.output,
    5,
  );
  await disturbStore();
  const code = await third.exited;
  expect(code, third.output()).toBe(0);
  const result = JSON.parse(third.output().trim().split('\n').at(-1)!) as {
    replayed: number;
    ingested: number;
  };
  expect(result.replayed).toBeGreaterThanOrEqual(1);
  expect(result.replayed + result.ingested).toBe(BUS_FILES.length);
  expect((await positions(stream))?.floor).toBe(last);
}

describe('ingest workers killed mid-stream', () => {
  it('over DuckDB: the store holds what a direct ingest holds', async () => {
    const db = path.join(dir, 'bus.duckdb');
    await killTwiceAndDrain('KILLDUCK', ['--db', db], async () => undefined);
    expect(await digestOf(await DuckDbStore.open(db))).toEqual(reference);
  }, 300_000);

  it('over the cluster, a shard stopped and started while the worker writes', async () => {
    const url = cluster!.freshUrl('bus');
    await killTwiceAndDrain('KILLCLUSTER', ['--store', url], async () => {
      // The worker goes on reading while the shard is down; its writes wait and retry.
      await cluster!.stopShard(1);
      await cluster!.startShard(1);
    });
    expect(await digestOf(await ClickHouseStore.open(url))).toEqual(reference);
  }, 300_000);
});
