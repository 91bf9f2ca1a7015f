// The copy of the evidence index beside a DuckDB store file: written with the index, read without
// opening the store, never read for another file at that path nor left stale by a save.
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evidenceIndexPath, openStore, readEvidenceIndexBeside } from '../../src/store/index.js';
import type { EvidenceIndexRecord } from '../../src/store/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-evidence-index-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Synthetic records: the store keeps the text opaque, so any text will do (one not ASCII).
const record = (n: number, text: string): EvidenceIndexRecord => ({
  inputs: [{ hash: `h${n}`, path: `lists/é${n}.csv`, full: `/data/lists/é${n}.csv` }],
  format: 3,
  builtAt: 1_700_000_000 + n,
  text,
});

/**
 * Saves an index into a store at `db`, lets `displace` move or remove that store file, and checks
 * that the store then made at `db` neither reads the copy beside it nor loads an index.
 */
async function expectNoIndexAfter(
  db: string,
  version: number,
  displace: (db: string) => void,
): Promise<void> {
  const first = await openStore(db);
  await first.saveEvidenceIndex(record(version, '{"format":3}'));
  await first.close();
  displace(db);
  const again = await openStore(db);
  try {
    expect(readEvidenceIndexBeside(db)).toBeUndefined();
    expect(await again.loadEvidenceIndex()).toBeUndefined();
  } finally {
    await again.close();
  }
}

describe('the evidence index beside the store file', () => {
  it('is written with the index and reads back equal, ASCII or not', async () => {
    const db = path.join(dir, 'a.duckdb');
    const store = await openStore(db);
    try {
      expect(readEvidenceIndexBeside(db)).toBeUndefined();
      await store.saveEvidenceIndex(record(1, '{"format":3,"strings":["plain"]}'));
      expect(readEvidenceIndexBeside(db)).toEqual(record(1, '{"format":3,"strings":["plain"]}'));
      await store.saveEvidenceIndex(record(2, '{"format":3,"strings":["Zürich ☃ 𝄞"]}'));
      expect(readEvidenceIndexBeside(db)).toEqual(record(2, '{"format":3,"strings":["Zürich ☃ 𝄞"]}'));
      expect(await store.loadEvidenceIndex()).toEqual(readEvidenceIndexBeside(db));
    } finally {
      await store.close();
    }
  });

  it('is not read for a copy of the store, which gets its own on its first read', async () => {
    const db = path.join(dir, 'a.duckdb');
    const copy = path.join(dir, 'copy.duckdb');
    copyFileSync(db, copy);
    // A copy of the index file too: it names the other file (device and inode), so it is refused.
    copyFileSync(evidenceIndexPath(db), evidenceIndexPath(copy));
    expect(readEvidenceIndexBeside(copy)).toBeUndefined();
    rmSync(evidenceIndexPath(copy));
    const store = await openStore(copy);
    try {
      const loaded = await store.loadEvidenceIndex();
      expect(readEvidenceIndexBeside(copy)).toEqual(loaded);
    } finally {
      await store.close();
    }
  });

  it('is not read once the store file is moved aside and another made at its path', async () => {
    await expectNoIndexAfter(path.join(dir, 'b.duckdb'), 3, (db) => {
      expect(readEvidenceIndexBeside(db)).toEqual(record(3, '{"format":3}'));
      renameSync(db, path.join(dir, 'b-aside.duckdb'));
    });
  });

  it('is not read once the store file is deleted and another made at its path (an inode may be reused)', async () => {
    await expectNoIndexAfter(path.join(dir, 'c.duckdb'), 4, (db) => {
      rmSync(db);
      rmSync(`${db}.wal`, { force: true });
    });
  });

  it('a damaged or foreign file at its path is not an index, and the first read replaces it', async () => {
    const db = path.join(dir, 'a.duckdb');
    const saved = readEvidenceIndexBeside(db);
    expect(saved).toBeDefined();
    const target = evidenceIndexPath(db);
    for (const junk of ['', 'cairn-evidence-index 1\n', 'cairn-evidence-index 1\n{not json\n', 'hello\n']) {
      writeFileSync(target, junk);
      expect(readEvidenceIndexBeside(db)).toBeUndefined();
    }
    rmSync(target);
    expect(existsSync(target)).toBe(false);
    expect(readEvidenceIndexBeside(db)).toBeUndefined();
    writeFileSync(target, 'hello\n');
    const store = await openStore(db);
    try {
      const loaded = await store.loadEvidenceIndex();
      expect(readEvidenceIndexBeside(db)).toEqual(loaded);
      expect(loaded).toEqual(saved);
    } finally {
      await store.close();
    }
  });
});
