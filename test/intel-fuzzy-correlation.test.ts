/**
 * Fuzzy-hash correlation end to end on real vectors: a case holding the ssdeep digest of a file
 * and a query holding the digest of an edited version of it are linked by `cairn intel similar`
 * through the ssdeep feature, with the score ssdeep 2.14.1 itself gives that pair
 * (data/fuzzy/ssdeep: digests and cross scores made with the reference tool).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const FUZZY = join(ROOT, 'data/fuzzy/ssdeep');
const dir = mkdtempSync(join(tmpdir(), 'cairn-fuzzy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function digests(file: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of readFileSync(join(FUZZY, file), 'utf8').split('\n').slice(1)) {
    const match = /^([^,]+),"(.+)"$/.exec(line.trim());
    if (match) map.set(match[2], match[1]);
  }
  return map;
}

describe('fuzzy-hash correlation', () => {
  it('links an edited file to the case holding the original, with the reference ssdeep score', () => {
    const originals = digests('ssdeep-2.14.1.example_data.txt');
    const variants = digests('ssdeep-2.14.1.example_data_variants.txt');
    const pairs = readFileSync(join(FUZZY, 'ssdeep-2.14.1.variants_vs_example_data.csv'), 'utf8')
      .split('\n')
      .map((line) => /^"(.+)","(.+)",(\d+)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[3]) >= 60);
    expect(pairs.length).toBeGreaterThan(0);
    const [, variant, original, score] = pairs[0];
    mkdirSync(join(dir, 'corpus'));
    writeFileSync(join(dir, 'corpus', 'earlier-case.csv'), `type,value\nssdeep,${originals.get(original)}\n`);
    writeFileSync(join(dir, 'query.csv'), `type,value\nssdeep,${variants.get(variant)}\n`);
    const result = spawnSync(
      process.execPath,
      [
        CLI,
        'intel',
        'similar',
        join(dir, 'query.csv'),
        '--corpus',
        join(dir, 'corpus'),
        '--json',
        '--no-progress',
      ],
      { encoding: 'utf8' },
    );
    expect(result.status, result.stderr).toBe(0);
    const similar = JSON.parse(result.stdout).similar;
    expect(similar[0].name).toBe('earlier-case');
    const evidence = similar[0].evidence.find((e: { feature: string }) => e.feature === 'ssdeep');
    // Units with indicators: the earlier case and the query (2); of those other than the query,
    // the earlier case alone holds a digest this near (1).
    expect(evidence.note).toBe(`ssdeep score ${score}; 1 of 2 unit(s) hold a digest this near`);
    expect(evidence.contribution).toBeGreaterThan(0);
    expect(evidence.candidate).toEqual([{ file: 'earlier-case.csv', line: 2 }]);
  });
});
