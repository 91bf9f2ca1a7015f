import { CairnError } from '../errors/index.js';
import type { ErrorLocation, IntelErrorCode } from '../errors/index.js';
import type { EvidenceKind } from './model.js';

/** Longest value stored as an indicator or name; longer values are reported and skipped. */
export const MAX_VALUE_LENGTH = 64 * 1024;

/** Most issues kept per import; past that only the count grows, so a hostile file cannot fill memory. */
export const MAX_ISSUES = 10_000;

/** What one import did: counts per kind of fact added, and every problem met with its location. */
export interface ImportReport {
  file: string;
  /** Facts added, per kind. */
  added: Record<EvidenceKind, number>;
  /** Input records read (objects, attributes, lines with content). */
  recordsRead: number;
  /** Input records deliberately not imported (revoked, deprecated, non-indicator MISP types...). */
  skipped: number;
  /** Problems, each a CairnError with a stable code and the location. At most {@link MAX_ISSUES}. */
  issues: CairnError[];
  /** Total problems met, including those past {@link MAX_ISSUES}. */
  issueCount: number;
  /** Records kept aside rather than imported as facts, by reason (`misp deleted`, `misp type foo`...). */
  setAside?: Record<string, number>;
}

/** Collects counts and issues during one import. */
export class ReportBuilder {
  readonly report: ImportReport;

  constructor(file: string) {
    this.report = {
      file,
      added: {
        indicator: 0,
        case: 0,
        actor: 0,
        malware: 0,
        technique: 0,
        report: 0,
        source: 0,
        relationship: 0,
        sighting: 0,
      },
      recordsRead: 0,
      skipped: 0,
      issues: [],
      issueCount: 0,
    };
  }

  added(kind: EvidenceKind, n = 1): void {
    this.report.added[kind] += n;
  }

  issue(code: IntelErrorCode, message: string, location: Omit<ErrorLocation, 'file'> = {}): void {
    this.report.issueCount++;
    if (this.report.issues.length < MAX_ISSUES) {
      this.report.issues.push(new CairnError(code, message, { file: this.report.file, ...location }));
    }
  }

  /** Counts one record kept aside for `reason` (shown in the import summary). */
  setAside(reason: string, n = 1): void {
    const counts = (this.report.setAside ??= {});
    counts[reason] = (counts[reason] ?? 0) + n;
  }

  /** Adds an error raised by a helper (keeps its code and location, fills in the file). */
  error(err: CairnError): void {
    this.report.issueCount++;
    if (this.report.issues.length < MAX_ISSUES) {
      if (err.location.file === undefined) (err.location as ErrorLocation).file = this.report.file;
      this.report.issues.push(err);
    }
  }
}

/** Merges several reports (e.g. one per file of a folder) into totals. */
export function mergeReports(file: string, reports: readonly ImportReport[]): ImportReport {
  const out = new ReportBuilder(file).report;
  for (const r of reports) {
    for (const k of Object.keys(r.added) as EvidenceKind[]) out.added[k] += r.added[k];
    out.recordsRead += r.recordsRead;
    out.skipped += r.skipped;
    out.issueCount += r.issueCount;
    for (const [reason, n] of Object.entries(r.setAside ?? {})) {
      out.setAside ??= {};
      out.setAside[reason] = (out.setAside[reason] ?? 0) + n;
    }
    for (const i of r.issues) if (out.issues.length < MAX_ISSUES) out.issues.push(i);
  }
  return out;
}
