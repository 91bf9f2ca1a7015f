/**
 * Outage detection on a SYNTHETIC replay of December 2014 (test/fixtures/synthetic-outage.ts:
 * real routes, synthetic peers and timeline). Every event of the timeline must be found with its
 * classification, prefixes, start and end to the second (and their bins), cause; the session
 * reset must not be an outage.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/bgp/index.js';
import { scanMrtBuffer } from '../src/mrt/index.js';
import { parsePrefix } from '../src/net/index.js';
import {
  OutageDetector,
  ScaledClock,
  runDetectorClock,
  selectOrigin,
  selectPrefixes,
  type OutageEvent,
} from '../src/observatory/index.js';
import { RoutingTable } from '../src/routing/index.js';
import {
  KP_PREFIXES,
  RESET_PEER,
  SESSION_RESET,
  SYNTHETIC_END,
  SYNTHETIC_PEERS,
  SYNTHETIC_TIMELINE,
  PEER_SPREAD,
  buildSyntheticOutage,
  loadRealRoutes,
  type RealRoutes,
} from './fixtures/synthetic-outage.js';

const FILE = fileURLToPath(new URL('../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url));
const BIN = 300;
const binOf = (t: number): number => Math.floor(t / BIN) * BIN;

let routes: RealRoutes;
let bytes: Uint8Array;

async function replay(
  data: Uint8Array,
  select = selectOrigin(131279),
): Promise<{ detector: OutageDetector; table: RoutingTable; phases: string[] }> {
  const table = new RoutingTable();
  const detector = new OutageDetector(table, { select });
  const phases: string[] = [];
  detector.onEvent((event, phase) => phases.push(`${event.id}:${phase}`));
  const summary = await scanMrtBuffer('synthetic-outage.mrt', data, table.visitor());
  expect(summary.problemCount).toBe(0);
  detector.finish(SYNTHETIC_END);
  return { detector, table, phases };
}

beforeAll(async () => {
  routes = await loadRealRoutes(FILE);
  bytes = buildSyntheticOutage(routes);
});

describe('synthetic December 2014 replay', () => {
  it('uses the real KP routes and real background', () => {
    expect(routes.kp.map((r) => r.prefix).sort()).toEqual(KP_PREFIXES);
    for (const route of routes.kp) expect(route.path).toEqual([2914, 1239, 4837, 131279]);
    expect(routes.background.length).toBe(3000);
    expect(routes.upstreamCustomers.length).toBe(5);
  });

  it('finds every event of the timeline, classified, timed to the second, with its cause', async () => {
    const { detector, phases } = await replay(bytes);
    const events = detector.events;
    expect(events.map((e) => e.classification)).toEqual(SYNTHETIC_TIMELINE.map((e) => e.classification));
    SYNTHETIC_TIMELINE.forEach((expected, i) => {
      const event: OutageEvent = events[i];
      expect(event.prefixes, expected.name).toEqual(expected.prefixes);
      expect(event.extent, expected.name).toBe(expected.extent);
      expect(event.cause, expected.name).toBe(expected.cause);
      // Visible while more than half of the 5 full-feed peers see it: lost at the 3rd peer's withdrawal.
      expect(event.startBin, expected.name).toBe(binOf(expected.down + 2 * PEER_SPREAD));
      expect(event.start).toBeGreaterThanOrEqual(expected.down + 2 * PEER_SPREAD);
      expect(event.start).toBeLessThan(expected.down + 2 * PEER_SPREAD + 1);
      // Back once 3 peers re-announced: the event is closed by the re-announcement.
      expect(event.open).toBe(false);
      expect(event.endBin, expected.name).toBe(binOf(expected.up + 2 * PEER_SPREAD));
      // To the second: the 3rd peer's re-announcement (up + 2 spreads + a fraction of a second).
      expect(event.endReason, expected.name).toBe('recovered');
      expect(event.end, expected.name).toBeGreaterThanOrEqual(expected.up + 2 * PEER_SPREAD);
      expect(event.end, expected.name).toBeLessThan(expected.up + 2 * PEER_SPREAD + 1);
      expect(event.duration, expected.name).toBe(event.end! - event.start);
      expect(Math.round((event.duration ?? 0) / 60), expected.name).toBe(
        Math.round((expected.up - expected.down) / 60),
      );
      expect(event.origins).toEqual(expected.withCustomers ? expect.arrayContaining([131279]) : [131279]);
      expect(event.upstreams[0].asn).toBe(4837);
      expect(event.firstLost[0].peerAsn).toBe(SYNTHETIC_PEERS[0].asn);
      expect(event.firstLost[0].upstream).toBe(4837);
      expect(phases).toContain(`${event.id}:open`);
      expect(phases).toContain(`${event.id}:close`);
    });
    const big = events[4];
    expect(big.duration).toBeGreaterThan(9 * 3600 + 30 * 60);
    expect(big.duration).toBeLessThan(9 * 3600 + 32 * 60);
    expect(big.level).toBe('critical');
    expect(big.lostShare).toBe(1);
    // Full loss for 9 h 31 min: the alert area is the duration in seconds.
    expect(big.severity).toBeCloseTo(big.duration, 0);
    expect(events[1].lostShare).toBe(0.5);
    expect(events[1].level).toBe('warning');
    expect(events[3].lostShare).toBe(0.25);
  });

  it('a single peer session reset is not an outage', async () => {
    const { detector } = await replay(bytes);
    const during = detector.events.filter(
      (e) => e.start >= SESSION_RESET.down - 600 && e.start <= SESSION_RESET.up + 600,
    );
    expect(during).toEqual([]);
    expect(detector.sessionResets).toHaveLength(1);
    const reset = detector.sessionResets[0];
    expect(reset.peerAsn).toBe(RESET_PEER.asn);
    expect(reset.time).toBe(SESSION_RESET.down);
    expect(reset.selectedPrefixesLost).toBe(4);
    expect(reset.routesRemoved).toBe(3000 + 4 + 5);
    expect(reset.end).toBe(SESSION_RESET.up + 5);
    expect(reset.cause).toBe('peer-session-reset');
  });

  it('the visibility series has the exact per-peer timestamps', async () => {
    const { detector } = await replay(bytes);
    const t = detector.tracker;
    const lost: number[] = [];
    for (let i = 0; i < t.changeCount; i++) {
      const change = t.change(i);
      if (
        change.prefix === '175.45.176.0/24' &&
        change.kind === 'lost' &&
        change.time >= SYNTHETIC_TIMELINE[4].down &&
        change.time < SYNTHETIC_TIMELINE[4].down + 600
      )
        lost.push(change.time);
    }
    expect(lost).toHaveLength(5);
    lost.forEach((time, i) => expect(Math.floor(time)).toBe(SYNTHETIC_TIMELINE[4].down + i * PEER_SPREAD));
    const bins = detector.bins;
    const inOutage = bins.find((b) => b.start === binOf(SYNTHETIC_TIMELINE[4].down) + 3600);
    expect(inOutage?.value).toBe(0);
    expect(inOutage?.baseline).toBe(4);
    expect(inOutage?.inEvent).toBe(true);
  });

  it('a prefix-set selection and plain BGP4MP framing give the same events', async () => {
    const plain = buildSyntheticOutage(routes, { extendedTime: false });
    const { detector } = await replay(plain, selectPrefixes([parsePrefix('175.45.176.0/22')]));
    expect(detector.events.map((e) => [e.classification, e.extent, e.cause])).toEqual(
      SYNTHETIC_TIMELINE.map((e) => [e.classification, e.extent, e.cause]),
    );
  });

  it('emits the open event as soon as the drop crosses the threshold', async () => {
    const table = new RoutingTable();
    const detector = new OutageDetector(table, { select: selectOrigin(131279) });
    let openedAt: number | undefined;
    detector.onEvent((event, phase) => {
      if (phase === 'open' && event.classification !== 'blip' && openedAt === undefined)
        openedAt = event.start;
      if (phase === 'open' && openedAt === undefined && event.start >= SYNTHETIC_TIMELINE[4].down)
        openedAt = event.start;
    });
    // Stop the replay right after the third peer's withdrawal of 22 December.
    const cut = SYNTHETIC_TIMELINE[4].down + 2 * PEER_SPREAD + 1;
    await scanMrtBuffer('synthetic-outage.mrt', bytes, (cursor, decoder) => {
      if (cursor.timestamp <= cut) table.ingest(cursor, decoder);
    });
    expect(detector.openEvent?.start).toBeGreaterThanOrEqual(SYNTHETIC_TIMELINE[4].down);
    expect(detector.openEvent?.open).toBe(true);
    expect(detector.openEvent?.cause).toBe('origin-withdrawal');
  });

  it('a scaled clock closes bins during a silence, nine hours in nine virtual seconds', async () => {
    const table = new RoutingTable();
    const detector = new OutageDetector(table, { select: selectOrigin(131279) });
    const cut = SYNTHETIC_TIMELINE[4].down + 60;
    await scanMrtBuffer('synthetic-outage.mrt', bytes, (cursor, decoder) => {
      if (cursor.timestamp <= cut) table.ingest(cursor, decoder);
    });
    const event = detector.openEvent;
    expect(event).toBeDefined();
    const bins = detector.bins.length;
    const openBin = detector.bins[bins - 1].start + BIN;
    const virtual = new VirtualClock(1_000_000);
    const clock = new ScaledClock(cut, 3600, virtual); // one virtual second = one hour
    const stop = runDetectorClock(detector, clock, 100, virtual);
    virtual.advance(9_000);
    stop();
    expect(virtual.pending).toBe(0);
    // Ticks every 360 s of data: the last at cut + 9 h closes every bin that ended by then.
    const end = cut + 9 * 3600;
    expect(detector.bins.length - bins).toBe((binOf(end) - openBin) / BIN);
    expect(detector.bins.at(-1)!.start).toBe(binOf(end) - BIN);
    expect(event?.open).toBe(true);
    expect(event?.classification).toBe('sustained-outage');
    expect(event?.duration).toBe(end - event!.start);
  });
});
