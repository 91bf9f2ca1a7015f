/**
 * watchRisLive started from a RIB dump (`rib`), in virtual time, against the local RIS Live server
 * on 127.0.0.1: the table starts from the real RIB of data/ (RouteViews 2014-05-23 06:00, first MB:
 * 35 peers, about 9,000 prefixes), so the detector tracks Vietnam's prefixes and knows its full-feed
 * peers before any message. Two hours later every peer of the dump withdraws Vietnam's prefixes
 * (GENERATED RIS Live UPDATEs, built here from the dump's own routes, one peer a second): started
 * from the RIB the watch opens a full outage; started empty it sees nothing, since it never saw
 * the routes go up.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../bgp/index.js';
import { scanMrt } from '../mrt/index.js';
import { RoutingTable } from '../routing/index.js';
import { risLiveServerPerTest, waitFor } from '../../test/fixtures/ris-live-server.js';
import { AlertJson } from './live.js';
import { loadRegistryFiles } from './registry-files.js';
import { WatchStats, watchRisLive, type WatchRuntime } from './watch.js';

const data = (name: string): string => fileURLToPath(new URL(`../../data/${name}`, import.meta.url));
const RIB = data('mrt/pyasn/rib.20140523.0600_firstMB.bz2');
const RIB_TIME = Date.UTC(2014, 4, 23, 6) / 1000;
const WITHDRAW_AT = RIB_TIME + 2 * 3600;
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

const live = risLiveServerPerTest<WatchRuntime>();

/** GENERATED: per peer of the dump, one UPDATE withdrawing every Vietnamese prefix it routes. */
let frames: object[];
let vnPrefixes: number;
beforeAll(async () => {
  const registry = (await loadRegistryFiles([data('registry/delegated-apnic-20141009.gz')])).registry;
  const table = new RoutingTable();
  await scanMrt(RIB, table.visitor());
  const byPeer = new Map<number, string[]>();
  const vn = new Set<string>();
  table.forEachRoute((prefixId, peerId) => {
    if (table.prefixFamily(prefixId) !== 4) return;
    const entry = registry.countryOfIPv4(table.ipv4Network(prefixId), table.prefixLength(prefixId));
    if (entry?.country !== 'VN') return;
    const prefix = table.prefix(prefixId).toString();
    vn.add(prefix);
    let list = byPeer.get(peerId);
    if (list === undefined) byPeer.set(peerId, (list = []));
    list.push(prefix);
  });
  vnPrefixes = vn.size;
  frames = [...byPeer.entries()]
    .sort(([a], [b]) => a - b)
    .map(([peerId, withdrawals], i) => {
      const peer = table.peer(peerId);
      return {
        type: 'ris_message',
        data: {
          timestamp: WITHDRAW_AT + i,
          peer: peer.address,
          peer_asn: String(peer.asn),
          id: `generated-${i}`,
          host: 'rrc00',
          type: 'UPDATE',
          path: [],
          announcements: [],
          withdrawals,
        },
      };
    });
});

async function run(rib: string[] | undefined): Promise<{ alerts: AlertJson[]; stats: WatchStats }> {
  const clock = new VirtualClock(WITHDRAW_AT * 1000);
  const alerts: AlertJson[] = [];
  live.watch = await watchRisLive(
    {
      url: live.server.url,
      selection: { country: 'VN' },
      clock,
      client: { pingIntervalMs: 600_000 },
      ...(rib !== undefined ? { rib } : {}),
    },
    (alert) => alerts.push(AlertJson.parse(alert)),
  );
  const w = live.watch;
  const before = w.stats();
  await waitFor('the subscriptions', () => live.server.subscriptionsOf(0).length === 2);
  await live.server.send(frames);
  await waitFor(`${frames.length} messages handled`, () => w.handled === frames.length);
  clock.advanceTo((WITHDRAW_AT + 600) * 1000);
  w.tick();
  const stats = WatchStats.parse(await w.stop());
  live.watch = undefined;
  return {
    alerts,
    stats: { ...stats, detector: { ...stats.detector, trackedPrefixes: before.detector.trackedPrefixes } },
  };
}

describe('watchRisLive --rib', () => {
  it('starts the detection from the RIB: the withdrawal of every route is an outage', async () => {
    expect(frames.length).toBeGreaterThan(25);
    expect(vnPrefixes).toBeGreaterThan(50);
    const { alerts, stats } = await run([RIB]);
    expect(stats.rib).toMatchObject({ files: [RIB], elements: 270005, peers: 35, time: iso(RIB_TIME) });
    expect(stats.rib?.routes).toBeGreaterThan(250_000);
    // Tracked before the first message, from the dump alone.
    expect(stats.detector.trackedPrefixes).toBe(vnPrefixes);
    const kinds = alerts.map((a) => a.kind);
    expect(kinds.slice(0, 2)).toEqual(['outage-detector-ready', 'outage-open']);
    const [ready, open] = alerts;
    expect(ready).toMatchObject({ time: iso(WITHDRAW_AT), trackedPrefixes: vnPrefixes });
    expect((ready as { fullFeedPeers: number }).fullFeedPeers).toBeGreaterThan(25);
    expect(open).toMatchObject({ kind: 'outage-open', extent: 'full', selection: 'country VN' });
    const start = Date.parse((open as { start: string }).start) / 1000;
    expect(start).toBeGreaterThanOrEqual(WITHDRAW_AT);
    expect(start).toBeLessThan(WITHDRAW_AT + frames.length);
    expect(stats.detector.openEvent).toBe(true);
  });

  it('sees nothing of the same withdrawals when it starts empty', async () => {
    const { alerts, stats } = await run(undefined);
    expect(stats.rib).toBeUndefined();
    expect(stats.detector.trackedPrefixes).toBe(0);
    expect(alerts.filter((a) => a.kind.startsWith('outage-open'))).toEqual([]);
  });

  it('refuses a RIB that is not there, naming it', async () => {
    await expect(
      watchRisLive(
        { url: live.server.url, selection: { country: 'VN' }, rib: ['/nonexistent/bview.gz'] },
        () => {},
      ),
    ).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND', location: { file: '/nonexistent/bview.gz' } });
  });
});
