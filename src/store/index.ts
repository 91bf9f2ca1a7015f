/**
 * store: cairn's memory. One interface in domain terms (`CairnStore`: ingest a file's results in
 * one transaction, visibility series, dependency snapshots, outages, prefix changes, session
 * resets, evidence, ACH cases), the records it keeps (`types.ts`), and its default
 * implementation, DuckDB embedded in one file (`store/duckdb`). Everything in it is recomputed
 * from the inputs, so a damaged file can be moved aside and ingested again.
 *
 * @example
 * import { openStore, defaultStorePath } from '../store/index.js';
 * const store = await openStore(defaultStorePath(process.env, homedir()));
 * const series = await store.visibilitySeries('country', 'KP', from, to);
 * await store.close();
 */
import path from 'node:path';
import { DuckDbStore, type DuckDbStoreOptions } from './duckdb/index.js';
import type { CairnStore } from './store.js';

export type { CairnStore, StoredAchCase } from './store.js';
export type * from './types.js';
export {
  DuckDbStore,
  MIGRATIONS,
  SCHEMA_VERSION,
  type DuckDbStoreOptions,
  type Migration,
} from './duckdb/index.js';

/**
 * Where the store lives when no `--db` is given: `$CAIRN_DB`, else
 * `$XDG_DATA_HOME/cairn/cairn.duckdb`, else `~/.local/share/cairn/cairn.duckdb`.
 */
export function defaultStorePath(env: Readonly<Record<string, string | undefined>>, home: string): string {
  if (env.CAIRN_DB !== undefined && env.CAIRN_DB !== '') return env.CAIRN_DB;
  const data =
    env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== ''
      ? env.XDG_DATA_HOME
      : path.join(home, '.local', 'share');
  return path.join(data, 'cairn', 'cairn.duckdb');
}

/** Opens the default implementation (DuckDB) at `file`. */
export function openStore(file: string, options: DuckDbStoreOptions = {}): Promise<CairnStore> {
  return DuckDbStore.open(file, options);
}

// ---- the ClickHouse cluster store (issue 17) ----------------------------------------------------
export {
  ClickHouseStore,
  CLUSTER_MIGRATIONS,
  CLUSTER_SCHEMA_VERSION,
  isClusterUrl,
  parseClusterUrl,
  type ClickHouseStoreOptions,
  type ClusterMigration,
  type ClusterTable,
  type ClusterUrl,
  type InsertEvent,
  type RetryEvent,
} from './clickhouse/index.js';

// ---- the evidence index read without opening the store (issue 13 point 10) ----------------------
export {
  EVIDENCE_INDEX_SUFFIX,
  evidenceIndexPath,
  readEvidenceIndexBeside,
} from './duckdb/evidence-index-file.js';
