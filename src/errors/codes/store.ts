/** Codes raised by store/: the embedded DuckDB store and its schema. */
import type { CodeSpec } from '../category.js';

export const STORE_CODES = {
  STORE_CORRUPT: {
    category: 'input',
    description:
      'The database file is not a cairn store cairn can read: truncated, overwritten, or not a DuckDB file at all.',
    action:
      'Move the file aside and ingest again (everything in the store is recomputed from its inputs), or pass another --db.',
  },
  STORE_LOCKED: {
    category: 'conflict',
    description:
      'Another process holds the database file open for writing (DuckDB allows one writer per file).',
    action: 'Wait for the other cairn process to end, or use another --db.',
  },
  STORE_TOO_NEW: {
    category: 'unavailable',
    description:
      'The database was written by a newer cairn (its schema version is above the one this cairn knows).',
    action: 'Use the newer cairn, or another --db.',
  },
  STORE_CANNOT_OPEN: {
    category: 'unavailable',
    description:
      'The database file or its folder cannot be created or opened (permissions, missing folder, full disk).',
    action: 'Check the path given with --db or $CAIRN_DB and its permissions.',
  },
  INGEST_NO_INPUT: {
    category: 'not-found',
    description: 'A file or folder given to `cairn ingest` (--mrt, --registry, --intel) does not exist.',
    action: 'Check the path.',
  },
  STORE_CLOSED: {
    category: 'internal',
    description: 'The store was used after it was closed.',
    action: 'Report it: this is a bug in cairn.',
  },
} as const satisfies Record<string, CodeSpec>;

export type StoreErrorCode = keyof typeof STORE_CODES;
