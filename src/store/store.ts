/**
 * The one store interface, in domain terms: no SQL, no table names. The DuckDB store implements
 * it today and a ClickHouse cluster can stand behind it later; `test/store/suite.ts` is the
 * contract both pass.
 */
import type { AchCase, EvidenceObject, Indicator } from '../intel/index.js';
import type {
  AchRatingEdit,
  ChangeFilter,
  EvidenceIndexRecord,
  DependencySnapshot,
  FileBatch,
  FileKind,
  FileRecord,
  OutageFilter,
  OutageRecord,
  PrefixChange,
  RoutingViewRecord,
  SessionResetRecord,
  StoreCounts,
  VisibilityPoint,
  VisibilityScope,
} from './types.js';

/** A saved ACH case with its rating edits, oldest first. */
export interface StoredAchCase {
  achCase: AchCase;
  edits: AchRatingEdit[];
}

export interface CairnStore {
  /** Where the store lives (a file path, a cluster URL), for messages. */
  readonly location: string;
  /** The schema version the store is at. */
  readonly schemaVersion: number;

  // ---- files ------------------------------------------------------------------------------

  /** Whether a file with this content hash has been ingested (its transaction committed). */
  hasFile(hash: string): Promise<boolean>;
  /** Of these content hashes, those ingested (one query, so a start checks its files at once). */
  hasFiles(hashes: readonly string[]): Promise<Set<string>>;
  /** Every file ingested, in ingest order; optionally of one kind. */
  files(kind?: FileKind): Promise<FileRecord[]>;
  /** What the file with this hash added (its rows by kind); undefined when it is not there. */
  fileCounts(hash: string): Promise<StoreCounts | undefined>;
  /**
   * Writes one file's results and its record in one transaction: all of it or none of it.
   * Returns false, writing nothing, when a file with the same hash is already there.
   */
  ingestFile(batch: FileBatch): Promise<boolean>;

  // ---- routing history --------------------------------------------------------------------

  /**
   * The visibility of a country (`KP`), an AS (`131279`) or a prefix at every ingested bin in
   * [from, to]. A bin without a point of its own carries the last value before it; bins before
   * the first point have no entry.
   */
  visibilitySeries(scope: VisibilityScope, key: string, from: number, to: number): Promise<VisibilityPoint[]>;
  /**
   * The last dependency snapshot of a country at or before `time`: dependency by hegemony (then
   * IPv6 hegemony, then AS number), upstreams by share then AS number.
   */
  dependencyAt(country: string, time: number): Promise<DependencySnapshot | undefined>;
  /** Every dependency snapshot of a country in [from, to], oldest first. */
  dependencySeries(country: string, from: number, to: number): Promise<DependencySnapshot[]>;
  /** Outage events, latest state of each, by start time. */
  outages(filter?: OutageFilter): Promise<OutageRecord[]>;
  /** Origin and upstream changes of prefixes, by time then prefix. */
  prefixChanges(filter?: ChangeFilter): Promise<PrefixChange[]>;
  /** Session resets in [from, to], by time. */
  sessionResets(from: number, to: number): Promise<SessionResetRecord[]>;
  /** The first and last ingested bin starts; undefined when nothing is ingested. */
  timeRange(): Promise<{ first: number; last: number } | undefined>;

  // ---- evidence ---------------------------------------------------------------------------

  /**
   * Imports an evidence file's objects with its record, in one transaction; false when a file with
   * the same hash is already there. Objects keep their ids: a later import of the same id
   * replaces the object.
   */
  importEvidence(file: FileRecord, objects: readonly EvidenceObject[]): Promise<boolean>;
  /** Indicators whose normalised value is `value` (exact), by id. */
  findEvidence(value: string): Promise<Indicator[]>;
  /** One evidence object by id. */
  evidence(id: string): Promise<EvidenceObject | undefined>;
  /**
   * The latest version of each of these ids, in a few queries whatever their number (a check of a
   * whole corpus asks for every id); ids not held are left out of the map.
   */
  evidenceObjects(ids: readonly string[]): Promise<Map<string, EvidenceObject>>;
  /** The indicators of cases attributed to an actor (`attributed-to` relationships), by id. */
  evidenceOfActor(actorId: string): Promise<Indicator[]>;
  /** Replaces the evidence index (one per store) in one transaction. */
  saveEvidenceIndex(index: EvidenceIndexRecord): Promise<void>;
  /** The evidence index last saved; undefined when none was. */
  loadEvidenceIndex(): Promise<EvidenceIndexRecord | undefined>;

  // ---- routing views (optional: a store without them makes every start load the MRT files) ----

  /** Writes the views, replacing any with the same world, kind and key, in one transaction. */
  saveRoutingViews?(views: readonly RoutingViewRecord[]): Promise<void>;
  /** One kept view; undefined when there is none. */
  routingView?(world: string, kind: string, key: string): Promise<RoutingViewRecord | undefined>;

  // ---- ACH --------------------------------------------------------------------------------

  /** Saves (or replaces) an ACH case; its edits are kept. */
  saveAchCase(achCase: AchCase): Promise<void>;
  /** Appends a rating edit to a saved case. */
  recordAchEdit(edit: AchRatingEdit): Promise<void>;
  /** A saved case and its edits; undefined when none has this id. */
  achCase(id: string): Promise<StoredAchCase | undefined>;

  // ---- the store --------------------------------------------------------------------------

  counts(): Promise<StoreCounts>;
  /** Bytes the store takes on disk (0 when it cannot tell). */
  sizeOnDisk(): Promise<number>;
  close(): Promise<void>;
}
