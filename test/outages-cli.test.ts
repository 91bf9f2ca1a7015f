/**
 * `cairn outages` end to end on the synthetic December 2014 replay (written to a temporary file):
 * events as JSON lines, the CSV series, and --live without a collector, run in process (runCli).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NoDataLine,
  OutageBinLine,
  OutageEventLine,
  OutageLifecycleLine,
  SessionResetLine,
} from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { SYNTHETIC_TIMELINE, buildSyntheticOutage, loadRealRoutes } from './fixtures/synthetic-outage.js';

const FILE = fileURLToPath(new URL('../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url));
let dir: string;
let mrt: string;

async function run(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const io = captureIo();
  const exitCode = await runCli(['outages', ...args], io);
  return { stdout: io.out(), stderr: io.err(), exitCode };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-outages-'));
  mrt = join(dir, 'synthetic-outage-201412.mrt');
  await writeFile(mrt, buildSyntheticOutage(await loadRealRoutes(FILE)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cairn outages', () => {
  it('prints the events as JSON lines and writes the CSV series', async () => {
    const csv = join(dir, 'kp.csv');
    const { stdout, exitCode } = await run([
      '--mrt',
      mrt,
      '--asn',
      '131279',
      '--json',
      '--no-progress',
      '--csv',
      csv,
    ]);
    expect(exitCode).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Every line is one of the app's shapes (the API serves the same objects).
    const schemas = {
      event: OutageEventLine,
      bin: OutageBinLine,
      'session-reset': SessionResetLine,
      lifecycle: OutageLifecycleLine,
      'no-data': NoDataLine,
    };
    for (const l of lines) schemas[l.type as keyof typeof schemas].parse(l);
    const closed = lines.filter((l) => l.type === 'event' && l.phase === 'close');
    expect(closed.map((e) => e.classification)).toEqual(SYNTHETIC_TIMELINE.map((e) => e.classification));
    expect(closed[4].startTime).toMatch(/^2014-12-22T16:15:/);
    expect(closed[4].cause).toBe('origin-withdrawal');
    expect(closed[6].cause).toBe('upstream-path-loss');
    // Opened as they happened, before the final list.
    expect(lines.filter((l) => l.phase === 'open').length).toBe(SYNTHETIC_TIMELINE.length);
    expect(lines.filter((l) => l.type === 'session-reset')).toHaveLength(1);
    // The life cycle as it happened: each event opened, then recovered with its exact end.
    const lifecycle = lines.filter((l) => l.type === 'lifecycle');
    expect(lifecycle.filter((l) => l.step === 'opened')).toHaveLength(SYNTHETIC_TIMELINE.length);
    const recovered = lifecycle.filter((l) => l.step === 'recovered');
    expect(recovered.map((l) => l.eventId)).toEqual(closed.map((e) => e.id));
    recovered.forEach((l, i) => expect(l.time).toBe(closed[i].end));
    expect(closed.every((e) => e.endReason === 'recovered')).toBe(true);
    // Life-cycle lines are streamed before the final list of events.
    expect(lines.indexOf(recovered.at(-1)!)).toBeLessThan(lines.indexOf(closed[0]));
    const bins = lines.filter((l) => l.type === 'bin');
    // Contiguous 5-minute bins from the first record to the last one (27 Dec, late evening).
    expect(bins[0].time).toBe('2014-12-19T00:00:00.000Z');
    bins.forEach((b, i) => expect(b.start).toBe(Date.parse('2014-12-19') / 1000 + i * 300));
    expect(String(bins[bins.length - 1].time)).toMatch(/^2014-12-27T2/);
    const text = await readFile(csv, 'utf8');
    const rows = text.trim().split('\n');
    expect(rows[0]).toBe(
      'time,value,minimum,ipv4_slash24s,ipv6_slash48s,visible_prefixes,full_feed_peers,baseline,in_event',
    );
    expect(rows.length - 1).toBe(bins.length);
    expect(rows).toContain('2014-12-22T20:00:00.000Z,0,0,0,0,0,5,4,1');
  });

  it('prints a table for people with the prefix selection', async () => {
    const { stdout, exitCode } = await run(['--mrt', mrt, '--prefix', '175.45.176.0/22', '--no-progress']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('sustained-outage full critical');
    expect(stdout).toContain('(9h31m)');
    expect(stdout).toMatch(/recovered at 2014-12-23T01:46:14\.\d{3}Z after 9h31m/);
    expect(stdout).toContain('coverage: 5 of 5 full-feed peers lost routes, 0 kept them');
    expect(stdout).toContain('session reset (not an outage): AS64498 192.0.2.3');
  });

  it('--live says so when no collector serves the alert socket', async () => {
    const socket = join(tmpdir(), `cairn-test-no-collector-${process.pid}-${Date.now()}.sock`);
    const { stderr, exitCode } = await run(['--live', '--socket', socket, '--country', 'KP']);
    expect(exitCode).toBe(1);
    expect(stderr).toContain(`no collector is running with an alert socket at ${socket}`);
  });

  it('bad options are one clear error', async () => {
    const { stderr, exitCode } = await run(['--mrt', mrt, '--asn', '131279', '--country', 'KP']);
    expect(exitCode).toBe(1);
    expect(stderr).toContain('exactly one of');
    const bad = await run(['--mrt', mrt, '--asn', '131279', '--bin', '-5']);
    expect(bad.exitCode).toBe(1);
  });
});
