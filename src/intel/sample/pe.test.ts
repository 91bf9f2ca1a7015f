/**
 * pe.ts on its own: `entropy` (four count tables) against the one-table definition, exactly, and
 * the names read in place from the file's bytes (section names, import names) on views of a
 * larger buffer, with bytes past ASCII and names cut by the file's end. `test/sample-pe.test.ts`
 * checks the traits against python3-pefile.
 */
import { describe, expect, it } from 'vitest';
import { syntheticPe } from '../../../test/fixtures/pe/synthetic-pe.js';
import { entropy, readPe } from './pe.js';

/** Shannon entropy as defined: one count per byte value, summed over the values in order. */
function entropyByDefinition(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  const counts = new Array<number>(256).fill(0);
  for (const b of bytes) counts[b]++;
  let h = 0;
  for (const count of counts) {
    if (count === 0) continue;
    const p = count / bytes.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function lcgBytes(n: number, seed: number, mask = 0xff): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x >>> 16) & mask;
  }
  return out;
}

describe('entropy', () => {
  it('is the one-table value to the last bit, whatever the length modulo four', () => {
    for (let n = 0; n <= 67; n++) {
      for (const mask of [0xff, 0x0f, 0x01]) {
        const bytes = lcgBytes(n, n * 31 + mask, mask);
        expect(entropy(bytes), `n=${n} mask=${mask}`).toBe(entropyByDefinition(bytes));
      }
    }
    const big = lcgBytes(100_003, 7);
    expect(entropy(big)).toBe(entropyByDefinition(big));
  });

  it('counts runs of one byte value and views at odd offsets', () => {
    expect(entropy(new Uint8Array(4097))).toBe(0);
    const all = Uint8Array.from({ length: 256 * 5 }, (_, i) => i & 0xff);
    expect(entropy(all)).toBe(8);
    const padded = new Uint8Array(1000);
    padded.set(lcgBytes(37, 3), 0);
    const view = padded.subarray(3, 998);
    expect(entropy(view)).toBe(entropyByDefinition(view));
  });

  it('is the same when called again (its count tables are reused)', () => {
    const a = lcgBytes(513, 11);
    const first = entropy(a);
    entropy(new Uint8Array(2048).fill(9));
    expect(entropy(a)).toBe(first);
  });
});

describe('names read in place', () => {
  const good = syntheticPe();
  const nt = good.readUInt32LE(0x3c);
  const sectionTable = nt + 4 + 20 + good.readUInt16LE(nt + 4 + 16);

  it('a view at an offset of a larger buffer reads as the file alone', () => {
    const larger = Buffer.alloc(good.length + 100, 0xcc);
    good.copy(larger, 37);
    const view = larger.subarray(37, 37 + good.length);
    expect(readPe(view, 'x.exe')).toEqual(readPe(Buffer.from(good), 'x.exe'));
    expect(readPe(view, 'x.exe').pe?.imports.map((i) => i.dll)).toEqual([
      'KERNEL32.dll',
      'WS2_32.dll',
      'oleaut32.dll',
    ]);
  });

  it('section names: eight bytes without a NUL, bytes past ASCII as Latin-1, an empty name', () => {
    const b = Buffer.from(good);
    b.write('ABCDEFGH', sectionTable, 'latin1');
    b.set([0x2e, 0xe9, 0x01, 0xff, 0x00, 0x41, 0x41, 0x41], sectionTable + 40);
    b.fill(0, sectionTable + 80, sectionTable + 88);
    const names = readPe(b, 'x.exe').pe?.sections.map((s) => s.name);
    expect(names).toEqual(['ABCDEFGH', '.\u00e9\u0001\u00ff', '']);
  });

  it('an import name cut by the end of the file is read up to the end', () => {
    const pe = readPe(good, 'x.exe').pe!;
    const name = Buffer.from('KERNEL32.dll\0', 'latin1');
    const at = good.indexOf(name);
    expect(at).toBeGreaterThan(0);
    // The file ends four bytes into the first DLL's name: that name is what is left of it.
    const cut = good.subarray(0, at + 4);
    const read = readPe(cut, 'x.exe');
    expect(pe.imports[0].dll).toBe('KERNEL32.dll');
    expect(read.pe?.imports[0]?.dll).toBe('KERN');
  });
});
