// The TypeScript bzip2 decoder on its own, against `bzip2 -dc` / `bzip2 -c` as the reference.
// (byte-source.test.ts runs it again through the shared byte-source suite.)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CairnError } from '../errors/index.js';
import { Bzip2Decoder } from './bzip2.js';
import { CutStreamRepair } from './bzip2-cut-stream.js';

const mrtData = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/mrt');
const smallFile = path.join(mrtData, 'bgpkit/local_only/updates.bz2');
const multiBlockFile = path.join(mrtData, 'libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2');
const largeFile = path.join(mrtData, 'morrowc-mrtparser/updates.20260222.1530.bz2');

function bzip2(args: string[], input: Uint8Array): Buffer {
  const result = spawnSync('bzip2', args, { input, maxBuffer: 1 << 30 });
  if (result.error !== undefined)
    throw new Error(`bzip2 is required (apt-get install bzip2): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`bzip2 ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return result.stdout;
}

interface Decoded {
  data: Buffer;
  blocks: number;
  error: unknown;
}

/** Feeds `input` in `chunkSize` pieces and collects the output. */
function decode(input: Uint8Array, chunkSize = 1 << 20, lookahead?: number): Decoded {
  const decoder = new Bzip2Decoder('test.bz2', lookahead === undefined ? {} : { lookahead });
  const parts: Uint8Array[] = [];
  let error: unknown;
  try {
    let at = 0;
    for (;;) {
      if (at < input.length) {
        decoder.push(input.subarray(at, at + chunkSize));
        at += chunkSize;
      } else decoder.end();
      let out = decoder.next();
      while (out instanceof Uint8Array) {
        parts.push(out);
        out = decoder.next();
      }
      if (out === undefined) break;
    }
  } catch (caught) {
    error = caught;
  }
  return { data: Buffer.concat(parts), blocks: parts.length, error };
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

function expectError(result: Decoded, code: string, message?: RegExp): CairnError {
  expect(result.error).toBeInstanceOf(CairnError);
  const error = result.error as CairnError;
  expect(error.code).toBe(code);
  expect(error.location).toMatchObject({ file: 'test.bz2', offset: result.data.length });
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}

/** The smallest valid stream: header, end-of-stream marker, combined CRC 0. */
const EMPTY_STREAM = Buffer.from([0x42, 0x5a, 0x68, 0x39, 0x17, 0x72, 0x45, 0x38, 0x50, 0x90, 0, 0, 0, 0]);

describe('Bzip2Decoder', () => {
  it('decodes real MRT files like bzip2 -dc, in any input chunking', () => {
    for (const file of [smallFile, multiBlockFile, largeFile]) {
      const input = fs.readFileSync(file);
      const expected = sha256(bzip2(['-dc'], input));
      for (const chunkSize of [1 << 20, 65_536, 4093]) {
        const result = decode(input, chunkSize);
        expect(result.error, `${file} in ${chunkSize}-byte chunks`).toBeUndefined();
        expect(sha256(result.data), `${file} in ${chunkSize}-byte chunks`).toBe(expected);
      }
    }
  });

  it('delivers block by block: one output per bzip2 block', () => {
    // bzip2 -1 makes 100 kB blocks: 350 kB of input gives 4 blocks.
    const plain = Buffer.alloc(350_000);
    for (let i = 0; i < plain.length; i++) plain[i] = (i * 7919) % 251;
    const result = decode(bzip2(['-c', '-1'], plain));
    expect(result.error).toBeUndefined();
    expect(result.blocks).toBe(4);
    expect(result.data.equals(plain)).toBe(true);
  });

  it('resumes at any whole block found by CutStreamRepair as if it had decoded everything before', () => {
    // Two streams of 4 blocks each (bzip2 -1: 100 kB blocks), a bit flipped in the last block: the
    // damage report (block number, offset) and the stream CRC checks depend on the resumed state.
    const plain = Buffer.alloc(350_000);
    for (let i = 0; i < plain.length; i++) plain[i] = (i * 7919) % 251;
    const stream = bzip2(['-c', '-1'], plain);
    const input = Buffer.concat([stream, stream]);
    input[input.length - 200] ^= 0x10;
    const run = (decoder: Bzip2Decoder, bytes: Uint8Array): { blocks: Uint8Array[]; damage: string[] } => {
      decoder.push(bytes);
      decoder.end();
      const blocks: Uint8Array[] = [];
      const damage: string[] = [];
      for (let out = decoder.next(); out !== undefined; out = decoder.next()) {
        for (const problem of decoder.takeDamage()) damage.push(JSON.stringify(problem.toJSON()));
        if (out === null) throw new Error('the input has ended');
        blocks.push(out);
      }
      for (const problem of decoder.takeDamage()) damage.push(JSON.stringify(problem.toJSON()));
      return { blocks, damage };
    };
    const whole = run(new Bzip2Decoder('test.bz2', { recover: true }), input);
    expect(whole.blocks).toHaveLength(7);
    expect(whole.damage).toHaveLength(1);
    const repair = new CutStreamRepair();
    repair.add(input);
    repair.finish();
    const found = repair.completeBlocks;
    expect(found).toHaveLength(8);
    for (let k = 0; k < 7; k++) {
      const output = whole.blocks.slice(0, k).reduce((sum, block) => sum + block.length, 0);
      const resumed = run(
        new Bzip2Decoder('test.bz2', { recover: true, resume: { ...found[k], output } }),
        input.subarray(found[k].bit >>> 3),
      );
      expect(
        Buffer.concat(resumed.blocks).equals(Buffer.concat(whole.blocks.slice(k))),
        `block ${k + 1}`,
      ).toBe(true);
      expect(resumed.damage, `block ${k + 1}`).toEqual(whole.damage);
    }
  });

  it('rewinds and retries a block when the input runs out in the middle of it', () => {
    const input = fs.readFileSync(multiBlockFile);
    const expected = sha256(bzip2(['-dc'], input));
    for (const [chunkSize, lookahead] of [
      [1000, 1],
      [7, 100],
      [33_333, 5000],
    ]) {
      const result = decode(input, chunkSize, lookahead);
      expect(result.error).toBeUndefined();
      expect(sha256(result.data)).toBe(expected);
    }
  });

  it('round-trips every block size and the run-length corner cases', () => {
    const cases: [string, Buffer][] = [
      ['one byte', Buffer.from([0x42])],
      ['every byte value', Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
      ['run of exactly 4 (count byte 0)', Buffer.from('xaaaay')],
      ['run of 5', Buffer.from('aaaaa')],
      ['run of 255 and 256', Buffer.concat([Buffer.alloc(255, 1), Buffer.alloc(256, 2)])],
      ['a long run', Buffer.alloc(2_000_000, 0x61)],
      ['zeros then text', Buffer.concat([Buffer.alloc(100_000), Buffer.from('tail')])],
    ];
    for (const [label, plain] of cases) {
      for (const level of ['-1', '-9']) {
        const result = decode(bzip2(['-c', level], plain));
        expect(result.error, `${label} ${level}`).toBeUndefined();
        expect(result.data.equals(plain), `${label} ${level}`).toBe(true);
      }
    }
  });

  it('decodes the smallest stream (no blocks) and concatenated streams', () => {
    expect(decode(EMPTY_STREAM)).toMatchObject({ blocks: 0, error: undefined });
    const a = bzip2(['-c'], Buffer.from('first\n'));
    const b = bzip2(['-c'], Buffer.from('second\n'));
    const result = decode(Buffer.concat([a, EMPTY_STREAM, b]));
    expect(result.error).toBeUndefined();
    expect(result.data.toString()).toBe('first\nsecond\n');
  });

  it('keeps returning undefined after the end, and the same error after a failure', () => {
    const decoder = new Bzip2Decoder('test.bz2');
    decoder.push(EMPTY_STREAM);
    decoder.end();
    expect(decoder.next()).toBeUndefined();
    expect(decoder.next()).toBeUndefined();

    const failing = new Bzip2Decoder('test.bz2');
    failing.push(Buffer.from('BZh9garbage!'));
    failing.end();
    let first: unknown;
    try {
      failing.next();
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(CairnError);
    expect(() => failing.next()).toThrow(first as Error);
  });

  it('reports a cut at every offset of a real file as MRT_TRUNCATED_STREAM', () => {
    const input = fs.readFileSync(smallFile);
    for (let cut = 1; cut < input.length; cut++) {
      const result = decode(input.subarray(0, cut));
      const error = expectError(result, 'MRT_TRUNCATED_STREAM');
      expect(error.message).toContain(`after ${cut} compressed bytes`);
    }
  });

  it('delivers every complete block before the cut, then MRT_TRUNCATED_STREAM', () => {
    const input = fs.readFileSync(largeFile);
    const full = bzip2(['-dc'], input);
    let previous = 0;
    for (const fraction of [0.2, 0.4, 0.6, 0.8, 0.99]) {
      const result = decode(input.subarray(0, Math.floor(input.length * fraction)));
      expectError(result, 'MRT_TRUNCATED_STREAM');
      expect(full.subarray(0, result.data.length).equals(result.data)).toBe(true);
      expect(result.data.length).toBeGreaterThan(previous);
      previous = result.data.length;
    }
  });

  it('rejects damaged headers with MRT_CORRUPT_STREAM and the reason', () => {
    const valid = bzip2(['-c'], Buffer.from('hello, world\n'));
    const damaged = (at: number, bit: number): Buffer => {
      const copy = Buffer.from(valid);
      copy[at] ^= 1 << bit;
      return copy;
    };
    // Bytes 4-9 block magic, 10-13 block CRC, then the randomised bit (top bit of byte 14).
    expectError(decode(damaged(5, 0)), 'MRT_CORRUPT_STREAM', /bad block header magic/);
    expectError(decode(damaged(12, 2)), 'MRT_CORRUPT_STREAM', /block CRC mismatch/);
    expectError(decode(damaged(14, 7)), 'MRT_CORRUPT_STREAM', /randomised block/);
    // The last 4 bytes (with padding) hold the combined CRC.
    expectError(decode(damaged(valid.length - 2, 4)), 'MRT_CORRUPT_STREAM', /stream CRC mismatch/);
    expectError(decode(Buffer.from('BZh9 but not bzip2 at all')), 'MRT_CORRUPT_STREAM');
    expectError(decode(Buffer.from('not bzip2')), 'MRT_CORRUPT_STREAM', /bad magic/);
  });

  it('reports trailing data after the last stream, after delivering the data', () => {
    const valid = bzip2(['-c'], Buffer.from('payload'));
    const garbage = decode(Buffer.concat([valid, Buffer.from('junk')]));
    expect(garbage.data.toString()).toBe('payload');
    expectError(garbage, 'MRT_CORRUPT_STREAM', /trailing data/);
    const zeros = decode(Buffer.concat([valid, Buffer.alloc(8)]));
    expect(zeros.data.toString()).toBe('payload');
    expectError(zeros, 'MRT_CORRUPT_STREAM', /trailing data/);
  });

  it('never throws anything but a typed error, and never delivers a damaged block (bit flips)', () => {
    const input = fs.readFileSync(smallFile);
    const full = bzip2(['-dc'], input);
    let failures = 0;
    const positions = Array.from({ length: input.length - 4 }, (_, i) => i + 4).filter(
      (at) => at % 3 === 0 || at < 64 || at > input.length - 16,
    );
    for (const at of positions) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(input);
        copy[at] ^= 1 << bit;
        const result = decode(copy);
        if (result.error === undefined) {
          // Some bits do not matter (padding, the code length of a symbol that is never used);
          // libbz2 accepts those too. The CRCs guarantee the output is the original.
          expect(result.data.equals(full)).toBe(true);
          continue;
        }
        failures++;
        expect(result.error).toBeInstanceOf(CairnError);
        expect(['MRT_CORRUPT_STREAM', 'MRT_TRUNCATED_STREAM']).toContain((result.error as CairnError).code);
        // One block: either it fails its CRC and nothing comes out, or the damage is after it.
        if (result.data.length > 0) expect(result.data.equals(full)).toBe(true);
      }
    }
    expect(failures).toBeGreaterThan(positions.length * 7);
  });
});
