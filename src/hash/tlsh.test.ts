import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TlshHasher, parseTlsh, tlshDigest, tlshDistance, tlshResult } from './index.js';
import type { TlshOptions } from './index.js';
import { tlshKernel } from './tlsh-kernel.js';

// Expected outputs of the reference C++ build, from trendmicro/tlsh Testing/exp (data/fuzzy/PROVENANCE.md).
const FUZZY = fileURLToPath(new URL('../../data/fuzzy/', import.meta.url));
const TLSH_BIN = '/usr/bin/tlsh';

function read(rel: string): Buffer {
  return readFileSync(join(FUZZY, rel));
}

function tsv(rel: string): string[][] {
  return read(rel)
    .toString('utf8')
    .split(/\r?\n/)
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

/** `../Testing/example_data/x.txt` (older EXP files) and `example_data/x.txt` name the same file. */
function local(path: string): string {
  return path.replace(/^\.\.\/Testing\//, '');
}

const digests = new Map(tsv('tlsh/exp/example_data.128.1.len.out_EXP').map(([d, name]) => [name, d]));

describe('TLSH digests match the reference', () => {
  it('reproduces the 80 default digests (128 buckets, 1-byte checksum, T1 prefix)', () => {
    expect(digests.size).toBe(80);
    for (const [name, digest] of digests) {
      expect(digest.startsWith('T1')).toBe(true);
      expect(tlshDigest(read(name)), name).toBe(digest);
    }
    // The -xlen run prints the same digests: length only matters to the distance.
    expect(new Map(tsv('tlsh/exp/example_data.128.1.xlen.out_EXP').map(([d, n]) => [n, d]))).toEqual(digests);
  });

  it('reproduces them with the 1-byte checksum hasher (the WebAssembly kernel), whole and in pieces', () => {
    let kernelRuns = 0;
    for (const [name, digest] of digests) {
      const bytes = read(name);
      if (bytes.length >= 1024) kernelRuns++;
      expect(new TlshHasher({ oneByteChecksum: true }).update(bytes).digest(), name).toBe(digest);
      // Pieces of 700 and 3 bytes: the kernel and the JavaScript loop take turns on one hasher.
      const pieces = new TlshHasher({ oneByteChecksum: true });
      for (let at = 0, k = 0; at < bytes.length; k++) {
        const n = k % 2 === 0 ? 700 : 3;
        pieces.update(bytes.subarray(at, at + n));
        at += n;
      }
      expect(pieces.digest(), name).toBe(digest);
    }
    expect(kernelRuns).toBeGreaterThan(40);
    // The kernel was built (a module that fails to compile would leave the JavaScript loop to do
    // every run, and the digests above would not test it). Made on first use with the hasher's
    // table: the argument here is not read again.
    expect(tlshKernel(new Uint8Array(256))).toBeDefined();
  });

  it('the kernel agrees with the JavaScript loop past its 1 MiB slices', () => {
    // Not random bytes alone: text-like runs make the buckets (and the quartiles) uneven.
    const big = Buffer.alloc(3 * (1 << 20) + 12345);
    let seed = 7;
    for (let i = 0; i < big.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      big[i] = (i >> 12) % 3 === 0 ? 0x61 + ((seed >>> 16) % 6) : seed >>> 24;
    }
    const javascript = tlshDigest(big);
    expect(javascript).toMatch(/^T1[0-9A-F]{70}$/);
    expect(new TlshHasher({ oneByteChecksum: true }).update(big).digest()).toBe(javascript);
    const twoParts = new TlshHasher({ oneByteChecksum: true })
      .update(big.subarray(0, (1 << 20) + 1))
      .update(big.subarray((1 << 20) + 1));
    expect(twoParts.digest()).toBe(javascript);
    // Updates of 512 to 527 bytes in turn: the kernel reads 8 bytes a round, the rest one at a
    // time, and folds its partial counts at the end of every run.
    const ragged = new TlshHasher({ oneByteChecksum: true });
    for (let at = 0, n = 512; at < big.length; at += n, n = n === 527 ? 512 : n + 1) {
      ragged.update(big.subarray(at, at + n));
    }
    expect(ragged.digest()).toBe(javascript);
  });

  const variants: Array<[string, TlshOptions]> = [
    ['128.3', { checksumBytes: 3 }],
    ['256.1', { buckets: 256 }],
    ['256.3', { buckets: 256, checksumBytes: 3 }],
  ];
  for (const [variant, options] of variants) {
    it(`reproduces the 78 digests of the ${variant} build (pre-T1 form, 256-byte minimum)`, () => {
      const rows = tsv(`tlsh/exp/example_data.${variant}.len.out_EXP`);
      expect(rows).toHaveLength(78);
      for (const [digest, name] of rows) {
        const opts = { ...options, versionPrefix: false, conservative: true };
        expect(tlshDigest(read(local(name)), opts), name).toBe(digest);
        expect(tlshDistance(digest, digest)).toBe(0);
      }
    });

    it(`computes ${variant} distances word-wise exactly as the per-byte bucket-pair formula`, () => {
      const parsed = tsv(`tlsh/exp/example_data.${variant}.len.out_EXP`).map(([d]) => parseTlsh(d));
      let positive = 0;
      for (const a of parsed) {
        for (const b of parsed) {
          // Per 2-bit bucket code: |x - y|, except 0 vs 3 which counts 6 (the reference's table).
          let body = 0;
          for (let i = 0; i < a.body.length; i++) {
            for (let k = 0; k < 8; k += 2) {
              const d = Math.abs(((a.body[i] >> k) & 3) - ((b.body[i] >> k) & 3));
              body += d === 3 ? 6 : d;
            }
          }
          const header = tlshDistance({ ...a, body: b.body }, b);
          expect(tlshDistance(a, b)).toBe(header + body);
          // A plain object (no word view) takes the byte-table path and must agree.
          expect(tlshDistance({ ...a }, { ...b })).toBe(tlshDistance(a, b));
          if (body > 0) positive++;
        }
      }
      expect(positive).toBeGreaterThan(parsed.length * (parsed.length - 2));
    });
  }

  it('reproduces the small files: T1 form, old form, and none in conservative mode', () => {
    for (const name of ['small', 'small2']) {
      const bytes = read(`example_data/${name}.txt`);
      expect(bytes.length).toBeLessThan(256);
      const [[t1]] = tsv(`tlsh/exp/${name}.128.1.tlsh_EXP`);
      const [[old]] = tsv(`tlsh/exp/${name}.128.1.old.tlsh_EXP`);
      const [[cons]] = tsv(`tlsh/exp/${name}.128.1.cons.tlsh_EXP`);
      expect(tlshDigest(bytes)).toBe(t1);
      expect(tlshDigest(bytes, { versionPrefix: false })).toBe(old);
      expect(cons).toBe('TNULL');
      expect(tlshDigest(bytes, { conservative: true })).toBeUndefined();
      expect(tlshResult(bytes, { conservative: true }).reason).toBe('TOO_SHORT');
      // Both forms parse to the same value.
      expect(parseTlsh(t1)).toEqual(parseTlsh(old));
    }
  });

  it('reproduces simple_unittest: two strings, their digests, distances 121 and 97', () => {
    const lines = read('tlsh/exp/simple_unittest.128.1.EXP').toString('utf8').split(/\r?\n/);
    const value = (prefix: string): string => {
      const line = lines.find((l) => l.startsWith(prefix))!;
      return line.slice(line.indexOf('=') + 1).trim();
    };
    const str1 = value('str1 = ').replace(/^'|'$/g, '');
    const str2 = value('str2 = ').replace(/^'|'$/g, '');
    // The unit test hashes its 512- and 1024-byte buffers including the terminating NUL.
    expect([str1.length, str2.length]).toEqual([511, 1023]);
    const buf1 = Buffer.concat([Buffer.from(str1), Buffer.of(0)]);
    const buf2 = Buffer.concat([Buffer.from(str2), Buffer.of(0)]);
    const h1 = tlshDigest(buf1)!;
    const h2 = tlshDigest(buf2)!;
    expect(h1).toBe(value('hash1 = '));
    expect(h2).toBe(value('hash2 = '));
    expect(tlshDistance(h1, h1)).toBe(Number(value('difference (same strings)')));
    expect(tlshDistance(h1, h2)).toBe(121);
    expect(tlshDistance(h1, h2, { includeLength: false })).toBe(97);
    expect(Number(value('difference (with len)'))).toBe(121);
    // "multiple update calls" in the unit test: streaming gives the same digest.
    const hasher = new TlshHasher();
    for (let i = 0; i < buf1.length; i += 13) hasher.update(buf1.subarray(i, i + 13));
    expect(hasher.digest()).toBe(value('hash3 = '));
  });
});

describe('TLSH distances match the reference', () => {
  const cases: Array<[string, boolean]> = [
    ['example_data.128.1.len.scores_EXP', true],
    ['example_data.128.1.len.scores.2_EXP', true],
    ['example_data.128.1.xlen.scores_EXP', false],
    ['example_data.128.1.len.xref.scores_EXP', true],
    ['example_data.128.1.xlen.xref.scores_EXP', false],
  ];
  for (const [file, includeLength] of cases) {
    it(`reproduces ${file}`, () => {
      const rows = tsv(`tlsh/exp/${file}`);
      expect(rows.length).toBeGreaterThanOrEqual(80);
      for (const [a, b, score] of rows) {
        expect(tlshDistance(digests.get(a)!, digests.get(b)!, { includeLength }), `${a} vs ${b}`).toBe(
          Number(score),
        );
      }
    });
  }

  it('reproduces the -T 201 run: exactly the distances up to 201', () => {
    const rows = tsv('tlsh/exp/example_data.128.1.len.scores.2.T-201_EXP');
    const query = digests.get('example_data/website_course_descriptors06-07.txt')!;
    const expected = [...digests]
      .map(([name, d]) => ({ name, distance: tlshDistance(query, d) }))
      .filter((r) => r.distance <= 201)
      .map((r) => [r.name, String(r.distance)]);
    expect(rows.map(([, b, s]) => [b, s])).toEqual(expected);
  });

  it('reproduces the results_EXP listings (distance of each variant to its original)', () => {
    for (const [file, dir] of [
      ['example_data.results_EXP', 'example_data'],
      ['example_data_variants.results_EXP', 'example_data_variants'],
    ]) {
      const rows = tsv(`tlsh/exp/${file}`);
      expect(rows.length).toBeGreaterThan(5);
      for (const [a, b, score] of rows) {
        const da = tlshDigest(read(`${dir}/${a}`))!;
        const db = tlshDigest(read(`example_data/${b}`))!;
        expect(tlshDistance(da, db), `${a} vs ${b}`).toBe(Number(score));
      }
    }
  });
});

describe('TLSH cross-check with the installed tlsh tool (Debian tlsh-tools 3.4.4, no T1 prefix)', () => {
  it(`agrees with ${TLSH_BIN} on digests and all-pairs distances of edited inputs`, () => {
    if (!existsSync(TLSH_BIN)) {
      throw new Error(`${TLSH_BIN} is missing: install the Debian package tlsh-tools (CI does, in .ci/run)`);
    }
    const files = readdirSync(join(FUZZY, 'example_data')).sort();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-tlsh-'));
    try {
      const ours = new Map<string, string>();
      let state = 12345;
      const rand = (n: number): number => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return (state >>> 8) % n;
      };
      for (let k = 0; k < 120; k++) {
        const src = Buffer.from(read(`example_data/${files[k % files.length]}`));
        for (let i = 0; i < 1 + rand(40); i++) src[rand(src.length)] = rand(256);
        const bytes = src.subarray(0, 256 + rand(Math.max(1, src.length - 256)));
        if (bytes.length < 256) continue;
        const name = `m${k}`;
        writeFileSync(join(dir, name), bytes);
        const digest = tlshDigest(bytes, { versionPrefix: false });
        if (digest !== undefined) ours.set(name, digest);
      }
      const listing = execFileSync(TLSH_BIN, ['-r', '.'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
      const theirs = new Map(
        listing
          .trim()
          .split('\n')
          .map((l) => l.split('\t'))
          .map(([d, name]) => [name.replace(/^\.\//, ''), d]),
      );
      expect(theirs.size).toBeGreaterThan(100);
      expect(theirs).toEqual(ours);
      writeFileSync(join(dir, 'list.txt'), listing);
      for (const [flag, includeLength] of [
        [[], true],
        [['-xlen'], false],
      ] as const) {
        const out = execFileSync(TLSH_BIN, ['-xref', '-l', 'list.txt', ...flag], {
          cwd: dir,
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        });
        const lines = out.trim().split('\n');
        expect(lines.length).toBe((theirs.size * (theirs.size - 1)) / 2);
        for (const line of lines) {
          const [a, b, score] = line.split('\t');
          const name = (p: string): string => p.replace(/^\.\//, '');
          const got = tlshDistance(ours.get(name(a))!, ours.get(name(b))!, { includeLength });
          expect(got, `${a} vs ${b}`).toBe(Number(score));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TLSH refusals mirror the reference', () => {
  it('needs 50 bytes (256 conservative) and more than half of the buckets filled', () => {
    const text = Buffer.from(read('example_data/0Alice.txt').subarray(0, 49));
    expect(tlshResult(text)).toMatchObject({ digest: undefined, reason: 'TOO_SHORT' });
    expect(tlshDigest(read('example_data/0Alice.txt').subarray(0, 60))).toMatch(/^T1[0-9A-F]{70}$/);
    expect(tlshResult(new Uint8Array(100000))).toMatchObject({ digest: undefined, reason: 'TOO_UNIFORM' });
    expect(tlshResult(Buffer.from('ab'.repeat(500))).reason).toBe('TOO_UNIFORM');
  });
});
