/** Codes raised by store/: the embedded DuckDB store, the ClickHouse cluster store and their schemas. */
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
  STORE_NOT_FOUND: {
    category: 'not-found',
    description:
      'A command that only reads the store (history, intel --db) was given a database file that does not exist.',
    action: 'Run cairn ingest first, or pass the --db of an existing store.',
  },
  INGEST_NO_INPUT: {
    category: 'not-found',
    description:
      'A file or folder given to `cairn ingest` (--mrt, --registry, --intel) does not exist, or a folder holds no input file.',
    action: 'Check the path.',
  },
  STORE_CLOSED: {
    category: 'internal',
    description: 'The store was used after it was closed.',
    action: 'Report it: this is a bug in cairn.',
  },
  STORE_URL_INVALID: {
    category: 'usage',
    description:
      'A --store URL is not one cairn knows: expected a file path or clickhouse://host:port[,host:port...]/database[?cluster=NAME].',
    action: 'Check the URL: every node of the cluster by its HTTP port, then the database name.',
  },
  STORE_UNREACHABLE: {
    category: 'unavailable',
    description:
      'A ClickHouse node of the store did not answer (refused, reset, timed out) and kept not answering for as long as cairn retries.',
    action: 'Start the node, or check the host and HTTP port in the --store URL; then run the command again.',
  },
  STORE_CLUSTER_MISMATCH: {
    category: 'unavailable',
    description:
      "The ClickHouse nodes named in the --store URL do not match the cluster's remote_servers entry (unknown cluster, or a different number of shards).",
    action:
      'Name every shard of the cluster in the URL (one host:port each) and the cluster with ?cluster=NAME when it is not `cairn`.',
  },
  STORE_QUERY_FAILED: {
    category: 'internal',
    description: 'ClickHouse refused a statement cairn sent (a schema or type the server does not accept).',
    action:
      'Report it with the server version and the message: this is a bug in cairn or an unsupported server.',
  },
} as const satisfies Record<string, CodeSpec>;

export type StoreErrorCode = keyof typeof STORE_CODES;
