/**
 * ACH cases kept by a long-running face: read once from their files, analysed on request, with
 * one rating changed at a time (in memory: the file on disk is the analyst's and is not
 * rewritten) and read as of a date (the items known by then). Answers `AchResult`, as `achAnalyze`.
 *
 * @example
 * const ach = await AchWorkspace.load([SONY_CASE_FILE]);
 * ach.rate('sony-pictures-2014', 'E01', 'H1', 'II').ranking;
 */
import { z } from 'zod';
import { CairnError } from '../errors/index.js';
import { ACH_RATINGS, analyzeAch, type AchCase, type AchRating } from '../intel/index.js';
import { AchResult, loadAchCase } from './ach.js';
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
export const AchView = AchResult.extend({
  asOf: z.string().nullable(),
  /** Items left out because they became known after `asOf`. */
  hiddenEvidence: z.array(z.string()),
});
export type AchView = z.infer<typeof AchView>;

export class AchWorkspace {
  private readonly edits = new Map<string, number>();

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
    const known = (date: string | undefined): boolean =>
      day === undefined || date === undefined || date.slice(0, 10) <= day;
    const evidence = achCase.evidence.filter((e) => known(e.date));
    if (evidence.length === 0)
      throw new CairnError('ACH_BAD_OPTION', `no evidence item of the case is dated on or before ${day}`, {
        field: 'asOf',
      });
    return AchView.parse({
      ...analyzeAch({ ...achCase, evidence }),
      asOf: day ?? null,
      hiddenEvidence: achCase.evidence.filter((e) => !known(e.date)).map((e) => e.id),
    });
  }

  /** Changes one rating (kept in memory) and answers the new analysis. */
  rate(id: string, evidenceId: string, hypothesisId: string, rating: AchRating): AchView {
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
    if (item.ratings[hypothesisId] !== rating) {
      item.ratings[hypothesisId] = rating;
      this.edits.set(id, (this.edits.get(id) ?? 0) + 1);
    }
    return this.analyze(id);
  }
}
