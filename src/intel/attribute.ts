/**
 * Attribution: ranks candidate actors for a case and states a calibrated confidence, or says the
 * evidence is insufficient.
 *
 * Confidence. The raw score of an actor is the sum of its evidence contributions
 * ({@link Correlator.rankActors}). Scores become probabilities with a softmax that includes a
 * "none of these" option of fixed score `s0`:
 *
 *     p(actor i) = exp(β·S_i) / (exp(β·s0) + Σ_j exp(β·S_j))      (j over the top candidates)
 *
 * β and s0 ({@link CALIBRATION}) were fitted by maximum likelihood (grid search, `fitCalibration`
 * in evaluate.ts) on the *fit* half of the leave-one-label-out over every labelled unit of the
 * shared corpus (`node bench/intel.mjs --shared`); the figures in bench/RESULTS-intel.md are
 * reported on the other half. A candidate resting on one observation is then capped at
 * {@link MAX_SINGLE_OBSERVATION}.
 *
 * Verdicts ({@link ATTRIBUTION_THRESHOLDS}): `attributed` when the top candidate has confidence
 * >= 0.7, a score >= 1 and at least 2 independent observations; `leaning` when it has confidence
 * >= 0.4 and a score >= 0.3; `insufficient-evidence` otherwise (the ranking is still returned, for
 * the analyst). The reliability table of the report half (bench/RESULTS-intel.md) is what these
 * thresholds are checked against.
 */
import type { Correlator, EvidenceItem, Profile, QueryOptions, Similarity } from './correlate.js';

/** Softmax constants (see module comment). */
export const CALIBRATION: Readonly<{ beta: number; s0: number }> = { beta: 2.25, s0: 0 };

/**
 * When a ranking becomes a verdict. `attributed`: confidence >= 0.7, score >= 1 and at least 2
 * independent observations (evidence items with a contribution once each observation is counted
 * once). `leaning`: confidence >= 0.4 and score >= 0.3. Anything less: `insufficient-evidence`.
 * A candidate resting on a single observation is capped at {@link MAX_SINGLE_OBSERVATION}
 * (moderate) whatever its score: one hash, however rare, can be a shared tool or a copied list.
 */
export const ATTRIBUTION_THRESHOLDS = {
  minConfidence: 0.7,
  minScore: 1,
  minEvidenceItems: 2,
  leaningConfidence: 0.4,
  leaningScore: 0.3,
} as const;

/** Highest confidence a candidate with one observation may state ("moderate"). */
export const MAX_SINGLE_OBSERVATION = 0.6;

/** Candidates kept in the softmax and the answer. */
export const MAX_CANDIDATES = 10;

/** One ranked actor. */
export interface AttributionCandidate {
  actor: string;
  /** ATT&CK id or canonical-actor id. */
  id: string;
  aliases: string[];
  /** Calibrated probability, 0..1. */
  confidence: number;
  score: number;
  evidence: EvidenceItem[];
  /** Actors that count this one as part of them. */
  umbrella?: string[];
}

/** The answer of {@link attribute}. */
export interface Attribution {
  verdict: 'attributed' | 'leaning' | 'insufficient-evidence';
  /** Why the verdict is what it is (the threshold met or missed). */
  reason: string;
  candidates: AttributionCandidate[];
}

/** Probabilities of the candidates (same order) and of "none of these". */
export function calibrate(
  scores: readonly number[],
  calibration: { beta: number; s0: number } = CALIBRATION,
): { probabilities: number[]; none: number } {
  const max = Math.max(calibration.s0, ...scores);
  const none = Math.exp(calibration.beta * (calibration.s0 - max));
  const exps = scores.map((s) => Math.exp(calibration.beta * (s - max)));
  const total = none + exps.reduce((a, b) => a + b, 0);
  return { probabilities: exps.map((e) => e / total), none: none / total };
}

/** Turns a ranking into candidates with confidence and a verdict. */
export function decide(
  ranking: readonly Similarity[],
  calibration: { beta: number; s0: number } = CALIBRATION,
): Attribution {
  const top = ranking.slice(0, MAX_CANDIDATES);
  const { probabilities } = calibrate(
    top.map((r) => r.score),
    calibration,
  );
  const candidates: AttributionCandidate[] = top.map((r, i) => {
    const observations = r.evidence.filter((e) => e.contribution > 0).length;
    const c: AttributionCandidate = {
      actor: r.name,
      id: r.id,
      aliases: r.aliases,
      confidence: observations <= 1 ? Math.min(MAX_SINGLE_OBSERVATION, probabilities[i]) : probabilities[i],
      score: r.score,
      evidence: r.evidence,
    };
    if (r.umbrella !== undefined) c.umbrella = r.umbrella;
    return c;
  });
  const t = ATTRIBUTION_THRESHOLDS;
  const best = candidates[0];
  if (best === undefined)
    return { verdict: 'insufficient-evidence', reason: 'no actor shares any evidence', candidates };
  const items = best.evidence.filter((e) => e.contribution > 0).length;
  const misses: string[] = [];
  if (best.confidence < t.minConfidence)
    misses.push(`confidence ${best.confidence.toFixed(2)} < ${t.minConfidence}`);
  if (best.score < t.minScore) misses.push(`score ${best.score.toFixed(2)} < ${t.minScore}`);
  if (items < t.minEvidenceItems) misses.push(`${items} observation(s) < ${t.minEvidenceItems}`);
  if (misses.length === 0)
    return {
      verdict: 'attributed',
      reason: `confidence ${best.confidence.toFixed(2)}, score ${best.score.toFixed(2)}, ${items} observations`,
      candidates,
    };
  if (best.confidence >= t.leaningConfidence && best.score >= t.leaningScore)
    return { verdict: 'leaning', reason: `leaning only: ${misses.join('; ')}`, candidates };
  return { verdict: 'insufficient-evidence', reason: misses.join('; '), candidates };
}

/** Ranks the actors of `correlator` for `query` and decides. */
export function attribute(correlator: Correlator, query: Profile, options: QueryOptions = {}): Attribution {
  return decide(correlator.rankActors(query, { ...options, limit: MAX_CANDIDATES }));
}
