import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5Lanes } from './md5-lanes.js';

/** Deterministic bytes (a linear congruential generator), so a failure can be replayed. */
function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const MiB = 1 << 20;

describe('md5Lanes: four messages at a time in WebAssembly SIMD', () => {
  const lanes = md5Lanes();

  it('is available on this engine', () => {
    expect(lanes).toBeDefined();
  });

  it("gives RFC 1321's test suite digests", () => {
    const texts = ['', 'a', 'abc', 'message digest', 'abcdefghijklmnopqrstuvwxyz'];
    expect(lanes!.digests(texts.map((t) => Buffer.from(t)))).toEqual([
      'd41d8cd98f00b204e9800998ecf8427e',
      '0cc175b9c0f1b6a831c399e269772661',
      '900150983cd24fb0d6963f7d28e17f72',
      'f96b697d7cb7938d525a2f31aaf161d0',
      'c3fcd3d76192e4007dfb496cca67e13b',
    ]);
  });

  it('equals node:crypto at every padding edge and across the 1 MiB regions', () => {
    const lengths = [
      0,
      1,
      55,
      56,
      57,
      63,
      64,
      65,
      119,
      120,
      127,
      128,
      MiB - 9,
      MiB - 1,
      MiB,
      MiB + 1,
      3 * MiB + 77,
    ];
    const messages = lengths.map((length, k) => bytesOf(length, k + 1));
    expect(lanes!.digests(messages)).toEqual(messages.map(md5));
  });

  it('keeps the order of many messages of mixed sizes (lanes refilled as they finish)', () => {
    const messages = Array.from({ length: 61 }, (_, k) => bytesOf((k * 7919) % 70_000, 100 + k));
    expect(lanes!.digests(messages)).toEqual(messages.map(md5));
    // Fewer messages than lanes, and none.
    expect(lanes!.digests(messages.slice(0, 2))).toEqual(messages.slice(0, 2).map(md5));
    expect(lanes!.digests([])).toEqual([]);
  });

  it('hashes views of a larger buffer by their own bytes', () => {
    const whole = bytesOf(10_000, 7);
    const views = [whole.subarray(0, 100), whole.subarray(3, 5_003), whole.subarray(9_999)];
    expect(lanes!.digests(views)).toEqual(views.map(md5));
  });
});
