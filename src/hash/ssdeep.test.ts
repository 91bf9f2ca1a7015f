import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CairnError } from '../errors/index.js';
import {
  SsdeepHasher,
  parseSsdeep,
  parseSsdeepFile,
  ssdeepCompare,
  ssdeepCompareParsed,
  ssdeepDigest,
} from './index.js';
import {
  KERNEL_BLOCKHASHES,
  KERNEL_INPUT,
  KERNEL_LEVELS,
  KERNEL_SLICE,
  PAIR_MASK,
  SLOT_FORK_REDUCE,
  SLOT_H1,
  SLOT_LEVEL,
  SLOT_LIVE,
  SLOT_PAIRS,
  SLOT_Q,
  SLOT_START,
  divisors,
  preferSsdeepKernel,
  ssdeepKernel,
  ssdeepKernelOf,
  type SsdeepKernel,
} from './ssdeep-kernel.js';

// Vectors made with Debian ssdeep 2.14.1 over trendmicro's example files (data/fuzzy/PROVENANCE.md).
const FUZZY = fileURLToPath(new URL('../../data/fuzzy/', import.meta.url));
const SSDEEP_BIN = '/usr/bin/ssdeep';

function read(rel: string): Buffer {
  return readFileSync(join(FUZZY, rel));
}

function csvRows(rel: string): string[][] {
  return read(rel)
    .toString('utf8')
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(',').map((f) => f.replace(/^"|"$/g, '')));
}

const exampleSigs = parseSsdeepFile(read('ssdeep/ssdeep-2.14.1.example_data.txt').toString('utf8'));
const variantSigs = parseSsdeepFile(read('ssdeep/ssdeep-2.14.1.example_data_variants.txt').toString('utf8'));
const byName = new Map([...exampleSigs, ...variantSigs].map((s) => [s.name, s.digest.text]));

describe('ssdeep digests match ssdeep 2.14.1', () => {
  it('reproduces all 80 example_data and 31 variant digests', () => {
    expect(exampleSigs).toHaveLength(80);
    expect(variantSigs).toHaveLength(31);
    for (const { name, digest } of [...exampleSigs, ...variantSigs]) {
      expect(ssdeepDigest(read(name)), name).toBe(digest.text);
    }
  });

  it('gives the same digest whatever the chunking of a streamed input', () => {
    for (const { name, digest } of exampleSigs.slice(0, 25)) {
      const bytes = read(name);
      for (const size of [1, 3, 7, 13, 64, 4095]) {
        const hasher = new SsdeepHasher();
        for (let i = 0; i < bytes.length; i += size) hasher.update(bytes.subarray(i, i + size));
        expect(hasher.digest(), `${name} in ${size}-byte chunks`).toBe(digest.text);
      }
    }
  });

  it('gives the same digest with the total length declared in advance, and checks it', () => {
    for (const { name, digest } of exampleSigs.slice(0, 25)) {
      const bytes = read(name);
      for (const size of [1, 13, 4095]) {
        const hasher = new SsdeepHasher().setTotalLength(bytes.length);
        for (let i = 0; i < bytes.length; i += size) hasher.update(bytes.subarray(i, i + size));
        expect(hasher.digest(), `${name} in ${size}-byte chunks, length declared`).toBe(digest.text);
      }
    }
    const bytes = read(exampleSigs[0].name);
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return (err as CairnError).code;
      }
      return undefined;
    };
    expect(code(() => new SsdeepHasher().setTotalLength(10).update(bytes))).toBe('HASH_LENGTH_MISMATCH');
    expect(
      code(() =>
        new SsdeepHasher()
          .setTotalLength(bytes.length + 1)
          .update(bytes)
          .digest(),
      ),
    ).toBe('HASH_LENGTH_MISMATCH');
    expect(code(() => new SsdeepHasher().setTotalLength(5).setTotalLength(6))).toBe('HASH_LENGTH_MISMATCH');
    expect(code(() => new SsdeepHasher().setTotalLength(-1))).toBe('HASH_BAD_LENGTH');
    expect(code(() => new SsdeepHasher().setTotalLength(1.5))).toBe('HASH_BAD_LENGTH');
    expect(code(() => new SsdeepHasher().setTotalLength(2 ** 60))).toBe('HASH_INPUT_TOO_LARGE');
  });

  it('reproduces the edge vectors', () => {
    const rows = csvRows('ssdeep/ssdeep-2.14.1.edge_vectors.csv').slice(1);
    const seq = new Uint8Array(256 * 64).map((_, i) => i & 255);
    const lorem = Buffer.from('The quick brown fox jumps over the lazy dog\n'.repeat(200));
    const inputs: Record<string, Uint8Array> = {
      a: Buffer.from('a'),
      empty: new Uint8Array(0),
      lorem,
      seq256x64: seq,
      zeros4096: new Uint8Array(4096),
      zeros65536: new Uint8Array(65536),
    };
    expect(rows.map((r) => r[0]).sort()).toEqual(Object.keys(inputs).sort());
    for (const row of rows) {
      const digest = row[row.length - 1];
      expect(ssdeepDigest(inputs[row[0]]), row[0]).toBe(digest);
    }
  });

  it('reproduces the 320 prefix digests and their scores against the whole file', () => {
    const rows = csvRows('ssdeep/ssdeep-2.14.1.prefix_vectors.csv');
    expect(rows[0]).toEqual([
      'file',
      'file_size',
      'prefix_bytes',
      'ssdeep_prefix',
      'ssdeep_full',
      'score_prefix_vs_full',
    ]);
    const data = rows.slice(1);
    expect(data).toHaveLength(320);
    const scores = new Set<number>();
    for (const [file, size, prefix, digestPrefix, digestFull, score] of data) {
      const bytes = read(`example_data/${file}`);
      expect(bytes.length).toBe(Number(size));
      expect(ssdeepDigest(bytes.subarray(0, Number(prefix))), `${file}[0:${prefix}]`).toBe(digestPrefix);
      expect(ssdeepCompare(digestPrefix, digestFull), `${file}[0:${prefix}] vs whole`).toBe(Number(score));
      scores.add(Number(score));
    }
    expect(scores.size).toBeGreaterThan(30);
  });
});

describe('ssdeep comparison matches ssdeep -a -k', () => {
  it('reproduces all 6,400 example_data pairs', () => {
    const rows = csvRows('ssdeep/ssdeep-2.14.1.example_data.allpairs.csv');
    expect(rows).toHaveLength(6400);
    for (const [a, b, score] of rows) {
      expect(ssdeepCompare(byName.get(a)!, byName.get(b)!), `${a} vs ${b}`).toBe(Number(score));
    }
  });

  it('reproduces all 2,480 variant x example_data pairs, 9 of them non-zero', () => {
    const rows = csvRows('ssdeep/ssdeep-2.14.1.variants_vs_example_data.csv');
    expect(rows).toHaveLength(2480);
    let nonZero = 0;
    for (const [a, b, score] of rows) {
      const got = ssdeepCompare(byName.get(a)!, byName.get(b)!);
      expect(got, `${a} vs ${b}`).toBe(Number(score));
      expect(ssdeepCompare(byName.get(b)!, byName.get(a)!), `${b} vs ${a}`).toBe(Number(score));
      if (got > 0) nonZero++;
    }
    expect(nonZero).toBe(9);
    expect(
      ssdeepCompare(
        byName.get('example_data_variants/1english-only.txt.plus')!,
        byName.get('example_data/1english-only.txt')!,
      ),
    ).toBe(79);
  });

  it('scores identical digests 100 even when too short to share a 7-gram', () => {
    expect(ssdeepCompare('3:E:E', '3:E:E')).toBe(100);
    expect(ssdeepCompare('3::', '3::')).toBe(100);
    // Runs longer than 3 are cut before comparing, so these are identical too.
    expect(ssdeepCompare('3:AAAAAB:C', '3:AAAB:C')).toBe(100);
    expect(ssdeepCompare('3:E:E', '6:E:E')).toBe(0);
    expect(ssdeepCompare('3:E:E', '12:E:E')).toBe(0);
  });
});

/** A deterministic xorshift32 generator: each call gives a number below `n`. */
function xorshift(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

/** Deterministic bytes of three kinds: random, text-like (repeated words) and long runs of one byte. */
function generated(length: number, kind: number, seed: number): Uint8Array {
  let state = seed | 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const out = new Uint8Array(length);
  const words = [
    'GET /gate.php?id=',
    'password=',
    '\\\\fs01\\share ',
    '10.0.0.',
    'http://c2.example.com/',
    '\n',
  ];
  for (let i = 0; i < length;) {
    if (kind === 0) out[i++] = next() & 255;
    else if (kind === 1) {
      const w = words[next() % words.length] + String(next() % 1000);
      for (let k = 0; k < w.length && i < length; k++) out[i++] = w.charCodeAt(k);
    } else {
      const run = 1 + (next() % 3000);
      const b = next() & 255;
      for (let k = 0; k < run && i < length; k++) out[i++] = b;
    }
  }
  return out;
}

/** The digest of `bytes` fed in pieces of the given sizes (repeated until the input is used up). */
function pieces(bytes: Uint8Array, sizes: readonly number[], declare: boolean): string {
  const hasher = new SsdeepHasher();
  if (declare) hasher.setTotalLength(bytes.length);
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const n = sizes[k % sizes.length];
    hasher.update(bytes.subarray(i, i + n));
    i += n;
  }
  return hasher.digest();
}

// Each kind of kernel: the vector one (block hashes in v128 lanes, the default) and the scalar
// one (i32 locals, where the engine rejects SIMD).
describe.each(['vector', 'scalar'] as const)(
  'the %s WebAssembly kernel (updates of 256 bytes or more) and the JavaScript loops agree',
  (kind) => {
    beforeAll(() => preferSsdeepKernel(kind));
    afterAll(() => preferSsdeepKernel(undefined));

    it('runs here (without it these tests would compare the JavaScript loops with themselves)', () => {
      expect(ssdeepKernel()?.kind).toBe(kind);
    });

    it('reproduces the reference digests fed in pieces that alternate kernel and loops, split anywhere', () => {
      for (const { name, digest } of exampleSigs.slice(0, 40)) {
        const bytes = read(name);
        // 255 and 256: just below and at the kernel's threshold; 6 then the rest: the kernel starts
        // on a window that is part old input, part the previous update.
        for (const sizes of [[256], [255], [257, 3], [6, bytes.length], [1, 300, 2, 1000]]) {
          expect(pieces(bytes, sizes, false), `${name} in pieces ${sizes.join(',')}`).toBe(digest.text);
          expect(pieces(bytes, sizes, true), `${name} in pieces ${sizes.join(',')}, length declared`).toBe(
            digest.text,
          );
        }
      }
      // Two pieces cut at every offset of the first 700 bytes and of a stretch in the middle: every
      // position relative to the trigger points and the rolling window.
      const { name, digest } = exampleSigs.find((s) => read(s.name).length > 20000)!;
      const bytes = read(name);
      const mid = bytes.length >> 1;
      for (const cut of [
        ...Array.from({ length: 700 }, (_, i) => i),
        ...Array.from({ length: 300 }, (_, i) => mid + i),
      ]) {
        const hasher = new SsdeepHasher().update(bytes.subarray(0, cut)).update(bytes.subarray(cut));
        expect(hasher.digest(), `${name} cut at ${cut}`).toBe(digest.text);
      }
    });

    it('gives what the loops give on 400 generated inputs of random lengths, whole and in small pieces', () => {
      let state = 0x2545f491;
      const rand = (n: number): number => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return (state >>> 8) % n;
      };
      for (let t = 0; t < 400; t++) {
        const length = t % 4 === 0 ? 250 + rand(20) : rand(t % 3 === 0 ? 300000 : 40000);
        const bytes = generated(length, t % 3, 0x9e3779b9 + t);
        const declare = t % 2 === 0;
        // Whole: the kernel (from 256 bytes); 255-byte pieces: only the JavaScript loops.
        const loops = pieces(bytes, [255], declare);
        expect(
          declare ? ssdeepDigest(bytes) : pieces(bytes, [Math.max(1, length)], false),
          `input ${t}, ${length} bytes`,
        ).toBe(loops);
      }
    });

    it('emits the characters of trigger points itself: it returns only to fork or reduce a block hash', () => {
      const kernel = ssdeepKernel()!;
      const original = kernel.run;
      const widest = kernel.widths.length - 1;
      const runs = kernel.widths.map(() => 0);
      const hashed = kernel.widths.map(() => 0);
      // Bytes hashed with more than 5 block hashes live.
      let wide = 0;
      kernel.run = original.map((run, width) => (p: number, stop: number) => {
        const live = kernel.state[SLOT_LIVE];
        const next = run(p, stop);
        runs[width]++;
        hashed[width] += next - p;
        if (live > 5) wide += next - p;
        return next;
      });
      try {
        for (const input of [0, 1]) {
          const bytes = generated(60000, input, 0x51ed + input);
          runs.fill(0);
          wide = 0;
          expect(ssdeepDigest(bytes)).toBe(pieces(bytes, [255], true));
          // Some 300 trigger points here, of which a handful fork or reduce (about 15 runs).
          expect(
            runs.reduce((a, b) => a + b),
            `input ${input}: runs ${runs.join(',')}`,
          ).toBeLessThan(40);
          // Reduced as ssdeep reduces (the length declared): most bytes with few block hashes live.
          expect(wide, `input ${input}: bytes per width ${hashed.join(',')}`).toBeLessThan(bytes.length / 4);
        }
        // A stream of unknown length keeps more than 8 block hashes live (until they are reduced):
        // those bytes go through the widest function, not the JavaScript loops.
        const bytes = generated(60000, 0, 0x51ed);
        hashed.fill(0);
        expect(new SsdeepHasher().update(bytes).digest()).toBe(pieces(bytes, [255], false));
        expect(hashed[widest], `bytes per width ${hashed.join(',')}`).toBeGreaterThan(0);
      } finally {
        kernel.run = original;
      }
    });

    it("agrees with /usr/bin/ssdeep past the kernel's 1 MiB slices, whole and in pieces", () => {
      if (!existsSync(SSDEEP_BIN)) {
        throw new Error(`${SSDEEP_BIN} is missing: install the Debian package ssdeep (CI does, in .ci/run)`);
      }
      const dir = mkdtempSync(join(tmpdir(), 'cairn-ssdeep-'));
      try {
        const inputs = [
          { name: 'random', bytes: generated(KERNEL_SLICE * 2 + 12345, 0, 7) },
          { name: 'text', bytes: generated(KERNEL_SLICE + 3, 1, 8) },
          { name: 'runs', bytes: generated(KERNEL_SLICE * 3 - 5, 2, 9) },
        ];
        for (const { name, bytes } of inputs) writeFileSync(join(dir, name), bytes);
        const theirs = execFileSync(SSDEEP_BIN, ['-s', '-b', ...inputs.map((i) => i.name)], {
          cwd: dir,
          encoding: 'utf8',
        })
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.slice(0, line.lastIndexOf(',')));
        expect(theirs).toHaveLength(inputs.length);
        inputs.forEach(({ name, bytes }, i) => {
          expect(ssdeepDigest(bytes), name).toBe(theirs[i]);
          expect(pieces(bytes, [KERNEL_SLICE - 1, 7, 300000], false), `${name} in pieces`).toBe(theirs[i]);
          expect(pieces(bytes, [KERNEL_SLICE + 1], true), `${name} in pieces, length declared`).toBe(
            theirs[i],
          );
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describe('the vector kernel, lane by lane, against the scalar one', () => {
  /** The digest state and the live block hashes after a run, for comparison. */
  function snapshot(kernel: SsdeepKernel, live: number, next: number): Record<string, unknown> {
    const level = kernel.state[SLOT_LEVEL];
    return {
      next,
      rolling: Array.from(kernel.state.subarray(SLOT_H1, SLOT_H1 + 3)),
      level,
      q: level !== 0 ? kernel.state[SLOT_Q] : 0,
      pairs: Array.from(kernel.state.subarray(SLOT_PAIRS, SLOT_PAIRS + live)),
      dindex: Array.from(kernel.dindex),
      half: Array.from(kernel.half),
      digest: Buffer.from(kernel.digest).toString('latin1'),
    };
  }

  it('leaves the same block hashes, digest characters and returns from random states, 1 to 16 live', () => {
    const vector = ssdeepKernelOf('vector')!;
    const scalar = ssdeepKernelOf('scalar')!;
    expect(vector, 'this engine accepts WebAssembly SIMD (Node 20 does)').toBeDefined();
    const rand = xorshift(0x3c6ef372);
    // Digest lengths at the edges of the kernel's cases: none yet (fork), under half, at half,
    // past it, one short of full, full (reduce).
    const lengths = [0, 1, 5, 30, 31, 32, 33, 50, 62, 63];
    let runs = 0;
    let returns = 0;
    let characters = 0;
    for (let t = 0; t < 600; t++) {
      const live = 1 + (t % KERNEL_LEVELS);
      // Low levels trigger often (every 3 · 2^start bytes on random input): many trigger points,
      // and chains through several block hashes.
      const start = rand(Math.min(4, KERNEL_BLOCKHASHES - live + 1));
      const input = generated(600 + rand(3000), t % 3, 0x1234 + t);
      const setup = {
        rolling: [rand(2 ** 31), rand(2 ** 31), rand(2 ** 31)],
        forkReduce: rand(4),
        pairs: Array.from({ length: KERNEL_LEVELS }, () => rand(2 ** 31) & PAIR_MASK),
        dindex: Array.from({ length: KERNEL_BLOCKHASHES }, () => lengths[rand(lengths.length)]),
        half: Array.from({ length: KERNEL_BLOCKHASHES }, () => rand(2) * (65 + rand(26))),
        digest: Array.from({ length: KERNEL_BLOCKHASHES * 64 }, () => 65 + rand(26)),
      };
      const runWith = (kernel: SsdeepKernel): Array<Record<string, unknown>> => {
        kernel.state.set(setup.rolling, SLOT_H1);
        kernel.state[SLOT_START] = start;
        kernel.state[SLOT_LIVE] = live;
        kernel.state[SLOT_FORK_REDUCE] = setup.forkReduce;
        kernel.state.set(setup.pairs, SLOT_PAIRS);
        kernel.dindex.set(setup.dindex);
        kernel.half.set(setup.half);
        kernel.digest.set(setup.digest);
        kernel.bytes.set(input, KERNEL_INPUT - 7);
        const width = kernel.widths.findIndex((w) => w >= live);
        const out: Array<Record<string, unknown>> = [];
        // A run that returns to fork or reduce is called again from there, as is: both kernels
        // then go on from the same state.
        for (let a = KERNEL_INPUT; a < KERNEL_INPUT + input.length - 7;) {
          a = kernel.run[width](a, KERNEL_INPUT + input.length - 7);
          out.push(snapshot(kernel, live, a));
        }
        return out;
      };
      const theirs = runWith(scalar);
      const ours = runWith(vector);
      expect(ours, `trial ${t}: ${live} live from level ${start}`).toEqual(theirs);
      runs += theirs.length;
      returns += theirs.filter((r) => r.level !== 0).length;
      characters += (theirs.at(-1)!.dindex as number[]).reduce((a, b) => a + b, 0);
    }
    // The trials went through the kernels' cases: returns to fork or reduce, many characters.
    expect(returns).toBeGreaterThan(200);
    expect(runs).toBeGreaterThan(returns);
    expect(characters).toBeGreaterThan(600 * 31 * 20);
  });

  it('tests trigger points exactly: horg · M - 1 < M - 1 (mod 2^64) when 3 · 2^i divides horg, not 0', () => {
    const ms = divisors();
    expect(ms).toHaveLength(KERNEL_BLOCKHASHES);
    const rand = xorshift(0x2545f491);
    const wrap = (1n << 64n) - 1n;
    ms.forEach((m, i) => {
      const d = 3 * 2 ** i;
      const values = [0, 1, 2, 2 ** 32 - 1, 2 ** 32 - 2, 2 ** 31, 2 ** 31 - 1];
      // Multiples of d and their neighbours, from the first to the last below 2^32.
      for (const k of [1, 2, 3, Math.floor((2 ** 32 - 1) / d) - 1, Math.floor((2 ** 32 - 1) / d)]) {
        if (k > 0) values.push(k * d - 1, k * d, k * d + 1);
      }
      for (let r = 0; r < 2000; r++) values.push(rand(2 ** 32));
      for (const horg of values.filter((v) => v >= 0 && v < 2 ** 32)) {
        const test = ((BigInt(horg) * m - 1n) & wrap) < m - 1n;
        expect(test, `level ${i}, horg ${horg}`).toBe(horg !== 0 && horg % d === 0);
      }
    });
  });
});

/** Deterministic edits of the example files: similar and dissimilar inputs around every block size. */
function mutatedInputs(count: number): Array<{ name: string; bytes: Uint8Array }> {
  const files = readdirSync(join(FUZZY, 'example_data')).sort();
  const rand = xorshift(0x9e3779b9);
  const out: Array<{ name: string; bytes: Uint8Array }> = [];
  for (let k = 0; out.length < count; k++) {
    const file = files[k % files.length];
    const src = read(`example_data/${file}`);
    const bytes = Buffer.from(src);
    const kind = rand(4);
    if (kind === 0) for (let i = 0; i < 1 + rand(20); i++) bytes[rand(bytes.length)] = rand(256);
    const edited =
      kind === 1
        ? Buffer.concat([bytes.subarray(0, rand(bytes.length)), bytes.subarray(rand(bytes.length))])
        : kind === 2
          ? Buffer.concat([bytes, read(`example_data/${files[rand(files.length)]}`)])
          : kind === 3
            ? bytes.subarray(0, 1 + rand(bytes.length))
            : bytes;
    out.push({ name: `m${out.length}-${kind}-${file}`, bytes: edited });
  }
  return out;
}

describe('ssdeep cross-check with the real ssdeep binary', () => {
  it(`agrees with ${SSDEEP_BIN} on digests and all-pairs scores of 150 edited inputs`, () => {
    if (!existsSync(SSDEEP_BIN)) {
      throw new Error(`${SSDEEP_BIN} is missing: install the Debian package ssdeep (CI does, in .ci/run)`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'cairn-ssdeep-'));
    try {
      const inputs = mutatedInputs(150);
      const ours: string[] = ['ssdeep,1.1--blocksize:hash:hash,filename'];
      for (const { name, bytes } of inputs) {
        writeFileSync(join(dir, name), bytes);
        ours.push(`${ssdeepDigest(bytes)},"${name}"`);
      }
      const theirs = execFileSync(SSDEEP_BIN, ['-s', '-b', ...inputs.map((i) => i.name)], {
        cwd: dir,
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      expect(theirs.trim().split('\n')).toEqual(ours);

      // Score every pair of our digests with ssdeep itself, and compare with ours.
      writeFileSync(join(dir, 'sigs.txt'), ours.join('\n') + '\n');
      const pairs = execFileSync(SSDEEP_BIN, ['-s', '-a', '-c', '-k', 'sigs.txt', 'sigs.txt'], {
        cwd: dir,
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      const digestOf = new Map(inputs.map(({ name, bytes }) => [name, ssdeepDigest(bytes)]));
      const parsedOf = new Map([...digestOf].map(([name, d]) => [name, parseSsdeep(d)]));
      const lines = pairs.trim().split('\n');
      expect(lines).toHaveLength(150 * 150);
      let between = 0;
      for (const line of lines) {
        const [a, b, score] = line.split(',').map((f) => f.replace(/^"|"$/g, ''));
        const got = ssdeepCompare(digestOf.get(a)!, digestOf.get(b)!);
        expect(got, `${a} vs ${b}`).toBe(Number(score));
        // Parsed once (the filter of `a` is reused across its row) and as plain objects (the
        // sorted-merge path): the same scores.
        const pa = parsedOf.get(a)!;
        const pb = parsedOf.get(b)!;
        expect(ssdeepCompareParsed(pa, pb), `${a} vs ${b} parsed`).toBe(got);
        expect(ssdeepCompareParsed({ ...pa }, { ...pb }), `${a} vs ${b} plain`).toBe(got);
        if (got > 0 && got < 100) between++;
      }
      // The edits must give partial matches, or this cross-check would prove little.
      expect(between).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseSsdeep', () => {
  it('splits block size and parts and normalises runs', () => {
    const d = parseSsdeep('6:FHIGCIGCIGCIGCIGCIGCIGCIGCIGCIGCIGCIGCIGCIGCIGCIGCIGCIGCIGCIGCII:Fd');
    expect(d.blockSize).toBe(6);
    expect(d.blockIndex).toBe(1);
    expect(d.part2).toBe('Fd');
    expect(parseSsdeep('3:AAAAAAB:C').norm1).toBe('AAAB');
  });
});
