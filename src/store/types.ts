/**
 * The records the store keeps that no domain module computes as such: what an ingested file was,
 * a time bin's visibility of a country, an AS or a prefix, a dependency snapshot, a change of a
 * prefix's origins or upstreams, a session reset, an outage event with the selection it was
 * detected for, and the batch that carries one file's worth of them into one transaction. The
 * evidence and ACH records are intel's own types (`EvidenceObject`, `Indicator`, `AchCase`).
 */
import type { OutageEvent, OutagePhase } from '../observatory/index.js';

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

/** What a visibility series is about. */
export type VisibilityScope = 'country' | 'asn' | 'prefix';

/**
 * The visibility of one country, AS or prefix at the end of one time bin. A prefix is visible when
 * at least one peer has a route for it; a group's space is the union of its visible prefixes.
 */
export interface VisibilityPoint {
  scope: VisibilityScope;
  /** `KP`, `131279` or `175.45.176.0/24`. */
  key: string;
  /** Start of the bin (Unix seconds). */
  binStart: number;
  /** Visible IPv4 space in /24s (a longer prefix counts its share of a /24). */
  ipv4Slash24s: number;
  /** Visible IPv6 space in /48s (a longer prefix counts its share of a /48). */
  ipv6Slash48s: number;
  /** Visible prefixes. */
  prefixes: number;
  /** Distinct peers with a route to at least one of its prefixes. */
  peers: number;
}

/** One AS's dependency (AS hegemony) in a snapshot. */
export interface DependencyShare {
  asn: number;
  hegemony: number;
  ipv4: number;
  ipv6: number;
}

/** A country's dependency and upstreams at one time, as the observatory computed them. */
export interface DependencySnapshot {
  country: string;
  time: number;
  dependency: DependencyShare[];
  /** Upstreams (first AS outside the country) with their share of the visible space. */
  upstreams: Array<{ asn: number; share: number }>;
  /** Vantage points the dependency was computed over. */
  peers: number;
}

/** A change in the set of origin ASes (MOAS) or of upstreams of a prefix, between two bins. */
export interface PrefixChange {
  kind: 'origin' | 'upstream';
  prefix: string;
  /** End of the bin in which the change was seen (Unix seconds). */
  time: number;
  /** Sorted, before and after; empty when the prefix was not (or no longer) announced. */
  before: number[];
  after: number[];
}

/** A peer's BGP session left Established: every route of that peer went at once. */
export interface SessionResetRecord {
  time: number;
  peerAsn: number;
  peerAddress: string;
  routesRemoved: number;
}

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
  rating: 'CC' | 'C' | 'N' | 'I' | 'II';
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
