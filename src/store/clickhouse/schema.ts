/**
 * The cluster schema, as numbered migrations of table definitions. Each table is a local
 * `ReplacingMergeTree` on every node (`NAME_local`) and a `Distributed` table (`NAME`) over the
 * cluster's shards with a documented sharding key; cairn reads and writes the Distributed ones.
 * A released migration is never edited: a new version gets a new entry.
 *
 * Why ReplacingMergeTree everywhere: the ordering key of every table ends with the file sequence
 * number and the row's index in the file (or another per-write identity), so a batch sent again
 * after a timeout lands on the same shard (deterministic sharding key) with the same key, and
 * reads with FINAL see it once.
 */
import type { Column } from './rowbinary.js';

export interface ClusterTable {
  name: string;
  columns: readonly Column[];
  /** The MergeTree ordering key: the queries' filters first, the write identity last. */
  orderBy: readonly string[];
  /** Partitioning expression (by month of a time column), absent for small tables. */
  partitionBy?: string;
  /** The Distributed table's sharding key: rows one query reads together stay on one shard. */
  shardBy: string;
  /** Version column of ReplacingMergeTree (the highest wins), when replacement is by version. */
  version?: string;
  /**
   * Rows per index mark (ClickHouse's default 8192 suits scans): small for tables read by key one
   * object at a time, so a lookup does not decompress thousands of JSON objects.
   */
  indexGranularity?: number;
}

export interface ClusterMigration {
  version: number;
  summary: string;
  tables: readonly ClusterTable[];
}

/** Month of a Unix-seconds Float64 column, clamped into DateTime's range. */
const month = (column: string): string =>
  `toYYYYMM(toDateTime(toUInt32(greatest(0, least(${column}, 4294967295)))))`;

const c = (name: string, type: Column['type']): Column => ({ name, type });
const FILE_ROW = [c('file_seq', 'UInt64'), c('row', 'UInt32')] as const;

export const CLUSTER_MIGRATIONS: readonly ClusterMigration[] = [
  {
    version: 1,
    summary: 'files, ingest attempts, bins, visibility, dependency, prefix changes, outages, session resets',
    tables: [
      {
        name: 'files',
        indexGranularity: 256,
        columns: [
          c('seq', 'UInt64'),
          c('hash', 'String'),
          c('kind', 'String'),
          c('path', 'String'),
          c('size', 'UInt64'),
          c('first_time', 'Nullable(Float64)'),
          c('last_time', 'Nullable(Float64)'),
          c('records', 'UInt64'),
          c('problem_count', 'UInt32'),
          c('problems', 'Array(String)'),
          c('ingested_at', 'Float64'),
        ],
        orderBy: ['hash', 'seq'],
        shardBy: 'cityHash64(hash)',
      },
      {
        // Every ingest attempt takes a sequence number here before writing, so a number is never
        // reused by a later attempt after one that died before its file record was written.
        name: 'attempts',
        columns: [c('seq', 'UInt64'), c('hash', 'String'), c('started', 'Float64')],
        orderBy: ['seq', 'hash'],
        shardBy: 'cityHash64(hash)',
      },
      {
        name: 'bins',
        columns: [c('bin_start', 'Float64'), c('file_seq', 'UInt64')],
        orderBy: ['bin_start', 'file_seq'],
        partitionBy: month('bin_start'),
        shardBy: 'cityHash64(bin_start)',
      },
      {
        name: 'visibility',
        columns: [
          c('scope', 'String'),
          c('key', 'String'),
          c('bin_start', 'Float64'),
          c('ipv4_slash24s', 'Float64'),
          c('ipv6_slash48s', 'Float64'),
          c('prefixes', 'Int32'),
          c('peers', 'Int32'),
          ...FILE_ROW,
        ],
        orderBy: ['scope', 'key', 'bin_start', 'file_seq', 'row'],
        partitionBy: month('bin_start'),
        shardBy: 'cityHash64(scope, key)',
      },
      {
        name: 'dependency_snapshots',
        columns: [c('country', 'String'), c('time', 'Float64'), c('peers', 'Int32'), ...FILE_ROW],
        orderBy: ['country', 'time', 'file_seq', 'row'],
        partitionBy: month('time'),
        shardBy: 'cityHash64(country)',
      },
      {
        name: 'dependency_shares',
        columns: [
          c('country', 'String'),
          c('time', 'Float64'),
          c('asn', 'UInt32'),
          c('hegemony', 'Float64'),
          c('ipv4', 'Float64'),
          c('ipv6', 'Float64'),
          ...FILE_ROW,
        ],
        orderBy: ['country', 'time', 'file_seq', 'row'],
        partitionBy: month('time'),
        shardBy: 'cityHash64(country)',
      },
      {
        name: 'upstream_shares',
        columns: [
          c('country', 'String'),
          c('time', 'Float64'),
          c('asn', 'UInt32'),
          c('share', 'Float64'),
          ...FILE_ROW,
        ],
        orderBy: ['country', 'time', 'file_seq', 'row'],
        partitionBy: month('time'),
        shardBy: 'cityHash64(country)',
      },
      {
        name: 'prefix_changes',
        columns: [
          c('kind', 'String'),
          c('prefix', 'String'),
          c('time', 'Float64'),
          c('before', 'Array(UInt32)'),
          c('after', 'Array(UInt32)'),
          ...FILE_ROW,
        ],
        orderBy: ['prefix', 'time', 'kind', 'file_seq', 'row'],
        partitionBy: month('time'),
        shardBy: 'cityHash64(prefix)',
      },
      {
        name: 'outage_states',
        columns: [
          c('selection', 'String'),
          c('start', 'Float64'),
          c('open', 'UInt8'),
          c('end_time', 'Nullable(Float64)'),
          c('event', 'String'),
          ...FILE_ROW,
        ],
        orderBy: ['selection', 'start', 'file_seq', 'row'],
        partitionBy: month('start'),
        shardBy: 'cityHash64(selection)',
      },
      {
        name: 'outage_phases',
        columns: [
          c('selection', 'String'),
          c('start', 'Float64'),
          c('phase', 'String'),
          c('time', 'Float64'),
          ...FILE_ROW,
        ],
        orderBy: ['selection', 'start', 'file_seq', 'row'],
        partitionBy: month('start'),
        shardBy: 'cityHash64(selection)',
      },
      {
        name: 'session_resets',
        columns: [
          c('time', 'Float64'),
          c('peer_asn', 'UInt32'),
          c('peer_address', 'String'),
          c('routes_removed', 'Int32'),
          ...FILE_ROW,
        ],
        orderBy: ['time', 'peer_asn', 'peer_address', 'file_seq', 'row'],
        partitionBy: month('time'),
        shardBy: 'cityHash64(peer_address)',
      },
    ],
  },
  {
    version: 2,
    summary: 'evidence (objects, indicator values, case links, relationships) and ACH cases with edits',
    tables: [
      {
        name: 'evidence',
        indexGranularity: 256,
        columns: [c('id', 'String'), c('kind', 'String'), c('object', 'String'), ...FILE_ROW],
        orderBy: ['id', 'file_seq', 'row'],
        shardBy: 'cityHash64(id)',
      },
      {
        name: 'evidence_values',
        indexGranularity: 256,
        columns: [c('value', 'String'), c('indicator_id', 'String'), ...FILE_ROW],
        orderBy: ['value', 'indicator_id', 'file_seq', 'row'],
        shardBy: 'cityHash64(value)',
      },
      {
        name: 'evidence_case_links',
        indexGranularity: 256,
        columns: [c('indicator_id', 'String'), c('case_id', 'String'), ...FILE_ROW],
        orderBy: ['case_id', 'indicator_id', 'file_seq', 'row'],
        shardBy: 'cityHash64(case_id)',
      },
      {
        name: 'evidence_relationships',
        indexGranularity: 256,
        columns: [
          c('id', 'String'),
          c('type', 'String'),
          c('source_ref', 'String'),
          c('target_ref', 'String'),
          ...FILE_ROW,
        ],
        orderBy: ['id', 'file_seq', 'row'],
        shardBy: 'cityHash64(id)',
      },
      {
        name: 'ach_cases',
        indexGranularity: 256,
        columns: [c('id', 'String'), c('achcase', 'String'), c('version', 'UInt64')],
        orderBy: ['id'],
        shardBy: 'cityHash64(id)',
        version: 'version',
      },
      {
        name: 'ach_edits',
        indexGranularity: 256,
        columns: [
          c('case_id', 'String'),
          c('seq', 'UInt64'),
          c('evidence_id', 'String'),
          c('hypothesis_id', 'String'),
          c('rating', 'String'),
          c('time', 'Float64'),
          c('analyst', 'Nullable(String)'),
          c('note', 'Nullable(String)'),
        ],
        orderBy: ['case_id', 'seq'],
        shardBy: 'cityHash64(case_id)',
      },
    ],
  },
  {
    version: 3,
    summary: 'the evidence index attribution reads instead of re-importing the corpus',
    tables: [
      {
        // One row per save in one slot; the highest version is the index (one shard holds it all).
        name: 'evidence_index',
        indexGranularity: 256,
        columns: [
          c('slot', 'UInt8'),
          c('format', 'UInt32'),
          c('built_at', 'Float64'),
          c('inputs', 'String'),
          c('text', 'String'),
          c('version', 'UInt64'),
        ],
        orderBy: ['slot'],
        shardBy: 'slot',
        version: 'version',
      },
    ],
  },
];

/** The version this cairn writes. */
export const CLUSTER_SCHEMA_VERSION = CLUSTER_MIGRATIONS[CLUSTER_MIGRATIONS.length - 1].version;

/** Every table of the schema at `version`, by name. */
export function tablesAt(version: number): Map<string, ClusterTable> {
  const tables = new Map<string, ClusterTable>();
  for (const m of CLUSTER_MIGRATIONS)
    if (m.version <= version) for (const t of m.tables) tables.set(t.name, t);
  return tables;
}

/** A ClickHouse identifier, back-quoted. */
export const ident = (name: string): string => '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';

/** The statements that create the table `spec` defines on one node: its local table, then the Distributed one. */
export function createStatements(spec: ClusterTable, database: string, cluster: string): string[] {
  const db = ident(database);
  const columns = spec.columns.map((col) => `${ident(col.name)} ${col.type}`).join(', ');
  const engine = `ReplacingMergeTree${spec.version !== undefined ? `(${spec.version})` : ''}`;
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.${ident(spec.name + '_local')} (${columns}) ENGINE = ${engine}` +
      (spec.partitionBy !== undefined ? ` PARTITION BY ${spec.partitionBy}` : '') +
      ` ORDER BY (${spec.orderBy.join(', ')})` +
      (spec.indexGranularity !== undefined ? ` SETTINGS index_granularity = ${spec.indexGranularity}` : ''),
    `CREATE TABLE IF NOT EXISTS ${db}.${ident(spec.name)} AS ${db}.${ident(spec.name + '_local')}` +
      ` ENGINE = Distributed(${ident(cluster)}, ${db}, ${ident(spec.name + '_local')}, ${spec.shardBy})`,
  ];
}
