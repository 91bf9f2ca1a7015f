/**
 * Content hashes of files, known by path, size, modification time and inode: a start that finds a
 * file unchanged since it was last hashed does not read it again (as git's index does). Known
 * hashes live in this process and, when a memo file is named, across processes (a JSON file
 * written whole, mode 0600). A changed size, time or inode means reading the file again.
 *
 * @example
 * await loadHashMemo(memo);
 * const hash = await knownFileHash('data/mrt/ris/bview.gz'); // sha256 hex, as hashFile
 * await saveHashMemo(memo);
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { hashFile } from './ingest.js';

const Known = z.object({ size: z.number(), mtimeMs: z.number(), ino: z.number(), hash: z.string() });
type Known = z.infer<typeof Known>;
const Memo = z.object({ format: z.literal(1), files: z.record(z.string(), Known) });

const KNOWN = new Map<string, Known>();
let changed = false;

/** The file's sha256 (hex, as `hashFile`), read again only when it changed since it was last hashed. */
export async function knownFileHash(file: string): Promise<string> {
  const info = await stat(file);
  const known = KNOWN.get(file);
  if (
    known !== undefined &&
    known.size === info.size &&
    known.mtimeMs === info.mtimeMs &&
    known.ino === info.ino
  )
    return known.hash;
  // Stat before reading: a file written meanwhile has another time at the next look, and is read again.
  const hash = await hashFile(file);
  KNOWN.set(file, { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, hash });
  changed = true;
  return hash;
}

/** Adds the hashes a memo file keeps; a missing or unreadable memo adds none (the files are read). */
export async function loadHashMemo(file: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return;
  }
  const memo = Memo.safeParse(parsed);
  if (!memo.success) return;
  for (const [path, known] of Object.entries(memo.data.files)) if (!KNOWN.has(path)) KNOWN.set(path, known);
}

/** Writes the known hashes to the memo file when any was added since the last write. */
export async function saveHashMemo(file: string): Promise<void> {
  if (!changed) return;
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify({ format: 1, files: Object.fromEntries(KNOWN) }), {
    mode: 0o600,
  });
  await rename(temporary, file);
  changed = false;
}
