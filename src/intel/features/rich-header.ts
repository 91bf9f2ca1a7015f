/**
 * `rich-header`: the same Rich header hash (md5 of the decoded `DanS`…`Rich` block, as `pefile`'s
 * `get_rich_header_hash`) in the query and a unit: the same compilers, linkers and object counts,
 * i.e. the same build environment and project. Weight = 0.5 × rarity × the unit source's
 * reliability; the note counts the units sharing it.
 */
import { TraitEquality } from './trait-equality.js';

export class RichHeaderEquality extends TraitEquality {
  constructor() {
    super('rich-header', 'rich-header', 'Rich header hash');
  }
}
