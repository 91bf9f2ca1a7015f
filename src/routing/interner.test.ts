import { describe, expect, it } from 'vitest';
import { WordInterner } from './interner.js';

describe('WordInterner', () => {
  it('gives one id per distinct sequence, the same again after reserve, and does not grow within it', () => {
    const interner = new WordInterner(4, 8);
    const sequence = (i: number): Uint32Array =>
      Uint32Array.from({ length: 1 + (i % 7) }, (_, k) => i * 31 + k);
    const ids = Array.from({ length: 500 }, (_, i) => interner.intern(sequence(i), sequence(i).length));
    expect(ids).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(interner.intern(sequence(17), sequence(17).length)).toBe(17);
    interner.reserve(20_000, 20_000 * 8);
    for (let i = 0; i < 500; i++) expect(interner.find(sequence(i), sequence(i).length)).toBe(i);
    expect([...interner.view(42)]).toEqual([...sequence(42)]);
    const bytes = interner.byteLength;
    for (let i = 500; i < 20_000; i++) interner.intern(sequence(i), sequence(i).length);
    expect(interner.count).toBe(20_000);
    expect(interner.byteLength).toBe(bytes);
    for (let i = 0; i < 20_000; i += 997) expect(interner.find(sequence(i), sequence(i).length)).toBe(i);
  });
});
