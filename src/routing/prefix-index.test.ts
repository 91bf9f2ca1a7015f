import { describe, expect, it } from 'vitest';
import { PrefixIndex } from './prefix-index.js';

/** Deterministic pseudo-random words (xorshift32), so the test needs no fixture. */
function* words(seed: number): Generator<number> {
  let x = seed >>> 0 || 1;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    yield x;
  }
}

const mask = (value: number, length: number): number =>
  length === 0 ? 0 : length >= 32 ? value >>> 0 : (value & ~(0xffffffff >>> length)) >>> 0;

describe('PrefixIndex', () => {
  it('gives dense ids, finds them again, and tells lengths and families apart', () => {
    const index = new PrefixIndex(16);
    const a = index.v4(0xaf2db000, 24, true); // 175.45.176.0/24
    const b = index.v4(0xaf2db000, 22, true); // same address, other length
    const c = index.v4(0, 0, true); // 0.0.0.0/0
    const d = index.v4(0xffffffff, 32, true); // host route with every bit set
    const e = index.v6(0x20010db8, 0, 0, 0, 32, true); // 2001:db8::/32
    const f = index.v6(0xaf2db000, 0, 0, 0, 24, true); // IPv6 with the IPv4 prefix's words
    expect([a, b, c, d, e, f]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(index.count).toBe(6);
    expect(index.v4(0xaf2db000, 24, false)).toBe(a);
    expect(index.v4(0xaf2db000, 24, true)).toBe(a);
    expect(index.v4(0xaf2db000, 23, false)).toBe(-1);
    expect(index.v6(0x20010db8, 0, 0, 0, 32, false)).toBe(e);
    expect(index.v6(0x20010db8, 0, 0, 1, 32, false)).toBe(-1);
    expect(index.count).toBe(6);
    expect([index.family(a), index.length(a), index.word(a, 0)]).toEqual([4, 24, 0xaf2db000]);
    expect([index.family(d), index.length(d), index.word(d, 0)]).toEqual([4, 32, 0xffffffff]);
    expect([index.family(f), index.length(f), index.word(f, 0), index.word(f, 3)]).toEqual([
      6, 24, 0xaf2db000, 0,
    ]);
  });

  it('keeps every key through growth (200k IPv4 and 50k IPv6 prefixes from a tiny start)', () => {
    const index = new PrefixIndex(1);
    const random = words(7);
    const v4: Array<[number, number]> = [];
    const v6: Array<[number, number, number, number, number]> = [];
    const seen = new Map<string, number>();
    // Plain comparisons counted, one expect at the end (an expect per key would take seconds).
    let wrong = 0;
    for (let i = 0; i < 200_000; i++) {
      const length = 8 + (random.next().value % 25);
      const address = mask(random.next().value, length);
      const key = `4/${address}/${length}`;
      const id = index.v4(address, length, true);
      const before = seen.get(key);
      if (before === undefined) seen.set(key, id);
      else if (id !== before) wrong++;
      v4.push([address, length]);
    }
    for (let i = 0; i < 50_000; i++) {
      const length = 16 + (random.next().value % 49);
      const w0 = random.next().value;
      const w1 = length > 32 ? mask(random.next().value, length - 32) : 0;
      const key = `6/${w0}/${w1}/${length}`;
      const id = index.v6(w0, w1, 0, 0, length, true);
      const before = seen.get(key);
      if (before === undefined) seen.set(key, id);
      else if (id !== before) wrong++;
      v6.push([w0, w1, 0, 0, length]);
    }
    expect(index.count).toBe(seen.size);
    for (const [address, length] of v4) {
      const id = index.v4(address, length, false);
      if (id !== seen.get(`4/${address}/${length}`) || index.word(id, 0) !== address) wrong++;
      if (index.length(id) !== length || index.family(id) !== 4) wrong++;
    }
    for (const [w0, w1, w2, w3, length] of v6) {
      const id = index.v6(w0, w1, w2, w3, length, false);
      if (id !== seen.get(`6/${w0}/${w1}/${length}`) || index.family(id) !== 6) wrong++;
      if (index.word(id, 0) !== w0 || index.word(id, 1) !== w1 || index.length(id) !== length) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('stays fast on adversarial keys: every prefix of every length inside one /16', () => {
    // 65536 /32s + 32768 /31s + ... inside 10.1.0.0/16: a clustering attack on address-ordered
    // hashing. With whole-key hashing this is an ordinary insert load; the count check is the
    // assertion, the test's own time limit the guard against a quadratic probe.
    const index = new PrefixIndex();
    let expected = 0;
    for (let length = 16; length <= 32; length++) {
      const step = 2 ** (32 - length);
      for (let offset = 0; offset < 65536; offset += step) {
        index.v4((0x0a010000 + offset) >>> 0, length, true);
        expected++;
      }
    }
    expect(index.count).toBe(expected);
    expect(index.v4(0x0a01ffff, 32, false)).toBe(expected - 1);
  });

  it('keeps every id when reserve grows it, and then holds the reserved count without growing', () => {
    const index = new PrefixIndex(16);
    const random = words(7);
    const keys: Array<[number, number]> = [];
    for (let i = 0; i < 3000; i++) {
      const length = 8 + ((random.next().value as number) % 25);
      keys.push([mask(random.next().value as number, length), length]);
    }
    const ids = keys.map(([address, length]) => index.v4(address, length, true));
    const v6 = index.v6(0x20010db8, 0, 0, 0, 32, true);
    index.reserve(100_000, 20_000);
    expect(keys.map(([address, length]) => index.v4(address, length, false))).toEqual(ids);
    expect(index.v6(0x20010db8, 0, 0, 0, 32, false)).toBe(v6);
    const bytes = index.byteLength;
    for (let i = index.count; i < 100_000; i++) index.v4(0x0a000000 + i * 256, 24, true);
    expect(index.count).toBe(100_000);
    expect(index.byteLength).toBe(bytes);
  });

  it('touchV4 reads NLRI bytes and changes nothing, whatever the bytes', () => {
    const index = new PrefixIndex(16);
    const a = index.v4(0xaf2db000, 24, true);
    const b = index.v4(0x0a000000, 8, true);
    // 175.45.176.0/24, 10.0.0.0/8, 0.0.0.0/0, 255.255.255.255/32 as NLRI, with and without path ids.
    const nlri = [24, 175, 45, 176, 8, 10, 0, 32, 255, 255, 255, 255];
    index.touchV4(Uint8Array.from(nlri), 0, nlri.length, false);
    const withIds = [0, 0, 0, 1, 24, 175, 45, 176, 0, 0, 0, 2, 8, 10];
    index.touchV4(Uint8Array.from(withIds), 0, withIds.length, true);
    const random = words(11);
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from(
        { length: (random.next().value as number) % 40 },
        () => random.next().value as number,
      );
      index.touchV4(bytes, 0, bytes.length, i % 2 === 0);
      index.touchV4(bytes, bytes.length, 0, false); // an empty or inverted range
    }
    expect(index.count).toBe(2);
    expect(index.v4(0xaf2db000, 24, false)).toBe(a);
    expect(index.v4(0x0a000000, 8, false)).toBe(b);
    expect(index.v4(0, 0, false)).toBe(-1);
  });
});
