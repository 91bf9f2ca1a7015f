/**
 * ACH cases kept by a long-running face: read once from their files, analysed on request, with
 * one rating changed at a time (the file on disk is the analyst's and is not rewritten; with a
 * store, `keepIn` saves the case there and every edit is recorded, so a restart finds the edits)
 * and read as of a date (the items known by then). Answers `AchResult`, as `achAnalyze`.
 *
 * @example
 * const ach = await AchWorkspace.load([SONY_CASE_FILE]);
 * ach.rate('sony-pictures-2014', 'E01', 'H1', 'II').ranking;
 */
import { z } from 'zod';
import { systemClock, type Clock } from '../bgp/index.js';
import { CairnError } from '../errors/index.js';
import { ACH_RATINGS, achEvidenceAsOf, analyzeAch, type AchCase, type AchRating } from '../intel/index.js';
import { AchResult, loadAchCase } from './ach.js';
import type { CairnStore } from '../store/index.js';
import { SONY_CASE_FILE } from './defaults.js';

export const AchRatingValue = z.enum(ACH_RATINGS);

/** One case held: what a list shows. */
export const AchCaseSummary = z.object({
  id: z.string(),
  title: z.string(),
  date: z.string().optional(),
  hypotheses: z.number().int(),
  evidence: z.number().int(),
  /** Ratings changed since the case was read. */
  edits: z.number().int(),
});
export type AchCaseSummary = z.infer<typeof AchCaseSummary>;

/** An analysis with the date it was read as of (null: every item). */
/** The analysis the API answers: the app's result (with `asOf` and the items it hid). */
export const AchView = AchResult;
export type AchView = z.infer<typeof AchView>;

export class AchWorkspace {
  private readonly edits = new Map<string, number>();
  private kept: { store: CairnStore; clock: Clock } | undefined;

  private constructor(private readonly cases: Map<string, AchCase>) {}

  /** Reads and validates the case files (default: the bundled Sony Pictures 2014 case). */
  static async load(files: readonly string[] = [SONY_CASE_FILE]): Promise<AchWorkspace> {
    const cases = new Map<string, AchCase>();
    for (const file of files) {
      const achCase = await loadAchCase(file);
      cases.set(achCase.id, achCase);
    }
    return new AchWorkspace(cases);
  }

  private caseOf(id: string): AchCase {
    const found = this.cases.get(id);
    if (found === undefined)
      throw new CairnError('INTEL_UNKNOWN_CASE', `no ACH case with id ${JSON.stringify(id)}`, {
        field: 'id',
      });
    return found;
  }

  list(): AchCaseSummary[] {
    return [...this.cases.values()].map((c) => ({
      id: c.id,
      title: c.title,
      ...(c.date !== undefined ? { date: c.date } : {}),
      hypotheses: c.hypotheses.length,
      evidence: c.evidence.length,
      edits: this.edits.get(c.id) ?? 0,
    }));
  }

  /**
   * The analysis; with `asOf` (an ISO 8601 date) only the items dated on or before it (items
   * without a date count as known from the start).
   */
  analyze(id: string, asOf?: string): AchView {
    const achCase = this.caseOf(id);
    const day = asOf?.slice(0, 10);
    if (day !== undefined && achEvidenceAsOf(achCase.evidence, day).known.length === 0)
      throw new CairnError('ACH_BAD_OPTION', `no evidence item of the case is dated on or before ${day}`, {
        field: 'asOf',
      });
    return AchView.parse(analyzeAch(achCase, day !== undefined ? { asOf: day } : {}));
  }

  /**
   * Keeps the cases in `store` from now on: a case the store lacks is saved as read, and the
   * edits the store holds for a case are applied in order (an edit naming an item or hypothesis
   * the case no longer has is skipped). Later `rateAndRecord` calls record their edit there (one
   * store per workspace: the last one given is the one written).
   */
  async keepIn(store: CairnStore, clock: Clock = systemClock): Promise<void> {
    for (const achCase of this.cases.values()) {
      const stored = await store.achCase(achCase.id);
      if (stored === undefined) {
        await store.saveAchCase(achCase);
        continue;
      }
      for (const edit of stored.edits) {
        const item = achCase.evidence.find((e) => e.id === edit.evidenceId);
        if (item === undefined || !achCase.hypotheses.some((h) => h.id === edit.hypothesisId)) continue;
        if (item.ratings[edit.hypothesisId] !== edit.rating) {
          item.ratings[edit.hypothesisId] = edit.rating;
          this.edits.set(achCase.id, (this.edits.get(achCase.id) ?? 0) + 1);
        }
      }
    }
    this.kept = { store, clock };
  }

  /** `rate`, recording the edit in the store given to `keepIn` (when there is one) before applying it. */
  async rateAndRecord(
    id: string,
    evidenceId: string,
    hypothesisId: string,
    rating: AchRating,
  ): Promise<AchView> {
    this.check(id, evidenceId, hypothesisId);
    if (this.kept !== undefined)
      await this.kept.store.recordAchEdit({
        caseId: id,
        evidenceId,
        hypothesisId,
        rating,
        time: Math.floor(this.kept.clock.now() / 1000),
      });
    return this.rate(id, evidenceId, hypothesisId, rating);
  }

  /** Changes one rating (kept in memory) and answers the new analysis. */
  rate(id: string, evidenceId: string, hypothesisId: string, rating: AchRating): AchView {
    const item = this.check(id, evidenceId, hypothesisId);
    if (item.ratings[hypothesisId] !== rating) {
      item.ratings[hypothesisId] = rating;
      this.edits.set(id, (this.edits.get(id) ?? 0) + 1);
    }
    return this.analyze(id);
  }

  /** The evidence item an edit names; INTEL_UNKNOWN_CASE naming the field when an id is unknown. */
  private check(id: string, evidenceId: string, hypothesisId: string): AchCase['evidence'][number] {
    const achCase = this.caseOf(id);
    const item = achCase.evidence.find((e) => e.id === evidenceId);
    if (item === undefined)
      throw new CairnError(
        'INTEL_UNKNOWN_CASE',
        `case ${id} has no evidence item ${JSON.stringify(evidenceId)}`,
        {
          field: 'evidence',
        },
      );
    if (!achCase.hypotheses.some((h) => h.id === hypothesisId))
      throw new CairnError(
        'INTEL_UNKNOWN_CASE',
        `case ${id} has no hypothesis ${JSON.stringify(hypothesisId)}`,
        {
          field: 'hypothesis',
        },
      );
    return item;
  }
}
