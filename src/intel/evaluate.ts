/**
 * Evaluation of attribution on the corpus itself:
 *
 * (a) leave-one-out: every labelled case (MISP event with a threat-actor galaxy, labelled IOC
 *     list) is hidden in turn: its units are removed from the corpus, its stated labels ignored,
 *     and it is attributed from the rest;
 * (b) ATT&CK group re-identification: for each group with at least 10 techniques + software, a
 *     deterministic random half of them (seeded by seed + group id) is the query, the group's name
 *     is not used, and the actors are ranked on TTP overlap only.
 *
 * Metrics: top-1 and top-3 accuracy, the share attributed (verdict) and their accuracy, the Brier
 * score of the top candidate's stated confidence, and a reliability table (5 confidence bins).
 */
import { foldActorName } from './aliases.js';
import { calibrate, CALIBRATION, decide, MAX_SINGLE_OBSERVATION } from './attribute.js';
import type { Correlator, Profile, Similarity } from './correlate.js';
import { emptyProfile } from './correlate.js';

/** One query of an evaluation. */
export interface EvaluationQuery {
  id: string;
  name: string;
  truth: string[];
  /** Rank (1-based) of the first correct candidate; 0 when absent from the top 10. */
  rank: number;
  top: string | undefined;
  confidence: number;
  verdict: 'attributed' | 'leaning' | 'insufficient-evidence';
  /** Raw scores of the top candidates, which are correct and on how many observations each rests. */
  scores: { score: number; correct: boolean; observations: number }[];
}

/** Figures of an evaluation. */
export interface EvaluationMetrics {
  n: number;
  top1: number;
  top3: number;
  attributed: number;
  attributedAccuracy: number;
  brier: number;
  reliability: { from: number; to: number; n: number; meanConfidence: number; accuracy: number }[];
}

/** A run of one evaluation. */
export interface Evaluation {
  name: string;
  queries: EvaluationQuery[];
  metrics: EvaluationMetrics;
}

function score(
  id: string,
  name: string,
  truth: ReadonlySet<number>,
  correlator: Correlator,
  ranking: Similarity[],
  calibration: { beta: number; s0: number },
): EvaluationQuery {
  const decision = decide(ranking, calibration);
  const correct = ranking.map((r) => r.actorIndex !== undefined && truth.has(r.actorIndex));
  const i = correct.indexOf(true);
  return {
    id,
    name,
    truth: [...truth].map((t) => correlator.directory.nodes[t].name),
    rank: i < 0 ? 0 : i + 1,
    top: ranking[0]?.name,
    confidence: decision.candidates[0]?.confidence ?? 0,
    verdict: decision.verdict,
    scores: ranking.map((r, k) => ({
      score: r.score,
      correct: correct[k],
      observations: r.evidence.filter((e) => e.contribution > 0).length,
    })),
  };
}

/** Metrics of a list of queries. */
export function metricsOf(queries: readonly EvaluationQuery[]): EvaluationMetrics {
  const n = queries.length;
  const frac = (k: number, d = n) => (d === 0 ? 0 : k / d);
  const attributed = queries.filter((q) => q.verdict === 'attributed');
  const bins = [0, 0.2, 0.4, 0.6, 0.8, 1.0001];
  const reliability = bins.slice(0, -1).map((from, b) => {
    const inBin = queries.filter((q) => q.confidence >= from && q.confidence < bins[b + 1]);
    return {
      from,
      to: Math.min(1, bins[b + 1]),
      n: inBin.length,
      meanConfidence: frac(
        inBin.reduce((s, q) => s + q.confidence, 0),
        inBin.length,
      ),
      accuracy: frac(inBin.filter((q) => q.rank === 1).length, inBin.length),
    };
  });
  return {
    n,
    top1: frac(queries.filter((q) => q.rank === 1).length),
    top3: frac(queries.filter((q) => q.rank >= 1 && q.rank <= 3).length),
    attributed: frac(attributed.length),
    attributedAccuracy: frac(attributed.filter((q) => q.rank === 1).length, attributed.length),
    brier: frac(queries.reduce((s, q) => s + (q.confidence - (q.rank === 1 ? 1 : 0)) ** 2, 0)),
    reliability,
  };
}

/** (a) Leave-one-out over the labelled cases of the corpus. */
export function leaveOneOut(
  correlator: Correlator,
  calibration: { beta: number; s0: number } = CALIBRATION,
): Evaluation {
  const queries: EvaluationQuery[] = [];
  for (const unit of correlator.units) {
    const truth = new Set(unit.labels.filter((l) => l.weight >= TRUTH_MIN_WEIGHT).map((l) => l.actor));
    if (unit.kind !== 'case' || truth.size === 0) continue;
    const profile = correlator.profileOfCase(unit.id);
    const ranking = correlator.rankActors(profile, {
      exclude: new Set([unit.id]),
      ignoreLabels: true,
      limit: 10,
    });
    queries.push(score(unit.id, unit.name, truth, correlator, ranking, calibration));
  }
  return { name: 'leave-one-out over labelled cases', queries, metrics: metricsOf(queries) };
}

/** Deterministic PRNG (mulberry32) seeded from a string. */
function prng(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic random half (rounded up) of `items`, sorted. */
export function randomHalf(items: readonly string[], seed: string): string[] {
  const rand = prng(seed);
  const a = [...items].sort();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, Math.ceil(a.length / 2)).sort();
}

/** The half-profile query of an ATT&CK group (the group's own name is not in it). */
export function halfProfile(
  group: { attackId: string; techniques: Set<string>; software: Set<string> },
  seed: string,
): Profile {
  const items = [...[...group.techniques].map((t) => `t:${t}`), ...[...group.software].map((s) => `s:${s}`)];
  const half = randomHalf(items, `${seed}:${group.attackId}`);
  const p = emptyProfile(`query:${group.attackId}`, `half profile of ${group.attackId}`);
  const prov = { file: `re-identification query (seed ${seed})`, objectId: group.attackId };
  for (const k of half) (k.startsWith('t:') ? p.techniques : p.software).set(k.slice(2), [prov]);
  return p;
}

/** Groups re-identification needs (at least `minItems` techniques + software). */
export const REIDENTIFICATION_MIN_ITEMS = 10;

/** (b) ATT&CK group re-identification from a random half of each group's techniques/software. */
export function groupReidentification(
  correlator: Correlator,
  seed = 'eval',
  calibration: { beta: number; s0: number } = CALIBRATION,
): Evaluation {
  const queries: EvaluationQuery[] = [];
  const attack = correlator.options.attack;
  for (const group of attack?.groups.values() ?? []) {
    if (group.techniques.size + group.software.size < REIDENTIFICATION_MIN_ITEMS) continue;
    const node = correlator.directory.nodeOfFact(group.actor.id);
    if (node === undefined) continue;
    const ranking = correlator.rankActors(halfProfile(group, seed), {
      features: new Set(['ttp']),
      limit: 10,
    });
    queries.push(score(group.attackId, group.name, new Set([node.index]), correlator, ranking, calibration));
  }
  return {
    name: `ATT&CK group re-identification (half profiles, seed "${seed}")`,
    queries,
    metrics: metricsOf(queries),
  };
}

/**
 * Maximum-likelihood fit of the softmax constants on the raw scores of `queries`: the likelihood
 * of the correct answer (the correct candidate, or "none of these" when it is absent).
 */
export function fitCalibration(queries: readonly EvaluationQuery[]): {
  beta: number;
  s0: number;
  logLoss: number;
} {
  let best = { beta: CALIBRATION.beta, s0: CALIBRATION.s0, logLoss: Infinity };
  for (let beta = 0.5; beta <= 12; beta += 0.25) {
    for (let s0 = 0; s0 <= 3; s0 += 0.05) {
      let loss = 0;
      for (const q of queries) {
        const { probabilities, none } = calibrate(
          q.scores.map((s) => s.score),
          { beta, s0 },
        );
        const i = q.scores.findIndex((s) => s.correct);
        loss -= Math.log(Math.max(1e-12, i < 0 ? none : probabilities[i]));
      }
      loss /= Math.max(1, queries.length);
      if (loss < best.logLoss) best = { beta, s0: Math.round(s0 * 100) / 100, logLoss: loss };
    }
  }
  return best;
}

/**
 * Ties that count as the truth in {@link leaveOneLabelOut}: direct labels, titles naming the actor
 * (0.7) or a campaign of it (0.6); a title naming software several actors use is too loose a truth.
 */
export const TRUTH_MIN_WEIGHT = 0.5;

/** Which half of the labels a unit falls in (a stable hash of its id): 'fit' or 'report'. */
export function halfOf(id: string): 'fit' | 'report' {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % 2 === 0 ? 'fit' : 'report';
}

/**
 * Leave-one-label-out over every labelled unit of the corpus (each report title or pulse tied to
 * an actor, each labelled MISP event or list, each ATT&CK campaign): the unit is hidden, with every
 * other unit of the same title (one report quoted by several feeds), its labels are ignored, and
 * it is attributed from the rest. `filter` picks units (e.g. one half); `onQuery` reports progress.
 */
export function leaveOneLabelOut(
  correlator: Correlator,
  options: {
    calibration?: { beta: number; s0: number };
    filter?: (unit: { id: string; kind: string }) => boolean;
    onQuery?: (done: number, total: number) => void;
  } = {},
): Evaluation {
  const calibration = options.calibration ?? CALIBRATION;
  const byTitle = new Map<string, string[]>();
  for (const u of correlator.units) {
    const k = foldActorName(u.name.replace(/\s*\(C\d{4}\)$/, ''));
    byTitle.set(k, [...(byTitle.get(k) ?? []), u.id]);
  }
  const truthOf = (u: (typeof correlator.units)[number]) =>
    new Set(u.labels.filter((l) => l.weight >= TRUTH_MIN_WEIGHT).map((l) => l.actor));
  const units = correlator.units.filter(
    (u) =>
      (u.kind === 'case' || u.kind === 'attack-campaign') &&
      truthOf(u).size > 0 &&
      (options.filter?.(u) ?? true),
  );
  const queries: EvaluationQuery[] = [];
  for (const unit of units) {
    const profile = unit.profile;
    if (profile.indicators.size + profile.techniques.size + profile.software.size === 0) continue;
    const exclude = new Set(byTitle.get(foldActorName(unit.name.replace(/\s*\(C\d{4}\)$/, ''))) ?? [unit.id]);
    exclude.add(unit.id);
    const ranking = correlator.rankActors(profile, { exclude, ignoreLabels: true, limit: 10 });
    queries.push(score(unit.id, unit.name, truthOf(unit), correlator, ranking, calibration));
    options.onQuery?.(queries.length, units.length);
  }
  return { name: 'leave-one-label-out over labelled units', queries, metrics: metricsOf(queries) };
}

/** The queries' stated confidence and verdict recomputed under another calibration. */
export function rescore(
  queries: readonly EvaluationQuery[],
  calibration: { beta: number; s0: number },
): EvaluationQuery[] {
  return queries.map((q) => {
    const { probabilities } = calibrate(
      q.scores.map((s) => s.score),
      calibration,
    );
    const top = q.scores[0];
    const raw = probabilities[0] ?? 0;
    const confidence =
      top !== undefined && top.observations <= 1 ? Math.min(MAX_SINGLE_OBSERVATION, raw) : raw;
    return { ...q, confidence };
  });
}
