/**
 * What an UPDATE means for a routing table once RFC 7606 has been applied: with the outcome
 * treat-as-withdraw every announced prefix is withdrawn instead (RFC 7606 2); attribute-discard
 * and ok change nothing (the codec has already left the discarded attributes out); a
 * session-reset UPDATE is never delivered by the collector.
 */
import type { BgpUpdate } from '../message.js';

export function effectiveUpdate(update: BgpUpdate): BgpUpdate {
  if (update.outcome !== 'treat-as-withdraw') return update;
  return {
    ...update,
    withdrawn: [...update.withdrawn, ...update.announced.filter((f) => f.prefixes.length > 0)],
    announced: [],
    attributes: {},
  };
}
