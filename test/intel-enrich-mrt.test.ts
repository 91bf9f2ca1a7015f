/**
 * Enrichment end to end with real routing data: `cairn intel show CASE --mrt FILE` places each IP
 * indicator on the routing map built from the RIPE RIS table of October 2015 (prefix, origin AS
 * and name, registry country, upstream) and flags internal host names as insider signals.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'cairn-enrich-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('intel enrichment from an MRT file', () => {
  it('gives a North Korean address its prefix, origin, upstream and country', () => {
    const file = join(dir, 'case.csv');
    writeFileSync(file, 'type,value\nipv4,175.45.178.1\nipv4,8.8.8.8\nhostname,SPEHOST0012\n');
    const result = spawnSync(
      process.execPath,
      [
        CLI,
        'intel',
        'show',
        file,
        '--json',
        '--no-progress',
        '--mrt',
        join(ROOT, 'data/mrt/ripe-bgpdump/updates.et-header.2015.gz'),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    expect(result.status, result.stderr).toBe(0);
    const shown = JSON.parse(result.stdout);
    const byValue = new Map(shown.indicators.map((i: { value: string }) => [i.value, i]));
    expect((byValue.get('175.45.178.1') as { enrichment: unknown }).enrichment).toMatchObject({
      prefix: '175.45.178.0/24',
      originAsns: [131279],
      originNames: ['STAR-KP'],
      upstreams: [4837],
      country: 'KP',
    });
    expect((byValue.get('8.8.8.8') as { enrichment: unknown }).enrichment).toMatchObject({
      prefix: '8.8.8.0/24',
      originAsns: [15169],
    });
    expect(shown.insiderSignals).toEqual([
      expect.objectContaining({
        value: 'spehost0012',
        reason: 'single-label',
        provenance: { file, line: 4 },
      }),
    ]);
  });
});
