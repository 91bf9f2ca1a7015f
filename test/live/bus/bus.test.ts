/**
 * The element bus (issue 17 point 4) on loopback: Debian's nats-server with JetStream, real MRT
 * files of data/ published as elements (`publishMrtFiles`, one segment per file), ingest workers
 * reading them into the store. Reference: every answer of a DuckDB store filled by a direct
 * `ingest` of the same files (storeDigest, file records included), so nothing lost and nothing
 * counted twice shows as a difference.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock, busIngest, ingest, publishMrtFiles } from '../../../src/app/index.js';
import { DuckDbStore } from '../../../src/store/index.js';
import { storeDigest } from '../../store/digest.js';
import { BUS_COUNTRIES, BUS_FILES } from './files.js';
import { NatsServer } from './nats.js';

const INPUT = { outageCountries: ['US', 'DE'] };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bus-'));
let nats: NatsServer | undefined;
let reference: unknown;

async function digestOf(db: string): Promise<unknown> {
  const store = await DuckDbStore.open(db);
  try {
    return await storeDigest(store, BUS_COUNTRIES);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  nats = await NatsServer.start();
  const db = path.join(dir, 'direct.duckdb');
  await ingest({ mrt: BUS_FILES, db, jobs: 1, ...INPUT }, {}, { clock: new VirtualClock(0) });
  reference = await digestOf(db);
}, 120_000);

afterAll(async () => {
  await nats?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const bus = (stream: string): string => {
  if (nats === undefined) throw new Error('nats-server did not start (see beforeAll)');
  return `${nats.url}?stream=${stream}&subject=cairn.elements.${stream.toLowerCase()}`;
};

describe('the element bus', () => {
  it('a worker fed through the bus holds what a direct ingest holds; a second publish adds nothing', async () => {
    const url = bus('INPROCESS');
    const published = await publishMrtFiles({ bus: url, mrt: BUS_FILES });
    expect(published.files.map((f) => f.path)).toEqual(BUS_FILES);
    expect(published.duplicates).toBe(0);
    const again = await publishMrtFiles({ bus: url, mrt: BUS_FILES });
    expect(again.duplicates).toBe(again.messages);
    const db = path.join(dir, 'inprocess.duckdb');
    const result = await busIngest(
      { bus: url, db, untilIdle: true, ...INPUT },
      {},
      { clock: new VirtualClock(0) },
    );
    expect(result.ingested).toBe(BUS_FILES.length);
    expect(await digestOf(db)).toEqual(reference);
    // A second worker run finds everything acknowledged: it replays for state and writes nothing.
    const rerun = await busIngest(
      { bus: url, db, untilIdle: true, ...INPUT },
      {},
      { clock: new VirtualClock(0) },
    );
    expect(rerun.replayed).toBe(BUS_FILES.length);
    expect(rerun.ingested).toBe(0);
    expect(await digestOf(db)).toEqual(reference);
  }, 120_000);
});
