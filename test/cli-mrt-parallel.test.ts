/**
 * `cairn mrt dump` and `mrt stats` with several files decode them in worker threads (the built
 * binary: workers run from dist/, so `npm run build` first): the output must be byte for byte the
 * output of one file at a time (--jobs 1) and bgpdump's over the same files (file order, record
 * order), including when a file in the middle is cut short, with and without --strict.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const MRT = join(ROOT, 'data/mrt');
// FILES[2] is the smaller of the two cut RIB excerpts (decoded 10 times here): the point is a cut
// file among whole ones; the other is read against bgpdump in mrt-conformance and cli-mrt.
const FILES = [
  'bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz',
  'ripe-bgpdump/updates.20160811.1600.gz',
  'pyasn/rib.20080501.0644_firstMB.bz2',
  'bgpkit/ripe/rrc15/2010.02/updates.20100227.1610.gz',
  'mrtparse-samples/openbgpd_rib_table-v2',
].map((f) => join(MRT, f));

function cairn(args: string[]): { stdout: Buffer; stderr: string; status: number | null } {
  const result = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 1 << 30 });
  return { stdout: result.stdout, stderr: result.stderr.toString(), status: result.status };
}

const dir = mkdtempSync(join(tmpdir(), 'cairn-mrt-parallel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
});

describe('mrt dump over several files in worker threads', () => {
  it('prints the bytes of one file at a time, and bgpdump -m over the same files', () => {
    const one = cairn(['mrt', 'dump', '--no-progress', '-q', '--jobs', '1', ...FILES]);
    const two = cairn(['mrt', 'dump', '--no-progress', '-q', '--jobs', '2', ...FILES]);
    // FILES[2] is a cut excerpt: everything is printed, then it is named and the exit code is 2.
    expect(one.status).toBe(2);
    expect(two.status).toBe(2);
    expect(two.stderr).toContain(`could not read an input: ${FILES[2]}`);
    expect(one.stdout.length).toBeGreaterThan(1_000_000);
    expect(Buffer.compare(one.stdout, two.stdout)).toBe(0);
    // bgpdump reads one file per run: its outputs one after the other.
    const reference = Buffer.concat(
      FILES.map((file) =>
        execFileSync('bgpdump', ['-m', file], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }),
      ),
    );
    expect(Buffer.compare(two.stdout, reference)).toBe(0);
  });

  it('prints the same JSON lines with 1 and 3 workers', () => {
    const args = ['mrt', 'dump', '--no-progress', '-q', '-f', 'jsonl', '-t', 'A', ...FILES.slice(0, 3)];
    const one = cairn([...args, '--jobs', '1']);
    const three = cairn([...args, '--jobs', '3']);
    expect(one.status).toBe(2); // FILES[2] is cut
    expect(three.status).toBe(2);
    expect(Buffer.compare(one.stdout, three.stdout)).toBe(0);
  });

  it('keeps the order and the problems when a file in the middle is cut short', () => {
    const plain = gunzipSync(readFileSync(FILES[1]));
    const cut = join(dir, 'cut.mrt');
    writeFileSync(cut, plain.subarray(0, Math.floor(plain.length / 2)));
    const files = [FILES[0], cut, FILES[3]];
    for (const strict of [[], ['--strict']]) {
      const one = cairn(['mrt', 'dump', '--no-progress', '--jobs', '1', ...strict, ...files]);
      const two = cairn(['mrt', 'dump', '--no-progress', '--jobs', '2', ...strict, ...files]);
      expect(two.status).toBe(one.status);
      expect(Buffer.compare(one.stdout, two.stdout)).toBe(0);
      expect(two.stderr).toBe(one.stderr);
      expect(one.stderr).toContain('MRT_TRUNCATED');
    }
  });
});

describe('mrt stats over several files in worker threads', () => {
  it('prints the same results, in file order, as one file at a time', () => {
    let json = '';
    for (const format of [[], ['--json']]) {
      const one = cairn(['mrt', 'stats', '--no-progress', '--jobs', '1', ...format, ...FILES]);
      const two = cairn(['mrt', 'stats', '--no-progress', '--jobs', '2', ...format, ...FILES]);
      expect(one.status).toBe(2); // FILES[2] is cut: its stats are printed, then it is named
      expect(two.status).toBe(2);
      expect(two.stderr).toBe(one.stderr);
      // Each result says how many jobs ran; the rest is the same text.
      const jobsLine = (n: number): string =>
        format.length === 0 ? `\njobs                   ${n} (files decoded at once)\n` : `,"jobs":${n}}`;
      const without = (text: string, n: number): string =>
        text.replaceAll(jobsLine(n), format.length === 0 ? '\n' : '}');
      const oneText = one.stdout.toString();
      const twoText = two.stdout.toString();
      expect(oneText.split(jobsLine(1)).length - 1).toBe(FILES.length);
      expect(twoText.split(jobsLine(2)).length - 1).toBe(FILES.length);
      expect(without(twoText, 2)).toBe(without(oneText, 1));
      json = two.stdout.toString();
    }
    const lines = json
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { file: string }).file);
    expect(lines).toEqual(FILES);
  });
});
