/**
 * store/duckdb: the CairnStore embedded in one DuckDB file, with its versioned schema.
 */
export { DuckDbStore, type DuckDbStoreOptions } from './duckdb-store.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './schema.js';
