// One suite, run for every byte source: plain, gzip (zlib), bzip2 with lbzip2, with bzip2, and with
// the TypeScript decoder. References are the command-line tools (`gzip -dc`, `bzip2 -dc`), run on
// the same bytes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CairnError } from '../errors/index.js';
import type { ByteSource, Compression, Decompressor, OpenOptions } from './byte-source.js';
import {
  byteSourceFromBuffer,
  bzip2EndsComplete,
  detectCompression,
  nativeBzip2Available,
  nativeGzipAvailable,
  openByteSource,
} from './byte-source.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mrtData = path.join(repo, 'data/mrt');

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(full);
    return entry.isFile() && entry.name !== 'PROVENANCE.md' ? [full] : [];
  });
}

function head(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(4);
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, 4, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/** The first MB of bigger files: truncated bzip2 streams, kept as such in the corpus. */
const TRUNCATED_BZIP2: Record<string, number> = {
  // Bytes in the complete blocks, as libbz2 decodes them (python3 bz2.BZ2Decompressor), and lbzip2 -n 1.
  'pyasn/rib.20080501.0644_firstMB.bz2': 9_876_188,
  'pyasn/rib.20140523.0600_firstMB.bz2': 15_274_550,
};

const allFiles = listFiles(mrtData).sort();
const filesByCompression = (compression: Compression): string[] =>
  allFiles.filter(
    (file) =>
      detectCompression(head(file)) === compression &&
      TRUNCATED_BZIP2[path.relative(mrtData, file)] === undefined,
  );

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * The reference tools' answers, by command and input: every implementation of a compression is
 * checked against the same cut and damaged inputs, and the tools need to see each one only once.
 */
const toolCache = new Map<string, { stdout: Buffer; ok: boolean }>();
const referenceCache = new Map<string, Buffer>();
const intactBlocksCache = new Map<string, { data: Buffer; blocks: number; intact: number }>();
/** What our decoder gives from byte 0, by input name (the native tools are compared with it). */
const fromZeroCache = new Map<string, string[]>();
afterAll(() => {
  fromZeroCache.clear();
  toolCache.clear();
  intactBlocksCache.clear();
  referenceCache.clear();
  damagedBlock = undefined;
  joinable = undefined;
});

/** Runs a command-line tool on `input`, returns what it wrote and whether it succeeded. */
function tool(command: string, args: string[], input: Uint8Array): { stdout: Buffer; ok: boolean } {
  const key = `${command} ${args.join(' ')} ${sha256(input)}`;
  let answer = toolCache.get(key);
  if (answer === undefined) {
    const result = spawnSync(command, args, { input, maxBuffer: 1 << 30 });
    if (result.error !== undefined) throw new Error(`cannot run ${command}: ${result.error.message}`);
    answer = { stdout: result.stdout, ok: result.status === 0 };
    toolCache.set(key, answer);
  }
  return answer;
}

function reference(compression: Compression, file: string): Buffer {
  let decoded = referenceCache.get(file);
  if (decoded === undefined) {
    const data = fs.readFileSync(file);
    if (compression === 'none') decoded = data;
    else {
      const result = tool(compression === 'gzip' ? 'gzip' : 'bzip2', ['-dc'], data);
      if (!result.ok) throw new Error(`reference tool failed on ${file}`);
      decoded = result.stdout;
    }
    referenceCache.set(file, decoded);
  }
  return decoded;
}

/**
 * What a libbz2-based recovery reads of a damaged bzip2 file: bzip2recover cuts it into one
 * stream per block (blocks start at a 48-bit magic on any bit boundary), and the blocks that
 * `bzip2 -dc` decodes with their CRCs right, in order.
 */
function intactBlocks(damaged: Uint8Array): { data: Buffer; blocks: number; intact: number } {
  const key = sha256(damaged);
  const known = intactBlocksCache.get(key);
  if (known !== undefined) return known;
  const recovered = recoverIntactBlocks(damaged);
  intactBlocksCache.set(key, recovered);
  return recovered;
}

function recoverIntactBlocks(damaged: Uint8Array): { data: Buffer; blocks: number; intact: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bzip2recover-'));
  try {
    fs.writeFileSync(path.join(dir, 'damaged.bz2'), damaged);
    spawnSync('bzip2recover', ['damaged.bz2'], { cwd: dir, stdio: 'ignore' });
    const pieces = fs
      .readdirSync(dir)
      .filter((name) => name.startsWith('rec'))
      .sort();
    const parts: Buffer[] = [];
    for (const piece of pieces) {
      // `bzip2 -dc` checks the block and stream CRCs as `bzip2 -t` does, and fails on a mismatch.
      const decoded = tool('bzip2', ['-dc'], fs.readFileSync(path.join(dir, piece)));
      if (!decoded.ok) continue;
      parts.push(decoded.stdout);
    }
    return { data: Buffer.concat(parts), blocks: pieces.length, intact: parts.length };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The first 2 MiB of a real MRT file recompressed in 100 kB blocks (about 20 blocks), with the
 * data of a block near a third of the way damaged: intact blocks before and after it. Decoded 14
 * times (most of them by our decoder, the native tools failing at the damage), so it is kept to
 * the blocks the point needs; the whole file is decoded by every decompressor above.
 */
let damagedBlock: { input: Buffer; expected: Buffer } | undefined;
function damagedBlockInput(): { input: Buffer; expected: Buffer } {
  damagedBlock ??= makeDamagedBlockInput();
  return damagedBlock;
}

function makeDamagedBlockInput(): { input: Buffer; expected: Buffer } {
  const blocks = tool('bzip2', ['-1', '-c'], reference('bzip2', bzip2Sample).subarray(0, 2 << 20)).stdout;
  const damaged = flipBit(blocks, Math.floor(blocks.length * 0.3), 3);
  const recovered = intactBlocks(damaged);
  expect(recovered.blocks - recovered.intact, 'exactly one damaged block').toBe(1);
  expect(recovered.blocks, 'many blocks').toBeGreaterThanOrEqual(15);
  return { input: damaged, expected: recovered.data };
}

interface Drained {
  data: Buffer;
  chunkSizes: number[];
  error: unknown;
}

async function drain(source: ByteSource): Promise<Drained> {
  const parts: Buffer[] = [];
  let error: unknown;
  try {
    for await (const chunk of source.chunks()) parts.push(Buffer.from(chunk));
  } catch (caught) {
    error = caught;
  } finally {
    await source.close();
  }
  return { data: Buffer.concat(parts), chunkSizes: parts.map((part) => part.length), error };
}

function expectStreamError(result: Drained, codes: string[], name: string): CairnError {
  expect(result.error, 'expected the stream to end with an error').toBeInstanceOf(CairnError);
  const error = result.error as CairnError;
  expect(codes).toContain(error.code);
  expect(error.location.file).toBe(name);
  expect(error.location.offset).toBe(result.data.length);
  return error;
}

/**
 * Polls `value` until it is the same 5 times in a row, 20 ms apart; fails, saying what was waited
 * for, if it still changes after 60 s (a bound on the wait, not a timing assertion).
 */
async function untilSettled(value: () => number, what: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  let last = value();
  for (let same = 0; same < 5;) {
    if (performance.now() > deadline) throw new Error(`gave up after 60 s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = value();
    same = now === last ? same + 1 : 0;
    last = now;
  }
}

function flipBit(data: Buffer, at: number, bit: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] ^= 1 << bit;
  return copy;
}

interface Implementation {
  label: string;
  compression: Compression;
  decompressor: Decompressor;
  options: OpenOptions;
  /** Real files with this compression from data/mrt. */
  files: string[];
  /** A real file to cut, damage and repeat. */
  sample: string;
  /** Compresses test data the way this implementation's files are compressed. */
  compress(data: Buffer): Buffer;
}

const gzipFiles = filesByCompression('gzip');
const bzip2Files = filesByCompression('bzip2');
const plainFiles = filesByCompression('none');
const gzipSample = path.join(mrtData, 'ripe-bgpdump/updates.20070211.0141.gz');
const bzip2Sample = path.join(mrtData, 'morrowc-mrtparser/updates.20260222.1530.bz2');
const compressGzip = (data: Buffer): Buffer => tool('gzip', ['-c'], data).stdout;
const compressBzip2 = (data: Buffer): Buffer => tool('bzip2', ['-c'], data).stdout;

/**
 * A stream of many blocks to join to itself: the sample's first MB recompressed in 100 kB blocks
 * (10 blocks). Each join is decoded 12 times per decompressor, twice over by the native tools
 * (they stop at the join, and the rest is decoded again in TypeScript), so it is kept small.
 */
const JOINABLE_NAME = `${path.basename(bzip2Sample)}[0:1MB] in 100 kB blocks`;
let joinable: { input: Buffer; decoded: Buffer } | undefined;
function joinableStream(): { input: Buffer; decoded: Buffer } {
  if (joinable === undefined) {
    const decoded = reference('bzip2', bzip2Sample).subarray(0, 1 << 20);
    const input = tool('bzip2', ['-1', '-c'], decoded).stdout;
    expect(tool('bzip2', ['-dc'], input).stdout.equals(decoded), 'the joinable stream').toBe(true);
    joinable = { input, decoded };
  }
  return joinable;
}

const implementations: Implementation[] = [
  {
    label: 'plain',
    compression: 'none',
    decompressor: 'none',
    options: {},
    files: plainFiles,
    sample: path.join(mrtData, 'mrtparse-samples/openbgpd_bgp'),
    compress: (data) => data,
  },
  ...(['zlib', 'igzip', 'libdeflate'] as const).map((decompressor): Implementation => ({
    label: `gzip (${decompressor})`,
    compression: 'gzip',
    decompressor,
    options: { decompressor },
    files: gzipFiles,
    sample: gzipSample,
    compress: compressGzip,
  })),
  {
    // Node's zlib through the stream, as files over OpenOptions.gzipWholeUpTo are read.
    label: 'gzip (zlib, streamed)',
    compression: 'gzip',
    decompressor: 'zlib',
    options: { decompressor: 'zlib', gzipWholeUpTo: 0 },
    files: gzipFiles,
    sample: gzipSample,
    compress: compressGzip,
  },
  ...(['lbzip2', 'bzip2', 'js'] as const).map((decompressor): Implementation => ({
    label: `bzip2 (${decompressor})`,
    compression: 'bzip2',
    decompressor,
    options: { decompressor },
    files: bzip2Files,
    sample: bzip2Sample,
    compress: compressBzip2,
  })),
];

function byteSourceSuite(impl: Implementation): void {
  describe(`byte source: ${impl.label}`, () => {
    const open = (name: string, data: Uint8Array, options: OpenOptions = {}): Promise<ByteSource> =>
      byteSourceFromBuffer(name, data, { ...impl.options, ...options });

    it('has its decompressor installed (native tools are required, not optional)', () => {
      const native: Partial<Record<Decompressor, [string, string]>> = {
        lbzip2: ['lbzip2', 'lbzip2'],
        bzip2: ['bzip2', 'bzip2'],
        igzip: ['igzip', 'isal'],
        libdeflate: ['libdeflate-gunzip', 'libdeflate-tools'],
      };
      const tool = native[impl.decompressor];
      if (tool !== undefined) {
        const found = spawnSync(tool[0], ['-h'], { stdio: 'ignore' });
        expect(
          found.error,
          `${tool[0]} is not installed: apt-get install ${tool[1]} (see .ci/run)`,
        ).toBeUndefined();
      }
      expect(impl.files.length, `no ${impl.compression} files under data/mrt`).toBeGreaterThan(0);
    });

    it('decodes every real file in data/mrt like the reference tool', async () => {
      for (const file of impl.files) {
        const source = await openByteSource(file, impl.options);
        expect(source.compression).toBe(impl.compression);
        expect(source.decompressor).toBe(impl.decompressor);
        expect(source.name).toBe(file);
        expect(source.compressedSize).toBe(fs.statSync(file).size);
        const result = await drain(source);
        expect(result.error, file).toBeUndefined();
        const expected = reference(impl.compression, file);
        expect(result.data.length, file).toBe(expected.length);
        expect(sha256(result.data), file).toBe(sha256(expected));
        expect(source.compressedBytesRead, file).toBe(source.compressedSize);
      }
    });

    it('delivers chunks no larger than highWaterMark, and the same bytes', async () => {
      const result = await drain(await openByteSource(impl.sample, { ...impl.options, highWaterMark: 4096 }));
      expect(result.error).toBeUndefined();
      expect(Math.max(...result.chunkSizes)).toBeLessThanOrEqual(4096);
      expect(result.chunkSizes.length).toBeGreaterThan(1);
      expect(sha256(result.data)).toBe(sha256(reference(impl.compression, impl.sample)));
    });

    it('reads the same from a buffer as from the file', async () => {
      const fromBuffer = await drain(await open('sample', fs.readFileSync(impl.sample)));
      expect(fromBuffer.error).toBeUndefined();
      expect(sha256(fromBuffer.data)).toBe(sha256(reference(impl.compression, impl.sample)));
    });

    it('can be iterated twice, and stopped early', async () => {
      const source = await openByteSource(impl.sample, { ...impl.options, highWaterMark: 1024 });
      let first = 0;
      for await (const chunk of source.chunks()) {
        first += chunk.length;
        break;
      }
      expect(first).toBeGreaterThan(0);
      const again = await drain(source);
      expect(again.error).toBeUndefined();
      expect(again.data.length).toBe(reference(impl.compression, impl.sample).length);
    });

    it('stops a read in progress on close(), and close() is idempotent', async () => {
      const source = await openByteSource(impl.sample, { ...impl.options, highWaterMark: 1024 });
      const iterator = source.chunks()[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done).toBe(false);
      await source.close();
      await source.close();
      let after = 0;
      for (let step = await iterator.next(); step.done !== true; step = await iterator.next()) after++;
      // Chunks already decoded may still come out, but the stream ends without error.
      expect(after).toBeLessThan(reference(impl.compression, impl.sample).length / 1024);
      const reopened = source.chunks()[Symbol.asyncIterator]();
      expect((await reopened.next()).done).toBe(true);
    });

    it('decodes concatenated members/streams as one', async () => {
      const data = fs.readFileSync(impl.sample);
      const result = await drain(await open('twice', Buffer.concat([data, data])));
      expect(result.error).toBeUndefined();
      const expected = reference(impl.compression, impl.sample);
      expect(sha256(result.data)).toBe(sha256(Buffer.concat([expected, expected])));
    });

    it('reads input only as fast as the consumer takes the output (back-pressure)', async () => {
      const data = fs.readFileSync(impl.sample);
      // Repeated members/streams: a large input without compressing anything here. For gzip, one
      // member (a second one hands a native inflater's work to zlib): the sample's data 10 times.
      const repeats = Math.ceil((24 << 20) / data.length);
      const big =
        impl.compression === 'gzip'
          ? impl.compress(Buffer.concat(Array.from({ length: 10 }, () => reference('gzip', impl.sample))))
          : Buffer.concat(Array.from({ length: repeats }, () => data));
      // The stream's back-pressure: a small gzip input is read whole (see 'reads a small gzip input whole').
      const source = await open('big', big, { highWaterMark: 64 * 1024, gzipWholeUpTo: 0 });
      const iterator = source.chunks()[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      // Let the producer run until it blocks: the count stops changing over 5 polls. Without
      // back-pressure it stops too, at the whole input, which the expectation below rejects.
      await untilSettled(
        () => source.compressedBytesRead,
        `${impl.label}: the producer to stop reading while the consumer waits`,
      );
      if (impl.decompressor === 'libdeflate') {
        // Documented exception: libdeflate-gunzip inflates whole buffers, so it reads all its input
        // before writing any output (one reason it is never the default).
        expect(source.compressedBytesRead).toBe(big.length);
      } else expect(source.compressedBytesRead).toBeLessThan(big.length / 2);
      await source.close();
    });

    it('reports an empty member/stream set as empty data', async () => {
      const result = await drain(await open('empty', impl.compress(Buffer.alloc(0))));
      expect(result.error).toBeUndefined();
      expect(result.data.length).toBe(0);
    });

    const cuts = (size: number): number[] =>
      [
        ...new Set([
          1,
          3,
          5,
          10,
          14,
          100,
          1000,
          Math.floor(size * 0.4),
          Math.floor(size * 0.75),
          size - 5,
          size - 1,
        ]),
      ]
        .filter((cut) => cut > 0 && cut < size)
        .sort((a, b) => a - b);

    if (impl.compression !== 'none') {
      it('delivers every decodable byte of a truncated file, then MRT_TRUNCATED_STREAM', async () => {
        const data = fs.readFileSync(impl.sample);
        const full = reference(impl.compression, impl.sample);
        for (const cut of cuts(data.length)) {
          const truncated = data.subarray(0, cut);
          const name = `${path.basename(impl.sample)}[0:${cut}]`;
          const result = await drain(await open(name, truncated));
          // A cut inside the 4-byte magic makes the head undetectable: it is then plain data.
          if (detectCompression(truncated) === 'none') {
            expect(result.error).toBeUndefined();
            expect(result.data.equals(truncated)).toBe(true);
            continue;
          }
          const error = expectStreamError(result, ['MRT_TRUNCATED_STREAM'], name);
          expect(full.subarray(0, result.data.length).equals(result.data), name).toBe(true);
          // Cut in the end-of-stream marker (every block whole): the native tools get the
          // stream's end rebuilt and decode it all, no recovery in TypeScript.
          if (
            result.data.length === full.length &&
            impl.compression === 'bzip2' &&
            impl.decompressor !== 'js'
          )
            expect(error.message, name).not.toContain(`; ${impl.decompressor} `);
          // What the command-line tool gets out of the same bytes.
          const partial = tool(impl.compression === 'gzip' ? 'gzip' : 'bzip2', ['-dc'], truncated);
          expect(partial.ok).toBe(false);
          expect(result.data.subarray(0, partial.stdout.length).equals(partial.stdout), name).toBe(true);
          if (impl.compression === 'gzip') expect(result.data.length, name).toBe(partial.stdout.length);
          // bzip2 -dc drops the last partly filled 5000-byte buffer when it fails.
          else expect(result.data.length - partial.stdout.length, name).toBeLessThan(5000);
        }
      });

      it('fails a corrupt file with a typed error after the bytes before the damage', async () => {
        const data = fs.readFileSync(impl.sample);
        const full = reference(impl.compression, impl.sample);
        for (const fraction of [0.1, 0.3, 0.5, 0.7, 0.9]) {
          const at = Math.floor(data.length * fraction);
          const name = `${path.basename(impl.sample)} with byte ${at} damaged`;
          const damaged = flipBit(data, at, 3);
          const result = await drain(await open(name, damaged));
          expectStreamError(result, ['MRT_CORRUPT_STREAM', 'MRT_TRUNCATED_STREAM'], name);
          expect(result.data.equals(full)).toBe(false);
          if (impl.compression === 'gzip') {
            // Everything zlib decoded before it found the damage, as `gzip -dc` writes it.
            expect(result.data.equals(tool('gzip', ['-dc'], damaged).stdout), name).toBe(true);
          }
          if (impl.compression === 'bzip2') {
            // Every decompressor: nothing of the damaged block gets out, and every intact block
            // after it is read, as bzip2recover and bzip2 -dc on its pieces give them.
            expect(result.data.equals(intactBlocks(damaged).data), name).toBe(true);
          }
        }
      });

      it('reports data after the end of the stream as MRT_CORRUPT_STREAM, after all the data', async () => {
        const data = fs.readFileSync(impl.sample);
        const full = reference(impl.compression, impl.sample);
        for (const trailer of ['garbage!', 'x', 'BZh', '\u001f']) {
          const name = `${path.basename(impl.sample)} + ${JSON.stringify(trailer)}`;
          const result = await drain(await open(name, Buffer.concat([data, Buffer.from(trailer, 'latin1')])));
          expectStreamError(result, ['MRT_CORRUPT_STREAM', 'MRT_TRUNCATED_STREAM'], name);
          expect(sha256(result.data), name).toBe(sha256(full));
        }
      });

      it('rejects a file whose magic is right but whose content is not', async () => {
        const magic = impl.compression === 'gzip' ? [0x1f, 0x8b] : [0x42, 0x5a, 0x68, 0x39];
        const bogus = Buffer.concat([Buffer.from(magic), Buffer.from('this is not compressed data at all')]);
        const result = await drain(await open('bogus', bogus));
        expect(result.data.length).toBe(0);
        expectStreamError(result, ['MRT_CORRUPT_STREAM'], 'bogus');

        const magicOnly = await drain(await open('magic-only', Buffer.from(magic)));
        expect(magicOnly.data.length).toBe(0);
        expectStreamError(magicOnly, ['MRT_TRUNCATED_STREAM'], 'magic-only');
      });

      it('round-trips generated data with long runs and every byte value', async () => {
        const pattern = Buffer.alloc(3 << 20);
        let seed = 7;
        for (let i = 0; i < pattern.length;) {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          const run = seed % 7 === 0 ? seed % 700 : 1; // runs exercise bzip2's run-length stages
          pattern.fill(seed >>> 16, i, Math.min(i + run, pattern.length));
          i += Math.max(run, 1);
        }
        const result = await drain(await open('generated', impl.compress(pattern)));
        expect(result.error).toBeUndefined();
        expect(sha256(result.data)).toBe(sha256(pattern));
      });
    }

    if (impl.compression === 'bzip2') {
      it('skips a damaged block, reports it where the gap is, and reads every intact block after it', async () => {
        const { input, expected } = damagedBlockInput();
        const damage: CairnError[] = [];
        const name = 'damaged-block.bz2';
        const result = await drain(await open(name, input, { onDamage: (p) => damage.push(p) }));
        expect(result.error).toBeUndefined();
        // The bytes libbz2 reads of the intact blocks (bzip2recover), the damaged one left out.
        expect(result.data.equals(expected), `${result.data.length} vs ${expected.length}`).toBe(true);
        expect(damage).toHaveLength(1);
        expect(damage[0].code).toBe('MRT_CORRUPT_STREAM');
        expect(damage[0].location.file).toBe(name);
        expect(damage[0].location.field).toMatch(/^bzip2 block \d+$/);
        expect(damage[0].message).toMatch(
          /at compressed bit \d+ .*skipped; decoding goes on at compressed bit \d+/,
        );
        // The gap's offset: the intact bytes before it are the reference's.
        const full = reference('bzip2', bzip2Sample);
        const gap = damage[0].location.offset!;
        expect(full.subarray(0, gap).equals(expected.subarray(0, gap))).toBe(true);
        // Without onDamage, the same bytes, then the damaged block as the stream's error.
        const plain = await drain(await open(name, input));
        expect(plain.data.equals(expected)).toBe(true);
        expectStreamError(plain, ['MRT_CORRUPT_STREAM'], name);
        expect((plain.error as CairnError).message).toContain(damage[0].message);
      });

      if (impl.decompressor !== 'js') {
        it('takes over from the tool at the last block it gave whole: the bytes and problems of our decoder from byte 0', async () => {
          // Our decoder starts at a block boundary found in the tool's output, not at byte 0: a
          // wrong offset, block count or stream CRC there would show in the bytes, the damage
          // reports (offset, block number) or the end. The reference is our decoder from byte 0.
          const { input: data } = joinableStream();
          const two = Buffer.concat([data, data]);
          const inputs: [string, Buffer][] = [
            ['damage in the first block', flipBit(data, 50, 3)],
            ['damage in the last block', flipBit(data, data.length - 100, 3)],
            [
              'damage in two blocks',
              flipBit(flipBit(data, Math.floor(data.length * 0.35), 3), Math.floor(data.length * 0.75), 5),
            ],
            ['two streams, damage in the first block of the second', flipBit(two, data.length + 50, 3)],
            ['two streams, damage in the last block of the first', flipBit(two, data.length - 100, 3)],
            [
              'two streams, damage in the middle of the second',
              flipBit(two, data.length + Math.floor(data.length * 0.5), 3),
            ],
            ['cut after the second stream header', two.subarray(0, data.length + 4)],
            ['cut inside the second stream', two.subarray(0, data.length + Math.floor(data.length * 0.45))],
          ];
          for (const [what, input] of inputs) {
            const name = `${JOINABLE_NAME}: ${what}`;
            const outcome = async (decompressor: 'js' | 'lbzip2' | 'bzip2'): Promise<string[]> => {
              const damage: CairnError[] = [];
              const result = await drain(
                await byteSourceFromBuffer(name, input, { decompressor, onDamage: (p) => damage.push(p) }),
              );
              const error = result.error as CairnError | undefined;
              return [
                `${result.data.length} bytes, sha256 ${sha256(result.data)}`,
                `end: ${error?.code ?? 'ok'} at ${error?.location.offset ?? '-'}`,
                ...damage.map((problem) => JSON.stringify(problem.toJSON())),
              ];
            };
            let expected = fromZeroCache.get(name);
            if (expected === undefined) {
              expected = await outcome('js');
              fromZeroCache.set(name, expected);
            }
            expect(expected.length > 2 || what.startsWith('cut'), `${name}: damage reported`).toBe(true);
            expect(await outcome(impl.decompressor as 'lbzip2' | 'bzip2'), name).toEqual(expected);
          }
        });
      }

      it('reports data between two concatenated streams, after the first stream (lbzip2 alone is silent)', async () => {
        const { input: data, decoded: first } = joinableStream();
        for (const between of ['garbage!', 'x', 'BZh9']) {
          const name = `${JOINABLE_NAME} + ${JSON.stringify(between)} + the same stream`;
          const joined = Buffer.concat([data, Buffer.from(between, 'latin1'), data]);
          // Read pieces that cut the second stream's start, or the first stream's end, in two.
          const second = data.length + between.length;
          for (const highWaterMark of [undefined, second + 2, second + 7, data.length - 3]) {
            const label = `${name}, pieces of ${highWaterMark ?? 'default'} bytes`;
            const result = await drain(await open(label, joined, { highWaterMark }));
            expectStreamError(result, ['MRT_CORRUPT_STREAM'], label);
            // "BZh9" opens a stream whose first block is damaged: as for any damaged block, the
            // decompressor reports it and goes on with the next intact block (the second stream's
            // blocks, all of them). Other bytes end no stream: the read stops after the first.
            const wanted = between === 'BZh9' ? Buffer.concat([first, first]) : first;
            expect(sha256(result.data), label).toBe(sha256(wanted));
          }
        }
      });

      it('delivers every complete block of the truncated corpus files, then MRT_TRUNCATED_STREAM', async () => {
        for (const [relative, completeBlockBytes] of Object.entries(TRUNCATED_BZIP2)) {
          const file = path.join(mrtData, relative);
          const result = await drain(await openByteSource(file, impl.options));
          const error = expectStreamError(result, ['MRT_TRUNCATED_STREAM'], file);
          expect(result.data.length, relative).toBe(completeBlockBytes);
          // The native tools get a stream whose end was rebuilt (CutStreamRepair): they decode it
          // whole, and the recovery that decodes everything again in TypeScript is not needed.
          if (impl.decompressor === 'lbzip2' || impl.decompressor === 'bzip2')
            expect(error.message, relative).not.toContain(`; ${impl.decompressor} `);
          const partial = tool('bzip2', ['-dc'], fs.readFileSync(file));
          expect(result.data.subarray(0, partial.stdout.length).equals(partial.stdout)).toBe(true);
        }
      });
    }
  });
}

for (const impl of implementations) byteSourceSuite(impl);

describe('bzip2EndsComplete', () => {
  it('tells the complete bzip2 files of the corpus from the cut ones, and from cuts anywhere', () => {
    for (const file of allFiles.filter((f) => detectCompression(head(f)) === 'bzip2')) {
      const data = fs.readFileSync(file);
      const cut = TRUNCATED_BZIP2[path.relative(mrtData, file)] !== undefined;
      expect(bzip2EndsComplete(data.subarray(data.length - 16)), file).toBe(!cut);
      if (cut) continue;
      for (const drop of [1, 2, 5, 11, 100, 1000]) {
        if (drop >= data.length) continue;
        expect(bzip2EndsComplete(data.subarray(0, data.length - drop)), `${file} - ${drop}`).toBe(false);
      }
    }
    expect(bzip2EndsComplete(new Uint8Array(0))).toBe(false);
    expect(bzip2EndsComplete(compressBzip2(Buffer.alloc(0)))).toBe(true);
  });
});

describe('detectCompression', () => {
  it('recognises gzip and bzip2 by magic bytes only', () => {
    expect(detectCompression(Buffer.from([0x1f, 0x8b]))).toBe('gzip');
    expect(detectCompression(Buffer.from('BZh9'))).toBe('bzip2');
    expect(detectCompression(Buffer.from('BZh1xyz'))).toBe('bzip2');
    expect(detectCompression(Buffer.from('BZh0'))).toBe('none');
    expect(detectCompression(Buffer.from('BZh'))).toBe('none');
    expect(detectCompression(Buffer.from([0x1f]))).toBe('none');
    expect(detectCompression(Buffer.alloc(0))).toBe('none');
  });

  it('ignores file names: a gzip file named .bz2 is gzip', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-byte-source-'));
    try {
      const misnamed = path.join(dir, 'really-gzip.bz2');
      fs.copyFileSync(gzipSample, misnamed);
      const source = await openByteSource(misnamed);
      expect(source.compression).toBe('gzip');
      const result = await drain(source);
      expect(sha256(result.data)).toBe(sha256(reference('gzip', gzipSample)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('openByteSource', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-byte-source-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes an empty file and a 1-byte file through as plain data', async () => {
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    const emptySource = await openByteSource(empty);
    expect(emptySource.compression).toBe('none');
    expect(emptySource.compressedSize).toBe(0);
    const emptyResult = await drain(emptySource);
    expect(emptyResult.error).toBeUndefined();
    expect(emptyResult.chunkSizes).toEqual([]);

    const one = path.join(dir, 'one');
    fs.writeFileSync(one, Buffer.from([0x1f]));
    const oneResult = await drain(await openByteSource(one));
    expect(oneResult.error).toBeUndefined();
    expect([...oneResult.data]).toEqual([0x1f]);
  });

  it('reports a missing file as MRT_READ_ERROR with its name', async () => {
    const missing = path.join(dir, 'no-such-file.bz2');
    await expect(openByteSource(missing)).rejects.toMatchObject({
      code: 'MRT_READ_ERROR',
      location: { file: missing },
    });
  });

  it('uses a native bzip2 tool by default when one is on PATH, and says which', async () => {
    const native = nativeBzip2Available();
    expect(native, 'lbzip2 or bzip2 must be installed (see .ci/run)').toBeDefined();
    expect(nativeBzip2Available()).toBe(native);
    const source = await openByteSource(bzip2Sample);
    expect(source.decompressor).toBe(native);
    await source.close();
    const js = await openByteSource(bzip2Sample, { decompressor: 'js' });
    expect(js.decompressor).toBe('js');
    await js.close();
  });

  it('uses zlib for gzip by default, igzip or libdeflate when asked, and says which', async () => {
    expect(nativeGzipAvailable(), 'igzip must be installed: apt-get install isal (see .ci/run)').toBe(
      'igzip',
    );
    for (const [wanted, used] of [
      [undefined, 'zlib'],
      ['native', 'zlib'],
      ['igzip', 'igzip'],
      ['libdeflate', 'libdeflate'],
      // One option for files of both kinds: a bzip2 choice leaves gzip files to the default.
      ['lbzip2', 'zlib'],
    ] as const) {
      const source = await openByteSource(gzipSample, { decompressor: wanted });
      expect(source.decompressor, String(wanted)).toBe(used);
      await source.close();
    }
  });

  it('gives the event loop a turn after each chunk, so zlib inflates while the consumer decodes', async () => {
    // zlib starts its next job only from a callback on the main thread: a consumer that took
    // queued chunks back to back, in one turn, would leave it idle (the decoder then waited for
    // inflating after it had warmed up). A macrotask scheduled while a chunk is handled must
    // have run before the next chunk arrives. A small gzip file read whole gives the same turns
    // (a server stays live while it is decoded).
    const gzipFile = path.join(mrtData, 'ripe-bgpdump/updates.20070211.0141.gz');
    const bzip2File = path.join(mrtData, 'libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2');
    const readers: Array<[string, OpenOptions]> = [
      [gzipFile, { decompressor: 'auto' }],
      [gzipFile, { decompressor: 'zlib', gzipWholeUpTo: 0 }],
      [bzip2File, { decompressor: 'lbzip2' }],
    ];
    for (const [file, options] of readers) {
      if (options.decompressor === 'lbzip2' && nativeBzip2Available() !== 'lbzip2') continue;
      const source = await openByteSource(file, { highWaterMark: 4096, ...options });
      let chunks = 0;
      let turnTaken = true;
      try {
        for await (const chunk of source.chunks()) {
          expect(chunk.length).toBeGreaterThan(0);
          expect(turnTaken, `${file}: chunk ${chunks}`).toBe(true);
          turnTaken = false;
          setImmediate(() => (turnTaken = true));
          chunks++;
        }
      } finally {
        await source.close();
      }
      expect(chunks).toBeGreaterThan(10);
    }
  });

  it('cuts chunks small for a slow consumer and up to highWaterMark for a fast one', async () => {
    // A cold decoder holds a chunk for many milliseconds, and a finished zlib job waits that long
    // for the callback that starts the next one: chunks are paced to about 2 ms of the consumer.
    // The consumer's time is virtual (the clock option), so the sizes are exact on any machine.
    // 8 MiB that zlib inflates in whole 1 MiB jobs (4 KiB pseudo-random blocks, each numbered).
    const block = Buffer.alloc(4096);
    for (let i = 0, seed = 7; i < block.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      block[i] = seed >>> 16;
    }
    const MiB = 1 << 20;
    const expected = Buffer.concat(
      Array.from({ length: (8 * MiB) / block.length }, (_, i) => {
        const numbered = Buffer.from(block);
        numbered.writeUInt32BE(i);
        return numbered;
      }),
    );
    const compressed = compressGzip(expected);
    const hwm = 256 * 1024;
    const consume = async (msPerMiB: number): Promise<number[]> => {
      let now = 0;
      // The stream's pacing (an input read whole has no producer to keep going).
      const source = await byteSourceFromBuffer('paced', compressed, {
        decompressor: 'zlib',
        highWaterMark: hwm,
        clock: () => now,
        gzipWholeUpTo: 0,
      });
      const parts: Buffer[] = [];
      try {
        for await (const chunk of source.chunks()) {
          parts.push(Buffer.from(chunk));
          now += (msPerMiB * chunk.length) / MiB;
        }
      } finally {
        await source.close();
      }
      expect(Buffer.concat(parts).equals(expected), `${msPerMiB} ms per MiB: the same bytes`).toBe(true);
      return parts.map((part) => part.length);
    };
    /** Each 1 MiB job cut into pieces of `size` bytes (the first job's first 16 KiB taken before). */
    const cut = (size: number): number[] =>
      Array.from({ length: 8 }, (_, job) => {
        const pieces: number[] = [];
        for (let left = job === 0 ? MiB - 16 * 1024 : MiB; left > 0; left -= size)
          pieces.push(Math.min(size, left));
        return pieces;
      }).flat();
    // The first chunk is 16 KiB whatever the consumer: its speed is not known yet.
    // 200 ms per MiB: 2 ms is about 10 KB, below the 16 KiB floor.
    expect(await consume(200)).toEqual([16 * 1024, ...cut(16 * 1024)]);
    // 20 ms per MiB: 2 ms is 104,857 bytes.
    expect(await consume(20)).toEqual([16 * 1024, ...cut(104_857)]);
    // No time per chunk: chunks grow to highWaterMark.
    expect(await consume(0)).toEqual([16 * 1024, ...cut(hwm)]);
  });

  it('rejects a bad highWaterMark', async () => {
    await expect(byteSourceFromBuffer('x', Buffer.alloc(1), { highWaterMark: 0 })).rejects.toMatchObject({
      code: 'MRT_BAD_OPTION',
    });
  });
});

describe('bzip2 implementations agree with each other', () => {
  it('deliver the same bytes for the same damaged and truncated inputs', async () => {
    const data = fs.readFileSync(bzip2Sample);
    const inputs: [string, Buffer][] = [
      ['cut at 60%', data.subarray(0, Math.floor(data.length * 0.6))],
      ['cut at 95%', data.subarray(0, Math.floor(data.length * 0.95))],
    ];
    for (const [label, input] of inputs) {
      const lengths: number[] = [];
      const codes: string[] = [];
      for (const decompressor of ['lbzip2', 'bzip2', 'js'] as const) {
        const result = await drain(await byteSourceFromBuffer(label, input, { decompressor }));
        lengths.push(result.data.length);
        codes.push((result.error as CairnError).code);
      }
      expect(new Set(lengths).size, `${label}: ${lengths.join(', ')}`).toBe(1);
      expect(codes).toEqual(['MRT_TRUNCATED_STREAM', 'MRT_TRUNCATED_STREAM', 'MRT_TRUNCATED_STREAM']);
    }
  });
});

describe('a damaged bzip2 block: one behaviour for every decompressor', () => {
  it('the same bytes and the same problem from lbzip2, bzip2, our decoder and its worker thread', async () => {
    const { input, expected } = damagedBlockInput();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-damaged-block-'));
    const file = path.join(dir, 'damaged.bz2');
    fs.writeFileSync(file, input);
    try {
      const seen: string[] = [];
      for (const decompressor of ['lbzip2', 'bzip2', 'js', 'auto'] as const) {
        for (const fromFile of [false, true]) {
          const damage: CairnError[] = [];
          const onDamage = (p: CairnError): number => damage.push(p);
          const source = fromFile
            ? await openByteSource(file, { decompressor, onDamage })
            : await byteSourceFromBuffer(file, input, { decompressor, onDamage });
          const label = `${source.decompressor}${fromFile ? ' (file)' : ''}`;
          const result = await drain(source);
          expect(result.error, label).toBeUndefined();
          expect(result.data.equals(expected), label).toBe(true);
          expect(damage.length, label).toBe(1);
          seen.push(JSON.stringify(damage[0].toJSON()));
        }
      }
      // Our decoder in its worker thread (no native tool on PATH): test/cli-mrt.test.ts.
      expect(new Set(seen).size, seen.join('\n')).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Every way a gzip input is read: zlib whole (the default for small inputs), zlib streamed, the tools. */
const GZIP_READERS: ReadonlyArray<[string, OpenOptions]> = [
  ['zlib', { decompressor: 'zlib' }],
  ['zlib, streamed', { decompressor: 'zlib', gzipWholeUpTo: 0 }],
  ['igzip', { decompressor: 'igzip' }],
  ['libdeflate', { decompressor: 'libdeflate' }],
];

describe('a small gzip input read whole', () => {
  it('is inflated in one zlib call; a larger one streams, and reads only what the consumer takes', async () => {
    const data = fs.readFileSync(gzipSample);
    const spy = vi.spyOn(zlib, 'gunzipSync');
    try {
      const whole = await openByteSource(gzipSample, { highWaterMark: 64 * 1024 });
      const iterator = whole.chunks()[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(whole.compressedBytesRead).toBe(data.length);
      await whole.close();

      spy.mockClear();
      // One member of the sample's data 10 times, one byte over the limit given: it streams.
      const big = compressGzip(Buffer.concat(Array.from({ length: 10 }, () => zlib.gunzipSync(data))));
      spy.mockClear();
      const streamed = await byteSourceFromBuffer('big', big, {
        highWaterMark: 64 * 1024,
        gzipWholeUpTo: big.length - 1,
      });
      const pulled = streamed.chunks()[Symbol.asyncIterator]();
      expect((await pulled.next()).done).toBe(false);
      expect(spy).not.toHaveBeenCalled();
      await untilSettled(
        () => streamed.compressedBytesRead,
        'the stream to stop reading while the consumer waits',
      );
      expect(streamed.compressedBytesRead).toBeLessThan(big.length / 2);
      await streamed.close();
    } finally {
      spy.mockRestore();
    }
  });

  it('streams an input whose output passes 64 MiB, and gives all of it', async () => {
    // 80 MiB of zeros in 80 KiB of gzip: the one call stops at its cap, and the stream delivers
    // every byte with its memory bounded.
    const bomb = compressGzip(Buffer.alloc(80 << 20));
    const spy = vi.spyOn(zlib, 'gunzipSync');
    try {
      const result = await drain(await byteSourceFromBuffer('bomb', bomb, { decompressor: 'zlib' }));
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.results[0].type).toBe('throw');
      expect(result.error).toBeUndefined();
      expect(result.data.length).toBe(80 << 20);
      expect(result.data.every((byte) => byte === 0)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('reads a file changed since it was opened as the stream does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-gzip-whole-'));
    try {
      const file = path.join(dir, 'changing.gz');
      const data = fs.readFileSync(gzipSample);
      fs.writeFileSync(file, data);
      const whole = await openByteSource(file, { decompressor: 'zlib' });
      const streamed = await openByteSource(file, { decompressor: 'zlib', gzipWholeUpTo: 0 });
      // Another size than at opening: the whole read leaves it to the stream.
      fs.writeFileSync(file, Buffer.concat([data, data.subarray(0, 5000)]));
      const [a, b] = [await drain(whole), await drain(streamed)];
      expect(a.data.length).toBeGreaterThan(0);
      expect(sha256(a.data)).toBe(sha256(b.data));
      expect((a.error as CairnError | undefined)?.code).toBe('MRT_TRUNCATED_STREAM');
      expect((b.error as CairnError | undefined)?.code).toBe('MRT_TRUNCATED_STREAM');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a gzipWholeUpTo that is not a size', async () => {
    await expect(openByteSource(gzipSample, { gzipWholeUpTo: -1 })).rejects.toThrow(/gzipWholeUpTo/);
    await expect(openByteSource(gzipSample, { gzipWholeUpTo: 1.5 })).rejects.toThrow(/gzipWholeUpTo/);
  });
});

describe('gzip inflaters agree with each other and with Node zlib', () => {
  it('decode every gzip file in data/mrt as zlib.gunzipSync does', async () => {
    for (const file of gzipFiles) {
      const expected = zlib.gunzipSync(fs.readFileSync(file));
      for (const [label, options] of GZIP_READERS) {
        const result = await drain(await openByteSource(file, options));
        expect(result.error, `${file} (${label})`).toBeUndefined();
        expect(result.data.equals(expected), `${file} (${label})`).toBe(true);
      }
    }
  });

  it('deliver the same bytes and the same error for cut, multi-member, empty and damaged inputs', async () => {
    const data = fs.readFileSync(gzipSample);
    const empty = compressGzip(Buffer.alloc(0));
    const badCrc = Buffer.from(data);
    badCrc[data.length - 8] ^= 1;
    const badLength = Buffer.from(data);
    badLength[data.length - 1] ^= 1;
    const inputs: [string, Buffer][] = [
      ...[0.05, 0.4, 0.75, 0.999].map((f): [string, Buffer] => [
        `cut at ${f}`,
        data.subarray(0, Math.floor(data.length * f)),
      ]),
      ['cut 1 byte before the end', data.subarray(0, data.length - 1)],
      ['two members', Buffer.concat([data, data])],
      ['an empty member between two', Buffer.concat([data, empty, data])],
      ['only an empty member', empty],
      ['wrong trailer CRC', badCrc],
      ['wrong trailer length', badLength],
      ['garbage between two members', Buffer.concat([data, Buffer.from('garbage!'), data])],
      ['trailing zero bytes', Buffer.concat([data, Buffer.alloc(7)])],
      ['a second member cut', Buffer.concat([data, data.subarray(0, 5000)])],
    ];
    for (const [label, input] of inputs) {
      const outcomes: string[] = [];
      for (const [reader, options] of GZIP_READERS) {
        const result = await drain(await byteSourceFromBuffer(label, input, options));
        const error = result.error as CairnError | undefined;
        if (error !== undefined)
          expect(error.location.offset, `${label} (${reader})`).toBe(result.data.length);
        outcomes.push(`${sha256(result.data)} ${result.data.length} ${error?.code ?? 'ok'}`);
      }
      expect(new Set(outcomes).size, `${label}: ${outcomes.join(' | ')}`).toBe(1);
    }
  });
});
