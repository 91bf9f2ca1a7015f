/**
 * Upstream: the one definition every view uses. The upstream of a path for a group of networks is,
 * walking the AS path from the origin toward the vantage point, the first AS outside the group:
 * the network through which the group's routes leave it. For a country the group is the ASes the
 * registry places in that country (the origin itself is the upstream when it is foreign; a path
 * that never leaves the country has none); for one route's origin network (outage detection) the
 * group is its origin AS, so the upstream is the AS just before the origin (prepending skipped).
 * Only AS_SEQUENCE hops count: which member of an AS_SET was crossed is unknown.
 *
 * @example
 * // North Korea's 175.45.176.0/24 in data/mrt/ripe-bgpdump/updates.et-header.2015.gz: path
 * // 2914 1239 4837 131279; APNIC places 131279 in KP, 4837 in CN (2914 and 1239 are not APNIC's).
 * countryUpstream([2914, 1239, 4837, 131279], 'KP', (asn) => registry.countryOfAsn(asn)?.country); // 4837
 */

/** What `upstreamOf` returns for a path that never leaves the group. */
export const NO_UPSTREAM = -1;

/**
 * The first AS of `asns[0, length)` (AS_SEQUENCE hops, the vantage point's side first, origin
 * last) that is not `inside` the group, walking from the origin; NO_UPSTREAM when there is none.
 */
export function upstreamOf(
  asns: ArrayLike<number>,
  inside: (asn: number) => boolean,
  length: number = asns.length,
): number {
  for (let k = length - 1; k >= 0; k--) {
    const asn = asns[k];
    if (!inside(asn)) return asn;
  }
  return NO_UPSTREAM;
}

/**
 * The upstream of a path for a country: the first AS, from the origin, whose registry country
 * (`countryOfAsn`; undefined or '' when unknown, which counts as outside) is not `country`.
 */
export function countryUpstream(
  asns: ArrayLike<number>,
  country: string,
  countryOfAsn: (asn: number) => string | undefined,
  length: number = asns.length,
): number {
  return upstreamOf(asns, (asn) => countryOfAsn(asn) === country, length);
}

/** The upstream of a path for its origin network: the AS just before the origin, prepending skipped. */
export function originUpstream(asns: ArrayLike<number>, length: number = asns.length): number {
  if (length === 0) return NO_UPSTREAM;
  const origin = asns[length - 1];
  return upstreamOf(asns, (asn) => asn === origin, length);
}
