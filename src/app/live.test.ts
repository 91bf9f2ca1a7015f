/**
 * attachLiveDetection on a stand-in collector, in virtual time: ticks close bins during a
 * silence, the collector's stamps are read through the time scale, alerts are AlertJson with the
 * clock's wallTime; and the alert socket carries them to a follower.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BgpCollector, MessageListener, StateListener } from '../bgp/collector/index.js';
import { VirtualClock, type BgpUpdate } from '../bgp/index.js';
import { parsePrefix } from '../net/index.js';
import { selectPrefixes } from '../observatory/index.js';
import { AlertStreamServer, followAlerts } from './alert-stream.js';
import { AlertJson, attachLiveDetection } from './live.js';

const KP = ['175.45.176.0/24', '175.45.177.0/24', '175.45.178.0/24', '175.45.179.0/24'];
const PEERS = [
  { address: '192.0.2.1', asn: 64496 },
  { address: '192.0.2.2', asn: 64497 },
];
const ORIGIN = 1_418_947_200; // on a bin boundary

/** The two listener registrations attachLiveDetection uses, driven by the test. */
function standIn(): Pick<BgpCollector, 'onMessage' | 'onStateChange'> & {
  message(peer: (typeof PEERS)[number], time: number, update: BgpUpdate): void;
} {
  const messages: MessageListener[] = [];
  const states: StateListener[] = [];
  return {
    onMessage: (listener) => (messages.push(listener), () => messages.splice(messages.indexOf(listener), 1)),
    onStateChange: (listener) => (states.push(listener), () => states.splice(states.indexOf(listener), 1)),
    message: (peer, time, update) => {
      const full = { ...peer, localAddress: '127.0.0.1', remotePort: 179 };
      for (const listener of messages) void listener(full, time, update, new Uint8Array());
    },
  };
}

const update = (peer: (typeof PEERS)[number], withdrawn: string[], announced: string[]): BgpUpdate => ({
  type: 'update',
  length: 0,
  withdrawn:
    withdrawn.length > 0 ? [{ afi: 1, safi: 1, prefixes: withdrawn.map((prefix) => ({ prefix })) }] : [],
  announced:
    announced.length > 0 ? [{ afi: 1, safi: 1, prefixes: announced.map((prefix) => ({ prefix })) }] : [],
  attributes: {
    origin: 'IGP',
    asPath: [{ kind: 'sequence', asns: [peer.asn, 4837, 131279] }],
    nextHop: peer.address,
  },
  outcome: 'ok',
  problems: [],
});

describe('attachLiveDetection', () => {
  it('reads the collector stamps through the time scale and ticks on the clock', () => {
    // One clock second is a minute of data; ticks every clock second.
    const virtual = new VirtualClock(5_000_000);
    const collector = standIn();
    const alerts: AlertJson[] = [];
    const attached = attachLiveDetection(collector, (alert) => alerts.push(AlertJson.parse(alert)), {
      select: selectPrefixes([parsePrefix('175.45.176.0/22')]),
      timeScale: 60,
      origin: ORIGIN,
      clock: virtual,
    });
    const stamp = (): number => virtual.now() / 1000; // the collector stamps on the same clock
    for (const peer of PEERS) collector.message(peer, stamp(), update(peer, [], KP));
    // Warm-up: the full-feed set settles at the first bin's end (5 clock seconds), then an hour
    // of history (60 clock seconds): ready at the tick of clock second 65.
    virtual.advance(64_000);
    expect(alerts).toEqual([]);
    virtual.advance(1000);
    expect(alerts).toEqual([
      {
        kind: 'outage-detector-ready',
        time: new Date((ORIGIN + 65 * 60) * 1000).toISOString(),
        wallTime: new Date(5_065_000).toISOString(),
        baseline: 4,
        fullFeedPeers: 2,
        trackedPrefixes: 4,
      },
    ]);
    // A withdrawal stamped 0.5 clock seconds after the tick counts 30 data seconds later.
    virtual.advance(500);
    collector.message(PEERS[0], stamp(), update(PEERS[0], KP, []));
    expect(alerts.at(-1)).toMatchObject({
      kind: 'outage-open',
      start: new Date((ORIGIN + 65 * 60 + 30) * 1000).toISOString(),
    });
    // Silence: only the ticks move the detector; 600 data seconds is 10 clock seconds.
    virtual.advance(9_500);
    expect(alerts.filter((a) => a.kind === 'outage-update')).toEqual([]);
    virtual.advance(1000);
    expect(alerts.filter((a) => a.kind === 'outage-update')).toEqual([
      expect.objectContaining({ classification: 'outage', duration: 630 }),
    ]);
    attached.stop();
    // Still down when the collector stops: said so, never a recovery.
    expect(alerts.at(-1)).toMatchObject({
      kind: 'outage-unresolved',
      reason: 'collector-stopped',
      knownUntil: new Date((ORIGIN + 76 * 60) * 1000).toISOString(),
      status: expect.stringContaining(
        `collector stopped at ${new Date((ORIGIN + 76 * 60) * 1000).toISOString()}`,
      ),
    });
    expect(virtual.pending).toBe(0);
    virtual.advance(3_600_000);
    expect(alerts).toHaveLength(4);
  });

  it('refuses a tick outside 1 ms .. 1 h', () => {
    expect(() =>
      attachLiveDetection(standIn(), () => {}, {
        select: selectPrefixes([]),
        tickMs: 0,
        clock: new VirtualClock(),
      }),
    ).toThrow(/tickMs/);
  });
});

describe('the alert stream', () => {
  it('carries alert lines to a follower, skipping what is not an alert', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-alert-stream-'));
    try {
      const path = join(dir, 'alerts.sock');
      const server = await AlertStreamServer.listen(path);
      const seen: AlertJson[] = [];
      const following = followAlerts(path, (alert) => seen.push(alert));
      const deadline = Date.now() + 10_000;
      while (server.clientCount === 0) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the follower to connect');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const peerUp = { kind: 'peer-up', time: '2014-12-19T00:00:00.000Z', peer: '192.0.2.1', peerAsn: 64496 };
      server.broadcast(`not json\n{"kind":"peer-up"}\n${JSON.stringify(peerUp)}\n`);
      const until = Date.now() + 10_000;
      while (seen.length === 0) {
        if (Date.now() > until) throw new Error('timed out waiting for the alert at the follower');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await server.close();
      expect(await following).toEqual({ alerts: 1, skipped: 2 });
      expect(seen).toEqual([peerUp]);
      // Nobody listens any more: a clear error.
      await expect(followAlerts(path, () => {})).rejects.toMatchObject({ code: 'OUTAGES_LIVE_UNAVAILABLE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
