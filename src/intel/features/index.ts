/**
 * The correlation features, one file each, behind the {@link Feature} interface; README
 * "Correlation features" has a worked example of each on the bundled data.
 */
export { ActorName } from './actor-name.js';
export { ExactMatch } from './exact.js';
export {
  CONTEXT_FACTOR,
  DERIVED_FACTOR,
  FEATURE_WEIGHTS,
  confidenceFactor,
  pushPosting,
  rarity,
  type ActorMatchContext,
  type EvidenceItem,
  type Feature,
  type FeatureFamily,
  type FeatureKind,
  type Unit,
  type UnitMatchContext,
} from './feature.js';
export { FuzzyHashSimilarity, SSDEEP_MIN_SCORE, TLSH_MAX_DISTANCE } from './fuzzy-hash.js';
export { ImphashEquality } from './imphash.js';
export { RichHeaderEquality } from './rich-header.js';
export { TRAIT_TYPES, TraitEquality } from './trait-equality.js';
export { YaraRuleMatch } from './yara-match.js';
export { YaraRuleNames } from './yara-names.js';
export { NetworkProximity } from './network.js';
export { TechniqueOverlap } from './technique-overlap.js';

import type { AttackIndex } from '../attack.js';
import type { WarninglistIndex } from '../warninglists.js';
import { ActorName } from './actor-name.js';
import { ExactMatch } from './exact.js';
import type { Feature } from './feature.js';
import { FuzzyHashSimilarity } from './fuzzy-hash.js';
import { ImphashEquality } from './imphash.js';
import { RichHeaderEquality } from './rich-header.js';
import { YaraRuleMatch } from './yara-match.js';
import { YaraRuleNames } from './yara-names.js';
import type { YaraRuleMeta } from '../corpus.js';
import { NetworkProximity } from './network.js';
import { TechniqueOverlap } from './technique-overlap.js';

/** The default features, in the order their evidence is gathered. */
export function defaultFeatures(
  options: {
    warninglists?: WarninglistIndex;
    attack?: AttackIndex;
    yaraRules?: ReadonlyMap<string, YaraRuleMeta>;
  } = {},
): Feature[] {
  return [
    new ExactMatch(options.warninglists),
    new NetworkProximity(),
    new FuzzyHashSimilarity(),
    new ImphashEquality(),
    new RichHeaderEquality(),
    new YaraRuleMatch(),
    new TechniqueOverlap(options.attack),
    new ActorName(),
    new YaraRuleNames(options.yaraRules ?? new Map(), options.attack),
  ];
}
