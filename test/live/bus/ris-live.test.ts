/**
 * RIS Live publishing on the bus (`cairn watch --ris-live --publish nats://...`, issue 17 point 4),
 * end to end on loopback: the local RIS Live test server (a WebSocket on 127.0.0.1) sends the
 * messages RIS Live would have sent for a real RIPE RIS update file of data/ (generated from it by
 * test/fixtures/ris-live-generated.ts); the watch publishes every UPDATE and peer-down as BGP4MP_ET
 * records to a nats-server the test starts, a segment per 5 minutes of the (virtual) clock, which
 * follows the data's time. An ingest worker (`busIngest`) drains the stream into DuckDB.
 *
 * Exactly once, checked three ways: the elements on the bus, read back segment by segment, are
 * those RIS Live sent, in order, each once; the store counts as many elements as were sent, in as
 * many segments as the bus holds; and the store answers everything a direct `ingest` of the
 * segments' bytes answers (storeDigest, file identity left out).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock, busIngest, ingest, watchRisLive, type WatchRuntime } from '../../../src/app/index.js';
import { BusConsumer } from '../../../src/feeds/index.js';
import { readElements, type MrtElement } from '../../../src/mrt/index.js';
import { DuckDbStore, type CairnStore } from '../../../src/store/index.js';
import { risMessagesFromMrt } from '../../fixtures/ris-live-generated.js';
import { RisLiveTestServer, waitFor } from '../../fixtures/ris-live-server.js';
import { storeDigest } from '../../store/digest.js';
import { NatsServer } from './nats.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** A real RIPE RIS update file (rrc00, 2010-07-22 20:15, 15 minutes). */
const FILE = path.join(ROOT, 'data/mrt/ripe-bgpdump/updates.20100722.2015.gz');
const COUNTRIES = ['US', 'DE', 'JP'];
const SEGMENT_SECONDS = 300;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bus-ris-'));
let nats: NatsServer | undefined;
let server: RisLiveTestServer | undefined;
let watch: WatchRuntime | undefined;

beforeAll(async () => {
  nats = await NatsServer.start();
  server = await RisLiveTestServer.start();
}, 60_000);

afterAll(async () => {
  await watch?.stop().catch(() => undefined);
  await server?.close();
  await nats?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The fields an element keeps through RIS Live and the bus. */
function comparable(e: MrtElement): Record<string, unknown> {
  return {
    type: e.type,
    timestamp: e.timestamp,
    peerAddress: e.peerAddress,
    peerAsn: e.peerAsn,
    prefix: e.prefix,
    asPath: e.asPath,
    origin: e.origin,
    communities: e.communities,
    nextHop: e.nextHop,
    med: e.med,
    aggregator: e.aggregator,
    // RIS Live says only that a session went down: the watch records Established -> Idle.
    oldState: e.type === 'STATE' ? e.oldState : undefined,
    newState: e.type === 'STATE' ? 1 : undefined,
  };
}

async function digestOf(store: CairnStore): Promise<unknown> {
  try {
    return await storeDigest(store, COUNTRIES);
  } finally {
    await store.close();
  }
}

/** The digest with each file's identity (hash, path, size) left out. */
function withoutFileIdentity(digest: unknown): unknown {
  const d = digest as { files: Array<Record<string, unknown>> };
  return { ...d, files: d.files.map(({ hash: _h, path: _p, size: _s, ...rest }) => rest) };
}

describe('RIS Live publishing on the bus', () => {
  it('a worker stores every element RIS Live sent, once', async () => {
    const generated = await risMessagesFromMrt(FILE, 'rrc00');
    // Only what RIS Live cannot say is left out: state changes that do not touch Established.
    expect(Object.keys(generated.skipped)).toEqual(['state change not into or out of Established']);
    const times = generated.messages.map((m) => m.data.timestamp as number);
    const clock = new VirtualClock(times[0] * 1000);
    const url = `${nats!.url}?stream=RISBUS&subject=cairn.elements.ris-live`;
    const problems: string[] = [];
    watch = await watchRisLive(
      {
        url: server!.url,
        selection: { country: 'US' },
        hosts: ['rrc00'],
        clock,
        publish: url,
        publishSegmentSeconds: SEGMENT_SECONDS,
        // The clock jumps minutes at once: no keepalive may expire on the way.
        client: { random: () => 0, pingIntervalMs: 3_600_000 },
      },
      () => undefined,
      { onProblem: (p) => problems.push(p.describe()) },
    );
    const w = watch;
    await waitFor('the subscriptions', () => server!.subscriptionsOf(0).length === 2);
    // Sent a period at a time; the clock moves to each period's start before it, so the watch
    // ends a segment there.
    let sent = 0;
    while (sent < generated.messages.length) {
      const period = Math.floor(times[sent] / SEGMENT_SECONDS);
      let end = sent;
      while (end < times.length && Math.floor(times[end] / SEGMENT_SECONDS) === period) end++;
      clock.advanceTo(Math.max(clock.now(), period * SEGMENT_SECONDS * 1000));
      await server!.send(generated.messages.slice(sent, end));
      sent = end;
      await waitFor(`${sent} messages handled`, () => w.handled === sent, 60_000);
    }
    await watch.stop();
    watch = undefined;
    expect(problems).toEqual([]);

    // The worker drains the stream.
    const db = path.join(dir, 'bus.duckdb');
    const result = await busIngest(
      { bus: url, db, untilIdle: true, outageCountries: COUNTRIES },
      {},
      { clock: new VirtualClock(0) },
    );

    // What the bus holds, read back by a reader of its own: each segment's bytes, in order.
    const consumer = await BusConsumer.open(url, { durable: 'test-reader' });
    const segments: Array<{ key: string; parts: Buffer[]; ended: boolean }> = [];
    try {
      for await (const message of consumer.messages({ untilIdle: true })) {
        let segment = segments.at(-1);
        if (segment === undefined || segment.key !== message.segment || segment.ended) {
          expect(segments.some((s) => s.key === message.segment)).toBe(false);
          segment = { key: message.segment, parts: [], ended: false };
          segments.push(segment);
        }
        expect(message.part).toBe(segment.parts.length);
        segment.parts.push(Buffer.from(message.data));
        segment.ended = message.end !== undefined;
        await message.ack();
      }
    } finally {
      await consumer.close();
    }
    expect(segments.every((s) => s.ended)).toBe(true);
    // Three periods of the data and the watch's last records: more than one segment.
    expect(segments.length).toBeGreaterThan(1);
    const files = segments.map((s, i) => {
      const file = path.join(dir, `segment-${String(i).padStart(3, '0')}.mrt`);
      fs.writeFileSync(file, Buffer.concat(s.parts));
      return file;
    });

    // The elements on the bus are those RIS Live sent (a session's coming up is not an element
    // RIS Live carries into MRT: only its going down is).
    const onBus: MrtElement[] = [];
    for (const file of files) for await (const e of readElements(file, { strict: true })) onBus.push(e);
    const expected = generated.elements.filter((e) => e.type !== 'STATE' || e.newState !== 6);
    expect(onBus.length).toBe(expected.length);
    for (let i = 0; i < onBus.length; i++) {
      const got = comparable(onBus[i]);
      const want = comparable(expected[i]);
      if (JSON.stringify(got) !== JSON.stringify(want)) expect({ i, got }).toEqual({ i, got: want });
    }
    expect(onBus.some((e) => e.type === 'W') && onBus.some((e) => e.type === 'A')).toBe(true);

    // The store holds each once: segments, element counts and every answer.
    expect(result.ingested).toBe(segments.length);
    expect(result.elementsWritten).toBe(expected.length);
    const stored = await DuckDbStore.open(db);
    const storedFiles = await stored.files('mrt');
    expect(storedFiles.map((f) => f.hash).sort()).toEqual(segments.map((s) => s.key).sort());
    expect(storedFiles.reduce((n, f) => n + f.records, 0)).toBe(expected.length);
    const got = await digestOf(stored);
    const direct = path.join(dir, 'direct.duckdb');
    await ingest(
      { mrt: files, db: direct, jobs: 1, outageCountries: COUNTRIES },
      {},
      { clock: new VirtualClock(0) },
    );
    const want = await digestOf(await DuckDbStore.open(direct));
    expect(withoutFileIdentity(got)).toEqual(withoutFileIdentity(want));
  }, 300_000);
});
