/**
 * The `cairn mrt` commands and `cairn demo`: output equal to bgpdump through every decompressor
 * path the CLI takes (gzip, bzip2 native and in a worker thread, plain), filters, JSON lines, stats
 * and --strict, run in process with `runCli`; and end to end through the built binary (the test
 * script builds dist/ first) where the process is what is checked: a real stdout pipe, a PATH
 * without bzip2 tools, and the demo that `npm start` runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { bgpdumpText as runBgpdump } from './bgpdump-reference.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const MRT = join(ROOT, 'data/mrt');

/** The built binary in a child process. */
function spawnCairn(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 1 << 30, encoding: 'utf8', env });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

/** `cairn` in process, against a captured io. */
async function cairn(args: string[]): Promise<{ stdout: string; stderr: string; status: number }> {
  const io = captureIo();
  const status = await runCli(args, io);
  return { stdout: io.out(), stderr: io.err(), status };
}

/** bgpdump's text of each file, run once per file: several tests compare with the same file's. */
const bgpdumpText = new Map<string, string>();
afterAll(() => bgpdumpText.clear());

function bgpdump(file: string): string {
  let text = bgpdumpText.get(file);
  if (text === undefined) {
    text = runBgpdump(file);
    bgpdumpText.set(file, text);
  }
  return text;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
});

describe('cairn mrt dump', () => {
  for (const file of [
    'pyasn/rib.20140523.0600_firstMB.bz2',
    'libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2',
    'ripe-bgpdump/updates.20160811.1600.gz',
    'mrtparse-samples/openbgpd_rib_table-v2',
  ]) {
    it(`prints what bgpdump -m prints: ${file}`, async () => {
      const path = join(MRT, file);
      const result = await cairn(['mrt', 'dump', '--no-progress', '-q', path]);
      // The firstMB excerpt is cut: every route is printed, then it is named and the exit code is 2.
      expect(result.status).toBe(file.includes('firstMB') ? 2 : 0);
      expect(result.stdout === bgpdump(path)).toBe(true);
    });
  }

  it('decodes bzip2 in a worker thread when no native tool is on PATH, a cut file as bgpdump does', () => {
    const path = join(MRT, 'pyasn/rib.20140523.0600_firstMB.bz2');
    const emptyDir = mkdtempSync(join(tmpdir(), 'cairn-no-bzip2-'));
    const noTools = { ...process.env, PATH: emptyDir };
    try {
      const stats = JSON.parse(spawnCairn(['mrt', 'stats', '--json', path], noTools).stdout);
      expect(stats.decompressor).toBe('js-worker');
      expect(stats.problems.byCode.MRT_TRUNCATED_STREAM).toBe(1);
      const result = spawnCairn(['mrt', 'dump', '--no-progress', '-q', path], noTools);
      expect(result.status).toBe(2); // a cut file: printed in full, then named
      expect(result.stdout === bgpdump(path)).toBe(true);
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  it('skips a damaged bzip2 block alike with every decompressor, worker thread included, and exits 2', async () => {
    // Synthetic damage on real data: the sample's records up to 2 MiB (about 20 blocks once
    // recompressed in 100 kB blocks; the point is a damaged block among intact ones, and each
    // decompressor decodes it, our decoder again after a native tool fails), one bit flipped.
    // The whole sample is decoded by `mrt stats` below and against bgpdump in mrt-conformance.
    const sample = join(MRT, 'morrowc-mrtparser/updates.20260222.1530.bz2');
    const records = execFileSync('bzip2', ['-dc', sample], { maxBuffer: 1 << 30 });
    let end = 0;
    while (end + 12 <= records.length && end < 2 << 20) end += 12 + records.readUInt32BE(end + 8);
    const dir = mkdtempSync(join(tmpdir(), 'cairn-damaged-block-'));
    const intact = join(dir, 'intact.mrt');
    writeFileSync(intact, records.subarray(0, end));
    const blocks = execFileSync('bzip2', ['-1', '-c', intact], { maxBuffer: 1 << 30 });
    blocks[Math.floor(blocks.length * 0.3)] ^= 8;
    const path = join(dir, 'damaged.bz2');
    writeFileSync(path, blocks);
    try {
      const noTools = { ...process.env, PATH: dir };
      // The worker thread is what a PATH without bzip2 tools gets: the built binary with that
      // PATH. The decompressors chosen by name need no environment: run in process.
      const runs = [
        spawnCairn(['mrt', 'dump', '--no-progress', path], noTools),
        await cairn(['mrt', 'dump', '--no-progress', '--decompressor', 'lbzip2', path]),
        await cairn(['mrt', 'dump', '--no-progress', '--decompressor', 'bzip2', path]),
        await cairn(['mrt', 'dump', '--no-progress', '--decompressor', 'js', path]),
      ];
      const stats = JSON.parse(spawnCairn(['mrt', 'stats', '--json', path], noTools).stdout);
      expect(stats.decompressor).toBe('js-worker');
      expect(stats.problems.byCode).toEqual({ MRT_CORRUPT_STREAM: 1 });
      for (const run of runs) {
        expect(run.status).toBe(2);
        expect(run.stdout === runs[0].stdout).toBe(true);
        expect(run.stderr).toBe(runs[0].stderr);
      }
      expect(runs[0].stderr).toMatch(
        /MRT_CORRUPT_STREAM: bzip2 block \d+ at compressed bit \d+ .* skipped; decoding goes on/,
      );
      expect(runs[0].stderr).toContain(`could not read an input: ${path}`);
      // Every intact block's records are there: all but a block's worth of bgpdump's lines.
      const whole = bgpdump(intact).split('\n').length;
      const lines = runs[0].stdout.split('\n').length;
      expect(lines).toBeLessThan(whole);
      expect(lines).toBeGreaterThan(whole * 0.9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the problems of a truncated bzip2 file on stderr and still prints every route before them', async () => {
    const path = join(MRT, 'pyasn/rib.20080501.0644_firstMB.bz2');
    const result = await cairn(['mrt', 'dump', '--no-progress', path]);
    // No silent success: the cut file is named and the exit code is 2, after its routes.
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`could not read an input: ${path}`);
    expect(result.stdout.split('\n').length - 1).toBe(139291);
    expect(result.stderr).toMatch(/MRT_TRUNCATED_STREAM/);
    expect(result.stderr).toMatch(/MRT_TRUNCATED_RECORD: .*offset 9876131, TABLE_DUMP\/AFI_IPv4/);
  });

  it('filters by type, prefix, peer AS and origin AS', async () => {
    const path = join(MRT, 'ripe-bgpdump/updates.et-header.2015.gz');
    const kp = await cairn(['mrt', 'dump', '--prefix', '175.45.176.0/22', '--origin-as', '131279', path]);
    const expected = bgpdump(path)
      .split('\n')
      .filter((line) => /\|175\.45\.17[6-9]\.0\/24\|/.test(line));
    expect(kp.stdout.trim().split('\n')).toEqual(expected);
    const withdrawals = await cairn(['mrt', 'dump', '--type', 'W', path]);
    expect(withdrawals.stdout.trim().split('\n')).toHaveLength(3);
    const none = await cairn(['mrt', 'dump', '--peer-as', '1', path]);
    expect(none.stdout).toBe('');
  });

  it('writes JSON lines with typed fields', async () => {
    const path = join(MRT, 'ripe-bgpdump/updates.et-header.2015.gz');
    const result = await cairn(['mrt', 'dump', '--format', 'jsonl', '--prefix', '175.45.177.0/24', path]);
    const [element] = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(element).toMatchObject({
      type: 'A',
      peerAddress: '206.220.231.55',
      peerAsn: 3856,
      prefix: '175.45.177.0/24',
      asPath: '2914 1239 4837 131279',
      originAsns: [131279],
      nextHop: '129.250.10.57',
      localPref: 100,
      recordType: 'BGP4MP_ET',
    });
  });

  it('rejects a bad filter with a clear message and no stack trace', async () => {
    const result = await cairn([
      'mrt',
      'dump',
      '--prefix',
      '300.1.2.0/24',
      join(MRT, 'mrtparse-samples/quagga_bgp'),
    ]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/300\.1\.2\.0\/24/);
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('says so when a file does not exist', async () => {
    const result = await cairn(['mrt', 'dump', join(MRT, 'no-such-file')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no-such-file/);
  });
});

describe('cairn mrt stats', () => {
  it('counts records, elements, peers and prefixes (checked against bgpdump)', async () => {
    const path = join(MRT, 'ripe-bgpdump/updates.20100722.2015.gz');
    const stats = JSON.parse((await cairn(['mrt', 'stats', '--json', path])).stdout);
    const lines = bgpdump(path).trim().split('\n');
    const count = (type: string): number => lines.filter((l) => l.split('|')[2] === type).length;
    expect(stats.elements).toEqual({ A: count('A'), W: count('W'), B: 0, STATE: count('STATE') });
    expect(stats.records).toBe(2193);
    expect(stats.recordTypes).toEqual({
      'BGP4MP/MESSAGE': 789,
      'BGP4MP/MESSAGE_AS4': 1364,
      'BGP4MP/STATE_CHANGE_AS4': 40,
    });
    const peers = new Set(lines.map((l) => `${l.split('|')[3]}|${l.split('|')[4]}`));
    expect(stats.peers).toBe(peers.size);
    expect(stats.firstTimestamp).toBe('2010-07-22T20:15:01.000Z');
    expect(stats.lastTimestamp).toBe('2010-07-22T20:20:00.000Z');
    expect(stats.problems.count).toBe(0);
  });

  it('reports the bzip2 decompressor: the native tool for a complete stream and for a cut one', async () => {
    // .ci/run installs lbzip2 and bzip2; lbzip2 is preferred (it decodes on every core).
    const complete = JSON.parse(
      (await cairn(['mrt', 'stats', '--json', join(MRT, 'morrowc-mrtparser/updates.20260222.1530.bz2')]))
        .stdout,
    );
    expect(complete.decompressor).toBe('lbzip2');
    // A cut stream reaches lbzip2 with its end rebuilt; every complete block is decoded.
    const cut = JSON.parse(
      (await cairn(['mrt', 'stats', '--json', join(MRT, 'pyasn/rib.20140523.0600_firstMB.bz2')])).stdout,
    );
    expect(cut.decompressor).toBe('lbzip2');
    expect(cut.elements.B).toBe(270005);
    expect(cut.problems.byCode.MRT_TRUNCATED_STREAM).toBe(1);
    const truncation = cut.problems.first.find((p: { code: string }) => p.code === 'MRT_TRUNCATED_STREAM');
    expect(truncation).toMatchObject({ offset: 15_274_550 });
    expect(truncation.message).not.toContain('lbzip2');
  });

  it('reports the gzip decompressor, zlib by default, igzip or libdeflate when asked, same counts', async () => {
    const file = join(MRT, 'ripe-bgpdump/updates.20070211.0141.gz');
    const byZlib = JSON.parse((await cairn(['mrt', 'stats', '--json', file])).stdout);
    expect(byZlib.decompressor).toBe('zlib');
    for (const decompressor of ['igzip', 'libdeflate']) {
      const stats = JSON.parse(
        (await cairn(['mrt', 'stats', '--json', '--decompressor', decompressor, file])).stdout,
      );
      expect(stats.decompressor).toBe(decompressor);
      expect({ ...stats, decompressor: 'zlib' }).toEqual(byZlib);
    }
  });

  it('lists the problems of a RIB without a peer table', async () => {
    const path = join(MRT, 'pyasn/bview.20140112.1600_3samples.bz2');
    const stats = JSON.parse((await cairn(['mrt', 'stats', '--json', path])).stdout);
    expect(stats.problems.byCode).toEqual({ MRT_NO_PEER_INDEX: 3 });
    expect(stats.problems.first[0]).toMatchObject({ code: 'MRT_NO_PEER_INDEX', offset: 0 });
  });
});

describe('cairn demo (npm start)', () => {
  it("finds North Korea's four prefixes, their origin and the single upstream", async () => {
    const result = await cairn(['demo', '--json']);
    expect(result.status).toBe(0);
    const demo = JSON.parse(result.stdout);
    expect(demo.stats.elements.A).toBe(577737);
    expect(demo.northKorea.prefixes).toEqual([
      '175.45.176.0/24',
      '175.45.177.0/24',
      '175.45.178.0/24',
      '175.45.179.0/24',
    ]);
    expect(demo.northKorea.origins).toEqual([131279]);
    // The upstream is the observatory's (first AS outside KP), the one `cairn country KP` shows.
    expect(demo.northKorea.upstreams).toEqual([
      { asn: 4837, name: 'CHINA169-BACKBONE', country: 'CN', share: 1, routes: 4 },
    ]);
    // The shipped Sony case is analysed too (its ranking reflects the analyst's ratings).
    expect(demo.sonyCase.hypotheses.map((h: { id: string }) => h.id)).toEqual(['H1', 'H2', 'H3', 'H4']);
    expect(demo.sonyCase.ranking).toHaveLength(4);
  });

  it('runs as `npm start` runs it: the built binary prints the three sections', () => {
    const result = spawnCairn(['demo']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const text = result.stdout;
    expect(text).toMatch(/^1\. The decoder on a full table/m);
    expect(text).toContain(`\n${'  A'.padEnd(22)} 577,737\n`);
    expect(text).toMatch(
      /^2\. Routes toward North Korea's address space \(APNIC: KP, 4 \/24s registered, 4 visible\)$/m,
    );
    expect(
      text.match(
        /^ {3}175\.45\.17[6-9]\.0\/24 +via peer AS3856 {2}path 2914 1239 4837 131279 {2}upstream AS4837$/gm,
      ),
    ).toHaveLength(4);
    expect(text).toContain(
      '   upstream AS4837 CHINA169-BACKBONE (CN): 4 of 4 routes, 100% of the visible space',
    );
    expect(text).toContain('passes through AS4837: a single chokepoint.');
    expect(text).toMatch(/^3\. Competing hypotheses: /m);
  });
});

describe('the built binary', () => {
  it('writes bgpdump text to a real stdout pipe', () => {
    const path = join(MRT, 'ripe-bgpdump/updates.et-header.2015.gz');
    const result = spawnCairn(['mrt', 'dump', path]);
    expect(result.status).toBe(0);
    expect(result.stdout === bgpdump(path)).toBe(true);
  });

  it('ends quietly when the reader closes the pipe early', () => {
    const path = join(MRT, 'ripe-bgpdump/updates.et-header.2015.gz');
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" mrt dump "${path}" | head -n 3`], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').slice(0, 3)).toEqual(bgpdump(path).split('\n').slice(0, 3));
    expect(result.stderr).toBe('');
  });
});

describe('--strict', () => {
  it('stops at the first problem with exit code 2 and names it once', async () => {
    const path = join(MRT, 'pyasn/bview.20140112.1600_3samples.bz2');
    const strict = await cairn(['mrt', 'dump', '--strict', path]);
    expect(strict.status).toBe(2);
    expect(strict.stderr.trim().split('\n')).toEqual([
      `cairn: MRT_NO_PEER_INDEX: RIB record before any PEER_INDEX_TABLE (record skipped) (${path}, offset 0, TABLE_DUMP_V2/RIB_IPV4_UNICAST)`,
    ]);
    const lenient = await cairn(['mrt', 'dump', path]);
    expect(lenient.status).toBe(0);
    expect(lenient.stderr.match(/MRT_NO_PEER_INDEX/g)).toHaveLength(3);
  });
});
