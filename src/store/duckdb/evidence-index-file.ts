/**
 * The evidence index kept beside the DuckDB file as well (`<file>.evidence-index`), so that a
 * question answered from the index alone reads one file and never loads DuckDB's native module.
 * The copy is the store's: `saveEvidenceIndex` removes it before replacing the index and writes
 * it after the commit, `loadEvidenceIndex` writes it when it is missing. It names the store file
 * it belongs to (device, inode, birth time), so a store moved aside or made anew never reads
 * another's copy.
 *
 * @example
 * const record = readEvidenceIndexBeside('/data/cairn.duckdb'); // undefined: open the store
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { EvidenceIndexRecord } from '../types.js';

/** What follows the store file's name to name its evidence index copy. */
export const EVIDENCE_INDEX_SUFFIX = '.evidence-index';

/** The first line of a copy: what the file is and the layout of what follows. */
const MAGIC = 'cairn-evidence-index 1\n';

interface Header {
  /**
   * The store file's device, inode and birth time (ns; 0 where the file system keeps none) when
   * the copy was written, as decimal strings: a file made anew at the path, even on a reused
   * inode, is another file.
   */
  dev: string;
  ino: string;
  birth: string;
  format: number;
  builtAt: number;
  inputs: EvidenceIndexRecord['inputs'];
  /** The text is ASCII, so its bytes decode as one-byte characters (the cheapest read). */
  ascii: boolean;
}

/** Where the copy of the index of the store at `file` lives. */
export function evidenceIndexPath(file: string): string {
  return `${file}${EVIDENCE_INDEX_SUFFIX}`;
}

function identity(file: string): { dev: string; ino: string; birth: string } | undefined {
  try {
    const s = statSync(file, { bigint: true });
    return { dev: String(s.dev), ino: String(s.ino), birth: String(s.birthtimeNs) };
  } catch {
    return undefined;
  }
}

/** Removes the copy (before the index it copies is replaced); a copy already gone is fine. */
export function removeEvidenceIndexFile(file: string): void {
  rmSync(evidenceIndexPath(file), { force: true });
}

/**
 * Writes the copy of `record` for the store at `file`, whole or not at all (a temporary file
 * renamed over it), so a reader never sees half of one.
 */
export function writeEvidenceIndexFile(file: string, record: EvidenceIndexRecord): void {
  const id = identity(file);
  if (id === undefined) return;
  const header: Header = {
    ...id,
    format: record.format,
    builtAt: record.builtAt,
    inputs: record.inputs,
    ascii: Buffer.byteLength(record.text) === record.text.length,
  };
  const target = evidenceIndexPath(file);
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, MAGIC + JSON.stringify(header) + '\n' + record.text);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * The index the store at `file` keeps beside it, read without opening the store; undefined when
 * there is no copy, it is unreadable, or it was written for another file at that path.
 */
export function readEvidenceIndexBeside(file: string): EvidenceIndexRecord | undefined {
  const id = identity(file);
  if (id === undefined) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(evidenceIndexPath(file));
  } catch {
    return undefined;
  }
  if (bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const end = bytes.indexOf(10, MAGIC.length);
  if (end < 0) return undefined;
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', MAGIC.length, end)) as Header;
  } catch {
    return undefined;
  }
  if (header.dev !== id.dev || header.ino !== id.ino || header.birth !== id.birth) return undefined;
  return {
    inputs: header.inputs,
    format: header.format,
    builtAt: header.builtAt,
    text: bytes.toString(header.ascii ? 'latin1' : 'utf8', end + 1),
  };
}
