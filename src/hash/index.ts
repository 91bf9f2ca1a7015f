/**
 * Fuzzy hashes for evidence correlation: ssdeep (CTPH) and TLSH, bit-compatible with the
 * reference tools (ssdeep 2.14.1; TLSH 4.x default 128 buckets / 1-byte checksum, `T1` form),
 * plus exact nearest-neighbour indexes over stored digests. Pure computation, no I/O.
 *
 * @example
 * import { ssdeepDigest, ssdeepCompare, tlshDigest, tlshDistance, SsdeepIndex } from '../hash/index.js';
 * const a = ssdeepDigest(bytesA);               // '96:1dTVKBhRebMHU8pwJigWo/…:x3B8pw1j0k/86a'
 * const score = ssdeepCompare(a, ssdeepDigest(bytesB)); // 0..100, as `ssdeep -a -k`
 * const t = tlshDigest(bytesA);                 // 'T11FA1B357…' or undefined (< 50 bytes, too uniform)
 * const d = t && tlshDistance(t, tlshDigest(bytesB)!); // 0 = identical, larger = further apart
 * const index = new SsdeepIndex();
 * index.add('sample-1', a);
 * index.search(ssdeepDigest(bytesB), 50);       // [{ id: 'sample-1', score }] when score >= 50
 */

export {
  SsdeepHasher,
  parseSsdeep,
  parseSsdeepFile,
  ssdeepCompare,
  ssdeepCompareParsed,
  ssdeepDigest,
} from './ssdeep.js';
export type { SsdeepDigest } from './ssdeep.js';
export {
  TLSH_MAX_LENGTH,
  TLSH_MIN_CONSERVATIVE_LENGTH,
  TLSH_MIN_LENGTH,
  TlshHasher,
  formatTlsh,
  parseTlsh,
  tlshDigest,
  tlshDistance,
  tlshDistanceParsed,
  tlshResult,
  variantName as tlshVariantName,
} from './tlsh.js';
export type {
  TlshDigestValue,
  TlshDistanceOptions,
  TlshOptions,
  TlshRejection,
  TlshResult,
  TlshVariant,
} from './tlsh.js';
export { Md5Lanes, md5Lanes } from './md5-lanes.js';
export { SsdeepIndex } from './ssdeep-index.js';
export type { SsdeepMatch } from './ssdeep-index.js';
export { TlshIndex } from './tlsh-index.js';
export type { TlshMatch, TlshSearchOptions } from './tlsh-index.js';
