/**
 * `imphash`: the same import hash (md5 of the import table as `pefile` computes it) in the query
 * and a unit: code built against the same imports in the same order, a code-reuse trait analysts
 * compare. Weight = 0.6 × rarity × the unit source's reliability; the note counts the units
 * sharing it, since small programs built by one toolchain often share an imphash.
 */
import { TraitEquality } from './trait-equality.js';

export class ImphashEquality extends TraitEquality {
  constructor() {
    super('imphash', 'imphash', 'imphash');
  }
}
