/**
 * store/clickhouse: the CairnStore on a ClickHouse cluster (Distributed tables over
 * ReplacingMergeTree shards), with its versioned schema and its `clickhouse://` URL.
 */
export {
  ClickHouseStore,
  type ClickHouseStoreOptions,
  type InsertEvent,
  type RetryEvent,
} from './clickhouse-store.js';
export {
  CLUSTER_MIGRATIONS,
  CLUSTER_SCHEMA_VERSION,
  type ClusterMigration,
  type ClusterTable,
} from './schema.js';
export { isClusterUrl, parseClusterUrl, type ClusterUrl } from './url.js';
