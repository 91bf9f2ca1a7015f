import { describe, expect, it } from 'vitest';
import { CairnError, ParseError } from '../errors/index.js';
import { formatAsn, parseAsn } from './index.js';

describe('parseAsn', () => {
  it('reads asplain, AS-prefixed and asdot forms', () => {
    expect(parseAsn('131279')).toBe(131279);
    expect(parseAsn('AS131279')).toBe(131279);
    expect(parseAsn('as131279')).toBe(131279);
    expect(parseAsn('1.10')).toBe(65546);
    expect(parseAsn('AS2.1999')).toBe(2 * 65536 + 1999);
    expect(parseAsn('0')).toBe(0);
    expect(parseAsn('4294967295')).toBe(4294967295);
    expect(parseAsn('65535.65535')).toBe(4294967295);
    expect(parseAsn('0.0')).toBe(0);
  });

  it.each([
    ['', 'empty'],
    ['AS', 'expected decimal'],
    ['4294967296', 'above 4294967295'],
    ['99999999999', 'more than 10 digits'],
    ['-1', 'expected decimal'],
    ['+1', 'expected decimal'],
    [' 1', 'expected decimal'],
    ['1 ', 'expected decimal'],
    ['AS 1', 'expected decimal'],
    ['1e3', 'expected decimal'],
    ['0x10', 'expected decimal'],
    ['1.', 'two decimal numbers'],
    ['.1', 'two decimal numbers'],
    ['1.2.3', 'two decimal numbers'],
    ['65536.0', 'above 65535'],
    ['1.65536', 'above 65535'],
    ['1'.repeat(5000), 'too long'],
    ['AS1\u001b', 'expected decimal'],
  ])('rejects %j (%s)', (text, reason) => {
    try {
      parseAsn(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ParseError);
      expect((error as ParseError).code).toBe('NET_BAD_ASN');
      expect((error as ParseError).message).toContain(reason);
      expect((error as ParseError).message).not.toContain('\u001b');
    }
  });
});

describe('formatAsn', () => {
  it('prints asplain and round-trips', () => {
    for (const asn of [0, 1, 65535, 65536, 131279, 4294967295]) {
      expect(formatAsn(asn)).toBe(String(asn));
      expect(parseAsn(formatAsn(asn))).toBe(asn);
    }
  });

  it('refuses numbers that are not AS numbers', () => {
    for (const bad of [-1, 4294967296, 1.5, Number.NaN, Infinity]) {
      expect(() => formatAsn(bad)).toThrow(CairnError);
    }
  });
});
