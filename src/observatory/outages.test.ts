import { describe, expect, it } from 'vitest';
import { element } from '../../test/fixtures/elements.js';
import { RoutingTable } from '../routing/index.js';
import { OutageDetector } from './outages.js';
import { selectOrigin } from './visibility.js';

const KP = ['175.45.176.0/24', '175.45.177.0/24', '175.45.178.0/24', '175.45.179.0/24'];
/** Five other customers of AS4837 (documentation-range stand-ins with their own origins). */
const CUSTOMERS = [1, 2, 3, 4, 5].map((i) => ({ prefix: `198.51.${100 + i}.0/24`, origin: 64600 + i }));

/**
 * Two peers lose North Korea's four /24s and five other customers of AS4837 one minute apart
 * (the first peer at `start`). The upstream stopped carrying them: the cause must not depend on
 * where `start` falls inside its 5-minute bin.
 */
function causeWhenStartingAt(offsetInBin: number): { cause: string; evidence: string } {
  const table = new RoutingTable();
  const detector = new OutageDetector(table, { select: selectOrigin(131279) });
  const base = 1_419_200_000 - (1_419_200_000 % 300);
  for (const peer of [1, 2]) {
    for (const prefix of KP)
      table.applyElement(element(base, 'A', peer, prefix, { path: [64500 + peer, 4837, 131279] }));
    for (const c of CUSTOMERS)
      table.applyElement(element(base, 'A', peer, c.prefix, { path: [64500 + peer, 4837, c.origin] }));
    // Background routes, so that both peers are full feeds.
    for (let i = 0; i < 50; i++)
      table.applyElement(
        element(base, 'A', peer, `203.0.${i}.0/24`, { path: [64500 + peer, 2914, 65000 + i] }),
      );
  }
  const start = base + 2 * 3600 + offsetInBin;
  for (let time = base; time < start; time += 60) detector.onUpdate(time);
  for (const [peer, at] of [
    [1, start],
    [2, start + 60],
  ]) {
    detector.onUpdate(at);
    for (const prefix of KP) table.applyElement(element(at, 'W', peer, prefix));
    for (const c of CUSTOMERS) table.applyElement(element(at, 'W', peer, c.prefix));
  }
  for (let time = start + 120; time <= start + 1800; time += 60) detector.onUpdate(time);
  expect(detector.events).toHaveLength(1);
  const event = detector.events[0];
  expect(event.open).toBe(true);
  expect(event.prefixes).toEqual(KP);
  return { cause: event.cause, evidence: event.causeEvidence };
}

describe('OutageDetector cause hint', () => {
  it('is the same wherever the start falls in its bin: the upstream stopped carrying the customers', () => {
    for (const offset of [10, 150, 270, 299]) {
      const { cause, evidence } = causeWhenStartingAt(offset);
      expect({ offset, cause }).toEqual({ offset, cause: 'upstream-path-loss' });
      expect(evidence).toContain('AS4837');
    }
  });
});

describe('OutageDetector times', () => {
  /**
   * The issue's case: the peers' tables are the selection itself (three peers, the four KP /24s
   * and nothing else), so withdrawing it empties them. The end must be the re-announcement that
   * crossed back, not the next bin boundary, and a recovery in the last bin must close the event.
   */
  function tinyTable(): { table: RoutingTable; detector: OutageDetector; base: number } {
    const table = new RoutingTable();
    const detector = new OutageDetector(table, { select: selectOrigin(131279) });
    const base = 1_419_200_000 - (1_419_200_000 % 300);
    for (const peer of [1, 2, 3])
      for (const prefix of KP)
        table.applyElement(element(base, 'A', peer, prefix, { path: [64500 + peer, 4837, 131279] }));
    for (let time = base; time <= base + 2 * 3600; time += 60) detector.onUpdate(time);
    return { table, detector, base };
  }

  it('ends at the re-announcement that brought the space back, over a bin boundary', () => {
    const { table, detector, base } = tinyTable();
    const down = base + 2 * 3600 + 40; // 40 s into a bin
    for (const [peer, at] of [
      [1, down - 5],
      [2, down],
      [3, down + 5],
    ])
      for (const prefix of KP) table.applyElement(element(at, 'W', peer, prefix));
    const up = down + 430; // 7 min 10 s later: the next bin
    for (const [peer, at] of [
      [1, up - 5],
      [2, up],
      [3, up + 5],
    ])
      for (const prefix of KP)
        table.applyElement(element(at, 'A', peer, prefix, { path: [64500 + peer, 4837, 131279] }));
    detector.finish(up + 600);
    expect(detector.events).toHaveLength(1);
    const event = detector.events[0];
    expect(event).toMatchObject({
      start: down,
      end: up,
      duration: 430,
      endReason: 'recovered',
      classification: 'blip',
      startWindow: { from: down - 5, to: down + 5 },
      endWindow: { from: up - 5, to: up },
      coverage: { fullFeedPeers: 3, peersLost: 3, peersKept: 0 },
    });
    expect(event.endBin).toBe(event.startBin + 300);
    expect(detector.noDataPeriods).toEqual([]);
  });

  it('closes an event recovering in the last bin of the input; one still down stays open, "input ended"', () => {
    const { table, detector, base } = tinyTable();
    const down = base + 2 * 3600 + 100;
    for (const peer of [1, 2, 3])
      for (const prefix of KP) table.applyElement(element(down, 'W', peer, prefix));
    const up = down + 9000 + 17;
    for (const peer of [1, 2, 3])
      for (const prefix of KP)
        table.applyElement(element(up, 'A', peer, prefix, { path: [64500 + peer, 4837, 131279] }));
    detector.finish(up + 20); // the archive ends 20 s after the last re-announcement
    expect(detector.events[0]).toMatchObject({
      open: false,
      end: up,
      endReason: 'recovered',
      duration: 9017,
    });

    const second = tinyTable();
    for (const peer of [1, 2, 3])
      for (const prefix of KP) second.table.applyElement(element(down, 'W', peer, prefix));
    second.detector.finish(down + 3000);
    expect(second.detector.events[0]).toMatchObject({
      open: true,
      end: undefined,
      endReason: 'input-ended',
      knownUntil: down + 3000,
      duration: 3000,
      classification: 'outage',
      status: `open: input ended at ${new Date((down + 3000) * 1000).toISOString()}, still down after 50m00s`,
    });
  });
});
