/**
 * `cairn serve --store clickhouse://...` (issue 17 point 5): the built CLI serves the 2-shard
 * cluster and, beside it, a DuckDB file (`serve --db`); each ingests the bundled data on its first
 * start (RIS table of October 2015, APNIC's delegated file, the evidence corpus: real). The main
 * API answers (country, AS, address, prefix, outages, history, cases, evidence and attribution)
 * must be equal field by field, the query timings (`meta.queryMs`) and the ingest times of the
 * store's file list, and the bytes each engine takes on disk aside.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_SCHEMA_VERSION, SCHEMA_VERSION } from '../../../src/store/index.js';
import { ClickHouseCluster } from './cluster.js';
import { waitFor } from '../harness.js';
import { CLI, startServe, stopServes, type Served } from './served.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-serve-cluster-'));
let cluster: ClickHouseCluster | undefined;
const servers: Served[] = [];

const serve = (storeArgs: string[], name: string): Promise<Served> =>
  startServe(dir, storeArgs, name, 400_000, servers);

beforeAll(async () => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  cluster = await ClickHouseCluster.start(2);
  await Promise.all([
    serve(['--db', path.join(dir, 'store.duckdb')], 'duckdb'),
    serve(['--store', cluster.freshUrl('serve')], 'cluster'),
  ]);
}, 900_000);

afterAll(async () => {
  await stopServes(servers);
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The answer without what differs by nature: query timings, ingest times, the store's location and
 * size, and its schema version (each engine numbers its own migrations; checked apart below).
 */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value))
    if (!['queryMs', 'ingestedAt', 'db', 'location', 'storeBytes', 'schemaVersion'].includes(key))
      out[key] = comparable(v);
  return out;
}

/** GET `route` from both servers once both answer it (services load after the server starts). */
async function both(route: string): Promise<{ duck: unknown; click: unknown; status: number }> {
  const answers = await Promise.all(
    servers.map((s) =>
      waitFor(
        `${s.url}${route} to answer (not 503 while loading)`,
        300_000,
        async () => {
          const response = await fetch(`${s.url}/api/v1${route}`);
          return response.status === 503
            ? undefined
            : { status: response.status, body: (await response.json()) as unknown };
        },
        s.output,
        200,
      ),
    ),
  );
  expect(answers[1].status, route).toBe(answers[0].status);
  return { duck: comparable(answers[0].body), click: comparable(answers[1].body), status: answers[0].status };
}

describe('cairn serve over the cluster and over DuckDB', () => {
  it('gives the same answers on the main routes', async () => {
    const routes = [
      '/countries/KP',
      '/countries/KP/changes',
      '/countries/KP/dependency/history',
      '/countries/KP/incidents',
      '/countries/CN',
      '/asns/4837',
      '/asns/131279',
      '/ips/175.45.178.1',
      '/ips/8.8.8.8',
      '/ips/2001:db8::1',
      '/prefixes/175.45.176.0%2F24',
      '/outages',
      '/history/outages',
      '/ingest/status',
      '/intel/cases',
    ];
    for (const route of routes) {
      const { duck, click, status } = await both(route);
      expect(status, route).toBe(200);
      expect(click, route).toEqual(duck);
    }
    // Each store reports its own engine's latest migration.
    const versions = await Promise.all(
      servers.map(async (s) => {
        const body = (await (await fetch(`${s.url}/api/v1/ingest/status`)).json()) as {
          data: { schemaVersion: number };
        };
        return body.data.schemaVersion;
      }),
    );
    expect(versions).toEqual([SCHEMA_VERSION, CLUSTER_SCHEMA_VERSION]);
    const cases = (await both('/intel/cases')).duck as { data: { cases: Array<{ id: string }> } };
    const items = cases.data.cases;
    expect(items.length).toBeGreaterThan(0);
    for (const { id } of items.slice(0, 5)) {
      for (const route of [
        `/intel/cases/${encodeURIComponent(id)}`,
        `/intel/cases/${encodeURIComponent(id)}/attribution`,
      ]) {
        const { duck, click, status } = await both(route);
        expect(status, route).toBe(200);
        expect(click, route).toEqual(duck);
      }
    }
  }, 900_000);
});
