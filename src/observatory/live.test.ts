/**
 * The live pipeline on its own, fed UPDATEs with their times: classification limits, warm-up,
 * closing, session resets, every outcome exact (no clock is read).
 */
import { describe, expect, it } from 'vitest';
import type { BgpUpdate } from '../bgp/index.js';
import { parsePrefix } from '../net/index.js';
import { LiveOutageDetection, selectPrefixes, type Alert } from './index.js';

const KP = ['175.45.176.0/24', '175.45.177.0/24', '175.45.178.0/24', '175.45.179.0/24'];
// Enough other routes that a peer losing the four KP /24s stays a full feed (over 90% of the largest).
const OTHERS = Array.from({ length: 100 }, (_, i) => `198.51.${i}.0/24`);
const PEERS = [
  { address: '192.0.2.1', asn: 64496 },
  { address: '192.0.2.2', asn: 64497 },
];
const T0 = 1_418_947_200; // 2014-12-19T00:00:00Z, on a bin boundary
const iso = (t: number): string => new Date(t * 1000).toISOString();

function announce(peer: { asn: number; address: string }, prefixes: string[], path: number[]): BgpUpdate {
  return {
    type: 'update',
    length: 0,
    withdrawn: [],
    announced: [{ afi: 1, safi: 1, prefixes: prefixes.map((prefix) => ({ prefix })) }],
    attributes: {
      origin: 'IGP',
      asPath: [{ kind: 'sequence', asns: [peer.asn, ...path] }],
      nextHop: peer.address,
    },
    outcome: 'ok',
    problems: [],
  };
}

function withdraw(prefixes: string[]): BgpUpdate {
  return {
    type: 'update',
    length: 0,
    withdrawn: [{ afi: 1, safi: 1, prefixes: prefixes.map((prefix) => ({ prefix })) }],
    announced: [],
    attributes: {},
    outcome: 'ok',
    problems: [],
  };
}

/** A pipeline with both peers' tables loaded at T0 and ticked every minute for two hours. */
function armed(): { live: LiveOutageDetection; alerts: Alert[]; tickTo(t: number): void } {
  const live = new LiveOutageDetection({
    select: selectPrefixes([parsePrefix('175.45.176.0/22')]),
    selection: '175.45.176.0/22',
  });
  const alerts: Alert[] = [];
  live.onAlert((alert) => alerts.push(alert));
  for (const peer of PEERS) {
    live.update(peer, announce(peer, KP, [2914, 4837, 131279]), T0);
    live.update(peer, announce(peer, OTHERS, [2914, 64500]), T0);
  }
  let now = T0;
  const tickTo = (t: number): void => {
    for (; now + 60 <= t; now += 60) live.advance(now + 60);
    if (t > now) live.advance((now = t));
  };
  tickTo(T0 + 2 * 3600);
  return { live, alerts, tickTo };
}

describe('LiveOutageDetection', () => {
  it('arms after an hour of history once the full-feed set is known', () => {
    const { alerts } = armed();
    // The peers become full feeds at the first bin's end (T0 + 300), which restarts the history;
    // twelve bins later the median exists.
    expect(alerts).toEqual([
      {
        kind: 'outage-detector-ready',
        time: iso(T0 + 300 + 3600),
        baseline: 4,
        fullFeedPeers: 2,
        trackedPrefixes: 4,
        selection: '175.45.176.0/22',
      },
    ]);
  });

  it('opens on the withdrawal, grows at the exact limits, closes on the re-announcement', () => {
    const { live, alerts, tickTo } = armed();
    alerts.length = 0;
    const down = T0 + 3 * 3600;
    tickTo(down);
    live.update(PEERS[0], withdraw(KP), down + 0.4);
    expect(alerts.map((a) => a.kind)).toEqual(['outage-open']);
    expect(alerts[0]).toMatchObject({
      time: iso(down),
      start: iso(down),
      classification: 'blip',
      extent: 'full',
      level: 'critical',
      prefixes: KP,
      prefixCount: 4,
      lostShare: 1,
      cause: 'origin-withdrawal',
    });
    // A blip up to 599 s, an outage from 600 s, sustained past 3600 s.
    tickTo(down + 599);
    expect(alerts).toHaveLength(1);
    tickTo(down + 600);
    tickTo(down + 3600);
    tickTo(down + 3601);
    const updates = alerts.filter((a) => a.kind === 'outage-update');
    expect(updates.map((a) => [a.time, a.classification, a.previous.classification])).toEqual([
      [iso(down + 600), 'outage', 'blip'],
      [iso(down + 3601), 'sustained-outage', 'outage'],
    ]);
    // A late stamp counts at the latest time seen: time never goes backwards.
    live.update(PEERS[0], announce(PEERS[0], KP, [2914, 4837, 131279]), down + 100);
    const [close, recovery] = alerts.slice(-2);
    expect(close).toMatchObject({
      kind: 'outage-close',
      time: iso(down + 3601),
      start: iso(down),
      end: iso(down + 3601),
      endReason: 'recovered',
      duration: 3601,
      severity: 3601,
      classification: 'sustained-outage',
    });
    // The separate recovery alert, right after the close.
    expect(recovery).toEqual({
      kind: 'outage-recovery',
      time: iso(down + 3601),
      eventId: 1,
      start: iso(down),
      end: iso(down + 3601),
      duration: 3601,
      classification: 'sustained-outage',
      level: 'critical',
      extent: 'full',
      prefixCount: 4,
      message: `recovered at ${iso(down + 3601)} after 1h00m: sustained-outage, full critical, 4 prefixes`,
      selection: '175.45.176.0/22',
    });
    // Ready, open, two updates, close, recovery.
    expect(live.stats).toMatchObject({ refused: 0, withdrawn: 4, alerts: 6 });
  });

  it('a session going down with its routes is a session reset, not an outage', () => {
    const { live, alerts, tickTo } = armed();
    alerts.length = 0;
    const down = T0 + 3 * 3600;
    tickTo(down);
    live.peerDown(PEERS[1], 1, down);
    expect(alerts).toEqual([
      {
        kind: 'session-reset',
        time: iso(down),
        peer: PEERS[1].address,
        peerAsn: PEERS[1].asn,
        routesRemoved: KP.length + OTHERS.length,
        selectedPrefixesLost: 4,
        cause: 'peer-session-reset',
        outage: false,
        selection: '175.45.176.0/22',
      },
      // One full-feed peer left of the two needed: no data, which is neither an outage nor a recovery.
      {
        kind: 'outage-detector-no-data',
        time: iso(down),
        baseline: 4,
        fullFeedPeers: 1,
        trackedPrefixes: 4,
        reason: 'too-few-full-feed-peers',
        selection: '175.45.176.0/22',
      },
    ]);
    tickTo(down + 120);
    live.update(PEERS[1], announce(PEERS[1], KP, [2914, 4837, 131279]), down + 125);
    live.update(PEERS[1], announce(PEERS[1], OTHERS, [2914, 64500]), down + 125);
    expect(alerts.slice(2)).toEqual([
      {
        kind: 'session-restored',
        time: iso(down + 125),
        peer: PEERS[1].address,
        peerAsn: PEERS[1].asn,
        downSeconds: 125,
      },
    ]);
    // The peer is a full feed again from the next bin: data is back, and the detector armed.
    tickTo(down + 300);
    expect(alerts.slice(3)).toEqual([
      {
        kind: 'outage-detector-ready',
        time: iso(down + 300),
        baseline: 4,
        fullFeedPeers: 2,
        trackedPrefixes: 4,
        selection: '175.45.176.0/22',
      },
    ]);
    live.stop();
    live.update(PEERS[1], withdraw(KP), down + 400);
    expect(alerts).toHaveLength(4);
    expect(
      alerts.filter((a) => a.kind.startsWith('outage-') && !a.kind.startsWith('outage-detector')),
    ).toEqual([]);
  });
});

describe('LiveOutageDetection without data', () => {
  it('sessions lost during an event are no data; space back with the data is not a recovery', () => {
    const peers = [...PEERS, { address: '192.0.2.3', asn: 64498 }];
    const live = new LiveOutageDetection({
      select: selectPrefixes([parsePrefix('175.45.176.0/22')]),
      selection: '175.45.176.0/22',
    });
    const alerts: Alert[] = [];
    live.onAlert((alert) => alerts.push(alert));
    const load = (peer: (typeof peers)[number], at: number): void => {
      live.update(peer, announce(peer, KP, [2914, 4837, 131279]), at);
      live.update(peer, announce(peer, OTHERS, [2914, 64500]), at);
    };
    for (const peer of peers) load(peer, T0);
    for (let t = T0 + 60; t <= T0 + 2 * 3600; t += 60) live.advance(t);
    alerts.length = 0;
    const down = T0 + 3 * 3600 + 20;
    live.advance(down);
    // Two of three peers withdraw: the space is gone.
    live.update(peers[0], withdraw(KP), down);
    live.update(peers[1], withdraw(KP), down);
    expect(alerts.map((a) => a.kind)).toEqual(['outage-open']);
    // Then two sessions go down: one full-feed peer left of the two needed, no data.
    live.advance(down + 60);
    live.peerDown(peers[1], 1, down + 60);
    live.peerDown(peers[2], 1, down + 60);
    expect(alerts.slice(1).map((a) => a.kind)).toEqual([
      'session-reset',
      'session-reset',
      'outage-detector-no-data',
    ]);
    expect(alerts.at(-1)).toMatchObject({
      kind: 'outage-detector-no-data',
      time: iso(down + 60),
      reason: 'too-few-full-feed-peers',
      fullFeedPeers: 1,
      openEvent: 1,
    });
    // They come back with their tables; they count again from the next bin, with the space back.
    load(peers[1], down + 120);
    load(peers[2], down + 120);
    const before = alerts.length;
    for (let t = down + 180; t <= down + 600; t += 60) live.advance(t);
    const after = alerts.slice(before).filter((a) => a.kind !== 'session-restored');
    const back = T0 + 3 * 3600 + 300; // the bin boundary after the return
    expect(after.map((a) => a.kind)).toEqual(['outage-detector-ready', 'outage-unresolved']);
    expect(after[1]).toMatchObject({
      kind: 'outage-unresolved',
      eventId: 1,
      reason: 'no-data',
      knownUntil: iso(down + 60),
      endWindow: { from: down + 60, to: back },
      duration: 60,
    });
    // Neither a close nor a recovery.
    expect(alerts.filter((a) => a.kind === 'outage-close' || a.kind === 'outage-recovery')).toEqual([]);
    expect(live.detector.events[0]).toMatchObject({ open: false, end: undefined, endReason: 'no-data' });
  });
});
