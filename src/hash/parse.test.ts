import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import { SsdeepHasher, parseSsdeep, parseTlsh, ssdeepCompare, tlshDistance } from './index.js';

function parseFailure(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParseError) return err;
    throw err;
  }
  throw new Error('expected a ParseError');
}

const GOOD_TLSH = 'T11FA1B357F78913B236924271569EA6D1FB2C451C33668484552C812D33138B8C73FFCE';

describe('malformed ssdeep digests give HASH_BAD_SSDEEP with a location', () => {
  const cases: Array<[string, string, string, number]> = [
    ['no colon', 'abc', 'blockSize', 0],
    ['block size not 3·2^k', '5:abc:def', 'blockSize', 0],
    ['block size 0', '0:abc:def', 'blockSize', 0],
    ['leading zero', '03:abc:def', 'blockSize', 0],
    ['negative', '-3:abc:def', 'blockSize', 0],
    ['block size too large', '6442450944:abc:def', 'blockSize', 0],
    ['too many digits', '12345678901:a:b', 'blockSize', 0],
    ['one part only', '3:abcdef', 'part2', 8],
    ['bad base64 char', '3:abc!def:x', 'part1', 5],
    ['control char', '3:abc\u0007def:x', 'part1', 5],
    ['newline in part 2', '3:abc:de\nf', 'part2', 8],
    ['non-ASCII', '3:abc:d\u00e9f', 'part2', 7],
    ['third colon', '3:abc:def:ghi', 'part2', 9],
    ['part 1 too long', `3:${'A'.repeat(65)}:B`, 'part1', 2],
    ['whole thing too long', `3:${'A'.repeat(500)}`, 'digest', 0],
  ];
  for (const [what, text, field, offset] of cases) {
    it(what, () => {
      const err = parseFailure(() => parseSsdeep(text));
      expect(err.code).toBe('HASH_BAD_SSDEEP');
      expect(err.location.field).toBe(field);
      expect(err.location.offset).toBe(offset);
      expect(() => ssdeepCompare(text, '3:abc:def')).toThrow(ParseError);
    });
  }

  it('accepts the largest legal block size and empty parts', () => {
    expect(parseSsdeep('3221225472::').blockIndex).toBe(30);
    expect(parseSsdeep('3::').part1).toBe('');
  });
});

describe('malformed TLSH digests give HASH_BAD_TLSH with a location', () => {
  const cases: Array<[string, string, number]> = [
    ['empty', '', 0],
    ['TNULL', 'TNULL', 0],
    ['too short', GOOD_TLSH.slice(0, 60), 0],
    ['too long', GOOD_TLSH + '00', 0],
    ['wrong version prefix', 'T2' + GOOD_TLSH.slice(2), 0],
    ['non-hex', GOOD_TLSH.slice(0, 10) + 'G' + GOOD_TLSH.slice(11), 10],
    ['control char', GOOD_TLSH.slice(0, 20) + '\u0000' + GOOD_TLSH.slice(21), 20],
    ['space', GOOD_TLSH.slice(0, 71) + ' ', 71],
  ];
  for (const [what, text, offset] of cases) {
    it(what, () => {
      const err = parseFailure(() => parseTlsh(text));
      expect(err.code).toBe('HASH_BAD_TLSH');
      expect(err.location.offset).toBe(offset);
      expect(() => tlshDistance(text, GOOD_TLSH)).toThrow(ParseError);
    });
  }

  it('accepts lower case and the old form without T1', () => {
    expect(parseTlsh(GOOD_TLSH.toLowerCase().replace(/^t1/, 'T1'))).toEqual(parseTlsh(GOOD_TLSH));
    expect(tlshDistance(GOOD_TLSH.slice(2), GOOD_TLSH)).toBe(0);
  });
});

describe('random input never crashes the parsers', () => {
  it('throws only ParseError on 5,000 random strings', () => {
    let state = 7;
    const rand = (n: number): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return (state >>> 8) % n;
    };
    const alphabet = '0123456789:ABCDEFabcdefT+/,"\u0000\n\u00ff\ud800';
    for (let i = 0; i < 5000; i++) {
      const len = rand(150);
      let s = i % 3 === 0 ? '3:' : i % 3 === 1 ? 'T1' : '';
      for (let k = 0; k < len; k++) s += alphabet[rand(alphabet.length)];
      for (const parse of [parseSsdeep, parseTlsh]) {
        try {
          parse(s);
        } catch (err) {
          expect(err).toBeInstanceOf(ParseError);
        }
      }
    }
  });

  it('streams a large zero input with constant-size state', () => {
    const hasher = new SsdeepHasher();
    const chunk = new Uint8Array(1 << 20);
    for (let i = 0; i < 8; i++) hasher.update(chunk);
    expect(hasher.digest()).toBe('3::');
  });
});
