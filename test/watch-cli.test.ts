/**
 * `cairn watch --ris-live`, run in process (runCli) against a local RIS Live server on
 * 127.0.0.1 that replays the generated KP outage timeline (test/fixtures/ris-live-generated.ts)
 * with garbage in between: alerts as JSON lines (or escaped text) as they happen, problems on
 * stderr, and the stats line after SIGINT. `--time-scale` makes wall time between messages count
 * for almost nothing, so the alerts' times are the messages' own.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertJson, WatchStats, mrtStats } from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import {
  REANNOUNCE_AT,
  TIMELINE_SPREAD,
  WITHDRAW_AT,
  syntheticOutageTimeline,
} from './fixtures/ris-live-generated.js';
import { RisLiveTestServer, waitFor } from './fixtures/ris-live-server.js';

const DEMO = fileURLToPath(new URL('../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url));
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

let server: RisLiveTestServer;
beforeEach(async () => {
  server = await RisLiveTestServer.start();
});
afterEach(async () => {
  await server.close();
});

async function watchTimeline(extra: string[]): Promise<{ code: number; out: string; err: string }> {
  const frames = await syntheticOutageTimeline(DEMO);
  const io = captureIo();
  const running = runCli(
    [
      'watch',
      '--ris-live',
      '--url',
      server.url,
      '--country',
      'KP',
      '--host',
      'rrc00',
      '--time-scale',
      '0.000001',
      ...extra,
    ],
    io,
  );
  await waitFor('the subscriptions', () => server.subscriptionsOf(0).length === 2);
  const half = frames.findIndex((f) => f.time >= WITHDRAW_AT);
  await server.send(frames.slice(0, half).map((f) => f.frame));
  await server.send([
    '{"type": "ris_message", "data": {"timestamp": 1',
    { type: 'ris_surprise', data: null },
  ]);
  await server.send(frames.slice(half).map((f) => f.frame));
  await waitFor('the outage-close alert', () => io.out().includes('outage-close'));
  process.emit('SIGINT');
  const code = await running;
  return { code, out: io.out(), err: io.err() };
}

describe('cairn watch --ris-live', () => {
  it('prints the alerts as JSON lines and the stats after SIGINT', async () => {
    const { code, out, err } = await watchTimeline(['--json']);
    expect(code).toBe(0);
    const lines = out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string });
    const stats = WatchStats.parse(lines.at(-1));
    const alerts = lines.slice(0, -1).map((line) => AlertJson.parse(line));
    expect(alerts.map((a) => a.kind)).toEqual([
      'outage-detector-ready',
      'outage-open',
      'outage-update',
      'outage-close',
      'outage-recovery',
    ]);
    expect(alerts[1]).toMatchObject({ start: iso(WITHDRAW_AT + TIMELINE_SPREAD), selection: 'country KP' });
    expect(alerts[3]).toMatchObject({ end: iso(REANNOUNCE_AT + TIMELINE_SPREAD), classification: 'outage' });
    expect(stats).toMatchObject({
      selection: 'country KP',
      peers: 3,
      problems: 2,
      connection: { malformed: 1, unknownTypes: 1, connections: 1 },
      detector: { openEvent: false },
    });
    const problemLines = err.trimEnd().split('\n');
    expect(problemLines).toHaveLength(2);
    expect(problemLines[0]).toMatch(/^cairn: RIS_LIVE_BAD_JSON: .*\[connection 1, message \d+\]/);
    expect(problemLines[1]).toMatch(/^cairn: RIS_LIVE_UNKNOWN_TYPE: unknown message type "ris_surprise"/);
  });

  it('prints text lines without --json', async () => {
    const { code, out } = await watchTimeline([]);
    expect(code).toBe(0);
    expect(out).toMatch(/^outage-detector-ready /m);
    expect(out).toMatch(
      /^outage-open \S+ #1 country KP blip full critical: lost 100\.0%, 4 prefixes, cause origin-withdrawal; 175\.45\./m,
    );
    expect(out).toMatch(/^outage-close \S+ #1 country KP outage full critical: .*, 45 min, severity \d+ s;/m);
    expect(out).toMatch(
      /^watched country KP on ws:\/\/127\.0\.0\.1:\d+\/v1\/ws\/\?client=cairn from 2014-12-22T00:00:00\.000Z/m,
    );
    expect(out).toMatch(
      /^connection: 1 opened, 0 reconnects, \d+ frames, 0 dropped, 1 malformed, 0 invalid, 1 unknown types/m,
    );
  });

  it('starts from a RIB dump with --rib and says so in the stats', async () => {
    // A whole RIB dump: a cut one (the pyasn firstMB excerpts) is an input read in part, which
    // stops the watch before it starts (exit 2, tested below).
    const rib = fileURLToPath(new URL('../data/mrt/ripe-bgpdump/bview.20020722.2337.gz', import.meta.url));
    const io = captureIo();
    const running = runCli(
      ['watch', '--ris-live', '--url', server.url, '--country', 'JP', '--rib', rib, '--json'],
      io,
    );
    // The RIB loads before the connection opens: a hang bound, not a timing.
    await waitFor('the subscriptions', () => server.subscriptionsOf(0).length === 2, 120_000);
    process.emit('SIGINT');
    expect(await running).toBe(0);
    const stats = WatchStats.parse(JSON.parse(io.out().trimEnd().split('\n').at(-1)!));
    // What the dump holds, read by `mrt stats`'s own scan.
    const dump = await mrtStats({ file: rib });
    expect(dump.problems.count).toBe(0);
    expect(stats.rib).toMatchObject({
      files: [rib],
      elements: dump.elements.B,
      peers: dump.peers,
      time: dump.lastTimestamp,
    });
    expect(stats.detector.trackedPrefixes).toBeGreaterThan(50);
  });

  it('ends with exit 2 naming a RIB that is not there', async () => {
    const io = captureIo();
    const args = [
      'watch',
      '--ris-live',
      '--url',
      server.url,
      '--country',
      'KP',
      '--rib',
      '/nonexistent/bview.gz',
    ];
    expect(await runCli(args, io)).toBe(2);
    expect(io.err()).toMatch(/\/nonexistent\/bview\.gz/);
  });

  it('ends with exit 2, not watching, on a RIB dump that is cut (read only in part)', async () => {
    const cut = fileURLToPath(new URL('../data/mrt/pyasn/rib.20140523.0600_firstMB.bz2', import.meta.url));
    const io = captureIo();
    const args = ['watch', '--ris-live', '--url', server.url, '--country', 'VN', '--rib', cut];
    expect(await runCli(args, io)).toBe(2);
    expect(io.err()).toMatch(/MRT_TRUNCATED_STREAM/);
    expect(io.err()).toMatch(/rib\.20140523\.0600_firstMB\.bz2: not watching/);
  });

  it('refuses a call without --ris-live, a selection, or a ws URL', async () => {
    for (const [args, pattern] of [
      [['watch', '--country', 'KP'], /--ris-live/],
      [['watch', '--ris-live', '--url', server.url], /--country, --asn, --prefix/],
      [['watch', '--ris-live', '--url', 'http://127.0.0.1:1/', '--country', 'KP'], /RIS_LIVE_BAD_OPTION/],
    ] as const) {
      const io = captureIo();
      expect(await runCli([...args], io)).toBe(1);
      expect(io.err()).toMatch(pattern);
    }
  });
});
