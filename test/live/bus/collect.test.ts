/**
 * The passive collector publishing on the bus (`cairn collect --publish nats://...`, issue 17
 * point 4), end to end on loopback: two in-process BGP speakers (BgpTestSpeaker) send the collector
 * real routes (the KP /24s, AS4837 customers and 3000 other prefixes with their real paths, from
 * data/), then one update in every rotation period (a background route announced again) for more
 * than the outage detector's hour of history, then withdraw the KP /24s, keep the feed going and
 * announce them again; the collector archives every record to its MRT files and publishes it to a
 * nats-server the test starts. The ingest worker (`cairn ingest --from nats://...`, the built
 * CLI) is killed with SIGKILL twice while the collector runs (holding parts of a segment not yet
 * ended, then right after a commit) and drains the stream into DuckDB the third time.
 *
 * Exactly once, checked three ways: the collector's MRT files hold exactly what the speakers sent;
 * the store counts as many elements as those files hold, in as many segments as files; and the
 * store answers everything a direct `ingest` of those files answers (storeDigest, file identity
 * left out: a live segment is keyed by its source and start, a file by its content), the KP
 * outage among them, found in both.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARCHIVE_GAP_SECONDS,
  OUTAGE_DEFAULTS,
  VirtualClock,
  ingest,
  startCollect,
  type CollectRuntime,
} from '../../../src/app/index.js';
import { BgpTestSpeaker, parseCollectorConfig } from '../../../src/bgp/collector/index.js';
import type { BgpMessage, UpdateSpec } from '../../../src/bgp/index.js';
import { readElements, type MrtElement } from '../../../src/mrt/index.js';
import { DuckDbStore, type OutageRecord } from '../../../src/store/index.js';
import { loadRealRoutes, type RealRoute } from '../../fixtures/synthetic-outage.js';
import { storeDigest } from '../../store/digest.js';
import { waitFor } from '../harness.js';
import { NatsServer } from './nats.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const ROUTES_FILE = path.join(ROOT, 'data/mrt/ripe-bgpdump/updates.et-header.2015.gz');
const COUNTRIES = ['KP', 'CN', 'US'];
const STREAM = 'COLLECTBUS';
const SOURCE = 'collect-test';
const LOCAL_ASN = 64510;
const PEERS = [
  { address: '127.0.0.2', asn: 64496 },
  { address: '127.0.0.3', asn: 64497 },
];
/** 2014-12-22 00:00 UTC, on a rotation boundary. */
const T0 = Date.UTC(2014, 11, 22) / 1000;
const ROTATION_SECONDS = 300;

/**
 * The scenario, one step per rotation period (so one archive file and one bus segment per step),
 * each step in the middle of its period: step 0 sends the whole table, each later step one update,
 * so the feed is never silent for ARCHIVE_GAP_SECONDS (a silence that long is no data, not an
 * outage). The KP /24s are withdrawn once the detector has its minHistorySeconds of history, with
 * two bins to spare for the full-feed set forming in the first one, and announced again
 * OUTAGE_STEPS periods later, the feed going on in between so the outage is seen.
 */
const stepTime = (step: number): number => T0 + step * ROTATION_SECONDS + ROTATION_SECONDS / 2;
const WITHDRAW_STEP =
  Math.ceil((OUTAGE_DEFAULTS.minHistorySeconds + 2 * OUTAGE_DEFAULTS.binSeconds) / ROTATION_SECONDS) + 1;
const OUTAGE_STEPS = 4;
const RETURN_STEP = WITHDRAW_STEP + OUTAGE_STEPS;
const STEPS = RETURN_STEP + 1;
/** The step the second worker is killed in: the segments of the steps before it are committed. */
const SECOND_KILL_STEP = 1;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bus-collect-'));
const archiveDir = path.join(dir, 'archive');
let nats: NatsServer | undefined;
let nc: NatsConnection | undefined;
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  fs.mkdirSync(archiveDir);
  nats = await NatsServer.start();
  nc = await connect({ servers: nats.url.slice('nats://'.length) });
}, 60_000);

afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  await nc?.close();
  await nats?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Worker {
  exited: Promise<number | null>;
  kill(): void;
  output(): string;
}

/** `cairn ingest --from URL --db DB` (until killed, or until the bus is idle). */
function startWorker(url: string, db: string, untilIdle: boolean): Worker {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'ingest',
      '--from',
      url,
      '--db',
      db,
      ...(untilIdle ? ['--until-idle'] : []),
      '--outage-country',
      ...COUNTRIES,
      '--no-progress',
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanup.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { exited, kill: () => child.kill('SIGKILL'), output: () => output };
}

/** The stream's last sequence and the durable consumer's delivered and acknowledged sequences. */
async function positions(): Promise<{ last: number; delivered: number; floor: number }> {
  const jsm = await nc!.jetstreamManager();
  const stream = await jsm.streams.info(STREAM).catch(() => undefined);
  const consumer = await jsm.consumers.info(STREAM, 'cairn-ingest').catch(() => undefined);
  return {
    last: stream?.state.last_seq ?? 0,
    delivered: consumer?.delivered.stream_seq ?? 0,
    floor: consumer?.ack_floor.stream_seq ?? 0,
  };
}

function announce(route: RealRoute, nextHop: string): UpdateSpec {
  return {
    announced: [{ afi: 1, safi: 1, prefixes: [{ prefix: route.prefix }] }],
    attributes: { origin: 'IGP', asPath: [{ kind: 'sequence', asns: route.path }], nextHop },
  };
}

function withdraw(prefixes: readonly string[]): UpdateSpec {
  return { withdrawn: [{ afi: 1, safi: 1, prefixes: prefixes.map((prefix) => ({ prefix })) }] };
}

/** What a speaker sent, as comparable lines: peer, A/W, prefix, path. */
type Sent = string[];
const line = (peer: string, type: 'A' | 'W', prefix: string, path?: readonly number[]): string =>
  `${peer}|${type}|${prefix}|${path?.join(' ') ?? ''}`;

async function archiveElements(files: readonly string[]): Promise<MrtElement[]> {
  const out: MrtElement[] = [];
  for (const file of files) for await (const e of readElements(file, { strict: true })) out.push(e);
  return out;
}

describe('the collector publishing on the bus', () => {
  it('a worker killed twice mid-stream stores every element the sessions sent, once', async () => {
    const real = await loadRealRoutes(ROUTES_FILE);
    const routes = [...real.kp, ...real.upstreamCustomers, ...real.background];
    const kp = real.kp.map((r) => r.prefix);
    expect(kp).toHaveLength(4);
    expect(routes.length).toBeGreaterThan(3000);

    const url = `${nats!.url}?stream=${STREAM}&subject=cairn.elements.${SOURCE}`;
    const clock = new VirtualClock(T0 * 1000);
    const config = parseCollectorConfig({
      listenAddress: '127.0.0.1',
      listenPort: 0,
      localAsn: LOCAL_ASN,
      bgpId: '192.0.2.254',
      peers: PEERS,
      outputDirectory: archiveDir,
      rotationMinutes: ROTATION_SECONDS / 60,
    });
    const received = new Map<string, number>();
    let runtime: CollectRuntime | undefined = await startCollect({
      config,
      clock,
      publish: url,
      publishSource: SOURCE,
      setup: (collector) =>
        collector.onMessage((peer, _time, message: BgpMessage) => {
          if (message.type === 'update') received.set(peer.address, (received.get(peer.address) ?? 0) + 1);
        }),
    });
    cleanup.push(async () => runtime?.stop());
    const port = runtime.address.port;
    const sent: Sent = [];
    const updatesSent = new Map<string, number>();
    const speakers: BgpTestSpeaker[] = [];
    for (const peer of PEERS) {
      // Hold time 0: no hold timer, so the virtual clock can jump minutes with no keepalives.
      const speaker = await BgpTestSpeaker.connect({
        host: '127.0.0.1',
        port,
        localAddress: peer.address,
        asn: peer.asn,
        bgpId: `10.0.0.${peer.address.split('.')[3]}`,
        holdTime: 0,
      });
      cleanup.push(async () => {
        speaker.socket.destroy();
        await speaker.closed;
      });
      await speaker.establish();
      speakers.push(speaker);
    }
    /** Each speaker sends `updates` (with what they mean for the check), then waits for the collector. */
    const send = async (
      what: string,
      updates: (peer: (typeof PEERS)[number]) => Array<{ spec: UpdateSpec; lines: string[] }>,
    ): Promise<void> => {
      for (const [i, peer] of PEERS.entries()) {
        for (const { spec, lines } of updates(peer)) {
          await speakers[i].sendUpdate(spec);
          sent.push(...lines);
          updatesSent.set(peer.address, (updatesSent.get(peer.address) ?? 0) + 1);
        }
      }
      await waitFor(
        `the collector to receive ${what} from both speakers`,
        60_000,
        () => PEERS.every((p) => received.get(p.address) === updatesSent.get(p.address)),
        () => JSON.stringify({ received: [...received], sent: [...updatesSent] }),
      );
      // One tick of the publisher's flush: what the archive holds goes out as a part.
      clock.advance(1000);
    };
    const db = path.join(dir, 'bus.duckdb');

    // The scenario's own premises: the feed is never silent for a gap, and the withdrawal comes
    // after the detector's hour of history.
    expect(stepTime(1) - stepTime(0)).toBeLessThan(ARCHIVE_GAP_SECONDS);
    expect(stepTime(WITHDRAW_STEP) - stepTime(0)).toBeGreaterThan(OUTAGE_DEFAULTS.minHistorySeconds);
    expect((RETURN_STEP - WITHDRAW_STEP) * ROTATION_SECONDS).toBeGreaterThan(OUTAGE_DEFAULTS.blipSeconds);

    /** Step `step`: the clock moves into its period (ending the previous segment), then `updates`. */
    const step = async (
      index: number,
      what: string,
      updates: (peer: (typeof PEERS)[number]) => Array<{ spec: UpdateSpec; lines: string[] }>,
    ): Promise<void> => {
      clock.advanceTo(stepTime(index) * 1000);
      await send(`${what} (step ${index})`, updates);
    };
    /** One update per speaker that changes nothing: a background route announced again. */
    const keepAlive = (index: number) => (peer: (typeof PEERS)[number]) => {
      const r = real.background[index % real.background.length];
      return [{ spec: announce(r, peer.address), lines: [line(peer.address, 'A', r.prefix, r.path)] }];
    };

    // Step 0: the whole table from both speakers.
    await step(0, 'the table', (peer) =>
      routes.map((r) => ({
        spec: announce(r, peer.address),
        lines: [line(peer.address, 'A', r.prefix, r.path)],
      })),
    );
    const first = startWorker(url, db, false);
    const cut1 = await waitFor(
      'the first worker to be delivered every part published so far',
      120_000,
      async () => {
        const p = await positions();
        return p.last > 0 && p.delivered === p.last ? p : undefined;
      },
      first.output,
      5,
    );
    first.kill();
    await first.exited;
    // Segment 0 has not ended (the clock is inside its period): nothing could be committed.
    expect(cut1.floor).toBe(0);

    // Step 1: moving the clock there ends segment 0 at the period's end.
    await step(SECOND_KILL_STEP, 'an update', keepAlive(SECOND_KILL_STEP));
    const second = startWorker(url, db, false);
    const cut2 = await waitFor(
      'the second worker to commit segment 0 and be delivered the parts of segment 1',
      120_000,
      async () => {
        const p = await positions();
        return p.floor >= 1 && p.delivered === p.last && p.last > p.floor ? p : undefined;
      },
      second.output,
      5,
    );
    second.kill();
    await second.exited;
    expect(cut2.floor).toBeLessThan(cut2.last);

    // An update every period until the withdrawal, the KP /24s withdrawn by both speakers, an
    // update every period while they are down, then announced again; then both sessions close.
    for (let index = SECOND_KILL_STEP + 1; index < WITHDRAW_STEP; index++)
      await step(index, 'an update', keepAlive(index));
    await step(WITHDRAW_STEP, 'the KP withdrawals', (peer) => [
      { spec: withdraw(kp), lines: kp.map((p) => line(peer.address, 'W', p)) },
    ]);
    for (let index = WITHDRAW_STEP + 1; index < RETURN_STEP; index++)
      await step(index, 'an update', keepAlive(index));
    await step(RETURN_STEP, 'the KP re-announcements', (peer) =>
      real.kp.map((r) => ({
        spec: announce(r, peer.address),
        lines: [line(peer.address, 'A', r.prefix, r.path)],
      })),
    );
    for (const speaker of speakers) await speaker.close();
    await runtime.stop();
    runtime = undefined;

    const third = startWorker(url, db, true);
    const code = await third.exited;
    expect(code, third.output()).toBe(0);
    const result = JSON.parse(third.output().trim().split('\n').at(-1)!) as {
      replayed: number;
      ingested: number;
      elementsWritten: number;
    };
    const files = fs
      .readdirSync(archiveDir)
      .filter((f) => f.endsWith('.gz'))
      .sort()
      .map((f) => path.join(archiveDir, f));
    expect(files).toHaveLength(STEPS);
    // The third worker replays what the second committed: the segments of the steps before its kill.
    expect(result.replayed).toBe(SECOND_KILL_STEP);
    expect(result.replayed + result.ingested).toBe(files.length);
    const last = await positions();
    expect(last.floor).toBe(last.last);

    // The archive holds exactly what the speakers sent, in order per speaker.
    const elements = await archiveElements(files);
    const archived = elements
      .filter((e) => e.type === 'A' || e.type === 'W')
      .map((e) =>
        line(
          e.peerAddress,
          e.type as 'A' | 'W',
          e.prefix!,
          e.type === 'A' ? (e.asPathSegments?.[0].asns ?? []) : undefined,
        ),
      );
    for (const peer of PEERS) {
      const mine = (l: string): boolean => l.startsWith(`${peer.address}|`);
      expect(archived.filter(mine)).toEqual(sent.filter(mine));
    }
    expect(archived).toHaveLength(sent.length);

    // The store holds each of those elements once.
    const store = await DuckDbStore.open(db);
    let got: unknown;
    let stored: Awaited<ReturnType<DuckDbStore['files']>>;
    try {
      stored = await store.files('mrt');
      got = await storeDigest(store, COUNTRIES);
    } finally {
      await store.close();
    }
    expect(stored).toHaveLength(files.length);
    expect(stored.reduce((n, f) => n + f.records, 0)).toBe(elements.length);

    // And answers what a direct ingest of the collector's files answers.
    const direct = path.join(dir, 'direct.duckdb');
    await ingest(
      { mrt: files, db: direct, jobs: 1, outageCountries: COUNTRIES },
      {},
      { clock: new VirtualClock(0) },
    );
    const reference = await DuckDbStore.open(direct);
    let want: unknown;
    try {
      want = await storeDigest(reference, COUNTRIES);
    } finally {
      await reference.close();
    }
    // The KP withdrawal is an outage in both, from the withdrawal to the re-announcement, so the
    // comparison covers the detector's output.
    for (const [name, digest] of [
      ['bus store', got],
      ['direct ingest', want],
    ] as const) {
      const events = (digest as { outages: OutageRecord[] }).outages
        .filter((o) => o.selection === 'country KP')
        .map((o) => o.event);
      expect(events, name).toHaveLength(1);
      expect(events[0], name).toMatchObject({
        start: stepTime(WITHDRAW_STEP),
        end: stepTime(RETURN_STEP),
        endReason: 'recovered',
        extent: 'full',
        open: false,
      });
    }
    expect(withoutFileIdentity(got)).toEqual(withoutFileIdentity(want));
  }, 600_000);
});

/** The digest with each file's identity (hash, path, size: a segment's are not a file's) left out. */
function withoutFileIdentity(digest: unknown): unknown {
  const d = digest as { files: Array<Record<string, unknown>> };
  return {
    ...d,
    files: d.files.map(({ hash: _h, path: _p, size: _s, ...rest }) => rest),
  };
}
