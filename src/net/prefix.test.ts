import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import { Prefix, parseAddress, parsePrefix, rangeToPrefixes } from './index.js';

function prefixError(text: string, options?: { strict?: boolean }): ParseError {
  try {
    parsePrefix(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ParseError);
    return error as ParseError;
  }
  throw new Error(`parsePrefix accepted ${JSON.stringify(text)}`);
}

describe('Prefix.parse', () => {
  it('parses both families and prints as bgpdump', () => {
    const v4 = Prefix.parse('175.45.176.0/22');
    expect(v4.family).toBe(4);
    expect(v4.length).toBe(22);
    expect(Array.from(v4.bytes)).toEqual([175, 45, 176, 0]);
    expect(v4.toString()).toBe('175.45.176.0/22');
    expect(parsePrefix('2001:0DB8:0::/32').toString()).toBe('2001:db8::/32');
    expect(parsePrefix('::/0').toString()).toBe('::/0');
    expect(parsePrefix('0.0.0.0/0').toString()).toBe('0.0.0.0/0');
    expect(parsePrefix('::ffff:10.0.0.0/104').toString()).toBe('::ffff:10.0.0.0/104');
  });

  it('reads a bare address as a host route', () => {
    expect(parsePrefix('10.1.2.3').toString()).toBe('10.1.2.3/32');
    expect(parsePrefix('2001:db8::1').toString()).toBe('2001:db8::1/128');
  });

  it('masks host bits unless strict', () => {
    expect(parsePrefix('10.1.2.3/8').toString()).toBe('10.0.0.0/8');
    expect(parsePrefix('175.45.179.255/22').toString()).toBe('175.45.176.0/22');
    expect(parsePrefix('2001:db8:ffff::1/33').toString()).toBe('2001:db8:8000::/33');
    expect(parsePrefix('255.255.255.255/0').toString()).toBe('0.0.0.0/0');
    const error = prefixError('10.1.2.3/8', { strict: true });
    expect(error.code).toBe('NET_HOST_BITS_SET');
    expect(error.message).toContain('10.1.2.3/8');
    expect(parsePrefix('10.0.0.0/8', { strict: true }).toString()).toBe('10.0.0.0/8');
    expect(parsePrefix('10.1.2.3', { strict: true }).toString()).toBe('10.1.2.3/32');
  });

  it.each([
    ['', 'empty'],
    ['/33', 'address part'],
    ['10.0.0.0/33', 'above 32'],
    ['::/129', 'above 128'],
    ['10.0.0.0/-1', 'decimal number'],
    ['10.0.0.0/ 8', 'decimal number'],
    ['10.0.0.0/8 ', 'decimal number'],
    ['10.0.0.0/08', 'leading zeros'],
    ['10.0.0.0/', 'decimal number'],
    ['10.0.0.0/8/8', 'decimal number'],
    ['10.0.0.0/+8', 'decimal number'],
    ['10.0.0.0/1e1', 'decimal number'],
    ['10.0.0/8', 'address part'],
    ['1::2::3/64', 'more than one'],
    ['fe80::%eth0/64', 'zone ids'],
    ['x'.repeat(100000), 'too long'],
  ])('rejects %j (%s)', (text, reason) => {
    const error = prefixError(text);
    expect(error.code).toBe('NET_BAD_PREFIX');
    expect(error.message).toContain(reason);
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('Prefix.fromBytes', () => {
  it('decodes NLRI-packed bytes at an offset and masks trailing bits', () => {
    const nlri = Uint8Array.of(0xee, 175, 45, 179, 0xee);
    const prefix = Prefix.fromBytes(4, nlri, 1, 22);
    expect(prefix.toString()).toBe('175.45.176.0/22');
    expect(Prefix.fromBytes(4, nlri, 5, 0).toString()).toBe('0.0.0.0/0');
    expect(Prefix.fromBytes(6, Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0xff), 0, 33).toString()).toBe(
      '2001:db8:8000::/33',
    );
    expect(Prefix.fromBytes(4, Uint8Array.of(1, 2, 3, 4), 0, 32).toString()).toBe('1.2.3.4/32');
  });

  it('refuses lengths past the family and bytes past the buffer, giving the offset', () => {
    expect(() => Prefix.fromBytes(4, new Uint8Array(8), 0, 33)).toThrow(/not in 0\.\.32/);
    expect(() => Prefix.fromBytes(6, new Uint8Array(20), 0, 129)).toThrow(/not in 0\.\.128/);
    try {
      Prefix.fromBytes(4, new Uint8Array(6), 4, 24);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ParseError);
      expect((error as ParseError).code).toBe('NET_BAD_PREFIX');
      expect((error as ParseError).location.offset).toBe(4);
    }
  });
});

describe('Prefix queries', () => {
  const p = (text: string) => parsePrefix(text);

  it('contains addresses and more-specific prefixes of its own family only', () => {
    expect(p('10.0.0.0/8').contains(parseAddress('10.255.1.1'))).toBe(true);
    expect(p('10.0.0.0/8').contains(parseAddress('11.0.0.0'))).toBe(false);
    expect(p('10.0.0.0/8').contains(p('10.1.0.0/16'))).toBe(true);
    expect(p('10.0.0.0/8').contains(p('10.0.0.0/8'))).toBe(true);
    expect(p('10.1.0.0/16').contains(p('10.0.0.0/8'))).toBe(false);
    expect(p('0.0.0.0/0').contains(parseAddress('255.255.255.255'))).toBe(true);
    expect(p('0.0.0.0/0').contains(parseAddress('::'))).toBe(false);
    expect(p('::/0').contains(parseAddress('1.2.3.4'))).toBe(false);
    expect(p('::ffff:0:0/96').contains(parseAddress('::ffff:1.2.3.4'))).toBe(true);
    expect(p('175.45.176.0/22').contains(parseAddress('175.45.180.0'))).toBe(false);
    expect(p('2001:db8::/32').contains(parseAddress('2001:db9::'))).toBe(false);
  });

  it('compares and tests equality', () => {
    expect(p('10.0.0.0/8').equals(p('10.9.9.9/8'))).toBe(true);
    expect(p('10.0.0.0/8').equals(p('10.0.0.0/9'))).toBe(false);
    expect(p('10.0.0.0/8').equals(p('::a00:0/8'))).toBe(false);
    const sorted = ['::/0', '10.0.0.0/16', '10.0.0.0/8', '9.0.0.0/8', '0.0.0.0/0', '2001:db8::/32']
      .map(p)
      .sort((a, b) => a.compare(b))
      .map(String);
    expect(sorted).toEqual(['0.0.0.0/0', '9.0.0.0/8', '10.0.0.0/8', '10.0.0.0/16', '::/0', '2001:db8::/32']);
  });

  it('sizes in addresses, /24s and /48s', () => {
    expect(p('0.0.0.0/0').size).toBe(4294967296n);
    expect(p('10.0.0.0/32').size).toBe(1n);
    expect(p('::/0').size).toBe(1n << 128n);
    expect(p('175.45.176.0/22').slash24s()).toBe(4);
    expect(p('175.45.176.0/25').slash24s()).toBe(0.5);
    expect(p('0.0.0.0/0').slash24s()).toBe(16777216);
    expect(p('2001:db8::/32').slash48s()).toBe(65536);
    expect(p('2001:db8::/64').slash48s()).toBe(2 ** -16);
    expect(p('2001:db8::/32').slash24s()).toBe(0);
    expect(p('10.0.0.0/8').slash48s()).toBe(0);
  });
});

/** Reference: every maximal aligned block, found by trying each length from the largest. */
function referenceSplit(start: bigint, count: bigint, bits: number): string[] {
  const out: string[] = [];
  let current = start;
  const end = start + count;
  while (current < end) {
    for (let length = 0; length <= bits; length++) {
      const size = 1n << BigInt(bits - length);
      if (current % size === 0n && current + size <= end) {
        out.push(`${current}/${length}`);
        current += size;
        break;
      }
    }
  }
  return out;
}

function asBigInt(bytes: Uint8Array): bigint {
  return bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

describe('rangeToPrefixes', () => {
  it('splits RIR delegated ranges into CIDR blocks', () => {
    // APNIC style: start + count that is not a power of two.
    expect(rangeToPrefixes(parseAddress('175.45.176.0'), 1024).map(String)).toEqual(['175.45.176.0/22']);
    expect(rangeToPrefixes(parseAddress('10.0.0.0'), 768).map(String)).toEqual([
      '10.0.0.0/23',
      '10.0.2.0/24',
    ]);
    expect(rangeToPrefixes(parseAddress('10.0.1.0'), 1024).map(String)).toEqual([
      '10.0.1.0/24',
      '10.0.2.0/23',
      '10.0.4.0/24',
    ]);
    expect(rangeToPrefixes(parseAddress('0.0.0.0'), 4294967296n).map(String)).toEqual(['0.0.0.0/0']);
    expect(rangeToPrefixes(parseAddress('255.255.255.255'), 1).map(String)).toEqual(['255.255.255.255/32']);
    expect(rangeToPrefixes(parseAddress('2001:db8::'), 3n << 80n).map(String)).toEqual([
      '2001:db8::/47',
      '2001:db8:2::/48',
    ]);
    expect(rangeToPrefixes(parseAddress('1.2.3.4'), 0)).toEqual([]);
  });

  it('matches a brute-force reference on random ranges', () => {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    for (let i = 0; i < 500; i++) {
      const startValue = Math.floor(random() * 2 ** 32);
      const count = Math.min(Math.floor(random() * 2 ** Math.floor(random() * 24)) + 1, 2 ** 32 - startValue);
      const start = parseAddress(
        [24, 16, 8, 0].map((shift) => Math.floor(startValue / 2 ** shift) % 256).join('.'),
      );
      const ours = rangeToPrefixes(start, count).map(
        (prefix) => `${asBigInt(prefix.bytes)}/${prefix.length}`,
      );
      expect(ours).toEqual(referenceSplit(BigInt(startValue), BigInt(count), 32));
    }
  });

  it('refuses ranges past the end of the address space and bad counts', () => {
    for (const [start, count] of [
      ['255.255.255.0', 257],
      ['0.0.0.1', 4294967296n],
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 2],
      ['1.2.3.4', -1],
      ['1.2.3.4', 1.5],
      ['1.2.3.4', Number.NaN],
    ] as const) {
      try {
        rangeToPrefixes(parseAddress(start), count);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ParseError);
        expect((error as ParseError).code).toBe('NET_BAD_RANGE');
      }
    }
  });
});
