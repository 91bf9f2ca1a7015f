/**
 * IP addresses as bytes: parsing (strict, attacker-proof), formatting (glibc inet_ntop style, as
 * glibc inet_ntop prints, RFC 5952), ordering and IPv4-mapped handling.
 */
import { ParseError } from '../errors/index.js';
import { formatIPv4, formatIPv6 } from './format.js';
import { quoteInput } from './quote.js';

export type IpFamily = 4 | 6;

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address, network byte order. */
export interface IpAddress {
  readonly family: IpFamily;
  readonly bytes: Uint8Array;
}

/**
 * Longest text a valid address can have: 8 groups of 4 hex digits and 7 colons is 39, and
 * six groups followed by a dotted quad is 45. Anything longer is rejected before it is scanned.
 */
const MAX_ADDRESS_TEXT = 45;

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_DOT = 0x2e;
const CH_COLON = 0x3a;

/** Builds an address from its bytes (4 or 16); the bytes are used as given, not copied. */
export function makeAddress(family: IpFamily, bytes: Uint8Array): IpAddress {
  return { family, bytes };
}

/**
 * Parses a dotted quad from `text[start, end)` into `out[outOffset..+4]`. Returns an error reason
 * or undefined. Leading zeros (`010`) are refused because some parsers read them as octal.
 */
function parseDottedQuad(
  text: string,
  start: number,
  end: number,
  out: Uint8Array,
  outOffset: number,
): string | undefined {
  let octets = 0;
  let i = start;
  while (true) {
    const octetStart = i;
    let value = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < CH_0 || c > CH_9) break;
      value = value * 10 + (c - CH_0);
      i++;
      if (i - octetStart > 3) return 'an IPv4 octet has more than 3 digits';
    }
    if (i === octetStart) return 'an IPv4 octet is empty or not a decimal number';
    if (i - octetStart > 1 && text.charCodeAt(octetStart) === CH_0) {
      return 'an IPv4 octet has a leading zero (ambiguous: octal or decimal)';
    }
    if (value > 255) return `IPv4 octet ${value} is above 255`;
    if (octets === 4) return 'more than 4 IPv4 octets';
    out[outOffset + octets] = value;
    octets++;
    if (i === end) break;
    if (text.charCodeAt(i) !== CH_DOT) return 'unexpected character in IPv4 address';
    i++;
    if (i === end) return 'IPv4 address ends with a dot';
  }
  if (octets !== 4) return `IPv4 address has ${octets} octets instead of 4`;
  return undefined;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Parses IPv6 text into 16 bytes (RFC 4291 section 2.2), or returns an error reason. */
function parseIPv6(text: string, out: Uint8Array): string | undefined {
  const end = text.length;
  let groups = 0;
  let gapAt = -1; // group index where '::' stands
  let i = 0;
  if (text.charCodeAt(0) === CH_COLON) {
    if (text.charCodeAt(1) !== CH_COLON) return 'IPv6 address starts with a single colon';
    gapAt = 0;
    i = 2;
    if (i === end) {
      out.fill(0);
      return undefined;
    }
  }
  while (true) {
    const groupStart = i;
    let value = 0;
    let sawDot = false;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === CH_COLON) break;
      if (c === CH_DOT) {
        sawDot = true;
        break;
      }
      const h = hexValue(c);
      if (h < 0) return 'unexpected character in IPv6 address';
      value = (value << 4) | h;
      i++;
      if (i - groupStart > 4) return 'an IPv6 group has more than 4 hex digits';
    }
    if (sawDot) {
      // Embedded dotted quad: must be the last thing, and leave room for its 2 groups.
      if (groups > 6) return 'embedded IPv4 address comes after too many groups';
      const reason = parseDottedQuad(text, groupStart, end, out, groups * 2);
      if (reason !== undefined) return `in embedded IPv4: ${reason}`;
      groups += 2;
      break;
    }
    if (i === groupStart) return 'an IPv6 group is empty (":::" or a stray colon)';
    if (groups === 8) return 'IPv6 address has more than 8 groups';
    out[groups * 2] = value >> 8;
    out[groups * 2 + 1] = value & 0xff;
    groups++;
    if (i === end) break;
    // text[i] is a colon
    i++;
    if (text.charCodeAt(i) === CH_COLON) {
      if (gapAt !== -1) return 'IPv6 address has more than one "::"';
      gapAt = groups;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return 'IPv6 address ends with a single colon';
    }
  }
  if (gapAt === -1) {
    if (groups !== 8) return `IPv6 address has ${groups} groups instead of 8 and no "::"`;
    return undefined;
  }
  if (groups > 7) return 'IPv6 address has "::" but already 8 groups';
  // Move the groups after the gap to the end and zero the gap.
  const tailBytes = (groups - gapAt) * 2;
  const tailStart = gapAt * 2;
  out.copyWithin(16 - tailBytes, tailStart, tailStart + tailBytes);
  out.fill(0, tailStart, 16 - tailBytes);
  return undefined;
}

/** Parses and returns either the address or the reason it is not one (for this module's callers). */
export function parseAddressOrReason(text: string): IpAddress | string {
  if (typeof text !== 'string') return 'not a string';
  if (text.length === 0) return 'empty';
  if (text.length > MAX_ADDRESS_TEXT) return `too long (${text.length} characters) to be an address`;
  let hasColon = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === CH_COLON) hasColon = true;
    else if (c === 0x25 /* % */) return 'zone ids ("%eth0") are not accepted';
  }
  if (hasColon) {
    const bytes = new Uint8Array(16);
    const reason = parseIPv6(text, bytes);
    return reason ?? makeAddress(6, bytes);
  }
  const bytes = new Uint8Array(4);
  const reason = parseDottedQuad(text, 0, text.length, bytes, 0);
  return reason ?? makeAddress(4, bytes);
}

/**
 * Parses an IPv4 dotted quad or an IPv6 address (with `::` and an embedded dotted quad).
 * Throws a ParseError `NET_BAD_ADDRESS` naming the (escaped, shortened) text and the reason.
 * Leading zeros in IPv4 octets and IPv6 zone ids are refused; no whitespace is trimmed.
 */
export function parseAddress(text: string): IpAddress {
  const result = parseAddressOrReason(text);
  if (typeof result === 'string') {
    throw new ParseError('NET_BAD_ADDRESS', `not an IP address: ${quoteInput(text)}: ${result}`, {
      field: 'address',
    });
  }
  return result;
}

/** Like parseAddress, but returns undefined instead of throwing. */
export function tryParseAddress(text: string): IpAddress | undefined {
  const result = parseAddressOrReason(text);
  return typeof result === 'string' ? undefined : result;
}

/** Canonical text form (glibc inet_ntop, RFC 5952). */
export function formatAddress(address: IpAddress): string {
  return address.family === 4 ? formatIPv4(address.bytes, 0) : formatIPv6(address.bytes, 0);
}

/** Orders IPv4 before IPv6, then by bytes (numeric order). Negative, zero or positive. */
export function compareAddresses(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  return compareBytes(a.bytes, b.bytes);
}

/** Byte-wise comparison of two arrays of the same length. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d;
  }
  return 0;
}

/** True for `::ffff:a.b.c.d`. */
export function isIPv4Mapped(address: IpAddress): boolean {
  if (address.family !== 6) return false;
  const b = address.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** `::ffff:a.b.c.d` becomes `a.b.c.d`; any other address is returned unchanged. */
export function unmapIPv4(address: IpAddress): IpAddress {
  if (!isIPv4Mapped(address)) return address;
  return makeAddress(4, address.bytes.slice(12, 16));
}
