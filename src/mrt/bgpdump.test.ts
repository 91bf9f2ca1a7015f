// The byte writer of IPv6 text (writeBytes' peers and prefixes, and formatIPv6Bgpdump) against a
// reference written here from bgpdump's fmt_ipv6 rules; the conformance test checks the lines
// against bgpdump itself.
import { describe, expect, it } from 'vitest';
import { formatIPv4 } from '../net/index.js';
import { formatIPv6Bgpdump, writeDecimal, writeIPv6Bgpdump } from './bgpdump.js';

/**
 * bgpdump's fmt_ipv6, as strings: a dotted-quad tail for IPv4-mapped and IPv4-compatible
 * addresses (not :: and ::1), and the first longest run of zero words, even of one, as "::".
 */
function reference(bytes: Uint8Array): string {
  const word = (i: number): number => (bytes[2 * i] << 8) | bytes[2 * i + 1];
  if (bytes.subarray(0, 10).every((b) => b === 0)) {
    if (word(5) === 0xffff) return `::ffff:${formatIPv4(bytes, 12)}`;
    if (word(5) === 0 && (word(6) !== 0 || word(7) > 1)) return `::${formatIPv4(bytes, 12)}`;
  }
  let best = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && word(j) === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    if (j > i) i = j - 1;
  }
  const words = Array.from({ length: 8 }, (_, i) => word(i).toString(16));
  if (best < 0) return words.join(':');
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLength).join(':')}`;
}

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
  it("writes bgpdump's text for every pattern of zero words, as formatIPv6Bgpdump returns it", () => {
    for (const bytes of patterns()) {
      expect(written(bytes)).toBe(reference(bytes));
      expect(formatIPv6Bgpdump(bytes)).toBe(reference(bytes));
    }
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

describe('writeDecimal', () => {
  it('writes what String() does, at each length and around 2^31 and 2^32', () => {
    const values: number[] = [];
    for (let v = 0; v < 200000; v++) values.push(v);
    for (let power = 1; power <= 1e9; power *= 10) values.push(power - 1, power, power + 1);
    values.push(2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 2, 2 ** 32 - 1, 3999999999);
    const buf = new Uint8Array(32);
    const wrong = values.filter(
      (value) =>
        Buffer.from(buf.subarray(5, writeDecimal(buf, 5, value))).toString('latin1') !== String(value),
    );
    expect(wrong).toEqual([]);
  });
});
