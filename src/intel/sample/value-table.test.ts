import { describe, expect, it } from 'vitest';
import { hashCodes, hashText, ValueTable } from './value-table.js';

describe('ValueTable', () => {
  it('holds each value once, told apart by value when hashes collide', () => {
    const table = new ValueTable();
    const values = Array.from({ length: 700 }, (_, i) => `http://h${i % 7}.example/${i}`);
    for (const value of values) {
      // Every value under one of three hashes: most lookups meet values of the same hash.
      const hash = value.length % 3;
      expect(table.has(hash, value)).toBe(false);
      table.add(hash, value);
      expect(table.has(hash, value)).toBe(true);
    }
    expect(table.size).toBe(700);
    for (const value of values) expect(table.has(value.length % 3, value)).toBe(true);
    expect(table.has(0, 'http://h0.example/700')).toBe(false);
    expect(table.has(1, values[0])).toBe(values[0].length % 3 === 1);
  });

  it('finds integer keys without comparing values, across growth and the sign bit', () => {
    const table = new ValueTable();
    const keys = Array.from({ length: 600 }, (_, i) => (0x0a000007 + i * 0x100) >>> 0);
    keys.push(0, 0xffffffff, 0xc0a80101);
    for (const key of keys) {
      expect(table.hasKey(key)).toBe(false);
      table.add(key, String(key));
    }
    for (const key of keys) expect(table.hasKey(key)).toBe(true);
    expect(table.hasKey(0x0a000008)).toBe(false);
    expect(table.size).toBe(keys.length);
  });

  it('hashes codes and text alike, letters in either case', () => {
    const line = 'xx HTTP://C2.Example.COM/gate.php?id=12345 yy';
    const codes = Buffer.from(line, 'latin1');
    const view = new DataView(codes.buffer, codes.byteOffset, codes.length);
    // Every length from 0 to 11 and every alignment, tails of 0 to 3 characters.
    for (let from = 0; from < 8; from++)
      for (let to = from; to <= from + 11; to++)
        expect(hashCodes(view, from, to)).toBe(hashText(line.slice(from, to)));
    const text = line.slice(3, -3);
    expect(hashText(text)).toBe(hashText(text.toLowerCase()));
    expect(hashText('ab')).not.toBe(hashText('abc'));
    expect(hashText('http://a/1')).not.toBe(hashText('http://a/2'));
    // The middle counts too: hosts that differ before a common path.
    expect(hashText('http://c2-1.example.com/gate.php?id=7')).not.toBe(
      hashText('http://c2-2.example.com/gate.php?id=7'),
    );
  });
});
