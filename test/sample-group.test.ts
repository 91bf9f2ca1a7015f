/**
 * Files read in groups (app/sample-read.ts `readSamples`): their MD5s are computed together in
 * WebAssembly SIMD lanes and each file is analysed after the group is read, in buffers reused from
 * group to group. A group's entries must be exactly those of the files read one by one (where the
 * MD5 is node:crypto's), whatever the group holds: refusals, empty files, a file too large to wait
 * in the group, and a second group of other sizes in the same buffers.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  joinHalves,
  readHashHalves,
  readSample,
  readSamples,
  readTraitHalves,
  sampleReply,
} from '../src/app/sample-read.js';
import { claimSplitGroup, SAMPLE_READ_GROUP, SPLIT_WAITING_BYTES } from '../src/app/sample-start.js';
import { syntheticPe } from './fixtures/pe/synthetic-pe.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-sample-group-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('readSamples: a group of files read together', () => {
  it('gives each file the entry it gets alone, in order, refusals included', () => {
    mkdirSync(join(dir, 'folder'));
    symlinkSync(join(dir, 'folder'), join(dir, 'link'));
    const text = Buffer.from('GET http://c2.example.com/gate.php?id=1 password=hunter2\n'.repeat(300));
    const first = [
      file('empty.bin', new Uint8Array(0)),
      file('text.txt', text),
      join(dir, 'missing.bin'),
      file('random-63.bin', randomBytes(63)),
      join(dir, 'folder'),
      file('large.bin', randomBytes(5 * 1024 * 1024 + 3)),
      join(dir, 'link'),
      file('random-100k.bin', randomBytes(100_000)),
    ];
    const second = [
      file('random-1m.bin', randomBytes(1024 * 1024 + 65)),
      file('random-64.bin', randomBytes(64)),
      file('text2.txt', text.subarray(0, 4000)),
    ];
    for (const files of [first, second, [...second, ...first.slice(0, 5)]]) {
      const group = readSamples(files, 0, files.length, 64 * 1024 * 1024);
      const alone = files.map((f) => readSample(f, 64 * 1024 * 1024));
      expect(group).toEqual(alone);
    }
    // The files read are hashed as node:crypto hashes them, and the refusals are refusals.
    const group = readSamples(first, 0, first.length, 64 * 1024 * 1024);
    expect(group.map((e) => e.error?.code)).toEqual([
      undefined,
      undefined,
      'SAMPLE_NOT_FOUND',
      undefined,
      'SAMPLE_NOT_REGULAR',
      undefined,
      'SAMPLE_NOT_REGULAR',
      undefined,
    ]);
    group.forEach((entry, k) => {
      if (entry.facts !== undefined) {
        expect(entry.facts.hashes.md5).toBe(createHash('md5').update(readFileSync(first[k]!)).digest('hex'));
      }
    });
  });

  it('takes a range of the list: from and to', () => {
    const files = [0, 1, 2, 3, 4].map((k) => file(`range-${k}.bin`, randomBytes(1000 + k)));
    const part = readSamples(files, 1, 4, 1 << 20);
    expect(part.map((e) => e.file)).toEqual(files.slice(1, 4));
    expect(part).toEqual(files.slice(1, 4).map((f) => readSample(f, 1 << 20)));
  });
});

describe('a split read: hashes and traits read apart, joined into the entry', () => {
  it('joins into the JSON text of the entry read whole, with its problems and size', () => {
    const pe = syntheticPe({ seed: 5, timestamp: 0x50000005 });
    const files = [
      file('split-empty.bin', new Uint8Array(0)),
      file(
        'split-text.txt',
        Buffer.from('see http://203.0.113.9/drop \\\\fs-01\\c$ user=a password=b\n'.repeat(50)),
      ),
      join(dir, 'split-missing.bin'),
      file('split-pe.exe', pe),
      // A PE cut in its section table: problems with offsets, and a type still.
      file('split-cut.exe', pe.subarray(0, 0x1a0)),
      file('split-large.bin', randomBytes(4 * 1024 * 1024 + 1)),
      file('split-\u00fc "q".bin', randomBytes(70)),
      file('split-tiny.bin', Buffer.from('MZ')),
      file('split-utf16.txt', Buffer.from('\\\\host-\u00e9\\share x@example.com', 'utf16le')),
    ];
    const maxSize = 5 * 1024 * 1024;
    for (const [from, to] of [
      [0, files.length],
      [2, 7],
    ] as const) {
      const hashes = readHashHalves(files, from, to, maxSize);
      const traits = readTraitHalves(files, from, to, maxSize, /^fs-/);
      for (let k = 0; k < to - from; k++) {
        const whole = sampleReply(from + k, readSample(files[from + k]!, maxSize, /^fs-/), true);
        expect(hashes[k]!.index).toBe(from + k);
        expect(joinHalves(traits[k]!, hashes[k]!), files[from + k]).toEqual(whole);
      }
    }
    // The cut PE has problems; the missing file is its refusal whatever the hash half holds.
    const cut = joinHalves(
      readTraitHalves(files, 4, 5, maxSize)[0]!,
      readHashHalves(files, 4, 5, maxSize)[0]!,
    );
    expect(cut?.problems.length).toBeGreaterThan(0);
    const missing = joinHalves(readTraitHalves(files, 2, 3, maxSize)[0]!, { index: 2 });
    expect(missing?.problems.map((p) => p.code)).toEqual(['SAMPLE_NOT_FOUND']);
  });

  it('does not join the halves of a file that changed between its two reads, or that one thread could not read', () => {
    const path = file('split-changing.bin', randomBytes(5000));
    const traits = readTraitHalves([path], 0, 1, 1 << 20)[0]!;
    writeFileSync(path, randomBytes(6000));
    expect(joinHalves(traits, readHashHalves([path], 0, 1, 1 << 20)[0]!)).toBeUndefined();
    // Same size, written again: another modification time (set apart: the kernel's clock for
    // file times can be coarser than two writes), or another file.
    const again = readTraitHalves([path], 0, 1, 1 << 20)[0]!;
    writeFileSync(path, randomBytes(6000));
    utimesSync(path, new Date(0), new Date(1_000_000));
    expect(joinHalves(again, readHashHalves([path], 0, 1, 1 << 20)[0]!)).toBeUndefined();
    const moved = readTraitHalves([path], 0, 1, 1 << 20)[0]!;
    renameSync(path, `${path}.old`);
    writeFileSync(path, randomBytes(6000));
    utimesSync(path, new Date(0), new Date(1_000_000));
    expect(joinHalves(moved, readHashHalves([path], 0, 1, 1 << 20)[0]!)).toBeUndefined();
    // The hashing thread found it gone.
    const last = readTraitHalves([path], 0, 1, 1 << 20)[0]!;
    rmSync(path);
    expect(readHashHalves([path], 0, 1, 1 << 20)[0]).toEqual({ index: 0 });
    expect(joinHalves(last, { index: 0 })).toBeUndefined();
  });
});

describe('claimSplitGroup: which half a thread of a split read takes next', () => {
  const counter = (value = 0): Int32Array => {
    const c = new Int32Array(new SharedArrayBuffer(4));
    c[0] = value;
    return c;
  };

  it('takes its own kind while little waits, then the kind behind; each group once', () => {
    const files = 100 * SAMPLE_READ_GROUP + 3;
    const groups = Math.ceil(files / SAMPLE_READ_GROUP);
    const hashes = counter();
    const traits = counter();
    const waiting = counter();
    // One thread preferring traits: all of them first, then the hashes.
    const taken: string[] = [];
    for (
      let g = claimSplitGroup(traits, hashes, files, waiting);
      g;
      g = claimSplitGroup(traits, hashes, files, waiting)
    )
      taken.push(`${g.mine ? 't' : 'h'}${g.from}`);
    expect(taken.length).toBe(2 * groups);
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.slice(0, groups).every((t) => t.startsWith('t'))).toBe(true);
    // Over the limit: the kind behind first, whichever the thread prefers.
    const over = counter(SPLIT_WAITING_BYTES);
    expect(claimSplitGroup(counter(80), counter(16), files, over)).toEqual({ from: 16, mine: false });
    expect(claimSplitGroup(counter(16), counter(80), files, over)).toEqual({ from: 16, mine: true });
    expect(claimSplitGroup(counter(80), counter(16), files, counter(SPLIT_WAITING_BYTES - 1))).toEqual({
      from: 80,
      mine: true,
    });
    // The kind behind used up: its own again.
    expect(claimSplitGroup(counter(80), counter(files), files, over)).toEqual({ from: 80, mine: true });
    expect(claimSplitGroup(counter(files), counter(files + 8), files, over)).toBeUndefined();
  });

  it('keeps the halves waiting under the limit when one thread is three times as fast', () => {
    // The main thread (traits, slow) joins each file once both halves are in; a file's halves
    // weigh 10 bytes each, the limit 200: what waits stays near it.
    const files = 400 * SAMPLE_READ_GROUP;
    const hashes = counter();
    const traits = counter();
    const waiting = counter();
    const limit = 200;
    const have = { h: new Set<number>(), t: new Set<number>() };
    let most = 0;
    const add = (kind: 'h' | 't', from: number): void => {
      for (let i = from; i < from + SAMPLE_READ_GROUP; i++) {
        const other = kind === 'h' ? have.t : have.h;
        if (other.has(i)) {
          other.delete(i);
          waiting[0] -= 10;
        } else {
          have[kind].add(i);
          waiting[0] += 10;
        }
      }
      most = Math.max(most, waiting[0]);
    };
    for (;;) {
      const fast = [0, 1, 2].map(() => claimSplitGroup(hashes, traits, files, waiting, limit));
      for (const g of fast) if (g) add(g.mine ? 'h' : 't', g.from);
      const slow = claimSplitGroup(traits, hashes, files, waiting, limit);
      if (slow) add(slow.mine ? 't' : 'h', slow.from);
      if (fast.every((g) => g === undefined) && slow === undefined) break;
    }
    expect(have.h.size + have.t.size).toBe(0);
    expect(most).toBeLessThanOrEqual(limit + 4 * 10 * SAMPLE_READ_GROUP);
  });
});
