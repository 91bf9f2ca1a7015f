/**
 * watchRisLive end to end, in virtual time: a local RIS Live server on 127.0.0.1 replays a
 * generated timeline (test/fixtures/ris-live-generated.ts: synthetic peers carrying the real KP
 * routes and real background routes) where all three peers withdraw North Korea's prefixes and
 * announce them again 45 minutes later, dropping the connection once on the way. The watch must
 * reconnect, subscribe again, and publish the outage's open, update and close alerts at the
 * timeline's times, as AlertJson. Clock time moves only when the test moves it.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../bgp/index.js';
import type { CairnError } from '../errors/index.js';
import {
  REANNOUNCE_AT,
  TIMELINE_END,
  TIMELINE_SPREAD,
  TIMELINE_START,
  WITHDRAW_AT,
  syntheticOutageTimeline,
  type TimedFrame,
} from '../../test/fixtures/ris-live-generated.js';
import { risLiveServerPerTest, waitFor } from '../../test/fixtures/ris-live-server.js';
import type { RisLiveStatus } from '../feeds/index.js';
import { AlertJson } from './live.js';
import { WatchStats, watchRisLive, watchSubscriptions, type WatchRuntime } from './watch.js';

const DEMO = fileURLToPath(new URL('../../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url));
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

const live = risLiveServerPerTest<WatchRuntime>();

/** Frames grouped by time, in order. */
function byTime(frames: readonly TimedFrame[]): Array<{ time: number; frames: object[] }> {
  const groups: Array<{ time: number; frames: object[] }> = [];
  for (const { time, frame } of frames) {
    const last = groups.at(-1);
    if (last !== undefined && last.time === time) last.frames.push(frame);
    else groups.push({ time, frames: [frame] });
  }
  return groups;
}

describe('watchRisLive', () => {
  it('publishes the outage of a generated timeline, through a reconnection, in virtual time', async () => {
    const frames = await syntheticOutageTimeline(DEMO);
    const clock = new VirtualClock(TIMELINE_START * 1000);
    const alerts: AlertJson[] = [];
    const problems: CairnError[] = [];
    const statuses: RisLiveStatus[] = [];
    live.watch = await watchRisLive(
      {
        url: live.server.url,
        selection: { country: 'KP' },
        hosts: ['rrc00'],
        clock,
        // The test jumps minutes of clock time at once, with no time for pongs to come back: the
        // keepalive's idle bound is set above the longest silence of the timeline (5 minutes).
        client: { random: () => 0, backoff: { initialMs: 2000 }, pingIntervalMs: 600_000 },
      },
      (alert) => alerts.push(AlertJson.parse(alert)),
      { onProblem: (p) => problems.push(p), onStatus: (s) => statuses.push(s) },
    );
    const w = live.watch;
    await waitFor('the subscriptions', () => live.server.subscriptionsOf(0).length === 2);
    expect(live.server.subscriptionsOf(0)).toEqual(watchSubscriptions(['rrc00']));
    let sent = 0;
    let dropped = false;
    for (const group of byTime(frames)) {
      if (!dropped && group.time >= WITHDRAW_AT - 1000) {
        // The server drops the connection in a silence; the client comes back 2 s later.
        dropped = true;
        live.server.drop('close', 1011);
        await waitFor('the close', () => statuses.some((s) => s.state === 'closed'));
        clock.advance(2000);
        await waitFor('the new subscriptions', () => live.server.subscriptionsOf(1).length === 2);
      }
      clock.advanceTo(group.time * 1000);
      await live.server.send(group.frames);
      sent += group.frames.length;
      await waitFor(`${sent} messages handled`, () => w.handled === sent);
    }
    clock.advanceTo(TIMELINE_END * 1000);
    expect(problems.map((p) => p.code)).toEqual(['RIS_LIVE_DISCONNECTED']);
    expect(statuses.find((s) => s.state === 'closed')).toMatchObject({ code: 1011, reconnectInMs: 2000 });

    const kinds = alerts.map((a) => a.kind);
    expect(kinds).toEqual([
      'outage-detector-ready',
      'outage-open',
      'outage-update',
      'outage-close',
      'outage-recovery',
    ]);
    const [ready, open, update, close, recovery] = alerts;
    expect(ready).toMatchObject({
      selection: 'country KP',
      baseline: 4,
      fullFeedPeers: 3,
      trackedPrefixes: 4,
    });
    // Visible means seen by more than half of the three peers: the second withdrawal opens it...
    expect(open).toMatchObject({
      kind: 'outage-open',
      time: iso(WITHDRAW_AT + TIMELINE_SPREAD),
      start: iso(WITHDRAW_AT + TIMELINE_SPREAD),
      classification: 'blip',
      extent: 'full',
      cause: 'origin-withdrawal',
      prefixCount: 4,
      origins: [131279],
      selection: 'country KP',
    });
    expect(open.kind === 'outage-open' && [...open.prefixes].sort()).toEqual([
      '175.45.176.0/24',
      '175.45.177.0/24',
      '175.45.178.0/24',
      '175.45.179.0/24',
    ]);
    // ... ten minutes later it is an outage (at the tick that crosses blipSeconds) ...
    expect(update).toMatchObject({
      kind: 'outage-update',
      classification: 'outage',
      previous: { classification: 'blip' },
      time: iso(WITHDRAW_AT + TIMELINE_SPREAD + 600),
    });
    // ... and the second re-announcement closes it.
    expect(close).toMatchObject({
      kind: 'outage-close',
      end: iso(REANNOUNCE_AT + TIMELINE_SPREAD),
      duration: REANNOUNCE_AT - WITHDRAW_AT,
      classification: 'outage',
    });
    // The recovery on its own, for a subscriber to act on.
    expect(recovery).toMatchObject({
      kind: 'outage-recovery',
      eventId: close.kind === 'outage-close' ? close.eventId : -1,
      end: iso(REANNOUNCE_AT + TIMELINE_SPREAD),
      duration: REANNOUNCE_AT - WITHDRAW_AT,
    });
    expect(alerts.every((a) => 'wallTime' in a && typeof a.wallTime === 'string')).toBe(true);

    const stats = WatchStats.parse(await w.stop());
    live.watch = undefined;
    expect(stats).toMatchObject({
      selection: 'country KP',
      firstTime: iso(TIMELINE_START),
      lastTime: iso(frames[frames.length - 1].time),
      peers: 3,
      hosts: ['rrc00'],
      problems: 1,
      alerts: {
        'outage-detector-ready': 1,
        'outage-open': 1,
        'outage-update': 1,
        'outage-close': 1,
        'outage-recovery': 1,
      },
      connection: { connections: 2, reconnects: 1, dropped: 0, malformed: 0 },
      detector: { trackedPrefixes: 4, fullFeedPeers: 3, openEvent: false },
    });
    expect(stats.messages.update).toBe(frames.length);
    expect(stats.withdrawn).toBe(12);
  });

  it('publishes RIS peer states as peer alerts and a session going down to the detector', async () => {
    const clock = new VirtualClock(1_553_625_000_000);
    const alerts: AlertJson[] = [];
    live.watch = await watchRisLive({ url: live.server.url, selection: { asn: 131279 }, clock }, (alert) =>
      alerts.push(alert),
    );
    const w = live.watch;
    await waitFor('the subscriptions', () => live.server.subscriptionsOf(0).length === 2);
    expect(live.server.subscriptionsOf(0)).toEqual([{ type: 'UPDATE' }, { type: 'RIS_PEER_STATE' }]);
    const state = (state: string, timestamp: number): object => ({
      type: 'ris_message',
      data: {
        timestamp,
        peer: '195.66.224.59',
        peer_asn: '24931',
        id: 'x',
        host: 'rrc01',
        type: 'RIS_PEER_STATE',
        state,
      },
    });
    await live.server.send([state('down', 1_553_625_081.88), state('connected', 1_553_625_090)]);
    await waitFor('two messages handled', () => w.handled === 2);
    expect(alerts.map((a) => ({ ...a, wallTime: undefined }))).toEqual([
      {
        kind: 'peer-down',
        time: '2019-03-26T18:31:21.880Z',
        peer: '195.66.224.59',
        peerAsn: 24931,
        description: 'rrc01',
        state: 'down',
        wallTime: undefined,
      },
      {
        kind: 'peer-up',
        time: '2019-03-26T18:31:30.000Z',
        peer: '195.66.224.59',
        peerAsn: 24931,
        description: 'rrc01',
        wallTime: undefined,
      },
    ]);
    expect(w.stats().messages.peerState).toBe(2);
  });

  it('needs a selection', async () => {
    await expect(watchRisLive({ url: live.server.url, selection: {} }, () => {})).rejects.toMatchObject({
      code: 'CLI_BAD_OPTION',
    });
  });
});
