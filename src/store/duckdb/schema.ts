/**
 * The DuckDB schema, as numbered migrations applied in order on open. A migration is never edited
 * once released: a new version gets a new entry, so a database made by any earlier cairn opens.
 * Rows are appended with the sequence number of the file that wrote them (`file_seq`): a file's
 * rows are found, counted and shown to be whole by that number, and the latest file wins when two
 * files write the same bin.
 */

export interface Migration {
  version: number;
  /** What the version adds, for the README and the schema_version table. */
  summary: string;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    summary: 'files, bins, visibility, dependency, prefix changes, outages, session resets',
    statements: [
      `CREATE TABLE schema_version (version INTEGER NOT NULL, summary VARCHAR NOT NULL)`,
      `CREATE TABLE files (
        seq BIGINT PRIMARY KEY, hash VARCHAR NOT NULL UNIQUE, kind VARCHAR NOT NULL, path VARCHAR NOT NULL,
        size BIGINT NOT NULL, first_time DOUBLE, last_time DOUBLE, records BIGINT NOT NULL,
        problem_count INTEGER NOT NULL, problems VARCHAR[] NOT NULL, ingested_at DOUBLE NOT NULL)`,
      `CREATE TABLE bins (bin_start DOUBLE NOT NULL, file_seq BIGINT NOT NULL)`,
      `CREATE TABLE visibility (
        scope VARCHAR NOT NULL, key VARCHAR NOT NULL, bin_start DOUBLE NOT NULL,
        ipv4_slash24s DOUBLE NOT NULL, ipv6_slash48s DOUBLE NOT NULL, prefixes INTEGER NOT NULL,
        peers INTEGER NOT NULL, file_seq BIGINT NOT NULL)`,
      `CREATE TABLE dependency_snapshots (
        country VARCHAR NOT NULL, time DOUBLE NOT NULL, peers INTEGER NOT NULL, file_seq BIGINT NOT NULL)`,
      `CREATE TABLE dependency_shares (
        country VARCHAR NOT NULL, time DOUBLE NOT NULL, asn UBIGINT NOT NULL, hegemony DOUBLE NOT NULL,
        ipv4 DOUBLE NOT NULL, ipv6 DOUBLE NOT NULL, file_seq BIGINT NOT NULL)`,
      `CREATE TABLE upstream_shares (
        country VARCHAR NOT NULL, time DOUBLE NOT NULL, asn UBIGINT NOT NULL, share DOUBLE NOT NULL,
        file_seq BIGINT NOT NULL)`,
      `CREATE TABLE prefix_changes (
        kind VARCHAR NOT NULL, prefix VARCHAR NOT NULL, time DOUBLE NOT NULL, before UBIGINT[] NOT NULL,
        after UBIGINT[] NOT NULL, file_seq BIGINT NOT NULL)`,
      `CREATE TABLE outage_states (
        selection VARCHAR NOT NULL, start DOUBLE NOT NULL, open BOOLEAN NOT NULL, end_time DOUBLE,
        event VARCHAR NOT NULL, file_seq BIGINT NOT NULL)`,
      `CREATE TABLE outage_phases (
        selection VARCHAR NOT NULL, start DOUBLE NOT NULL, phase VARCHAR NOT NULL, time DOUBLE NOT NULL,
        file_seq BIGINT NOT NULL)`,
      `CREATE TABLE session_resets (
        time DOUBLE NOT NULL, peer_asn UBIGINT NOT NULL, peer_address VARCHAR NOT NULL,
        routes_removed INTEGER NOT NULL, file_seq BIGINT NOT NULL)`,
    ],
  },
  {
    version: 2,
    summary: 'evidence (objects, indicator values, case links, relationships) and ACH cases with edits',
    statements: [
      `CREATE TABLE evidence (id VARCHAR NOT NULL, kind VARCHAR NOT NULL, object VARCHAR NOT NULL, file_seq BIGINT NOT NULL)`,
      `CREATE TABLE evidence_values (value VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL, file_seq BIGINT NOT NULL)`,
      `CREATE TABLE evidence_case_links (indicator_id VARCHAR NOT NULL, case_id VARCHAR NOT NULL, file_seq BIGINT NOT NULL)`,
      `CREATE TABLE evidence_relationships (
        id VARCHAR NOT NULL, type VARCHAR NOT NULL, source_ref VARCHAR NOT NULL, target_ref VARCHAR NOT NULL,
        file_seq BIGINT NOT NULL)`,
      `CREATE TABLE ach_cases (id VARCHAR PRIMARY KEY, achcase VARCHAR NOT NULL)`,
      `CREATE TABLE ach_edits (
        case_id VARCHAR NOT NULL, seq BIGINT NOT NULL, evidence_id VARCHAR NOT NULL, hypothesis_id VARCHAR NOT NULL,
        rating VARCHAR NOT NULL, time DOUBLE NOT NULL, analyst VARCHAR, note VARCHAR)`,
    ],
  },
  {
    version: 3,
    summary: 'the evidence index (the corpus imported once, as intel writes it)',
    statements: [
      `CREATE TABLE evidence_index (
        slot INTEGER PRIMARY KEY, format INTEGER NOT NULL, built_at DOUBLE NOT NULL, inputs VARCHAR NOT NULL,
        index_gzip BLOB NOT NULL)`,
    ],
  },
  {
    version: 4,
    summary: 'routing views (the answers of a routing world, kept so a restart reads them)',
    statements: [
      `CREATE TABLE routing_views (
        world VARCHAR NOT NULL, kind VARCHAR NOT NULL, key VARCHAR NOT NULL, view_gzip BLOB NOT NULL)`,
    ],
  },
];

/** The version this cairn writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
