/**
 * What `networkStrings` does with each distinct match of `string-scan.ts`: its normalised value
 * (intel's `normalizeIndicator`, by hand for the shapes the matchers give the three commonest
 * kinds, the same value), the host a URL names, and whether a top-level label is public or
 * internal naming. `test/sample-strings-scan.test.ts` checks the whole against the old code.
 *
 * @example
 * const url = 'HTTP://C2.Example.com/Gate';
 * const host = { from: 0, to: 0 };
 * scannedUrl(url, Buffer.from(url, 'latin1'), 0, url.length, url, host); // 'http://c2.example.com/Gate'
 * url.slice(host.from, host.to); // 'C2.Example.com'
 */
import { normalizeIndicator } from '../normalize.js';
import { GENERIC_TLDS, INTERNAL_SUFFIXES } from '../enrich.js';
import type { ScannedKind } from './string-scan.js';

function upper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}

/**
 * `normalizeIndicator('ipv4', raw)` for a match (four groups of 1 to 3 digits, maybe `:port`): the
 * address without its port, unless an octet is above 255 or has a leading zero.
 */
function scannedIpv4(raw: string): string | undefined {
  let value = 0;
  let digits = 0;
  let leadingZero = false;
  let i = 0;
  for (; i <= raw.length; i++) {
    const c = i < raw.length ? raw.charCodeAt(i) : 0x2e;
    if (c === 0x3a) break;
    if (c === 0x2e) {
      if (value > 255 || (leadingZero && digits > 1)) return undefined;
      value = 0;
      digits = 0;
      continue;
    }
    if (digits === 0) leadingZero = c === 0x30;
    value = value * 10 + (c - 0x30);
    digits++;
  }
  if (i < raw.length && (value > 255 || (leadingZero && digits > 1))) return undefined;
  return i < raw.length ? raw.slice(0, i) : raw;
}

/**
 * The address of an IPv4 match `b[from, to)` as a 32-bit integer, or -1 when `scannedIpv4` finds
 * no address in it: two matches have the same value when they have the same address (a valid
 * address has a single text). The value ends at `ipv4End`.
 */
export function ipv4Address(b: Uint8Array, from: number, to: number): number {
  let address = 0;
  let octet = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? b[i] : 0x3a;
    if (c === 0x2e || c === 0x3a) {
      if (octet > 255 || (digits > 1 && b[i - digits] === 0x30)) return -1;
      address = address * 256 + octet;
      if (c === 0x3a) return address;
      octet = 0;
      digits = 0;
      continue;
    }
    octet = octet * 10 + (c - 0x30);
    digits++;
  }
  return address;
}

/** Where the address of an IPv4 match `b[from, to)` ends: before its port. */
export function ipv4End(b: Uint8Array, from: number, to: number): number {
  let end = from;
  while (end < to && b[end] !== 0x3a) end++;
  return end;
}

// What `scannedUrl` looks for in a URL's characters, as a table (0: none of them).
const URL_STOP = 1; // `/?#`: the end of the authority
const URL_AT = 2;
const URL_COLON = 4;
// `[`, `(` or `{`: the only characters `refang` changes in a matched URL (see `scannedUrl`).
const URL_DEFANG = 8;
const URL_UPPER = 16;
const URL_CHARACTER = Uint8Array.from({ length: 256 }, (_, c) => {
  if (c === 0x2f || c === 0x3f || c === 0x23) return URL_STOP;
  if (c === 0x40) return URL_AT;
  if (c === 0x3a) return URL_COLON;
  if (c === 0x5b || c === 0x28 || c === 0x7b) return URL_DEFANG;
  return upper(c) ? URL_UPPER : 0;
});

/** Where the scheme of the URL `t[from, to)` ends: its first colon. */
function schemeEnd(b: Uint8Array, from: number, to: number): number {
  let colon = from;
  while (colon < to && b[colon] !== 0x3a) colon++;
  return colon;
}

/** Where the host a URL names is in its text: `from` to `to`. */
export interface UrlHost {
  from: number;
  to: number;
}

/**
 * `normalizeIndicator('url', raw)` for a match `raw`, `t[from, to)` (a letters-only scheme, `://`,
 * visible characters), read in place: scheme and host lower-cased, nothing else changed; undefined
 * when the authority is empty. `refang` may change such a URL only when it holds `[`, `(` or `{`
 * (its leading `hxxp` and `fxp` forms are no matched scheme): those take intel's own path.
 * Sets `host` to where the host the URL names is, as
 * `/^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i` finds it (after the authority's
 * first `@`, which is not where the value's lower case starts: after its last), unless the
 * authority is empty.
 */
export function scannedUrl(
  t: string,
  b: Uint8Array,
  from: number,
  to: number,
  raw: string,
  host: UrlHost,
): string | undefined {
  const colon = schemeEnd(b, from, to);
  const authority = colon + 3;
  // One walk over the authority, up to its first `/?#`: its first and last `@`, the first colon
  // of its host and whatever else it holds.
  let end = authority;
  let firstAt = -1;
  let lastAt = -1;
  let hostColon = -1;
  let held = 0;
  for (; end < to; end++) {
    const f = URL_CHARACTER[b[end]];
    if (f === 0) continue;
    if (f === URL_STOP) break;
    held |= f;
    if (f === URL_AT) {
      if (firstAt < 0) {
        firstAt = end;
        hostColon = -1;
      }
      lastAt = end;
    } else if (f === URL_COLON && hostColon < 0) hostColon = end;
  }
  let defanged = (held & URL_DEFANG) !== 0;
  for (let i = end; i < to && !defanged; i++) defanged = URL_CHARACTER[b[i]] === URL_DEFANG;
  if (end === authority && !defanged) return undefined;
  host.from = firstAt >= 0 ? firstAt + 1 : authority;
  host.to = b[host.from] === 0x5b ? urlHostEnd(b, host.from, to) : hostColon >= 0 ? hostColon : end;
  if (defanged) return refangedUrl(raw);
  const hostFrom = lastAt >= 0 ? lastAt + 1 : authority;
  let lower = true;
  for (let i = from; i < colon && lower; i++) lower = !upper(b[i]);
  if ((held & URL_UPPER) !== 0) for (let i = hostFrom; i < end && lower; i++) lower = !upper(b[i]);
  if (lower) return raw;
  return (
    t.slice(from, colon).toLowerCase() +
    t.slice(colon, hostFrom) +
    t.slice(hostFrom, end).toLowerCase() +
    t.slice(end, to)
  );
}

function refangedUrl(raw: string): string | undefined {
  const n = normalizeIndicator('url', raw);
  return n.ok ? n.value : undefined;
}

/** The normalised value of a match of `kind` other than a URL, or undefined when it is not one. */
export function scannedValue(kind: Exclude<ScannedKind, 'url'>, raw: string): string | undefined {
  switch (kind) {
    case 'credential':
      return raw;
    case 'ipv4':
      return scannedIpv4(raw);
    case 'domain':
      // Labels already as a domain's (`string-scan.ts`), host characters only: only the length is left.
      return raw.length <= 253 ? raw.toLowerCase() : undefined;
    default: {
      const n = normalizeIndicator(kind, raw);
      return n.ok ? n.value : undefined;
    }
  }
}

/** Where the host of a URL that starts at `host` ends (`to`: the URL's end): after a bracketed literal when it is closed, else at `:/?#`. */
function urlHostEnd(b: Uint8Array, host: number, to: number): number {
  if (b[host] === 0x5b) {
    for (let i = host + 1; i < to; i++) if (b[i] === 0x5d) return i + 1;
  }
  let end = host;
  while (end < to) {
    const c = b[end];
    if (c === 0x3a || c === 0x2f || c === 0x3f || c === 0x23) break;
    end++;
  }
  return end;
}

// Two-letter endings that are file extensions far more often than country domains in binaries.
export const EXTENSION_LIKE: ReadonlySet<string> = new Set([
  'so',
  'py',
  'sh',
  'pl',
  'cs',
  'rs',
  'ts',
  'md',
  'db',
  'js',
  'rc',
  'mo',
  'gz',
  'bz',
  'xz',
  'hh',
  'cc',
  'ii',
]);

/** Whether a lower-case top-level label is a generic, internal or (two letters) country one. */
function publicOrInternal(tld: string): boolean {
  if (GENERIC_TLDS.has(tld)) return true;
  if (INTERNAL_SUFFIXES.some((s) => tld === s || tld.endsWith(`.${s}`))) return true;
  return /^[a-z]{2}$/.test(tld) && !EXTENSION_LIKE.has(tld);
}

// The labels `publicOrInternal` accepts that a domain's last label can be ([a-z0-9-]: every
// generic and internal one, every two letters but the extension-like), in hashed buckets, so that
// the labels met in a file are looked up without building a string each.
const BUCKETS = 2048;

function labelHash(t: string, from: number, end: number): number {
  let h = end - from;
  // `| 0x20` folds letters to lower case and leaves digits and hyphens as they are.
  for (let i = from; i < end; i++) h = Math.imul(h ^ (t.charCodeAt(i) | 0x20), 0x2545f491);
  return (h ^ (h >>> 15)) & (BUCKETS - 1);
}

const KNOWN_LABELS: string[][] = Array.from({ length: BUCKETS }, () => []);
let longestKnown = 0;
{
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const twoLetters = [...letters].flatMap((a) => [...letters].map((b) => a + b));
  for (const label of new Set([...GENERIC_TLDS, ...INTERNAL_SUFFIXES, ...twoLetters])) {
    if (!/^[a-z0-9-]+$/.test(label) || !publicOrInternal(label)) continue;
    KNOWN_LABELS[labelHash(label, 0, label.length)].push(label);
    longestKnown = Math.max(longestKnown, label.length);
  }
}

/**
 * `publicOrInternal` of the lower-cased label `t[dot + 1, end)` (a letter, then `[a-z0-9-]`, any
 * case, as the domain matcher finds it).
 */
export function publicOrInternalTld(t: string, dot: number, end: number): boolean {
  const from = dot + 1;
  if (end - from > longestKnown) return false;
  for (const label of KNOWN_LABELS[labelHash(t, from, end)]) {
    if (label.length !== end - from) continue;
    let same = true;
    for (let i = 0; i < label.length && same; i++)
      same = (t.charCodeAt(from + i) | 0x20) === label.charCodeAt(i);
    if (same) return true;
  }
  return false;
}
