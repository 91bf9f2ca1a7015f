/**
 * The CairnStore on a ClickHouse cluster (`@clickhouse/client` over HTTP): every table a
 * Distributed table over ReplacingMergeTree tables on the shards (`schema.ts`), rows inserted in
 * RowBinary, in bounded batches, each retried on another node until the cluster takes it.
 *
 * ClickHouse has no multi-statement transaction, so "one file, all or nothing" is made of a
 * commit record: a file's rows are written first, tagged with a sequence number taken for the
 * attempt, and its `files` row last. Every query reads only rows whose sequence number is the
 * first committed one of its hash; an attempt that died leaves rows no query sees, and a batch
 * retried after a timeout is collapsed by its ordering key (FINAL) or by the queries' own
 * latest-file-wins step.
 *
 * @example
 * const store = await ClickHouseStore.open('clickhouse://127.0.0.1:8123,127.0.0.1:8124/cairn');
 * await store.ingestFile(batch);
 * await store.close();
 */
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { CairnError } from '../../errors/index.js';
import type { AchCase, EvidenceObject, Indicator } from '../../intel/index.js';
import type { OutageEvent, OutagePhase } from '../../observatory/index.js';
import type { CairnStore, StoredAchCase } from '../store.js';
import type {
  AchRatingEdit,
  ChangeFilter,
  DependencySnapshot,
  EvidenceIndexRecord,
  FileBatch,
  FileKind,
  FileRecord,
  OutageFilter,
  OutageRecord,
  PrefixChange,
  SessionResetRecord,
  StoreCounts,
  VisibilityPoint,
  VisibilityScope,
} from '../types.js';
import { RowBinaryWriter, encodeRow, type CellValue } from './rowbinary.js';
import {
  CLUSTER_MIGRATIONS,
  CLUSTER_SCHEMA_VERSION,
  createStatements,
  ident,
  tablesAt,
  type ClusterTable,
} from './schema.js';
import { parseClusterUrl, type ClusterUrl } from './url.js';

/** What a batch insert reports to hooks. */
export interface InsertEvent {
  table: string;
  rows: number;
  bytes: number;
  /** The node the batch went to (`host:port`). */
  node: string;
  /** 1 for the first send of this batch. */
  attempt: number;
}

/** A failed send about to be retried. */
export interface RetryEvent extends InsertEvent {
  error: string;
  /** Milliseconds waited before the next attempt. */
  delayMs: number;
}

export interface ClickHouseStoreOptions {
  /** Migrate up to this version only (default: the latest), as an earlier cairn did. */
  schemaVersion?: number;
  /** Rows per insert (default 50,000): bounds memory and the work a retry repeats. */
  batchRows?: number;
  /** How long a statement is retried, across nodes, before STORE_UNREACHABLE (default 60 s). */
  retryForMs?: number;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
  /** Called after each batch the cluster took. */
  onInsert?: (event: InsertEvent) => void | Promise<void>;
  /** Called before a batch (or any statement) is sent again. */
  onRetry?: (event: RetryEvent) => void | Promise<void>;
}

type Row = Record<string, unknown>;

interface Node {
  name: string;
  client: ClickHouseClient;
}

const num = (value: unknown): number => (typeof value === 'string' ? Number(value) : (value as number));
const optNum = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : num(value);

/** A string literal. */
export function str(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A Float64 literal that parses to exactly `value` (the server's text parser may round). */
export function f64(value: number): string {
  if (Number.isSafeInteger(value)) return `toFloat64(${value})`;
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return `reinterpretAsFloat64(unhex('${bytes.toString('hex')}'))`;
}

/** ClickHouse error codes worth another try: timeouts, unreachable shards, too many parts. */
const RETRYABLE_CODES = new Set([32, 159, 202, 209, 210, 252, 279, 285, 1000]);
const RETRYABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|socket hang up|Timeout error|Connection refused|Connection reset|Broken pipe|other side closed|aborted/i;

function serverCode(error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const match = /Code: (\d+)/.exec(message);
  return match === null ? undefined : Number(match[1]);
}

function retryable(error: unknown): boolean {
  const code = serverCode(error);
  if (code !== undefined) return RETRYABLE_CODES.has(code) || RETRYABLE_MESSAGE.test(String(error));
  return RETRYABLE_MESSAGE.test(
    error instanceof Error ? `${error.message} ${String((error as { code?: unknown }).code)}` : String(error),
  );
}

const messageOf = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 400);

/** Ids per query of `evidenceObjects`. */
const EVIDENCE_CHUNK = 1000;

/** Groups rows that follow one another by `key`, keeping the first of each (the latest file). */
function firstOf<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const row of rows) {
    const k = key(row);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(row);
  }
  return out;
}

export class ClickHouseStore implements CairnStore {
  private writes: Promise<unknown> = Promise.resolve();
  private closed = false;
  private current = 0;
  private readonly tables: Map<string, ClusterTable>;

  private constructor(
    readonly location: string,
    private readonly url: ClusterUrl,
    private readonly nodes: readonly Node[],
    readonly schemaVersion: number,
    private readonly options: ClickHouseStoreOptions,
  ) {
    this.tables = tablesAt(schemaVersion);
  }

  /**
   * Opens the store a `clickhouse://` URL names, creating its database and tables on every node
   * and applying the migrations they lack.
   */
  static async open(location: string, options: ClickHouseStoreOptions = {}): Promise<ClickHouseStore> {
    const url = parseClusterUrl(location);
    // The client package loads on first open, so importing the store costs nothing until it is used.
    const { createClient, ClickHouseLogLevel } = await import('@clickhouse/client');
    const nodes = url.nodes.map(({ host, port }) => ({
      name: `${host}:${port}`,
      client: createClient({
        url: `http://${host}:${port}`,
        request_timeout: options.requestTimeoutMs ?? 30_000,
        log: { level: ClickHouseLogLevel.OFF },
      }),
    }));
    try {
      const opening = new ClickHouseStore(location, url, nodes, 0, options);
      const version = await opening.migrate(options.schemaVersion ?? CLUSTER_SCHEMA_VERSION);
      return new ClickHouseStore(location, url, nodes, version, options);
    } catch (error) {
      await Promise.all(nodes.map((n) => n.client.close().catch(() => undefined)));
      throw error;
    }
  }

  private get db(): string {
    return ident(this.url.database);
  }

  private t(name: string): string {
    return `${this.db}.${ident(name)}`;
  }

  /** `file_seq` (or another column) among the committed files: the first commit of each hash. */
  private committed(column = 'file_seq'): string {
    return `${column} GLOBAL IN (SELECT min(seq) FROM ${this.t('files')} GROUP BY hash)`;
  }

  // ---- transport ---------------------------------------------------------------------------

  /**
   * Runs `work` on a node, moving to the next node and backing off while the failure is one a
   * retry can cure (a node or shard down, a timeout), for up to `retryForMs`.
   */
  private async withRetry<T>(
    doing: string,
    work: (node: Node, attempt: number) => Promise<T>,
    event: Omit<InsertEvent, 'node' | 'attempt'> = { table: '', rows: 0, bytes: 0 },
    pinned?: Node,
  ): Promise<T> {
    const deadline = Date.now() + (this.options.retryForMs ?? 60_000);
    let delay = 50;
    for (let attempt = 1; ; attempt++) {
      if (this.closed)
        throw new CairnError('STORE_CLOSED', `${this.location} is closed`, { file: this.location });
      const node = pinned ?? this.nodes[this.current % this.nodes.length];
      try {
        return await work(node, attempt);
      } catch (error) {
        if (error instanceof CairnError) throw error;
        if (!retryable(error)) {
          throw new CairnError(
            'STORE_QUERY_FAILED',
            `${doing} on ${node.name} (${this.location}) failed: ${messageOf(error)}`,
            { file: this.location, field: event.table || undefined },
            { cause: error },
          );
        }
        if (Date.now() + delay > deadline) {
          throw new CairnError(
            'STORE_UNREACHABLE',
            `${doing}: the cluster ${this.location} did not answer for ${(this.options.retryForMs ?? 60_000) / 1000} s (last: ${node.name}: ${messageOf(error)})`,
            { file: this.location },
            { cause: error },
          );
        }
        await this.options.onRetry?.({
          ...event,
          node: node.name,
          attempt,
          error: messageOf(error),
          delayMs: delay,
        });
        if (pinned === undefined) this.current++;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  private async rows(sql: string, pinned?: Node): Promise<Row[]> {
    return this.withRetry(
      'query',
      async (node) => {
        const result = await node.client.query({ query: sql, format: 'JSONEachRow' });
        return result.json<Row>();
      },
      undefined,
      pinned,
    );
  }

  private async command(sql: string, node: Node): Promise<void> {
    await this.withRetry(
      'schema change',
      (n) => n.client.command({ query: sql }).then(() => undefined),
      undefined,
      node,
    );
  }

  /**
   * Inserts rows into a Distributed table, `batchRows` at a time, each batch in RowBinary and
   * acknowledged by every shard it touches (insert_distributed_sync) before the next is encoded:
   * a slow or stopped shard holds the writer back rather than piling batches up in memory.
   */
  private async insert<T>(
    table: string,
    items: readonly T[],
    row: (item: T, index: number) => CellValue[],
  ): Promise<void> {
    if (items.length === 0) return;
    const spec = this.tables.get(table);
    if (spec === undefined) throw new CairnError('STORE_CLOSED', `${this.location} has no table ${table}`);
    const size = Math.max(1, this.options.batchRows ?? 50_000);
    const columns = spec.columns.map((col) => ident(col.name)).join(', ');
    for (let start = 0; start < items.length; start += size) {
      const w = new RowBinaryWriter();
      const end = Math.min(items.length, start + size);
      for (let i = start; i < end; i++) encodeRow(w, spec.columns, row(items[i], i));
      const body = w.finish();
      const event = { table, rows: end - start, bytes: body.length };
      await this.withRetry(
        `insert into ${table}`,
        async (node, attempt) => {
          const result = await node.client.exec({
            query: `INSERT INTO ${this.t(table)} (${columns}) FORMAT RowBinary`,
            values: Readable.from([body]),
            clickhouse_settings: { insert_distributed_sync: 1 },
          });
          result.stream.resume();
          await new Promise<void>((resolve, reject) => {
            result.stream.once('end', resolve);
            result.stream.once('error', reject);
          });
          await this.options.onInsert?.({ ...event, node: node.name, attempt });
        },
        event,
      );
    }
  }

  /** Runs writes one after the other (sequence numbers are taken from what is there). */
  private write<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed)
      return Promise.reject(
        new CairnError('STORE_CLOSED', `${this.location} is closed`, { file: this.location }),
      );
    const run = this.writes.then(work);
    this.writes = run.catch(() => undefined);
    return run;
  }

  private requireVersion(version: number, what: string): void {
    if (this.schemaVersion < version)
      throw new CairnError(
        'STORE_CLOSED',
        `${this.location} was opened at schema version ${this.schemaVersion}, which has no ${what}`,
        { file: this.location },
      );
  }

  // ---- schema ------------------------------------------------------------------------------

  /** Checks the cluster, then brings every node to `target`; returns the version reached. */
  private async migrate(target: number): Promise<number> {
    const [clusterRow] = await this.rows(
      `SELECT count() AS replicas, uniqExact(shard_num) AS shards FROM system.clusters WHERE cluster = ${str(this.url.cluster)}`,
      this.nodes[0],
    );
    const replicas = num(clusterRow.replicas);
    if (replicas === 0 || replicas !== this.nodes.length)
      throw new CairnError(
        'STORE_CLUSTER_MISMATCH',
        replicas === 0
          ? `${this.location}: ${this.nodes[0].name} has no cluster ${this.url.cluster} in its remote_servers`
          : `${this.location} names ${this.nodes.length} nodes but cluster ${this.url.cluster} has ${replicas}`,
        { file: this.location },
      );
    let reached = Number.POSITIVE_INFINITY;
    for (const node of this.nodes) {
      await this.command(`CREATE DATABASE IF NOT EXISTS ${this.db}`, node);
      await this.command(
        `CREATE TABLE IF NOT EXISTS ${this.t('schema_version')} (version UInt32, summary String) ENGINE = TinyLog`,
        node,
      );
      const [row] = await this.rows(
        `SELECT max(version) AS v, count() AS n FROM ${this.t('schema_version')}`,
        node,
      );
      let current = num(row.n) === 0 ? 0 : num(row.v);
      if (current > CLUSTER_SCHEMA_VERSION)
        throw new CairnError(
          'STORE_TOO_NEW',
          `${this.location} (${node.name}) is at schema version ${current}; this cairn knows up to ${CLUSTER_SCHEMA_VERSION}`,
          { file: this.location },
        );
      for (const migration of CLUSTER_MIGRATIONS) {
        if (migration.version <= current || migration.version > target) continue;
        // CREATE ... IF NOT EXISTS: a migration cut short is completed by the next open.
        for (const table of migration.tables)
          for (const statement of createStatements(table, this.url.database, this.url.cluster))
            await this.command(statement, node);
        await this.command(
          `INSERT INTO ${this.t('schema_version')} VALUES (${migration.version}, ${str(migration.summary)})`,
          node,
        );
        current = migration.version;
      }
      reached = Math.min(reached, current);
    }
    return reached;
  }

  // ---- files -------------------------------------------------------------------------------

  async hasFile(hash: string): Promise<boolean> {
    const [row] = await this.rows(`SELECT count() AS n FROM ${this.t('files')} WHERE hash = ${str(hash)}`);
    return num(row.n) > 0;
  }

  async hasFiles(hashes: readonly string[]): Promise<Set<string>> {
    const asked = [...new Set(hashes)];
    if (asked.length === 0) return new Set();
    const rows = await this.rows(
      `SELECT DISTINCT hash FROM ${this.t('files')} WHERE hash IN (${asked.map(str).join(', ')})`,
    );
    return new Set(rows.map((row) => String(row.hash)));
  }

  async files(kind?: FileKind): Promise<FileRecord[]> {
    const rows = await this.rows(
      `SELECT * FROM ${this.t('files')} FINAL WHERE ${this.committed('seq')}
       ${kind !== undefined ? `AND kind = ${str(kind)}` : ''} ORDER BY seq`,
    );
    return rows.map(fileOfRow);
  }

  /** Takes a sequence number above every attempt's, recording the attempt. */
  private async begin(hash: string, started: number): Promise<number> {
    const [row] = await this.rows(`SELECT max(seq) AS m FROM ${this.t('attempts')}`);
    // The low 16 bits are random so that two writers racing for the same number rarely collide.
    const seq = (Math.floor(num(row.m) / 65536) + 1) * 65536 + Math.floor(Math.random() * 65536);
    await this.insert('attempts', [0], () => [seq, hash, started]);
    return seq;
  }

  private async commit(file: FileRecord, seq: number): Promise<void> {
    await this.insert('files', [file], (f) => [
      seq,
      f.hash,
      f.kind,
      f.path,
      f.size,
      f.firstTime,
      f.lastTime,
      f.records,
      f.problemCount,
      f.problems,
      f.ingestedAt,
    ]);
  }

  ingestFile(batch: FileBatch): Promise<boolean> {
    return this.write(async () => {
      if (await this.hasFile(batch.file.hash)) return false;
      const seq = await this.begin(batch.file.hash, batch.file.ingestedAt);
      await this.insert('bins', [...new Set(batch.bins)], (bin) => [bin, seq]);
      await this.insert('visibility', batch.visibility, (p, i) => [
        p.scope,
        p.key,
        p.binStart,
        p.ipv4Slash24s,
        p.ipv6Slash48s,
        p.prefixes,
        p.peers,
        seq,
        i,
      ]);
      await this.insert('dependency_snapshots', batch.dependency, (s, i) => [
        s.country,
        s.time,
        s.peers,
        seq,
        i,
      ]);
      const shares = batch.dependency.flatMap((s) => s.dependency.map((d) => ({ s, d })));
      await this.insert('dependency_shares', shares, ({ s, d }, i) => [
        s.country,
        s.time,
        d.asn,
        d.hegemony,
        d.ipv4,
        d.ipv6,
        seq,
        i,
      ]);
      const upstreams = batch.dependency.flatMap((s) => s.upstreams.map((u) => ({ s, u })));
      await this.insert('upstream_shares', upstreams, ({ s, u }, i) => [
        s.country,
        s.time,
        u.asn,
        u.share,
        seq,
        i,
      ]);
      await this.insert('prefix_changes', batch.changes, (ch, i) => [
        ch.kind,
        ch.prefix,
        ch.time,
        ch.before,
        ch.after,
        seq,
        i,
      ]);
      await this.insert('outage_states', batch.outages, (o, i) => [
        o.selection,
        o.event.start,
        o.event.open,
        o.event.end,
        JSON.stringify(o.event),
        seq,
        i,
      ]);
      const phases = batch.outages.flatMap((o) => o.phases.map((p) => ({ o, p })));
      await this.insert('outage_phases', phases, ({ o, p }, i) => [
        o.selection,
        o.event.start,
        p.phase,
        p.time,
        seq,
        i,
      ]);
      await this.insert('session_resets', batch.resets, (r, i) => [
        r.time,
        r.peerAsn,
        r.peerAddress,
        r.routesRemoved,
        seq,
        i,
      ]);
      await this.commit(batch.file, seq);
      return true;
    });
  }

  // ---- routing history ---------------------------------------------------------------------

  async visibilitySeries(
    scope: VisibilityScope,
    key: string,
    from: number,
    to: number,
  ): Promise<VisibilityPoint[]> {
    if (!(to >= from)) return [];
    const bins = (
      await this.rows(
        `SELECT DISTINCT bin_start FROM ${this.t('bins')}
         WHERE bin_start >= ${f64(from)} AND bin_start <= ${f64(to)} AND ${this.committed()} ORDER BY bin_start`,
      )
    ).map((r) => num(r.bin_start));
    if (bins.length === 0) return [];
    const which = `scope = ${str(scope)} AND key = ${str(key)}`;
    const [before] = await this.rows(
      `SELECT max(bin_start) AS m, count() AS n FROM ${this.t('visibility')}
       WHERE ${which} AND bin_start <= ${f64(from)} AND ${this.committed()}`,
    );
    const start = num(before.n) > 0 ? num(before.m) : from;
    const points = firstOf(
      await this.rows(
        `SELECT bin_start, ipv4_slash24s, ipv6_slash48s, prefixes, peers FROM ${this.t('visibility')}
         WHERE ${which} AND bin_start >= ${f64(start)} AND bin_start <= ${f64(to)} AND ${this.committed()}
         ORDER BY bin_start, file_seq DESC`,
      ),
      (r) => String(num(r.bin_start)),
    );
    const out: VisibilityPoint[] = [];
    let at = 0;
    let last: Row | undefined;
    for (const bin of bins) {
      while (at < points.length && num(points[at].bin_start) <= bin) last = points[at++];
      if (last === undefined) continue;
      out.push({
        scope,
        key,
        binStart: bin,
        ipv4Slash24s: num(last.ipv4_slash24s),
        ipv6Slash48s: num(last.ipv6_slash48s),
        prefixes: num(last.prefixes),
        peers: num(last.peers),
      });
    }
    return out;
  }

  private async snapshots(country: string, where: string): Promise<DependencySnapshot[]> {
    const heads = firstOf(
      await this.rows(
        `SELECT time, peers, file_seq FROM ${this.t('dependency_snapshots')}
         WHERE country = ${str(country)} AND ${where} AND ${this.committed()} ORDER BY time, file_seq DESC`,
      ),
      (r) => String(num(r.time)),
    );
    if (heads.length === 0) return [];
    const chosen = new Set(heads.map((h) => `${num(h.time)}/${num(h.file_seq)}`));
    const lo = num(heads[0].time);
    const hi = num(heads[heads.length - 1].time);
    const range = `country = ${str(country)} AND time >= ${f64(lo)} AND time <= ${f64(hi)} AND ${this.committed()}`;
    const shares = await this.rows(
      `SELECT time, asn, hegemony, ipv4, ipv6, file_seq FROM ${this.t('dependency_shares')} FINAL
       WHERE ${range} ORDER BY time, hegemony DESC, ipv6 DESC, asn`,
    );
    const ups = await this.rows(
      `SELECT time, asn, share, file_seq FROM ${this.t('upstream_shares')} FINAL
       WHERE ${range} ORDER BY time, share DESC, asn`,
    );
    const byTime = new Map<number, DependencySnapshot>();
    for (const h of heads)
      byTime.set(num(h.time), {
        country,
        time: num(h.time),
        peers: num(h.peers),
        dependency: [],
        upstreams: [],
      });
    const keep = (r: Row): boolean => chosen.has(`${num(r.time)}/${num(r.file_seq)}`);
    for (const s of shares.filter(keep))
      byTime.get(num(s.time))?.dependency.push({
        asn: num(s.asn),
        hegemony: num(s.hegemony),
        ipv4: num(s.ipv4),
        ipv6: num(s.ipv6),
      });
    for (const u of ups.filter(keep))
      byTime.get(num(u.time))?.upstreams.push({ asn: num(u.asn), share: num(u.share) });
    return [...byTime.values()];
  }

  async dependencyAt(country: string, time: number): Promise<DependencySnapshot | undefined> {
    const [row] = await this.rows(
      `SELECT max(time) AS t, count() AS n FROM ${this.t('dependency_snapshots')}
       WHERE country = ${str(country)} AND time <= ${f64(time)} AND ${this.committed()}`,
    );
    if (num(row.n) === 0) return undefined;
    return (await this.snapshots(country, `time = ${f64(num(row.t))}`))[0];
  }

  async dependencySeries(country: string, from: number, to: number): Promise<DependencySnapshot[]> {
    return to >= from ? this.snapshots(country, `time >= ${f64(from)} AND time <= ${f64(to)}`) : [];
  }

  async outages(filter: OutageFilter = {}): Promise<OutageRecord[]> {
    const selection = filter.selection !== undefined ? `selection = ${str(filter.selection)} AND` : '';
    const states = firstOf(
      await this.rows(
        `SELECT selection, start, open, end_time, event FROM ${this.t('outage_states')}
         WHERE ${selection} ${this.committed()} ORDER BY start, selection, file_seq DESC`,
      ),
      (s) => `${String(s.selection)}\u0000${num(s.start)}`,
    );
    const phases = await this.rows(
      `SELECT selection, start, phase, time FROM ${this.t('outage_phases')} FINAL
       WHERE ${selection} ${this.committed()}
       ORDER BY file_seq, time, multiIf(phase = 'open', 0, phase = 'update', 1, 2), row`,
    );
    const phasesOf = new Map<string, Array<{ phase: OutagePhase; time: number }>>();
    for (const p of phases) {
      const key = `${String(p.selection)}\u0000${num(p.start)}`;
      let list = phasesOf.get(key);
      if (list === undefined) phasesOf.set(key, (list = []));
      list.push({ phase: p.phase as OutagePhase, time: num(p.time) });
    }
    const out: OutageRecord[] = [];
    for (const s of states) {
      const start = num(s.start);
      const end = optNum(s.end_time);
      const open = num(s.open) === 1;
      if (filter.openOnly === true && !open) continue;
      if (filter.to !== undefined && start > filter.to) continue;
      if (filter.from !== undefined && !open && end !== undefined && end < filter.from) continue;
      out.push({
        selection: String(s.selection),
        event: JSON.parse(String(s.event)) as OutageEvent,
        phases: phasesOf.get(`${String(s.selection)}\u0000${start}`) ?? [],
      });
    }
    return out;
  }

  async prefixChanges(filter: ChangeFilter = {}): Promise<PrefixChange[]> {
    const where: string[] = [this.committed()];
    if (filter.kind !== undefined) where.push(`kind = ${str(filter.kind)}`);
    if (filter.prefix !== undefined) where.push(`prefix = ${str(filter.prefix)}`);
    if (filter.asn !== undefined) {
      if (!Number.isInteger(filter.asn) || filter.asn < 0 || filter.asn > 0xffffffff) return [];
      where.push(`(has(before, toUInt32(${filter.asn})) OR has(after, toUInt32(${filter.asn})))`);
    }
    if (filter.from !== undefined) where.push(`time >= ${f64(filter.from)}`);
    if (filter.to !== undefined) where.push(`time <= ${f64(filter.to)}`);
    const rows = firstOf(
      await this.rows(
        `SELECT kind, prefix, time, before, after FROM ${this.t('prefix_changes')}
         WHERE ${where.join(' AND ')} ORDER BY time, prefix, kind, file_seq DESC`,
      ),
      (r) => `${String(r.kind)}\u0000${String(r.prefix)}\u0000${num(r.time)}`,
    );
    return rows.map((r) => ({
      kind: r.kind as PrefixChange['kind'],
      prefix: String(r.prefix),
      time: num(r.time),
      before: (r.before as unknown[]).map(num),
      after: (r.after as unknown[]).map(num),
    }));
  }

  async sessionResets(from: number, to: number): Promise<SessionResetRecord[]> {
    const rows = await this.rows(
      `SELECT time, peer_asn, peer_address, routes_removed FROM ${this.t('session_resets')} FINAL
       WHERE time >= ${f64(from)} AND time <= ${f64(to)} AND ${this.committed()}
       ORDER BY time, peer_asn, peer_address`,
    );
    return rows.map((r) => ({
      time: num(r.time),
      peerAsn: num(r.peer_asn),
      peerAddress: String(r.peer_address),
      routesRemoved: num(r.routes_removed),
    }));
  }

  async timeRange(): Promise<{ first: number; last: number } | undefined> {
    const [row] = await this.rows(
      `SELECT min(bin_start) AS first, max(bin_start) AS last, count() AS n FROM ${this.t('bins')} WHERE ${this.committed()}`,
    );
    return num(row.n) === 0 ? undefined : { first: num(row.first), last: num(row.last) };
  }

  // ---- evidence ----------------------------------------------------------------------------

  async importEvidence(file: FileRecord, objects: readonly EvidenceObject[]): Promise<boolean> {
    this.requireVersion(2, 'evidence');
    return this.write(async () => {
      if (await this.hasFile(file.hash)) return false;
      const seq = await this.begin(file.hash, file.ingestedAt);
      await this.insert('evidence', objects, (o, i) => [o.id, o.kind, JSON.stringify(o), seq, i]);
      const indicators = objects.filter((o): o is Indicator => o.kind === 'indicator');
      await this.insert('evidence_values', indicators, (ind, i) => [ind.value, ind.id, seq, i]);
      const links = indicators.flatMap((ind) => ind.caseIds.map((caseId) => ({ ind, caseId })));
      await this.insert('evidence_case_links', links, ({ ind, caseId }, i) => [ind.id, caseId, seq, i]);
      const relationships = objects.filter((o) => o.kind === 'relationship');
      await this.insert('evidence_relationships', relationships, (r, i) => [
        r.id,
        r.type,
        r.sourceRef,
        r.targetRef,
        seq,
        i,
      ]);
      await this.commit(file, seq);
      return true;
    });
  }

  /** The latest version of each indicator named in `pairs` whose version is the one the pair names. */
  private async latestIndicators(pairs: readonly Row[]): Promise<Indicator[]> {
    if (pairs.length === 0) return [];
    const wanted = new Set(pairs.map((p) => `${String(p.indicator_id)}\u0000${num(p.file_seq)}`));
    const ids = [...new Set(pairs.map((p) => String(p.indicator_id)))];
    const latest = firstOf(
      await this.rows(
        `SELECT id, object, file_seq FROM ${this.t('evidence')}
         WHERE id IN (${ids.map(str).join(', ')}) AND ${this.committed()} ORDER BY id, file_seq DESC`,
      ),
      (r) => String(r.id),
    );
    return latest
      .filter((r) => wanted.has(`${String(r.id)}\u0000${num(r.file_seq)}`))
      .map((r) => JSON.parse(String(r.object)) as Indicator);
  }

  async findEvidence(value: string): Promise<Indicator[]> {
    this.requireVersion(2, 'evidence');
    return this.latestIndicators(
      await this.rows(
        `SELECT indicator_id, file_seq FROM ${this.t('evidence_values')} WHERE value = ${str(value)} AND ${this.committed()}`,
      ),
    );
  }

  async evidence(id: string): Promise<EvidenceObject | undefined> {
    this.requireVersion(2, 'evidence');
    const [row] = await this.rows(
      `SELECT object FROM ${this.t('evidence')} WHERE id = ${str(id)} AND ${this.committed()}
       ORDER BY file_seq DESC LIMIT 1`,
    );
    return row === undefined ? undefined : (JSON.parse(String(row.object)) as EvidenceObject);
  }

  async evidenceObjects(ids: readonly string[]): Promise<Map<string, EvidenceObject>> {
    this.requireVersion(2, 'evidence');
    const asked = [...new Set(ids)];
    const out = new Map<string, EvidenceObject>();
    // Chunks keep each query's text within the server's limit; rows come newest first per id.
    for (let at = 0; at < asked.length; at += EVIDENCE_CHUNK) {
      const chunk = asked.slice(at, at + EVIDENCE_CHUNK);
      const latest = firstOf(
        await this.rows(
          `SELECT id, object FROM ${this.t('evidence')}
           WHERE id IN (${chunk.map(str).join(', ')}) AND ${this.committed()} ORDER BY id, file_seq DESC`,
        ),
        (r) => String(r.id),
      );
      for (const r of latest) out.set(String(r.id), JSON.parse(String(r.object)) as EvidenceObject);
    }
    return out;
  }

  async evidenceOfActor(actorId: string): Promise<Indicator[]> {
    this.requireVersion(2, 'evidence');
    const candidates = await this.rows(
      `SELECT DISTINCT id FROM ${this.t('evidence_relationships')} WHERE target_ref = ${str(actorId)} AND ${this.committed()}`,
    );
    if (candidates.length === 0) return [];
    const relationships = firstOf(
      await this.rows(
        `SELECT id, type, source_ref, target_ref FROM ${this.t('evidence_relationships')}
         WHERE id IN (${candidates.map((r) => str(String(r.id))).join(', ')}) AND ${this.committed()}
         ORDER BY id, file_seq DESC`,
      ),
      (r) => String(r.id),
    );
    const cases = [
      ...new Set(
        relationships
          .filter((r) => r.type === 'attributed-to' && r.target_ref === actorId)
          .map((r) => String(r.source_ref)),
      ),
    ];
    if (cases.length === 0) return [];
    return this.latestIndicators(
      await this.rows(
        `SELECT indicator_id, file_seq FROM ${this.t('evidence_case_links')}
         WHERE case_id IN (${cases.map(str).join(', ')}) AND ${this.committed()}`,
      ),
    );
  }

  // ---- evidence index ------------------------------------------------------------------------

  async saveEvidenceIndex(index: EvidenceIndexRecord): Promise<void> {
    this.requireVersion(3, 'evidence index');
    return this.write(async () => {
      const [row] = await this.rows(`SELECT max(version) AS v FROM ${this.t('evidence_index')}`);
      await this.insert('evidence_index', [index], (i) => [
        1,
        i.format,
        i.builtAt,
        JSON.stringify(i.inputs),
        i.text,
        num(row.v) + 1,
      ]);
    });
  }

  async loadEvidenceIndex(): Promise<EvidenceIndexRecord | undefined> {
    if (this.schemaVersion < 3) return undefined;
    const [row] = await this.rows(
      `SELECT format, built_at, inputs, text FROM ${this.t('evidence_index')}
       WHERE slot = 1 ORDER BY version DESC LIMIT 1`,
    );
    if (row === undefined) return undefined;
    return {
      inputs: JSON.parse(String(row.inputs)) as EvidenceIndexRecord['inputs'],
      format: num(row.format),
      builtAt: num(row.built_at),
      text: String(row.text),
    };
  }

  // ---- ACH ---------------------------------------------------------------------------------

  async saveAchCase(achCase: AchCase): Promise<void> {
    this.requireVersion(2, 'ACH cases');
    return this.write(async () => {
      const [row] = await this.rows(`SELECT max(version) AS v FROM ${this.t('ach_cases')}`);
      await this.insert('ach_cases', [achCase], (a) => [a.id, JSON.stringify(a), num(row.v) + 1]);
    });
  }

  async recordAchEdit(edit: AchRatingEdit): Promise<void> {
    this.requireVersion(2, 'ACH cases');
    return this.write(async () => {
      const [row] = await this.rows(
        `SELECT max(seq) AS s FROM ${this.t('ach_edits')} WHERE case_id = ${str(edit.caseId)}`,
      );
      await this.insert('ach_edits', [edit], (e) => [
        e.caseId,
        num(row.s) + 1,
        e.evidenceId,
        e.hypothesisId,
        e.rating,
        e.time,
        e.analyst,
        e.note,
      ]);
    });
  }

  async achCase(id: string): Promise<StoredAchCase | undefined> {
    this.requireVersion(2, 'ACH cases');
    const [row] = await this.rows(
      `SELECT achcase FROM ${this.t('ach_cases')} WHERE id = ${str(id)} ORDER BY version DESC LIMIT 1`,
    );
    if (row === undefined) return undefined;
    const edits = await this.rows(
      `SELECT * FROM ${this.t('ach_edits')} FINAL WHERE case_id = ${str(id)} ORDER BY seq`,
    );
    return {
      achCase: JSON.parse(String(row.achcase)) as AchCase,
      edits: edits.map((e) => ({
        caseId: String(e.case_id),
        evidenceId: String(e.evidence_id),
        hypothesisId: String(e.hypothesis_id),
        rating: e.rating as AchRatingEdit['rating'],
        time: num(e.time),
        ...(e.analyst !== null ? { analyst: String(e.analyst) } : {}),
        ...(e.note !== null ? { note: String(e.note) } : {}),
      })),
    };
  }

  // ---- the store ---------------------------------------------------------------------------

  counts(): Promise<StoreCounts> {
    return this.countRows(undefined);
  }

  async fileCounts(hash: string): Promise<StoreCounts | undefined> {
    const [row] = await this.rows(
      `SELECT min(seq) AS s, count() AS n FROM ${this.t('files')} WHERE hash = ${str(hash)}`,
    );
    return num(row.n) === 0 ? undefined : this.countRows(num(row.s));
  }

  /** Rows by kind, of one file (`seq`) or of the committed files (distinct bins, outages, ids). */
  private async countRows(seq: number | undefined): Promise<StoreCounts> {
    const of = seq === undefined ? this.committed() : `file_seq = ${seq}`;
    const count = async (sql: string): Promise<number> => num((await this.rows(sql))[0].n);
    const v2 = this.schemaVersion >= 2;
    return {
      files: await count(
        `SELECT uniqExact(hash) AS n FROM ${this.t('files')} WHERE ${seq === undefined ? '1' : `seq = ${seq}`}`,
      ),
      bins: await count(`SELECT uniqExact(bin_start) AS n FROM ${this.t('bins')} WHERE ${of}`),
      visibilityPoints: await count(`SELECT count() AS n FROM ${this.t('visibility')} FINAL WHERE ${of}`),
      dependencySnapshots: await count(
        `SELECT count() AS n FROM ${this.t('dependency_snapshots')} FINAL WHERE ${of}`,
      ),
      changes: await count(`SELECT count() AS n FROM ${this.t('prefix_changes')} FINAL WHERE ${of}`),
      outages: await count(
        `SELECT uniqExact(selection, start) AS n FROM ${this.t('outage_states')} WHERE ${of}`,
      ),
      resets: await count(`SELECT count() AS n FROM ${this.t('session_resets')} FINAL WHERE ${of}`),
      evidence: v2 ? await count(`SELECT uniqExact(id) AS n FROM ${this.t('evidence')} WHERE ${of}`) : 0,
      achCases:
        v2 && seq === undefined ? await count(`SELECT uniqExact(id) AS n FROM ${this.t('ach_cases')}`) : 0,
    };
  }

  /** Bytes of the active parts of this database on every node (compressed, as on disk). */
  async sizeOnDisk(): Promise<number> {
    let bytes = 0;
    for (const node of this.nodes) {
      const [row] = await this.rows(
        `SELECT sum(bytes) AS b FROM system.parts WHERE database = ${str(this.url.database)} AND active`,
        node,
      );
      bytes += num(row.b);
    }
    return bytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writes;
    this.closed = true;
    await Promise.all(this.nodes.map((n) => n.client.close().catch(() => undefined)));
  }
}

function fileOfRow(r: Row): FileRecord {
  return {
    hash: String(r.hash),
    kind: r.kind as FileKind,
    path: String(r.path),
    size: num(r.size),
    ...(r.first_time !== null ? { firstTime: num(r.first_time) } : {}),
    ...(r.last_time !== null ? { lastTime: num(r.last_time) } : {}),
    records: num(r.records),
    problemCount: num(r.problem_count),
    problems: ((r.problems as unknown[] | null) ?? []).map(String),
    ingestedAt: num(r.ingested_at),
  };
}
