/**
 * Bulk ingest into the 2-shard cluster from the decoder (app ingest of the SYNTHETIC December
 * 2014 replay: real routes, synthetic peers and timeline, in daily files), in small batches so
 * that a file takes many inserts, under three disturbances: a shard stopped mid-ingest and
 * started again, the node the store talks to stopped and started again, and acknowledgements lost
 * after the cluster took a batch (so the batch is sent twice). Reference: every answer of a DuckDB
 * store filled with the same files without disturbance (storeDigest); nothing lost, nothing
 * counted twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock, ingest } from '../../../src/app/index.js';
import { ClickHouseStore, DuckDbStore, type ClickHouseStoreOptions } from '../../../src/store/index.js';
import { storeDigest } from '../../store/digest.js';
import { writeSyntheticFiles } from '../../store/synthetic-files.js';
import { ClickHouseCluster } from './cluster.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-cluster-ingest-'));
const COUNTRIES = ['KP', 'CN', 'US'];
const input = (files: string[]) => ({ mrt: files, outageCountries: ['KP', 'CN'] });
let cluster: ClickHouseCluster | undefined;
let files: string[] = [];
let reference: unknown;

beforeAll(async () => {
  cluster = await ClickHouseCluster.start(2);
  files = await writeSyntheticFiles(path.join(dir, 'mrt'));
  const db = path.join(dir, 'reference.duckdb');
  await ingest({ ...input(files), db }, {}, { clock: new VirtualClock(0) });
  const duck = await DuckDbStore.open(db);
  try {
    reference = await storeDigest(duck, COUNTRIES);
  } finally {
    await duck.close();
  }
});

afterAll(async () => {
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const running = (): ClickHouseCluster => {
  if (cluster === undefined) throw new Error('the ClickHouse cluster did not start (see beforeAll)');
  return cluster;
};

/** Ingests the files into a fresh cluster database with `options`; returns its digest. */
async function ingestIntoCluster(options: ClickHouseStoreOptions): Promise<unknown> {
  const store = await ClickHouseStore.open(running().freshUrl('ingest'), { batchRows: 400, ...options });
  try {
    const result = await ingest(input(files), {}, { clock: new VirtualClock(0), store });
    expect(result.ingested).toBe(files.length);
    return await storeDigest(store, COUNTRIES);
  } finally {
    await store.close();
  }
}

describe('bulk ingest into the cluster', () => {
  for (const [label, shard] of [
    ['a shard the store does not talk to', 1],
    ['the node the store talks to', 0],
  ] as const)
    it(`loses nothing when ${label} is stopped mid-ingest and started again`, async () => {
      let inserts = 0;
      let stopped = false;
      let restarted = false;
      const failures: string[] = [];
      const digest = await ingestIntoCluster({
        retryForMs: 120_000,
        async onInsert() {
          if (++inserts === 25 && !stopped) {
            stopped = true;
            await running().stopShard(shard);
          }
        },
        async onRetry(event) {
          failures.push(`${event.table} via ${event.node}: ${event.error}`);
          if (stopped && !restarted) {
            restarted = true;
            await running().startShard(shard);
          }
        },
      });
      expect(stopped, 'the shard was stopped').toBe(true);
      expect(restarted, `a send failed while the shard was down and it was started again`).toBe(true);
      expect(failures.length).toBeGreaterThan(0);
      expect(digest).toEqual(reference);
    });

  it('counts a batch once when its acknowledgement is lost and it is sent again', async () => {
    let inserts = 0;
    let resent = 0;
    const digest = await ingestIntoCluster({
      onInsert(event) {
        // Every third batch: the cluster has it, but the writer is told the connection broke.
        if (event.attempt === 1 && ++inserts % 3 === 0) {
          resent++;
          throw new Error('ECONNRESET: acknowledgement lost (simulated by the test after the insert)');
        }
      },
    });
    expect(resent).toBeGreaterThan(10);
    expect(digest).toEqual(reference);
  });
});
