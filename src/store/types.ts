/**
 * The records the store keeps that no domain module computes as such: what an ingested file was,
 * an outage event with the selection it was detected for, the batch that carries one file's worth
 * of records into one transaction, query filters. The routing records (visibility points,
 * dependency snapshots, prefix changes, session resets) are observatory's (`HistoryRecorder`);
 * the evidence and ACH records are intel's (`EvidenceObject`, `Indicator`, `AchCase`).
 */
import type {
  DependencyShare,
  DependencySnapshot,
  OutageEvent,
  OutagePhase,
  PeerSessionReset,
  PrefixChange,
  VisibilityPoint,
  VisibilityScope,
} from '../observatory/index.js';

export type { DependencyShare, DependencySnapshot, PrefixChange, VisibilityPoint, VisibilityScope };

/** What kind of input a file was. */
export type FileKind = 'mrt' | 'registry' | 'intel';

/** A file the store has ingested, recorded in the transaction that wrote its results. */
export interface FileRecord {
  /** SHA-256 of the file's bytes, hex: the identity that makes ingest idempotent. */
  hash: string;
  kind: FileKind;
  /** The path it was read from (the first one, when the same bytes come again under another name). */
  path: string;
  size: number;
  /** First and last element time (Unix seconds); undefined for files without times. */
  firstTime?: number;
  lastTime?: number;
  /** Elements (MRT) or records (registry, intel) read. */
  records: number;
  /** Problems found in the file (decoding went on), with the first messages. */
  problemCount: number;
  problems: string[];
  /** When it was ingested (Unix seconds, from the injected clock). */
  ingestedAt: number;
}

/** A peer's session reset, as the store keeps it. */
export type SessionResetRecord = PeerSessionReset;

/** An outage event as the detector of one selection holds it, and the phase it reached. */
export interface OutageRecord {
  /** The selection it was detected for, e.g. `country KP`. */
  selection: string;
  /** The event's state when the file ended (or when it closed). */
  event: OutageEvent;
  /** Phases seen during this file, with their times: open, update, close. */
  phases: Array<{ phase: OutagePhase; time: number }>;
}

/** Everything one file adds, written in one transaction together with its FileRecord. */
export interface FileBatch {
  file: FileRecord;
  /** Bin starts the file's elements covered (queries fill a series over these). */
  bins: number[];
  visibility: VisibilityPoint[];
  dependency: DependencySnapshot[];
  changes: PrefixChange[];
  outages: OutageRecord[];
  resets: SessionResetRecord[];
}

/** Filters of the outage list; every field optional. */
export interface OutageFilter {
  selection?: string;
  /** Events that overlap [from, to] (an open event extends to +infinity). */
  from?: number;
  to?: number;
  openOnly?: boolean;
}

/** Filters of the prefix-change list. */
export interface ChangeFilter {
  kind?: 'origin' | 'upstream';
  /** Changes of this prefix exactly. */
  prefix?: string;
  /** Changes in which this AS appears before or after. */
  asn?: number;
  from?: number;
  to?: number;
}

/** One edit of an ACH rating: who rated which evidence against which hypothesis, and when. */
export interface AchRatingEdit {
  caseId: string;
  evidenceId: string;
  hypothesisId: string;
  rating: 'CC' | 'C' | 'N' | 'I' | 'II' | 'NA';
  time: number;
  analyst?: string;
  note?: string;
}

/** How much the store holds, by kind. */
export interface StoreCounts {
  files: number;
  bins: number;
  visibilityPoints: number;
  dependencySnapshots: number;
  changes: number;
  outages: number;
  resets: number;
  evidence: number;
  achCases: number;
}

/**
 * The evidence index: the corpus of every evidence file ingested, imported once and written as
 * text by intel (`writeCorpusIndex`), so attribution reads it instead of re-importing the files.
 * The store keeps the text as it is given; `inputs` says what it was built from.
 */
export interface EvidenceIndexRecord {
  /** The evidence files it was built from, in import order: content hash, corpus path, full path. */
  inputs: Array<{ hash: string; path: string; full: string }>;
  /** The text's format (intel's `CORPUS_INDEX_FORMAT` when it was written). */
  format: number;
  /** When it was built (Unix seconds, from the injected clock). */
  builtAt: number;
  /** The index itself, opaque to the store. */
  text: string;
}

/**
 * One answer of a routing world, kept so a later start reads it instead of reloading the MRT
 * files: `world` names the inputs (app derives it from their content), `kind` and `key` the
 * question (`country`/`KP`), `json` the answer as app serialised it, opaque to the store.
 */
export interface RoutingViewRecord {
  world: string;
  kind: string;
  key: string;
  json: string;
}
