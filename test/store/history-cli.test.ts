/**
 * `cairn ingest` and `cairn history ...` in process (runCli), on the SYNTHETIC December 2014
 * replay (real routes, synthetic peers and timeline) cut into daily files. References: the
 * fixture's timeline (what was withdrawn when), and the store's own answers through app (the
 * CLI prints the app result as it is).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HistoryCountryChangesResult,
  HistoryDependencyResult,
  HistoryPrefixChangesResult,
  IngestResult,
  StoredOutageLine,
  VisibilityPointLine,
  historyVisibility,
} from '../../src/app/index.js';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { KP_ORIGIN, KP_PREFIXES, KP_UPSTREAM } from '../fixtures/synthetic-outage.js';
import { writeSyntheticFiles } from './synthetic-files.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-history-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const db = path.join(dir, 'store.duckdb');
const mrtDir = path.join(dir, 'mrt');

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** `cairn history <question> --db <db>` with each option as `--name value`, or `--name` for `true`. */
function history(question: string, options: Record<string, string | true> = {}) {
  const args = ['history', question, '--db', db];
  for (const [name, value] of Object.entries(options)) {
    args.push(`--${name}`);
    if (value !== true) args.push(value);
  }
  return cli(...args);
}

const lines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);

// The 22 December outage: every KP prefix withdrawn from 16:15 to 01:46 the next day.
const BEFORE = '2014-12-22T12:00:00Z';
const DURING = '2014-12-22T20:00:00Z';

beforeAll(async () => {
  await writeSyntheticFiles(mrtDir);
  const run = await cli('ingest', '--mrt', mrtDir, '--db', db, '--outage-country', 'KP', '--json');
  expect(run.code, run.err).toBe(0);
  const result = IngestResult.parse(JSON.parse(run.out));
  expect(result.ingested).toBeGreaterThanOrEqual(9);
});

describe('cairn ingest', () => {
  it('prints a summary, and adds nothing the second time', async () => {
    const run = await cli('ingest', '--mrt', mrtDir, '--db', db);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/0 files ingested, \d+ already there/);
  });

  it('refuses a bin width out of range', async () => {
    const run = await cli('ingest', '--mrt', mrtDir, '--db', db, '--bin', '0');
    expect(run.code).toBe(1);
    expect(run.err).toContain('--bin');
  });
});

describe('cairn history', () => {
  it('visibility: CSV and JSON lines are the app series; KP is dark during the outage', async () => {
    const app = await historyVisibility({ db, country: 'KP', from: BEFORE, to: DURING });
    expect(app.points.length).toBe((Date.parse(DURING) - Date.parse(BEFORE)) / 300000 + 1);
    const json = await history('visibility', { country: 'kp', from: BEFORE, to: DURING, json: true });
    expect(json.code, json.err).toBe(0);
    expect(lines(json.out).map((l) => VisibilityPointLine.parse(l))).toEqual(app.points);
    const csv = await history('visibility', { country: 'KP', from: BEFORE, to: DURING, csv: true });
    const rows = csv.out.trim().split('\n');
    expect(rows[0]).toBe('time,bin_start,ipv4_slash24s,ipv6_slash48s,prefixes,peers');
    expect(rows[1]).toBe(`2014-12-22T12:00:00.000Z,${Date.parse(BEFORE) / 1000},4,0,4,5`);
    expect(rows.at(-1)).toBe(`2014-12-22T20:00:00.000Z,${Date.parse(DURING) / 1000},0,0,0,0`);
    const prefix = await history('visibility', { prefix: KP_PREFIXES[1], from: BEFORE, to: BEFORE });
    expect(prefix.out).toMatch(/2014-12-22T12:00:00.000Z\s+1\s+0\s+1\s+5/);
    const asn = await history('visibility', { asn: `AS${KP_ORIGIN}`, from: DURING, to: DURING, json: true });
    expect(VisibilityPointLine.parse(lines(asn.out)[0]).ipv4Slash24s).toBe(0);
  });

  it('dependency: AS4837 carries KP, and the change against the previous snapshot is given', async () => {
    const run = await history('dependency', { country: 'KP', from: BEFORE, to: DURING, json: true });
    expect(run.code, run.err).toBe(0);
    const result = HistoryDependencyResult.parse(JSON.parse(run.out));
    const at = (time: string) => result.snapshots.find((s) => s.at === Date.parse(time) / 1000);
    const quiet = at('2014-12-22T16:00:00Z');
    expect(quiet?.dependency.find((d) => d.asn === KP_UPSTREAM)).toMatchObject({ hegemony: 1, change: 0 });
    expect(quiet?.upstreams.map((u) => u.asn)).toEqual([KP_UPSTREAM]);
    // The 17:00 snapshot is the first inside the outage: no route, no dependency.
    expect(at('2014-12-22T17:00:00Z')?.dependency).toEqual([]);
    const text = await history('dependency', { country: 'KP', from: BEFORE, to: BEFORE });
    expect(text.out).toContain(`AS${KP_UPSTREAM} CHINA169-BACKBONE 100.0%`);
  });

  it('outages: the list as JSON lines and as a table', async () => {
    const run = await history('outages', { country: 'KP', json: true });
    const events = lines(run.out).map((l) => StoredOutageLine.parse(l));
    const outage = events.find((e) => e.startTime.startsWith('2014-12-22T16:15'));
    expect(outage).toMatchObject({
      classification: 'sustained-outage',
      extent: 'full',
      selection: 'country KP',
    });
    expect(outage?.phases.map((p) => p.phase)).toContain('close');
    const during = await history('outages', { country: 'KP', from: DURING, to: DURING, json: true });
    expect(lines(during.out)).toHaveLength(1);
    const table = await history('outages', { country: 'KP' });
    expect(table.out).toContain('sustained-outage');
  });

  it('changes of a country: AS4837 lost as upstream when the outage began', async () => {
    const run = await history('changes', { country: 'KP', from: BEFORE, to: DURING, json: true });
    expect(run.code, run.err).toBe(0);
    const result = HistoryCountryChangesResult.parse(JSON.parse(run.out));
    expect(result.upstreamsLost.map((u) => u.asn)).toEqual([KP_UPSTREAM]);
    expect(result.upstreamsGained).toEqual([]);
    expect(result.dependencyMoved.find((d) => d.asn === KP_UPSTREAM)).toMatchObject({
      before: 1,
      after: 0,
      change: -1,
    });
    expect(result.outages).toBe(1);
    const same = await history('changes', { country: 'KP', from: BEFORE, to: BEFORE });
    expect(same.out).toContain('upstreams lost:   none');
  });

  it('changes of a prefix and of an AS: the origin withdrawn and back', async () => {
    const run = await history('changes', {
      prefix: KP_PREFIXES[0],
      kind: 'origin',
      from: BEFORE,
      to: '2014-12-23T06:00:00Z',
      json: true,
    });
    const result = HistoryPrefixChangesResult.parse(JSON.parse(run.out));
    expect(result.changes.map((c) => [c.time, c.before, c.after])).toEqual([
      ['2014-12-22T16:20:00.000Z', [KP_ORIGIN], []],
      ['2014-12-23T01:50:00.000Z', [], [KP_ORIGIN]],
    ]);
    // AS131279 is in the origin sets only (the upstream sets hold AS4837): two changes per prefix.
    const byAsn = await history('changes', {
      asn: String(KP_ORIGIN),
      from: BEFORE,
      to: '2014-12-23T06:00:00Z',
    });
    expect(byAsn.out.trim().split('\n')).toHaveLength(1 + 2 * KP_PREFIXES.length);
  });

  it('refuses what it cannot answer, with one line: exit code 1 for the question, 2 for a damaged store', async () => {
    const none = await history('visibility');
    expect(none.code).toBe(1);
    expect(none.err).toContain('exactly one of --country, --asn, --prefix');
    const inverted = await history('visibility', { country: 'KP', from: DURING, to: BEFORE });
    expect(inverted.code).toBe(1);
    expect(inverted.err).toContain('before --from');
    const badTime = await history('outages', { from: 'yesterday' });
    expect(badTime.code).toBe(1);
    expect(badTime.err).toContain('ISO 8601');
    const corrupt = path.join(dir, 'corrupt.duckdb');
    fs.writeFileSync(corrupt, 'not a database\n'.repeat(1000));
    const damaged = await cli('history', 'outages', '--db', corrupt);
    // An input that cannot be read is exit code 2, as for every other command (issue #18).
    expect(damaged.code).toBe(2);
    expect(damaged.err).toContain(corrupt);
  });
});
