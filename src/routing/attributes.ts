/**
 * Attribute sets as the table stores them: every distinct combination of AS path, origin, next
 * hop, LOCAL_PREF, MED, atomic aggregate and (large) communities is interned once, as a short word
 * sequence; routes hold only its id. Next hops and community lists are themselves interned word
 * sequences, read straight from the attribute bytes.
 */
import type { PathAttributes } from '../bgp/index.js';
import { readU32 } from '../bgp/index.js';
import type { IpAddress } from '../net/index.js';
import { formatIPv4, formatIPv6 } from '../net/index.js';
import { WordScratch } from './paths.js';

/** Word offsets in an attribute-set sequence. */
export const ATTR_PATH = 0;
export const ATTR_ORIGIN = 1;
export const ATTR_FLAGS = 2;
export const ATTR_LOCAL_PREF = 3;
export const ATTR_MED = 4;
export const ATTR_NEXT_HOP = 5;
export const ATTR_COMMUNITIES = 6;
export const ATTR_LARGE_COMMUNITIES = 7;
export const ATTR_WORDS = 8;

export const FLAG_LOCAL_PREF = 1;
export const FLAG_MED = 2;
export const FLAG_ATOMIC_AGGREGATE = 4;
/** ORIGIN word of an attribute set without ORIGIN. */
export const NO_ORIGIN = 0xff;

/** Where the element's next hop comes from (mirrors mrt's NextHopSource: 0 attribute, 1 MP_REACH, 2 RIB). */
export type NextHopSourceCode = number;

/** Writes the next hop words (`[]` none, `[4, a]` IPv4, `[6, a, b, c, d]` IPv6) into `out`. */
export function encodeNextHop(attributes: PathAttributes, source: NextHopSourceCode, out: WordScratch): void {
  const useMp =
    source === 1 || (source === 2 && attributes.hasMpReach && attributes.mpReach.nextHopOffset >= 0);
  if (useMp) {
    const mp = attributes.mpReach;
    if (!attributes.hasMpReach || mp.nextHopOffset < 0) return;
    const length = mp.nextHopLength;
    if (length === 4) return pushAddress(attributes.buf, mp.nextHopOffset, 4, out);
    if (length === 16 || length === 32) return pushAddress(attributes.buf, mp.nextHopOffset, 16, out);
    if (length === 12) return pushAddress(attributes.buf, mp.nextHopOffset + 8, 4, out);
    if (length === 24 || length === 48) return pushAddress(attributes.buf, mp.nextHopOffset + 8, 16, out);
    if (source === 1) return;
  }
  if (attributes.nextHopOffset >= 0) pushAddress(attributes.buf, attributes.nextHopOffset, 4, out);
}

function pushAddress(buf: Uint8Array, offset: number, size: 4 | 16, out: WordScratch): void {
  out.push(size === 4 ? 4 : 6);
  for (let i = 0; i < size; i += 4) out.push(readU32(buf, offset + i));
}

/** Writes next hop words for a parsed address. */
export function encodeAddress(address: IpAddress | undefined, out: WordScratch): void {
  if (address === undefined) return;
  const b = address.bytes;
  out.push(address.family);
  for (let i = 0; i < b.length; i += 4)
    out.push(((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0);
}

/** The address text of next hop words. */
export function nextHopText(words: Uint32Array): string | undefined {
  if (words.length === 0) return undefined;
  const bytes = new Uint8Array(words.length === 2 ? 4 : 16);
  for (let w = 1; w < words.length; w++) {
    const v = words[w];
    const i = (w - 1) * 4;
    bytes[i] = v >>> 24;
    bytes[i + 1] = (v >>> 16) & 0xff;
    bytes[i + 2] = (v >>> 8) & 0xff;
    bytes[i + 3] = v & 0xff;
  }
  return words[0] === 4 ? formatIPv4(bytes, 0) : formatIPv6(bytes, 0);
}

/** Standard communities (4 bytes each) as words, from the attribute bytes. */
export function encodeCommunities(attributes: PathAttributes, out: WordScratch): void {
  const start = attributes.communitiesStart;
  if (start < 0) return;
  for (let p = start; p + 4 <= attributes.communitiesEnd; p += 4) out.push(readU32(attributes.buf, p));
}

/** Large communities (12 bytes each) as 3 words each. */
export function encodeLargeCommunities(attributes: PathAttributes, out: WordScratch): void {
  const start = attributes.largeCommunitiesStart;
  if (start < 0) return;
  for (let p = start; p + 12 <= attributes.largeCommunitiesEnd; p += 12) {
    out.push(readU32(attributes.buf, p));
    out.push(readU32(attributes.buf, p + 4));
    out.push(readU32(attributes.buf, p + 8));
  }
}

/** "asn:value" texts of community words. */
export function communitiesText(words: Uint32Array): string[] {
  return Array.from(words, (w) => `${w >>> 16}:${w & 0xffff}`);
}

/** "global:local1:local2" texts of large-community words. */
export function largeCommunitiesText(words: Uint32Array): string[] {
  const out: string[] = [];
  for (let i = 0; i + 2 < words.length; i += 3) out.push(`${words[i]}:${words[i + 1]}:${words[i + 2]}`);
  return out;
}

export { WordScratch };
