import { describe, expect, it } from 'vitest';
import { prng } from '../../test/fixtures/prng.js';
import type { IpAddress, IpFamily } from './index.js';
import { Prefix, PrefixTrie, formatAddress, parseAddress, parsePrefix } from './index.js';

/** The obvious linear implementation the trie must agree with. */
class LinearReference<V> {
  readonly entries = new Map<string, { prefix: Prefix; value: V }>();
  set(prefix: Prefix, value: V): void {
    this.entries.set(prefix.toString(), { prefix, value });
  }
  delete(prefix: Prefix): boolean {
    return this.entries.delete(prefix.toString());
  }
  containing(target: IpAddress | Prefix): Array<{ prefix: Prefix; value: V }> {
    return [...this.entries.values()]
      .filter((entry) => entry.prefix.contains(target))
      .sort((a, b) => a.prefix.length - b.prefix.length);
  }
  inside(target: Prefix): Array<{ prefix: Prefix; value: V }> {
    return [...this.entries.values()].filter((entry) => target.contains(entry.prefix)).sort(byPrefix);
  }
  sorted(): Array<{ prefix: Prefix; value: V }> {
    return [...this.entries.values()].sort(byPrefix);
  }
}

function byPrefix(a: { prefix: Prefix }, b: { prefix: Prefix }): number {
  return a.prefix.compare(b.prefix);
}

function show(
  entries: Array<{ prefix: Prefix; value: unknown }> | { prefix: Prefix; value: unknown } | undefined,
) {
  if (entries === undefined) return undefined;
  if (Array.isArray(entries)) return entries.map((e) => `${e.prefix.toString()}=${String(e.value)}`);
  return `${entries.prefix.toString()}=${String(entries.value)}`;
}

/** Random addresses near a few hot spots so that stored prefixes nest and share bits. */
function randomBytes(random: () => number, family: IpFamily): Uint8Array {
  const size = family === 4 ? 4 : 16;
  const bytes = Uint8Array.from({ length: size }, () => Math.floor(random() * 256));
  const roll = random();
  if (family === 4) {
    if (roll < 0.6) bytes[0] = [10, 175, 192][Math.floor(random() * 3)];
    if (roll < 0.3) bytes[1] = [0, 45, 168][Math.floor(random() * 3)];
  } else if (roll < 0.4) {
    bytes.set([0x20, 0x01, 0x0d, 0xb8]);
    if (random() < 0.5) bytes.fill(0, 6, 14);
  } else if (roll < 0.7) {
    bytes.fill(0, 0, 10); // IPv4-mapped: must never meet the IPv4 trie
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    if (random() < 0.5) bytes[12] = 10;
  }
  return bytes;
}

function randomLength(random: () => number, family: IpFamily): number {
  const bits = family === 4 ? 32 : 128;
  const roll = random();
  if (roll < 0.02) return 0;
  if (roll < 0.07) return bits;
  if (family === 4) return 8 + Math.floor(random() * 17);
  return roll < 0.3 ? 96 + Math.floor(random() * 33) : Math.floor(random() * 129);
}

function randomPrefix(random: () => number, family: IpFamily): Prefix {
  return Prefix.fromAddress({ family, bytes: randomBytes(random, family) }, randomLength(random, family));
}

/** An address inside `prefix`, its host bits random. */
function addressInside(random: () => number, prefix: Prefix): IpAddress {
  const bytes = randomBytes(random, prefix.family);
  for (let bit = 0; bit < prefix.length; bit++) {
    const mask = 0x80 >> (bit & 7);
    bytes[bit >> 3] = (bytes[bit >> 3] & ~mask) | (prefix.bytes[bit >> 3] & mask);
  }
  return { family: prefix.family, bytes };
}

describe('PrefixTrie against a linear reference', () => {
  it.each([1, 2, 3])('agrees on random prefixes of both families (seed %i)', (seed) => {
    const random = prng(seed * 7919);
    const trie = new PrefixTrie<number>();
    const reference = new LinearReference<number>();
    const stored: Prefix[] = [];
    for (let i = 0; i < 3000; i++) {
      const prefix = randomPrefix(random, random() < 0.5 ? 4 : 6);
      trie.set(prefix, i);
      reference.set(prefix, i);
      stored.push(prefix);
    }
    const check = (rounds: number) => {
      expect(trie.size).toBe(reference.entries.size);
      for (let i = 0; i < rounds; i++) {
        const family: IpFamily = random() < 0.5 ? 4 : 6;
        const target: IpAddress =
          random() < 0.7
            ? addressInside(random, stored[Math.floor(random() * stored.length)])
            : { family, bytes: randomBytes(random, family) };
        const expected = reference.containing(target);
        expect(show(trie.longestMatch(target))).toEqual(show(expected[expected.length - 1]));
        expect(show(trie.covering(target))).toEqual(show(expected));
        const targetPrefix =
          random() < 0.5
            ? stored[Math.floor(random() * stored.length)]
            : Prefix.fromAddress(target, randomLength(random, target.family));
        const expectedCovering = reference.containing(targetPrefix);
        expect(show(trie.longestMatch(targetPrefix))).toEqual(
          show(expectedCovering[expectedCovering.length - 1]),
        );
        expect(show(trie.covering(targetPrefix))).toEqual(show(expectedCovering));
        expect(show(trie.covered(targetPrefix))).toEqual(show(reference.inside(targetPrefix)));
        expect(trie.get(targetPrefix)).toBe(reference.entries.get(targetPrefix.toString())?.value);
        expect(trie.has(targetPrefix)).toBe(reference.entries.has(targetPrefix.toString()));
      }
      expect(show([...trie.entries()])).toEqual(show(reference.sorted()));
    };
    check(1500);

    // Delete about half (some twice, some never stored), overwrite some, check again.
    for (let i = 0; i < 2000; i++) {
      const prefix = random() < 0.9 ? stored[Math.floor(random() * stored.length)] : randomPrefix(random, 6);
      expect(trie.delete(prefix)).toBe(reference.delete(prefix));
      if (random() < 0.1) {
        const again = stored[Math.floor(random() * stored.length)];
        trie.set(again, -i);
        reference.set(again, -i);
      }
    }
    check(1500);

    // Empty it completely: every lookup misses, and it can be refilled.
    for (const prefix of stored) expect(trie.delete(prefix)).toBe(reference.delete(prefix));
    expect(trie.size).toBe(0);
    expect([...trie.entries()]).toEqual([]);
    expect(trie.longestMatch(parseAddress('10.0.0.1'))).toBeUndefined();
    for (const prefix of stored.slice(0, 500)) {
      trie.set(prefix, 1);
      reference.set(prefix, 1);
    }
    check(300);
  });
});

describe('PrefixTrie stores by number and bytes (setIPv4, setNetwork) and conditionally (setIf)', () => {
  it.each([4, 5])('agrees with the linear reference (seed %i)', (seed) => {
    const random = prng(seed * 104729);
    const trie = new PrefixTrie<number>();
    const reference = new LinearReference<number>();
    // Keep the larger value: the condition sees the stored value and the new one.
    const larger = (existing: number, incoming: number) => incoming > existing;
    const stored: Prefix[] = [];
    for (let i = 0; i < 3000; i++) {
      const prefix = randomPrefix(random, random() < 0.6 ? 4 : 6);
      const value = Math.floor(random() * 1000);
      const kept = reference.entries.get(prefix.toString())?.value;
      if (kept === undefined || value > kept) reference.set(prefix, value);
      const b = prefix.bytes;
      const roll = random();
      if (roll < 0.3) trie.setIf(prefix, value, larger);
      else if (roll < 0.6 && prefix.family === 4) {
        const network = ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
        trie.setIPv4(network, prefix.length, value, larger);
      } else {
        // Bits past the length are ignored: set some.
        const bytes = b.slice();
        if (prefix.length < bytes.length * 8) bytes[bytes.length - 1] |= 1;
        trie.setNetwork(prefix.family, bytes, prefix.length, value, larger);
      }
      stored.push(prefix);
    }
    expect(trie.size).toBe(reference.entries.size);
    expect(show([...trie.entries()])).toEqual(show(reference.sorted()));
    for (let i = 0; i < 1000; i++) {
      const target = addressInside(random, stored[Math.floor(random() * stored.length)]);
      const expected = reference.containing(target);
      expect(show(trie.longestMatch(target))).toEqual(show(expected[expected.length - 1]));
      expect(show(trie.covering(target))).toEqual(show(expected));
    }
    // A Prefix built on read is built once: the same object every time.
    const first = [...trie.entries()].map((e) => e.prefix);
    expect([...trie.entries()].every((e, i) => e.prefix === first[i])).toBe(true);
    // Without a condition, setIPv4 replaces.
    trie.setIPv4(0x0a000000, 8, -1);
    expect(trie.get(parsePrefix('10.0.0.0/8'))).toBe(-1);
    expect(() => trie.setIPv4(0, 33, 1)).toThrow(expect.objectContaining({ code: 'NET_BAD_PREFIX' }));
    expect(() => trie.setNetwork(6, new Uint8Array(4), 8, 1)).toThrow(
      expect.objectContaining({ code: 'NET_BAD_PREFIX' }),
    );
  });

  it('Prefix.fromIPv4 masks and checks its length', () => {
    expect(Prefix.fromIPv4(0xaf2db1ff, 22).toString()).toBe('175.45.176.0/22');
    expect(Prefix.fromIPv4(0xffffffff, 32).toString()).toBe('255.255.255.255/32');
    expect(Prefix.fromIPv4(0xffffffff, 0).toString()).toBe('0.0.0.0/0');
    expect(Prefix.fromIPv4(0xaf2db000, 22).equals(parsePrefix('175.45.176.0/22'))).toBe(true);
    expect(() => Prefix.fromIPv4(0, 33)).toThrow(expect.objectContaining({ code: 'NET_BAD_PREFIX' }));
  });
});

describe('PrefixTrie edges', () => {
  const p = (text: string) => parsePrefix(text);
  const a = (text: string) => parseAddress(text);

  it('matches /0 for everything of its family only', () => {
    const trie = new PrefixTrie<string>();
    trie.set(p('0.0.0.0/0'), 'v4 default');
    expect(trie.longestMatch(a('255.255.255.255'))?.value).toBe('v4 default');
    expect(trie.longestMatch(a('0.0.0.0'))?.prefix.toString()).toBe('0.0.0.0/0');
    expect(trie.longestMatch(a('::1'))).toBeUndefined();
    trie.set(p('::/0'), 'v6 default');
    expect(trie.longestMatch(a('2001:db8::1'))?.value).toBe('v6 default');
    expect(trie.covered(p('0.0.0.0/0')).map((e) => e.value)).toEqual(['v4 default']);
    expect(trie.size).toBe(2);
  });

  it('handles /32 and /128 host routes', () => {
    const trie = new PrefixTrie<string>();
    trie.set(p('10.0.0.0/8'), 'net');
    trie.set(p('10.1.2.3/32'), 'host');
    trie.set(p('2001:db8::1/128'), 'host6');
    trie.set(p('2001:db8::/32'), 'net6');
    expect(trie.longestMatch(a('10.1.2.3'))?.value).toBe('host');
    expect(trie.longestMatch(a('10.1.2.4'))?.value).toBe('net');
    expect(trie.longestMatch(a('2001:db8::1'))?.value).toBe('host6');
    expect(trie.longestMatch(a('2001:db8::2'))?.value).toBe('net6');
    expect(trie.longestMatch(p('10.1.2.3/32'))?.value).toBe('host');
    expect(trie.covering(a('10.1.2.3')).map((e) => e.value)).toEqual(['net', 'host']);
  });

  it('keeps IPv4-mapped IPv6 apart from IPv4', () => {
    const trie = new PrefixTrie<string>();
    trie.set(p('10.0.0.0/8'), 'v4');
    expect(trie.longestMatch(a('::ffff:10.0.0.1'))).toBeUndefined();
    trie.set(p('::ffff:10.0.0.0/104'), 'mapped');
    expect(trie.longestMatch(a('::ffff:10.0.0.1'))?.value).toBe('mapped');
    expect(trie.longestMatch(a('10.0.0.1'))?.value).toBe('v4');
    expect(trie.longestMatch(a('::10.0.0.1'))).toBeUndefined();
    expect(trie.size).toBe(2);
    expect([...trie.entries()].map((e) => e.prefix.toString())).toEqual([
      '10.0.0.0/8',
      '::ffff:10.0.0.0/104',
    ]);
  });

  it('stores a prefix written with host bits set under its network', () => {
    const trie = new PrefixTrie<string>();
    trie.set(p('10.1.2.3/8'), 'masked');
    expect(trie.get(p('10.0.0.0/8'))).toBe('masked');
    expect(trie.has(p('10.255.255.255/8'))).toBe(true);
    expect(trie.longestMatch(a('10.200.0.1'))?.prefix.toString()).toBe('10.0.0.0/8');
    const packed = Prefix.fromBytes(4, Uint8Array.of(175, 45, 179), 0, 22);
    trie.set(packed, 'nlri');
    expect(trie.get(p('175.45.176.0/22'))).toBe('nlri');
  });

  it('deletes, then looks up the next less specific', () => {
    const trie = new PrefixTrie<string>();
    for (const text of ['10.0.0.0/8', '10.1.0.0/16', '10.1.1.0/24', '10.1.2.0/24']) trie.set(p(text), text);
    expect(trie.longestMatch(a('10.1.1.1'))?.value).toBe('10.1.1.0/24');
    expect(trie.delete(p('10.1.1.0/24'))).toBe(true);
    expect(trie.delete(p('10.1.1.0/24'))).toBe(false);
    expect(trie.longestMatch(a('10.1.1.1'))?.value).toBe('10.1.0.0/16');
    expect(trie.delete(p('10.1.0.0/16'))).toBe(true);
    expect(trie.longestMatch(a('10.1.1.1'))?.value).toBe('10.0.0.0/8');
    expect(trie.longestMatch(a('10.1.2.1'))?.value).toBe('10.1.2.0/24');
    expect(trie.delete(p('10.0.0.0/9'))).toBe(false);
    expect(trie.get(p('10.1.0.0/16'))).toBeUndefined();
    expect(trie.size).toBe(2);
  });

  it('tells apart the same network at different lengths', () => {
    const trie = new PrefixTrie<number>();
    for (const length of [0, 8, 16, 24, 32]) trie.set(Prefix.fromAddress(a('10.0.0.0'), length), length);
    expect(trie.size).toBe(5);
    expect(trie.get(p('10.0.0.0/16'))).toBe(16);
    expect(trie.get(p('10.0.0.0/12'))).toBeUndefined();
    expect(trie.has(p('10.0.0.0/12'))).toBe(false);
    expect(trie.longestMatch(p('10.0.0.0/20'))?.value).toBe(16);
    expect(trie.longestMatch(p('10.0.0.0/24'))?.value).toBe(24);
    expect(trie.covering(p('10.0.0.0/24')).map((e) => e.value)).toEqual([0, 8, 16, 24]);
    expect(trie.covered(p('10.0.0.0/16')).map((e) => e.value)).toEqual([16, 24, 32]);
    expect([...trie.entries()].map((e) => e.value)).toEqual([0, 8, 16, 24, 32]);
  });

  it('overwrites a value and keeps undefined values as stored', () => {
    const trie = new PrefixTrie<string | undefined>();
    trie.set(p('192.0.2.0/24'), 'a');
    trie.set(p('192.0.2.0/24'), 'b');
    expect(trie.size).toBe(1);
    expect(trie.get(p('192.0.2.0/24'))).toBe('b');
    trie.set(p('198.51.100.0/24'), undefined);
    expect(trie.has(p('198.51.100.0/24'))).toBe(true);
    expect(trie.longestMatch(a('198.51.100.7'))).toEqual({ prefix: p('198.51.100.0/24'), value: undefined });
    expect(trie.size).toBe(2);
  });

  it('covered lists in address order across a split point', () => {
    const trie = new PrefixTrie<number>();
    const texts = [
      '175.45.178.0/24',
      '175.45.176.0/22',
      '175.45.177.0/24',
      '175.45.176.0/24',
      '175.45.180.0/24',
    ];
    texts.forEach((text, i) => trie.set(p(text), i));
    expect(trie.covered(p('175.45.176.0/22')).map((e) => e.prefix.toString())).toEqual([
      '175.45.176.0/22',
      '175.45.176.0/24',
      '175.45.177.0/24',
      '175.45.178.0/24',
    ]);
    expect(trie.covered(p('175.45.177.0/24')).map((e) => e.prefix.toString())).toEqual(['175.45.177.0/24']);
    expect(trie.covered(p('175.45.179.0/24'))).toEqual([]);
    expect(trie.covered(p('0.0.0.0/0'))).toHaveLength(5);
    expect(trie.covered(p('::/0'))).toEqual([]);
  });

  it('grows past its initial pool and reuses freed nodes', () => {
    const trie = new PrefixTrie<number>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5000; i++) trie.set(Prefix.fromAddress(a(`10.${i >> 8}.${i & 255}.0`), 24), i);
      expect(trie.size).toBe(5000);
      expect(trie.longestMatch(a('10.19.135.9'))?.value).toBe(19 * 256 + 135);
      for (let i = 0; i < 5000; i++)
        expect(trie.delete(Prefix.fromAddress(a(`10.${i >> 8}.${i & 255}.0`), 24))).toBe(true);
      expect(trie.size).toBe(0);
    }
    expect(formatAddress(a('10.0.0.0'))).toBe('10.0.0.0');
  });
});
