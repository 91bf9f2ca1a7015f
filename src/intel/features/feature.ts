/**
 * The one interface every correlation feature implements, and what the features share: the
 * evidence item every score is made of, the corpus unit, the relative weights and rarity.
 *
 * A feature indexes each corpus unit once (`addUnit`), then, per query, credits evidence items to
 * units (`matchUnits`) and/or to actors as a whole (`matchActors`). The Correlator composes them:
 * a case's similarity is the sum of the items credited to its unit; an actor's is the strongest
 * item per (feature, value) over its units, except for features that judge the actor as a whole,
 * whose `matchActors` replaces their unit evidence in actor rankings.
 */
import type { ActorDirectory } from '../actor-directory.js';
import type { IndicatorType, Provenance } from '../model.js';
import type { UnitLabel } from '../labels.js';
import type { Profile } from '../profile.js';

/** Kinds of evidence a similarity is made of. */
export type FeatureKind =
  | 'exact'
  | 'same-block'
  | 'same-origin-as'
  | 'same-country'
  | 'ssdeep'
  | 'tlsh'
  | 'technique'
  | 'software'
  | 'actor-name'
  | 'imphash'
  | 'rich-header'
  | 'yara'
  | 'yara-meta';

/** The families a query may choose among (`QueryOptions.features`). */
export type FeatureFamily = 'indicators' | 'network' | 'fuzzy' | 'ttp' | 'names';

/** One piece of evidence behind a score. */
export interface EvidenceItem {
  feature: FeatureKind;
  /** The query side's value (indicator, block, AS, technique id, name). */
  value: string;
  /** The candidate side's value when it differs (the neighbour IP, the similar digest). */
  candidateValue?: string;
  /** Indicator type for indicator features. */
  type?: IndicatorType;
  /** Weight of this feature value, 0..1 (type factor × rarity × commonness). */
  weight: number;
  /** What it adds to the score. */
  contribution: number;
  /** Why the weight is what it is (rarity, public resolver...). */
  note: string;
  /** Where the query side states it. */
  query: Provenance[];
  /** Where the candidate side states it (at most 5). */
  candidate: Provenance[];
  /** Units of the candidate that hold it (case names, ATT&CK ids). */
  via: string[];
  /**
   * How the unit holding it is tied to the actor (actor rankings): a direct label, or a title
   * naming the actor, a campaign or software of it; the contribution carries that tie's weight.
   */
  labelledBy?: string;
}

/** A corpus unit: a case, an ATT&CK group or campaign, a STIX actor with its indicators. */
export interface Unit {
  index: number;
  id: string;
  name: string;
  kind: 'case' | 'attack-group' | 'attack-campaign' | 'stix-actor';
  profile: Profile;
  /** Actor nodes ({@link ActorDirectory.nodes}) the unit credits its evidence to. */
  actors: number[];
  /** How the unit is tied to each of {@link actors} (same actors, with weight and words). */
  labels: UnitLabel[];
  /** Source-reliability factor of the unit's source (1 when not rated), with its letter. */
  reliability: { factor: number; letter?: string };
}

/** Relative strength of the feature families. */
export const FEATURE_WEIGHTS = {
  /** Type factors of exact matches. */
  type: {
    md5: 1,
    sha1: 1,
    sha256: 1,
    sha512: 1,
    imphash: 0.6,
    'rich-header': 0.5,
    ssdeep: 1,
    tlsh: 1,
    'byte-pattern': 0.8,
    'yara-rule': 0.5,
    domain: 0.8,
    hostname: 0.8,
    url: 0.8,
    email: 0.8,
    mutex: 0.7,
    ipv4: 0.6,
    ipv6: 0.6,
    cidr: 0.3,
    filename: 0.2,
    string: 0.3,
    'attack-technique': 0,
  } satisfies Record<IndicatorType, number>,
  sameBlock: 0.25,
  sameOriginAs: 0.1,
  sameCountry: 0.03,
  fuzzy: 0.8,
  /** A perfect TTP profile match adds this much. */
  ttp: 0.5,
  actorName: 1.5,
  /** A matched YARA rule whose name or metadata names an actor (times the title tie's weight). */
  yaraMeta: 0.5,
} as const;

/** What a feature sees of the corpus while matching one query against units. */
export interface UnitMatchContext {
  readonly units: readonly Unit[];
  /** Units left out of this query (leave-one-out, the query itself). */
  readonly excludedUnits: ReadonlySet<number>;
  /** Units with indicators, the query counted and the excluded ones not: rarity's N. */
  readonly unitsWithIndicators: number;
  /** `units` without the excluded ones. */
  live(units: readonly number[]): number[];
  credit(unit: number, item: EvidenceItem): void;
}

/** What a feature sees while judging actors as a whole. */
export interface ActorMatchContext {
  readonly units: readonly Unit[];
  readonly directory: ActorDirectory;
  readonly excludedUnits: ReadonlySet<number>;
  /** The query's stated actor names are to be left out. */
  readonly ignoreLabels: boolean;
  credit(actor: number, item: EvidenceItem): void;
}

/** A correlation feature (one file each in this folder, with its test and README example). */
export interface Feature {
  readonly family: FeatureFamily;
  /** Indexes a corpus unit; units are added in order, each once. */
  addUnit(unit: Unit): void;
  /** Called once after the last unit is added. */
  finish?(): void;
  /** Credits the query's evidence to the units that share it. */
  matchUnits?(query: Profile, context: UnitMatchContext): void;
  /** Credits the query's evidence to actors as a whole (replaces `matchUnits` in actor rankings). */
  matchActors?(query: Profile, context: ActorMatchContext): void;
}

/**
 * Factor of a fact's confidence (STIX 0–100): a stated confidence under "Med" (50) lowers the
 * evidence, to a quarter at 0; at or above it the evidence counts fully.
 */
export function confidenceFactor(confidence: number): number {
  return Math.min(1, 0.25 + (1.5 * confidence) / 100);
}

/** Factor of a value every source marks not for detection (MISP `to_ids=false`): context. */
export const CONTEXT_FACTOR = 0.3;

/** Factor of a value read out of another (a URL's host matched as a domain). */
export const DERIVED_FACTOR = 0.8;

/**
 * How rare a value is among `n` units when `df` of them hold it: ln(1 + n/df) / ln(1 + n), 1 for
 * a value only one unit holds, falling toward 0 as more units share it.
 */
export function rarity(n: number, df: number): number {
  if (n <= 1) return 1;
  return Math.log(1 + n / Math.max(1, df)) / Math.log(1 + n);
}

/** Adds `unit` to the posting list of `key` (units arrive in order, so a list stays sorted and unique). */
export function pushPosting(map: Map<string, number[]>, key: string, unit: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [unit]);
  else if (list[list.length - 1] !== unit) list.push(unit);
}
