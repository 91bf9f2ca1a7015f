/**
 * net: Internet addresses, CIDR prefixes and AS numbers, and `PrefixTrie`, the longest-match /
 * covering / covered index over IPv4 and IPv6 prefixes that routing, registry and intel build on.
 * Addresses format as glibc's inet_ntop does (RFC 5952), ASNs as asplain, and every parser takes
 * attacker-controlled text: bad input throws a ParseError with a stable code (`NET_BAD_ADDRESS`,
 * `NET_BAD_PREFIX`, `NET_HOST_BITS_SET`, `NET_BAD_RANGE`, `NET_BAD_ASN`) and the escaped text.
 *
 * @example
 * import { PrefixTrie, parseAddress, parsePrefix, parseAsn } from '../net/index.js';
 * const trie = new PrefixTrie<number>();
 * trie.set(parsePrefix('175.45.176.0/22'), parseAsn('AS131279'));
 * trie.longestMatch(parseAddress('175.45.178.1'))?.value; // 131279
 * trie.longestMatch(parseAddress('175.45.178.1'))?.prefix.toString(); // '175.45.176.0/22'
 */
export type { IpFamily, IpAddress } from './address.js';
export {
  parseAddress,
  tryParseAddress,
  formatAddress,
  compareAddresses,
  isIPv4Mapped,
  unmapIPv4,
} from './address.js';
export { Prefix, parsePrefix, rangeToPrefixes } from './prefix.js';
export type { PrefixEntry } from './trie.js';
export { PrefixTrie } from './trie.js';
export { parseAsn, formatAsn } from './asn.js';
export { formatIPv4, formatIPv6 } from './format.js';
