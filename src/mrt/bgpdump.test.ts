// The byte writer of IPv6 text (writeBytes' peers and prefixes) against the string one it stands
// in for, whose output the conformance test checks against bgpdump.
import { describe, expect, it } from 'vitest';
import { formatIPv6Bgpdump, writeIPv6Bgpdump } from './bgpdump.js';

function written(bytes: Uint8Array): string {
  const buf = new Uint8Array(64);
  return Buffer.from(buf.subarray(0, writeIPv6Bgpdump(buf, 0, bytes, 0))).toString('latin1');
}

/** Synthetic addresses: every word zero or not (256 patterns), with varied word values. */
function patterns(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const values = [0x1, 0xf, 0x10, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0x2001, 0xdb8];
  for (let mask = 0; mask < 256; mask++) {
    const bytes = new Uint8Array(16);
    for (let w = 0; w < 8; w++) {
      if ((mask & (1 << w)) === 0) continue;
      const value = values[(mask + w) % values.length];
      bytes[2 * w] = value >>> 8;
      bytes[2 * w + 1] = value & 0xff;
    }
    out.push(bytes);
  }
  return out;
}

describe('writeIPv6Bgpdump', () => {
  it('writes what formatIPv6Bgpdump returns, for every pattern of zero words', () => {
    for (const bytes of patterns()) expect(written(bytes)).toBe(formatIPv6Bgpdump(bytes));
  });

  it('writes the dotted tails of IPv4-mapped and IPv4-compatible addresses, and :: and ::1', () => {
    const address = (tail: number[], w5 = 0): Uint8Array =>
      Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, w5 >>> 8, w5 & 0xff, ...tail]);
    const cases: [Uint8Array, string][] = [
      [address([192, 0, 2, 1], 0xffff), '::ffff:192.0.2.1'],
      [address([192, 0, 2, 1]), '::192.0.2.1'],
      [address([0, 0, 0, 0]), '::'],
      [address([0, 0, 0, 1]), '::1'],
      [address([0, 0, 0, 2]), '::0.0.0.2'],
    ];
    for (const [bytes, text] of cases) {
      expect(written(bytes)).toBe(text);
      expect(formatIPv6Bgpdump(bytes)).toBe(text);
    }
  });

  it('reads the address at an offset', () => {
    const bytes = new Uint8Array(20);
    bytes.set([0x20, 0x01, 0x0d, 0xb8], 4);
    bytes[19] = 1;
    const buf = new Uint8Array(64);
    const end = writeIPv6Bgpdump(buf, 3, bytes, 4);
    expect(Buffer.from(buf.subarray(3, end)).toString('latin1')).toBe('2001:db8::1');
  });
});
