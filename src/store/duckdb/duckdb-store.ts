/**
 * The CairnStore on DuckDB, embedded, in one file: one instance and one connection per store,
 * every call queued so that a file's transaction is never interleaved with another call; bulk
 * rows go through appenders inside the file's transaction.
 *
 * @example
 * const store = await DuckDbStore.open('/tmp/cairn.duckdb');
 * await store.ingestFile(batch);
 * await store.visibilitySeries('country', 'KP', from, to);
 * await store.close();
 */
import { existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import type {
  DuckDBAppender,
  DuckDBConnection,
  DuckDBInstance,
  DuckDBListType,
  DuckDBType,
  DuckDBValue,
} from '@duckdb/node-api';
import { CairnError } from '../../errors/index.js';
import type { AchCase, EvidenceObject, Indicator } from '../../intel/index.js';
import type { OutageEvent, OutagePhase } from '../../observatory/index.js';
import type { CairnStore, StoredAchCase } from '../store.js';
import type * as T from '../types.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import {
  readEvidenceIndexBeside,
  removeEvidenceIndexFile,
  writeEvidenceIndexFile,
} from './evidence-index-file.js';

export interface DuckDbStoreOptions {
  /**
   * Migrate up to this version only (default: the latest). For tests that make a database as an
   * earlier cairn did.
   */
  schemaVersion?: number;
}

type Row = Record<string, unknown>;

/** The list column types the appenders name, built once the binding is loaded. */
interface ListTypes {
  readonly varchars: DuckDBListType;
  readonly asns: DuckDBListType;
}

type DuckDbApi = typeof import('@duckdb/node-api');

let loaded: { api: DuckDbApi; lists: ListTypes } | undefined;

/**
 * Loads the native binding on first open, so importing the store costs nothing until it is used.
 * With `require`: the package is CommonJS, and `import()` of it first runs Node's export scan over
 * each of its files (about 120), which doubled its load time (bench/RESULTS-suite.md, suite19).
 */
function loadDuckDb(): { api: DuckDbApi; lists: ListTypes } {
  if (loaded === undefined) {
    const api = createRequire(import.meta.url)('@duckdb/node-api') as DuckDbApi;
    loaded = { api, lists: { varchars: api.LIST(api.VARCHAR), asns: api.LIST(api.UBIGINT) } };
  }
  return loaded;
}

const num = (value: unknown): number => (typeof value === 'bigint' ? Number(value) : (value as number));
const optNum = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : num(value);
const numList = (value: unknown): number[] => ((value as unknown[] | null) ?? []).map(num);

/** Maps what DuckDB throws to a CairnError naming the file. */
function storeError(file: string, error: unknown, doing: string): CairnError {
  if (error instanceof CairnError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const location = { file };
  if (/lock/i.test(message))
    return new CairnError('STORE_LOCKED', `${file} is open in another process (${message})`, location, {
      cause: error,
    });
  if (
    /not a valid DuckDB database|Could not read enough bytes|corrupt|checksum|Serialization|INTERNAL Error|failed to read|invalid|truncat|magic/i.test(
      message,
    )
  )
    return new CairnError('STORE_CORRUPT', `${file} is damaged or not a cairn store (${message})`, location, {
      cause: error,
    });
  if (/IO Error|No such file|Permission|cannot open|Cannot open/i.test(message))
    return new CairnError('STORE_CANNOT_OPEN', `cannot ${doing} ${file} (${message})`, location, {
      cause: error,
    });
  return new CairnError('STORE_CORRUPT', `${doing} ${file} failed (${message})`, location, { cause: error });
}

/** Ids per statement of `evidenceObjects`. */
const EVIDENCE_CHUNK = 1000;

/** DuckDB's file header: three 4 KiB blocks before the data blocks. */
const DUCKDB_HEADER_BYTES = 3 * 4096;

/**
 * Refuses a file too short to hold the blocks its header says are in use: DuckDB reads a block only
 * when a query needs it, so a truncated tail would otherwise open and fail later. (Free blocks
 * need not be in the file.) Skipped while a WAL is beside it, which may add blocks on replay.
 */
async function checkWhole(connection: DuckDBConnection, file: string): Promise<void> {
  if (file === ':memory:' || existsSync(`${file}.wal`) || !existsSync(file)) return;
  const reader = await connection.runAndReadAll('PRAGMA database_size');
  const [row] = reader.getRowObjectsJS() as Row[];
  if (row === undefined) return;
  const used = Number(row.used_blocks);
  const needed = DUCKDB_HEADER_BYTES + used * Number(row.block_size);
  const size = statSync(file).size;
  if (used > 0 && size < needed)
    throw new CairnError(
      'STORE_CORRUPT',
      `${file} is damaged or not a cairn store (${size} bytes where its ${used} blocks in use need ${needed})`,
      { file },
    );
}

export class DuckDbStore implements CairnStore {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly location: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly schemaVersion: number,
    private readonly lists: ListTypes,
    private readonly api: DuckDbApi,
  ) {}

  /** Opens (creating when absent) the store at `file`, applying the migrations it lacks. */
  static async open(file: string, options: DuckDbStoreOptions = {}): Promise<DuckDbStore> {
    const target = options.schemaVersion ?? SCHEMA_VERSION;
    let instance: DuckDBInstance | undefined;
    let connection: DuckDBConnection | undefined;
    const { api, lists } = loadDuckDb();
    try {
      instance = await api.DuckDBInstance.create(file);
      connection = await instance.connect();
      await checkWhole(connection, file);
      const version = await migrate(connection, target, file);
      return new DuckDbStore(file, instance, connection, version, lists, api);
    } catch (error) {
      connection?.closeSync();
      instance?.closeSync();
      throw storeError(file, error, 'open');
    }
  }

  /** Runs `work` after every call before it, mapping DuckDB's errors. */
  private serial<T>(doing: string, work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed)
      return Promise.reject(
        new CairnError('STORE_CLOSED', `${this.location} is closed`, { file: this.location }),
      );
    const run = this.queue.then(() => work(this.connection));
    this.queue = run.catch(() => undefined);
    return run.catch((error: unknown) => {
      throw storeError(this.location, error, doing);
    });
  }

  private async rows(c: DuckDBConnection, sql: string, values: DuckDBValue[] = []): Promise<Row[]> {
    const reader = await c.runAndReadAll(sql, values);
    return reader.getRowObjectsJS() as Row[];
  }

  /** Runs `write` in a transaction with a new file sequence number; rolls back on failure. */
  private async inFileTransaction(
    c: DuckDBConnection,
    file: T.FileRecord,
    write: (seq: number) => Promise<void>,
  ): Promise<boolean> {
    await c.run('BEGIN TRANSACTION');
    try {
      const present = await this.rows(c, 'SELECT 1 FROM files WHERE hash = $1', [file.hash]);
      if (present.length > 0) {
        await c.run('ROLLBACK');
        return false;
      }
      const [{ next }] = await this.rows(c, 'SELECT coalesce(max(seq), 0) + 1 AS next FROM files');
      const seq = num(next);
      await write(seq);
      await append(c, 'files', [file], (a, f) => {
        a.appendBigInt(BigInt(seq));
        a.appendVarchar(f.hash);
        a.appendVarchar(f.kind);
        a.appendVarchar(f.path);
        a.appendBigInt(BigInt(f.size));
        optionalDouble(a, f.firstTime);
        optionalDouble(a, f.lastTime);
        a.appendBigInt(BigInt(f.records));
        a.appendInteger(f.problemCount);
        a.appendList(f.problems, this.lists.varchars);
        a.appendDouble(f.ingestedAt);
      });
      await c.run('COMMIT');
      return true;
    } catch (error) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  // ---- files ------------------------------------------------------------------------------

  hasFile(hash: string): Promise<boolean> {
    return this.serial(
      'read',
      async (c) => (await this.rows(c, 'SELECT 1 FROM files WHERE hash = $1', [hash])).length > 0,
    );
  }

  hasFiles(hashes: readonly string[]): Promise<Set<string>> {
    const asked = [...new Set(hashes)];
    if (asked.length === 0) return Promise.resolve(new Set());
    return this.serial('read', async (c) => {
      const marks = asked.map((_, i) => `$${i + 1}`).join(', ');
      const rows = await this.rows(c, `SELECT DISTINCT hash FROM files WHERE hash IN (${marks})`, asked);
      return new Set(rows.map((row) => String(row.hash)));
    });
  }

  files(kind?: T.FileKind): Promise<T.FileRecord[]> {
    return this.serial('read', async (c) => {
      const rows = await this.rows(
        c,
        `SELECT * FROM files ${kind !== undefined ? 'WHERE kind = $1' : ''} ORDER BY seq`,
        kind !== undefined ? [kind] : [],
      );
      return rows.map(fileOfRow);
    });
  }

  ingestFile(batch: T.FileBatch): Promise<boolean> {
    const { DOUBLE, VARCHAR, INTEGER, UBIGINT, BOOLEAN, listValue } = this.api;
    const asns = this.lists.asns;
    return this.serial('write', (c) =>
      this.inFileTransaction(c, batch.file, async (seq) => {
        const rows = <I>(table: string, items: readonly I[], columns: ReadonlyArray<ChunkColumn<I>>) =>
          chunkRows(this.api, c, table, items, columns, BigInt(seq));
        await rows('bins', unique(batch.bins), [[DOUBLE, (bin) => bin]]);
        await rows('visibility', batch.visibility, [
          [VARCHAR, (p) => p.scope],
          [VARCHAR, (p) => p.key],
          [DOUBLE, (p) => p.binStart],
          [DOUBLE, (p) => p.ipv4Slash24s],
          [DOUBLE, (p) => p.ipv6Slash48s],
          [INTEGER, (p) => p.prefixes],
          [INTEGER, (p) => p.peers],
        ]);
        await rows('dependency_snapshots', batch.dependency, [
          [VARCHAR, (s) => s.country],
          [DOUBLE, (s) => s.time],
          [INTEGER, (s) => s.peers],
        ]);
        const shares = batch.dependency.flatMap((s) => s.dependency.map((d) => ({ s, d })));
        await rows('dependency_shares', shares, [
          [VARCHAR, ({ s }) => s.country],
          [DOUBLE, ({ s }) => s.time],
          [UBIGINT, ({ d }) => BigInt(d.asn)],
          [DOUBLE, ({ d }) => d.hegemony],
          [DOUBLE, ({ d }) => d.ipv4],
          [DOUBLE, ({ d }) => d.ipv6],
        ]);
        const upstreams = batch.dependency.flatMap((s) => s.upstreams.map((u) => ({ s, u })));
        await rows('upstream_shares', upstreams, [
          [VARCHAR, ({ s }) => s.country],
          [DOUBLE, ({ s }) => s.time],
          [UBIGINT, ({ u }) => BigInt(u.asn)],
          [DOUBLE, ({ u }) => u.share],
        ]);
        await rows('prefix_changes', batch.changes, [
          [VARCHAR, (change) => change.kind],
          [VARCHAR, (change) => change.prefix],
          [DOUBLE, (change) => change.time],
          [asns, (change) => listValue(change.before.map(BigInt))],
          [asns, (change) => listValue(change.after.map(BigInt))],
        ]);
        await rows('outage_states', batch.outages, [
          [VARCHAR, (o) => o.selection],
          [DOUBLE, (o) => o.event.start],
          [BOOLEAN, (o) => o.event.open],
          [DOUBLE, (o) => o.event.end ?? null],
          [VARCHAR, (o) => JSON.stringify(o.event)],
        ]);
        const phases = batch.outages.flatMap((o) => o.phases.map((p) => ({ o, p })));
        await rows('outage_phases', phases, [
          [VARCHAR, ({ o }) => o.selection],
          [DOUBLE, ({ o }) => o.event.start],
          [VARCHAR, ({ p }) => p.phase],
          [DOUBLE, ({ p }) => p.time],
        ]);
        await rows('session_resets', batch.resets, [
          [DOUBLE, (r) => r.time],
          [UBIGINT, (r) => BigInt(r.peerAsn)],
          [VARCHAR, (r) => r.peerAddress],
          [INTEGER, (r) => r.routesRemoved],
        ]);
      }),
    );
  }

  // ---- routing history --------------------------------------------------------------------

  visibilitySeries(
    scope: T.VisibilityScope,
    key: string,
    from: number,
    to: number,
  ): Promise<T.VisibilityPoint[]> {
    return this.serial('read', async (c) => {
      if (!(to >= from)) return [];
      const bins = (
        await this.rows(
          c,
          'SELECT DISTINCT bin_start FROM bins WHERE bin_start BETWEEN $1 AND $2 ORDER BY bin_start',
          [from, to],
        )
      ).map((r) => num(r.bin_start));
      if (bins.length === 0) return [];
      const points = await this.rows(
        c,
        `SELECT * FROM visibility
         WHERE scope = $1 AND key = $2 AND bin_start <= $3
           AND bin_start >= coalesce((SELECT max(bin_start) FROM visibility
                                      WHERE scope = $1 AND key = $2 AND bin_start <= $4), $4)
         QUALIFY row_number() OVER (PARTITION BY bin_start ORDER BY file_seq DESC) = 1
         ORDER BY bin_start`,
        [scope, key, to, from],
      );
      const out: T.VisibilityPoint[] = [];
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
    });
  }

  private async snapshots(
    c: DuckDBConnection,
    country: string,
    where: string,
    values: DuckDBValue[],
  ): Promise<T.DependencySnapshot[]> {
    const heads = await this.rows(
      c,
      `SELECT country, time, peers FROM dependency_snapshots WHERE country = $1 AND ${where}
       QUALIFY row_number() OVER (PARTITION BY time ORDER BY file_seq DESC) = 1 ORDER BY time`,
      [country, ...values],
    );
    if (heads.length === 0) return [];
    const times = heads.map((h) => num(h.time));
    const lo = times[0];
    const hi = times[times.length - 1];
    const shares = await this.rows(
      c,
      `SELECT s.time, s.asn, s.hegemony, s.ipv4, s.ipv6 FROM dependency_shares s
       JOIN (SELECT time, max(file_seq) AS file_seq FROM dependency_snapshots WHERE country = $1 AND time BETWEEN $2 AND $3 GROUP BY time) l
         ON s.time = l.time AND s.file_seq = l.file_seq
       WHERE s.country = $1 ORDER BY s.time, s.hegemony DESC, s.ipv6 DESC, s.asn`,
      [country, lo, hi],
    );
    const ups = await this.rows(
      c,
      `SELECT u.time, u.asn, u.share FROM upstream_shares u
       JOIN (SELECT time, max(file_seq) AS file_seq FROM dependency_snapshots WHERE country = $1 AND time BETWEEN $2 AND $3 GROUP BY time) l
         ON u.time = l.time AND u.file_seq = l.file_seq
       WHERE u.country = $1 ORDER BY u.time, u.share DESC, u.asn`,
      [country, lo, hi],
    );
    const byTime = new Map<number, T.DependencySnapshot>();
    for (const h of heads)
      byTime.set(num(h.time), {
        country,
        time: num(h.time),
        peers: num(h.peers),
        dependency: [],
        upstreams: [],
      });
    for (const s of shares)
      byTime.get(num(s.time))?.dependency.push({
        asn: num(s.asn),
        hegemony: num(s.hegemony),
        ipv4: num(s.ipv4),
        ipv6: num(s.ipv6),
      });
    for (const u of ups) byTime.get(num(u.time))?.upstreams.push({ asn: num(u.asn), share: num(u.share) });
    return [...byTime.values()];
  }

  dependencyAt(country: string, time: number): Promise<T.DependencySnapshot | undefined> {
    return this.serial('read', async (c) => {
      const [row] = await this.rows(
        c,
        'SELECT max(time) AS t FROM dependency_snapshots WHERE country = $1 AND time <= $2',
        [country, time],
      );
      if (row === undefined || row.t === null) return undefined;
      return (await this.snapshots(c, country, 'time = $2', [num(row.t)]))[0];
    });
  }

  dependencySeries(country: string, from: number, to: number): Promise<T.DependencySnapshot[]> {
    return this.serial('read', (c) =>
      to >= from ? this.snapshots(c, country, 'time BETWEEN $2 AND $3', [from, to]) : Promise.resolve([]),
    );
  }

  outages(filter: T.OutageFilter = {}): Promise<T.OutageRecord[]> {
    return this.serial('read', async (c) => {
      const where: string[] = [];
      const values: DuckDBValue[] = [];
      const param = (value: DuckDBValue): string => {
        values.push(value);
        return `$${values.length}`;
      };
      if (filter.selection !== undefined) where.push(`selection = ${param(filter.selection)}`);
      const states = await this.rows(
        c,
        `SELECT * FROM outage_states ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''}
         QUALIFY row_number() OVER (PARTITION BY selection, start ORDER BY file_seq DESC) = 1
         ORDER BY start, selection`,
        values,
      );
      // rowid last: phases of one file at one time keep the order the detector gave them.
      const phases = await this.rows(
        c,
        `SELECT selection, start, phase, time FROM outage_phases
         ORDER BY file_seq, time, CASE phase WHEN 'open' THEN 0 WHEN 'update' THEN 1 ELSE 2 END, rowid`,
      );
      const phasesOf = new Map<string, Array<{ phase: OutagePhase; time: number }>>();
      for (const p of phases) {
        const key = `${String(p.selection)}\u0000${num(p.start)}`;
        let list = phasesOf.get(key);
        if (list === undefined) phasesOf.set(key, (list = []));
        list.push({ phase: p.phase as OutagePhase, time: num(p.time) });
      }
      const out: T.OutageRecord[] = [];
      for (const s of states) {
        const start = num(s.start);
        const end = optNum(s.end_time);
        const open = s.open as boolean;
        if (filter.openOnly === true && !open) continue;
        if (filter.to !== undefined && start > filter.to) continue;
        if (filter.from !== undefined && !open && end !== undefined && end < filter.from) continue;
        const event = JSON.parse(String(s.event)) as OutageEvent;
        out.push({
          selection: String(s.selection),
          event,
          phases: phasesOf.get(`${String(s.selection)}\u0000${start}`) ?? [],
        });
      }
      return out;
    });
  }

  prefixChanges(filter: T.ChangeFilter = {}): Promise<T.PrefixChange[]> {
    return this.serial('read', async (c) => {
      const where: string[] = [];
      const values: DuckDBValue[] = [];
      const param = (value: DuckDBValue): string => {
        values.push(value);
        return `$${values.length}`;
      };
      if (filter.kind !== undefined) where.push(`kind = ${param(filter.kind)}`);
      if (filter.prefix !== undefined) where.push(`prefix = ${param(filter.prefix)}`);
      if (filter.asn !== undefined) {
        const asn = param(BigInt(filter.asn));
        where.push(`(list_contains(before, ${asn}::UBIGINT) OR list_contains(after, ${asn}::UBIGINT))`);
      }
      if (filter.from !== undefined) where.push(`time >= ${param(filter.from)}`);
      if (filter.to !== undefined) where.push(`time <= ${param(filter.to)}`);
      const rows = await this.rows(
        c,
        `SELECT kind, prefix, time, before, after FROM prefix_changes
         ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''}
         QUALIFY row_number() OVER (PARTITION BY kind, prefix, time ORDER BY file_seq DESC) = 1
         ORDER BY time, prefix, kind`,
        values,
      );
      return rows.map((r) => ({
        kind: r.kind as T.PrefixChange['kind'],
        prefix: String(r.prefix),
        time: num(r.time),
        before: numList(r.before),
        after: numList(r.after),
      }));
    });
  }

  sessionResets(from: number, to: number): Promise<T.SessionResetRecord[]> {
    return this.serial('read', async (c) => {
      const rows = await this.rows(
        c,
        'SELECT * FROM session_resets WHERE time BETWEEN $1 AND $2 ORDER BY time, peer_asn, peer_address',
        [from, to],
      );
      return rows.map((r) => ({
        time: num(r.time),
        peerAsn: num(r.peer_asn),
        peerAddress: String(r.peer_address),
        routesRemoved: num(r.routes_removed),
      }));
    });
  }

  timeRange(): Promise<{ first: number; last: number } | undefined> {
    return this.serial('read', async (c) => {
      const [row] = await this.rows(c, 'SELECT min(bin_start) AS first, max(bin_start) AS last FROM bins');
      return row === undefined || row.first === null
        ? undefined
        : { first: num(row.first), last: num(row.last) };
    });
  }

  // ---- evidence ---------------------------------------------------------------------------

  async importEvidence(file: T.FileRecord, objects: readonly EvidenceObject[]): Promise<boolean> {
    this.requireVersion(2, 'evidence');
    return this.serial('write', (c) =>
      this.inFileTransaction(c, file, async (seq) => {
        const fileSeq = BigInt(seq);
        await fileRows(c, 'evidence', objects, fileSeq, (a, o) => {
          a.appendVarchar(o.id);
          a.appendVarchar(o.kind);
          a.appendVarchar(JSON.stringify(o));
        });
        const indicators = objects.filter((o): o is Indicator => o.kind === 'indicator');
        await fileRows(c, 'evidence_values', indicators, fileSeq, (a, i) => {
          a.appendVarchar(i.value);
          a.appendVarchar(i.id);
        });
        const links = indicators.flatMap((i) => i.caseIds.map((caseId) => ({ i, caseId })));
        await fileRows(c, 'evidence_case_links', links, fileSeq, (a, { i, caseId }) => {
          a.appendVarchar(i.id);
          a.appendVarchar(caseId);
        });
        const relationships = objects.filter((o) => o.kind === 'relationship');
        await fileRows(c, 'evidence_relationships', relationships, fileSeq, (a, r) => {
          a.appendVarchar(r.id);
          a.appendVarchar(r.type);
          a.appendVarchar(r.sourceRef);
          a.appendVarchar(r.targetRef);
        });
      }),
    );
  }

  async saveEvidenceIndex(index: T.EvidenceIndexRecord): Promise<void> {
    this.requireVersion(3, 'evidence index');
    // The copy beside the file goes first: a crash before the commit leaves none, never a stale one.
    if (this.location !== ':memory:') removeEvidenceIndexFile(this.location);
    await this.serial('write', async (c) => {
      await inTransaction(c, async () => {
        await c.run('DELETE FROM evidence_index');
        const appender = await c.createAppender('evidence_index');
        try {
          appender.appendInteger(1);
          appender.appendInteger(index.format);
          appender.appendDouble(index.builtAt);
          appender.appendVarchar(JSON.stringify(index.inputs));
          // Kept compressed: a large string costs DuckDB far more to hand back than the bytes to inflate.
          appender.appendBlob(gzipSync(index.text, { level: 1 }));
          appender.endRow();
        } finally {
          appender.closeSync();
        }
      });
    });
    this.keepEvidenceIndexBeside(index);
  }

  async loadEvidenceIndex(): Promise<T.EvidenceIndexRecord | undefined> {
    if (this.schemaVersion < 3) return undefined;
    const record = await this.serial('read', async (c) => {
      const [row] = await this.rows(c, 'SELECT * FROM evidence_index WHERE slot = 1');
      if (row === undefined) return undefined;
      return {
        inputs: JSON.parse(String(row.inputs)) as T.EvidenceIndexRecord['inputs'],
        format: num(row.format),
        builtAt: num(row.built_at),
        text: gunzipSync(blobBytes(row.index_gzip)).toString('utf8'),
      };
    });
    // A store whose index was saved before copies were kept, or whose copy is not of this file or
    // not of this index (written by a cairn that kept none), gets its copy on the first read.
    if (record !== undefined && this.location !== ':memory:') {
      const copy = readEvidenceIndexBeside(this.location);
      if (
        copy === undefined ||
        copy.format !== record.format ||
        copy.builtAt !== record.builtAt ||
        copy.text !== record.text
      )
        this.keepEvidenceIndexBeside(record);
    }
    return record;
  }

  /** Writes the copy of the index beside the file; the copy is a cache, so failing to write it is not an error. */
  private keepEvidenceIndexBeside(record: T.EvidenceIndexRecord): void {
    if (this.location === ':memory:') return;
    try {
      writeEvidenceIndexFile(this.location, record);
    } catch {
      // A read-only folder: questions open the store instead.
    }
  }

  async saveRoutingViews(views: readonly T.RoutingViewRecord[]): Promise<void> {
    this.requireVersion(4, 'routing views');
    if (views.length === 0) return;
    await this.serial('write', async (c) => {
      await inTransaction(c, async () => {
        for (const view of views)
          await c.run('DELETE FROM routing_views WHERE world = $1 AND kind = $2 AND key = $3', [
            view.world,
            view.kind,
            view.key,
          ]);
        const appender = await c.createAppender('routing_views');
        try {
          for (const view of views) {
            appender.appendVarchar(view.world);
            appender.appendVarchar(view.kind);
            appender.appendVarchar(view.key);
            // Compressed for the reason the evidence index is: large strings cost more than inflating.
            appender.appendBlob(gzipSync(view.json, { level: 1 }));
            appender.endRow();
          }
        } finally {
          appender.closeSync();
        }
      });
    });
  }

  async routingView(world: string, kind: string, key: string): Promise<T.RoutingViewRecord | undefined> {
    if (this.schemaVersion < 4) return undefined;
    return this.serial('read', async (c) => {
      const [row] = await this.rows(
        c,
        'SELECT view_gzip FROM routing_views WHERE world = $1 AND kind = $2 AND key = $3',
        [world, kind, key],
      );
      if (row === undefined) return undefined;
      return { world, kind, key, json: gunzipSync(blobBytes(row.view_gzip)).toString('utf8') };
    });
  }

  /** The latest version of each evidence object, as a SQL relation. */
  private static readonly LATEST_EVIDENCE = `(SELECT * FROM evidence
     QUALIFY row_number() OVER (PARTITION BY id ORDER BY file_seq DESC) = 1)`;

  async findEvidence(value: string): Promise<Indicator[]> {
    this.requireVersion(2, 'evidence');
    return this.serial('read', async (c) => {
      const rows = await this.rows(
        c,
        `SELECT DISTINCT e.id, e.object FROM ${DuckDbStore.LATEST_EVIDENCE} e
         JOIN evidence_values v ON v.indicator_id = e.id AND v.file_seq = e.file_seq
         WHERE v.value = $1 ORDER BY e.id`,
        [value],
      );
      return rows.map((r) => JSON.parse(String(r.object)) as Indicator);
    });
  }

  async evidence(id: string): Promise<EvidenceObject | undefined> {
    this.requireVersion(2, 'evidence');
    return this.serial('read', async (c) => {
      // The latest version of one id: filtered before it is ordered, not after a window over all.
      const [row] = await this.rows(
        c,
        'SELECT object FROM evidence WHERE id = $1 ORDER BY file_seq DESC LIMIT 1',
        [id],
      );
      return row === undefined ? undefined : (JSON.parse(String(row.object)) as EvidenceObject);
    });
  }

  async evidenceObjects(ids: readonly string[]): Promise<Map<string, EvidenceObject>> {
    this.requireVersion(2, 'evidence');
    const asked = [...new Set(ids)];
    const out = new Map<string, EvidenceObject>();
    if (asked.length === 0) return out;
    return this.serial('read', async (c) => {
      // Chunks keep each statement's parameter list bounded.
      for (let at = 0; at < asked.length; at += EVIDENCE_CHUNK) {
        const chunk = asked.slice(at, at + EVIDENCE_CHUNK);
        const marks = chunk.map((_, i) => `$${i + 1}`).join(', ');
        const rows = await this.rows(
          c,
          `SELECT id, object FROM evidence WHERE id IN (${marks})
           QUALIFY row_number() OVER (PARTITION BY id ORDER BY file_seq DESC) = 1`,
          chunk,
        );
        for (const r of rows) out.set(String(r.id), JSON.parse(String(r.object)) as EvidenceObject);
      }
      return out;
    });
  }

  async evidenceOfActor(actorId: string): Promise<Indicator[]> {
    this.requireVersion(2, 'evidence');
    return this.serial('read', async (c) => {
      const rows = await this.rows(
        c,
        `SELECT DISTINCT e.id, e.object FROM ${DuckDbStore.LATEST_EVIDENCE} e
         JOIN evidence_case_links l ON l.indicator_id = e.id AND l.file_seq = e.file_seq
         JOIN (SELECT * FROM evidence_relationships
               QUALIFY row_number() OVER (PARTITION BY id ORDER BY file_seq DESC) = 1) r
           ON r.source_ref = l.case_id AND r.type = 'attributed-to' AND r.target_ref = $1
         ORDER BY e.id`,
        [actorId],
      );
      return rows.map((r) => JSON.parse(String(r.object)) as Indicator);
    });
  }

  // ---- ACH --------------------------------------------------------------------------------

  async saveAchCase(achCase: AchCase): Promise<void> {
    this.requireVersion(2, 'ACH cases');
    return this.serial('write', async (c) => {
      await c.run(
        'INSERT INTO ach_cases VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET achcase = excluded.achcase',
        [achCase.id, JSON.stringify(achCase)],
      );
    });
  }

  async recordAchEdit(edit: T.AchRatingEdit): Promise<void> {
    this.requireVersion(2, 'ACH cases');
    return this.serial('write', async (c) => {
      await c.run(
        `INSERT INTO ach_edits SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM ach_edits WHERE case_id = $1`,
        [
          edit.caseId,
          edit.evidenceId,
          edit.hypothesisId,
          edit.rating,
          edit.time,
          edit.analyst ?? null,
          edit.note ?? null,
        ],
      );
    });
  }

  async achCase(id: string): Promise<StoredAchCase | undefined> {
    this.requireVersion(2, 'ACH cases');
    return this.serial('read', async (c) => {
      const [row] = await this.rows(c, 'SELECT achcase FROM ach_cases WHERE id = $1', [id]);
      if (row === undefined) return undefined;
      const edits = await this.rows(c, 'SELECT * FROM ach_edits WHERE case_id = $1 ORDER BY seq', [id]);
      return {
        achCase: JSON.parse(String(row.achcase)) as AchCase,
        edits: edits.map((e) => ({
          caseId: String(e.case_id),
          evidenceId: String(e.evidence_id),
          hypothesisId: String(e.hypothesis_id),
          rating: e.rating as T.AchRatingEdit['rating'],
          time: num(e.time),
          ...(e.analyst !== null ? { analyst: String(e.analyst) } : {}),
          ...(e.note !== null ? { note: String(e.note) } : {}),
        })),
      };
    });
  }

  // ---- the store --------------------------------------------------------------------------

  counts(): Promise<T.StoreCounts> {
    return this.serial('read', (c) => this.countRows(c, undefined));
  }

  fileCounts(hash: string): Promise<T.StoreCounts | undefined> {
    return this.serial('read', async (c) => {
      const [row] = await this.rows(c, 'SELECT seq FROM files WHERE hash = $1', [hash]);
      return row === undefined ? undefined : this.countRows(c, num(row.seq));
    });
  }

  /** Rows by kind, of one file (`seq`) or of the whole store (distinct bins, outages, evidence ids). */
  private async countRows(c: DuckDBConnection, seq: number | undefined): Promise<T.StoreCounts> {
    const of = seq === undefined ? '' : `WHERE file_seq = ${seq}`;
    const count = async (sql: string): Promise<number> => num((await this.rows(c, sql))[0].n);
    const v2 = this.schemaVersion >= 2;
    return {
      files: await count(`SELECT count(*) AS n FROM files ${seq === undefined ? '' : `WHERE seq = ${seq}`}`),
      bins: await count(`SELECT count(DISTINCT bin_start) AS n FROM bins ${of}`),
      visibilityPoints: await count(`SELECT count(*) AS n FROM visibility ${of}`),
      dependencySnapshots: await count(`SELECT count(*) AS n FROM dependency_snapshots ${of}`),
      changes: await count(`SELECT count(*) AS n FROM prefix_changes ${of}`),
      outages: await count(
        `SELECT count(*) AS n FROM (SELECT DISTINCT selection, start FROM outage_states ${of})`,
      ),
      resets: await count(`SELECT count(*) AS n FROM session_resets ${of}`),
      evidence: v2 ? await count(`SELECT count(DISTINCT id) AS n FROM evidence ${of}`) : 0,
      achCases: v2 && seq === undefined ? await count('SELECT count(*) AS n FROM ach_cases') : 0,
    };
  }

  async sizeOnDisk(): Promise<number> {
    await this.serial('checkpoint', (c) => c.run('CHECKPOINT'));
    let bytes = 0;
    for (const path of [this.location, `${this.location}.wal`]) {
      try {
        bytes += (await stat(path)).size;
      } catch {
        // No WAL after a checkpoint.
      }
    }
    return bytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private requireVersion(version: number, what: string): void {
    if (this.schemaVersion < version)
      throw new CairnError(
        'STORE_CLOSED',
        `${this.location} was opened at schema version ${this.schemaVersion}, which has no ${what}`,
        { file: this.location },
      );
  }
}

/** Brings the schema to `target`, one migration per transaction; returns the version reached. */
async function migrate(c: DuckDBConnection, target: number, file: string): Promise<number> {
  const tables = await c.runAndReadAll(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'schema_version'",
  );
  let current = 0;
  if (num(tables.getRowObjectsJS()[0].n) > 0) {
    const row = (await c.runAndReadAll('SELECT max(version) AS v FROM schema_version')).getRowObjectsJS()[0];
    current = row.v === null ? 0 : num(row.v);
  }
  if (current > SCHEMA_VERSION)
    throw new CairnError(
      'STORE_TOO_NEW',
      `${file} is at schema version ${current}; this cairn knows up to ${SCHEMA_VERSION}`,
      { file },
    );
  for (const migration of MIGRATIONS) {
    if (migration.version <= current || migration.version > target) continue;
    await inTransaction(c, async () => {
      for (const statement of migration.statements) await c.run(statement);
      await c.run('INSERT INTO schema_version VALUES ($1, $2)', [migration.version, migration.summary]);
    });
    current = migration.version;
  }
  return current;
}

/** The bytes of a BLOB as the binding hands it back. */
function blobBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return (value as { bytes: Uint8Array }).bytes;
}

function optionalDouble(a: DuckDBAppender, value: number | undefined): void {
  if (value === undefined) a.appendNull();
  else a.appendDouble(value);
}

function unique(values: readonly number[]): number[] {
  return [...new Set(values)];
}

/** Appends `items` to `table` through one appender (rows are flushed when it closes). */
async function append<T>(
  c: DuckDBConnection,
  table: string,
  items: readonly T[],
  row: (appender: DuckDBAppender, item: T) => void,
): Promise<void> {
  if (items.length === 0) return;
  const appender = await c.createAppender(table);
  try {
    for (const item of items) {
      row(appender, item);
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
}

/** A column of a chunked append: its DuckDB type and the value of an item in it. */
type ChunkColumn<I> = readonly [DuckDBType, (item: I) => DuckDBValue];

/** Rows per data chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;

/**
 * Appends rows that belong to a file (its sequence number is every row's last column) a data
 * chunk of columns at a time: no DuckDB value is made per cell, which the row appender does for
 * a list.
 */
async function chunkRows<I>(
  api: DuckDbApi,
  c: DuckDBConnection,
  table: string,
  items: readonly I[],
  columns: ReadonlyArray<ChunkColumn<I>>,
  fileSeq: bigint,
): Promise<void> {
  if (items.length === 0) return;
  const types = [...columns.map(([type]) => type), api.BIGINT];
  const appender = await c.createAppender(table);
  try {
    for (let from = 0; from < items.length; from += CHUNK_ROWS) {
      const slice = items.slice(from, from + CHUNK_ROWS);
      const chunk = api.DuckDBDataChunk.create(types, slice.length);
      columns.forEach(([, value], k) => chunk.setColumnValues(k, slice.map(value)));
      chunk.setColumnValues(columns.length, new Array<bigint>(slice.length).fill(fileSeq));
      appender.appendDataChunk(chunk);
    }
  } finally {
    appender.closeSync();
  }
}

/** `append` for rows that belong to a file: its sequence number is every row's last column. */
function fileRows<I>(
  c: DuckDBConnection,
  table: string,
  items: readonly I[],
  fileSeq: bigint,
  row: (appender: DuckDBAppender, item: I) => void,
): Promise<void> {
  return append(c, table, items, (a, item) => {
    row(a, item);
    a.appendBigInt(fileSeq);
  });
}

function fileOfRow(r: Row): T.FileRecord {
  return {
    hash: String(r.hash),
    kind: r.kind as T.FileKind,
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

/** Runs `work` in one transaction: committed when it ends, rolled back (and rethrown) on failure. */
async function inTransaction(c: DuckDBConnection, work: () => Promise<void>): Promise<void> {
  await c.run('BEGIN TRANSACTION');
  try {
    await work();
    await c.run('COMMIT');
  } catch (error) {
    await c.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
