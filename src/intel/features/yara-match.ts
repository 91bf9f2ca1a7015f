/**
 * `yara`: the query and a unit matched (or publish) the same YARA rule, by rule name. A sample
 * scanned with the corpus rules carries the names of the rules it matched; a unit holding the
 * same rule name (another sample case that matched it, a list that names it) shares the trait.
 * Weight = 0.5 × rarity × the unit source's reliability; the note counts the units sharing it.
 */
import { TraitEquality } from './trait-equality.js';

export class YaraRuleMatch extends TraitEquality {
  constructor() {
    super('yara', 'yara-rule', 'YARA rule match');
  }
}
