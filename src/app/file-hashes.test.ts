import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownFileHash, loadHashMemo, saveHashMemo } from './file-hashes.js';
import { hashFile } from './ingest.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-hashes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('knownFileHash', () => {
  it('is the content hash, and changes when the file does', async () => {
    const file = join(dir, 'a.txt');
    await writeFile(file, 'one');
    expect(await knownFileHash(file)).toBe(await hashFile(file));
    await writeFile(file, 'two, longer');
    expect(await knownFileHash(file)).toBe(await hashFile(file));
  });

  it('takes an unchanged file from a memo without reading it, and reads a changed one', async () => {
    const file = join(dir, 'b.txt');
    await writeFile(file, 'content');
    const info = await stat(file);
    // A memo naming another hash for this very size, time and inode: only reading the memo gives it.
    const memo = join(dir, 'memo.json');
    const remembered = 'f'.repeat(64);
    await writeFile(
      memo,
      JSON.stringify({
        format: 1,
        files: { [file]: { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, hash: remembered } },
      }),
    );
    await loadHashMemo(memo);
    expect(await knownFileHash(file)).toBe(remembered);
    // Another modification time: read again.
    await utimes(file, info.atime, new Date(info.mtimeMs + 5000));
    expect(await knownFileHash(file)).toBe(await hashFile(file));
  });

  it('writes what it knows to the memo, and ignores a memo it cannot read', async () => {
    const file = join(dir, 'c.txt');
    await writeFile(file, 'kept');
    const hash = await knownFileHash(file);
    const memo = join(dir, 'saved.json');
    await saveHashMemo(memo);
    const saved = JSON.parse(await readFile(memo, 'utf8')) as { files: Record<string, { hash: string }> };
    expect(saved.files[file]?.hash).toBe(hash);
    expect((await stat(memo)).mode & 0o777).toBe(0o600);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ not json');
    await expect(loadHashMemo(broken)).resolves.toBeUndefined();
    await expect(loadHashMemo(join(dir, 'missing.json'))).resolves.toBeUndefined();
  });
});
