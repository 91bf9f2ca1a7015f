// The store contract over a 2-shard ClickHouse cluster on loopback that this file starts and
// stops, then what only the cluster store has: migration from schema version 1, its URL errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnError } from '../../../src/errors/index.js';
import {
  ClickHouseStore,
  CLUSTER_SCHEMA_VERSION,
  parseClusterUrl,
  type CairnStore,
} from '../../../src/store/index.js';
import { batch, point, storeSuite } from '../../store/suite.js';
import { ClickHouseCluster } from './cluster.js';

let cluster: ClickHouseCluster | undefined;
beforeAll(async () => {
  cluster = await ClickHouseCluster.start(2);
});
afterAll(async () => {
  await cluster?.stop();
});
const running = (): ClickHouseCluster => {
  if (cluster === undefined) throw new Error('the ClickHouse cluster did not start (see beforeAll)');
  return cluster;
};

storeSuite('ClickHouse, 2 shards', {
  create: () => ClickHouseStore.open(running().freshUrl('suite')),
  async reopen(store: CairnStore) {
    await store.close();
    return ClickHouseStore.open(store.location);
  },
});

describe('ClickHouse cluster store', () => {
  it('spreads rows over both shards', async () => {
    const store = await ClickHouseStore.open(running().freshUrl('spread'));
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `AS${i}`);
      await store.ingestFile(batch({ bins: [0], visibility: keys.map((k) => point('asn', k, 0, 1)) }));
      const perShard = await Promise.all(
        running().servers.map(async (s) => {
          const database = parseClusterUrl(store.location).database;
          const response = await fetch(`http://127.0.0.1:${s.httpPort}/`, {
            method: 'POST',
            body: `SELECT count() FROM ${database}.visibility_local`,
          });
          return Number((await response.text()).trim());
        }),
      );
      expect(perShard.reduce((a, b) => a + b, 0)).toBe(40);
      for (const n of perShard) expect(n).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('opens a store made by schema version 1 and migrates it, keeping its data', async () => {
    expect(CLUSTER_SCHEMA_VERSION).toBe(3);
    const url = running().freshUrl('migrate');
    const v1 = await ClickHouseStore.open(url, { schemaVersion: 1 });
    expect(v1.schemaVersion).toBe(1);
    const written = batch({ bins: [0, 300], visibility: [point('country', 'KP', 0, 4)] });
    expect(await v1.ingestFile(written)).toBe(true);
    await expect(v1.findEvidence('x')).rejects.toBeInstanceOf(CairnError);
    await v1.close();
    const current = await ClickHouseStore.open(url);
    try {
      expect(current.schemaVersion).toBe(CLUSTER_SCHEMA_VERSION);
      expect(await current.files()).toEqual([written.file]);
      expect((await current.visibilitySeries('country', 'KP', 0, 300)).map((p) => p.ipv4Slash24s)).toEqual([
        4, 4,
      ]);
      expect(await current.findEvidence('x')).toEqual([]);
    } finally {
      await current.close();
    }
  });

  it('rejects URLs it cannot use, naming what is wrong', async () => {
    for (const bad of [
      'clickhouse://127.0.0.1/db',
      'clickhouse://127.0.0.1:1/',
      'clickhouse://h:1/bad-name',
      'clickhouse://h:1/db?x=1',
    ])
      expect(() => parseClusterUrl(bad)).toThrow(
        expect.objectContaining({ code: 'STORE_URL_INVALID' }) as Error,
      );
    const one = running().servers[0];
    const error = await ClickHouseStore.open(`clickhouse://127.0.0.1:${one.httpPort}/partial`).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'STORE_CLUSTER_MISMATCH' });
    const unknown = await ClickHouseStore.open(`${running().url('x')}?cluster=nope`).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'STORE_CLUSTER_MISMATCH' });
  });
});
