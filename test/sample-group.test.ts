/**
 * Files read in groups (app/sample-read.ts `readSamples`): their MD5s are computed together in
 * WebAssembly SIMD lanes and each file is analysed after the group is read, in buffers reused from
 * group to group. A group's entries must be exactly those of the files read one by one (where the
 * MD5 is node:crypto's), whatever the group holds: refusals, empty files, a file too large to wait
 * in the group, and a second group of other sizes in the same buffers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSample, readSamples } from '../src/app/sample-read.js';

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
