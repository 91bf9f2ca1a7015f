/**
 * The network-string scan of `networkStrings` as it was written before its hand-written matchers
 * (`src/intel/sample/string-scan.ts`): one `matchAll` of a regular expression per kind over each
 * text. Kept unchanged as the reference the matchers are checked against
 * (`test/sample-strings-scan.test.ts`): same values, kinds, offsets, order and insider reasons.
 */
import {
  EXTENSION_LIKE,
  GENERIC_TLDS,
  internalNameReason,
  INTERNAL_SUFFIXES,
  normalizeIndicator,
  type InsiderSignal,
  type NetworkString,
  type NetworkStringKind,
  type StringRun,
} from '../src/intel/index.js';

const MAX_VALUES_PER_KIND = 500;
const MAX_RUN = 4096;
const MIN_STRING_LENGTH = 4;

/**
 * `re.test(t[i])` for one character, by a table for the codes 0-255 (all that the scanned texts
 * hold: latin1 windows and printable UTF-16 runs) instead of a regular expression call per byte.
 */
function charTest(re: RegExp): (t: string, i: number) => boolean {
  const table = Uint8Array.from({ length: 256 }, (_, c) => (re.test(String.fromCharCode(c)) ? 1 : 0));
  return (t, i) => {
    const c = t.charCodeAt(i);
    return c < 256 ? table[c] === 1 : re.test(t[i]);
  };
}
// The patterns run over a whole file read as latin1: their classes hold printable ASCII only, so
// the bytes between strings (controls, NULs, high bytes) end a match as a string's end would.
const URL_RE = /\b(?:https?|ftp|wss?):\/\/[\x21\x23-\x26\x28-\x3b\x3d\x3f-\x5f\x61-\x7e]{3,2000}/gi;
// No look-behind at a pattern's start (it would run at every byte): the caller checks the byte before.
const IPV4_RE = /(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\d.])/g;
// Found from a colon pair (one character to look for first), then widened by hand.
const IPV6_HINT_RE = /:[0-9a-f]{0,4}:/gi;
const HEX_OR_COLON = charTest(/[0-9a-f:]/i);
// From the @ on; the local part is taken back by hand (a leading class would be tried at every byte).
const EMAIL_RE = /@(?:[a-z0-9-]{1,63}\.)+[a-z]{2,24}/gi;
// Found from the dot before the top-level label, then widened leftwards by hand.
const DOMAIN_TAIL_RE = /\.[a-z][a-z0-9-]{1,62}(?![a-z0-9_@.-])/gi;
const DOMAIN_FULL = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$/i;
const HOST_CHAR = charTest(/[a-z0-9.-]/i);
const UNC_RE = /\\\\([a-z0-9][a-z0-9.-]{0,253})\\/gi;
const CREDENTIAL_RE =
  /(?:\b(?:password|passwd|pwd|pass|user(?:name)?|login|secret|api[_-]?key|token)[ \t]*[=:][ \t]*[\x21\x23-\x26\x28-\x2b\x2d-\x3a\x3c-\x7e]{1,128}|\/(?:user|u|p):[\x21-\x7e]{1,128})/gi;
// `scheme://user:password@`: found from the `://` (a leading scheme class would be tried at every
// word), the scheme taken back by hand, the rest matched here at the `://`.
const URL_USERINFO_RE =
  /:\/\/[\x21-\x2e\x30-\x39\x3b-\x3f\x41-\x7e]{1,64}:[\x21-\x2e\x30-\x3f\x41-\x7e]{1,128}@/iy;
const SCHEME_CHAR = charTest(/[a-z0-9+.-]/i);
const LETTER = charTest(/[a-z]/i);
const WORD_CHAR = charTest(/\w/);
const IPV4_CHAR = charTest(/[\d.]/);
const EMAIL_LOCAL_CHAR = charTest(/[a-z0-9._%+-]/i);
const NOT_BEFORE_DOMAIN = charTest(/[_%+@]/);
/** Files are scanned in windows of this many bytes, overlapping by the longest string kept. */
const WINDOW = 16 * 1024 * 1024;

/**
 * Credentials in order, leftmost first and not overlapping, as one regular expression with the
 * userinfo of a URL as its last alternative would find them.
 */
function credentials(t: string): Array<{ index: number; text: string }> {
  const found: Array<{ index: number; text: string; rank: number }> = [];
  for (const m of t.matchAll(CREDENTIAL_RE)) found.push({ index: m.index, text: m[0], rank: 0 });
  for (let idx = t.indexOf('://'); idx >= 0; idx = t.indexOf('://', idx + 1)) {
    URL_USERINFO_RE.lastIndex = idx;
    const tail = URL_USERINFO_RE.exec(t);
    if (tail === null) continue;
    // The scheme: 2 to 32 scheme characters before the `://`, a letter first, at a word boundary.
    let run = idx;
    while (run > 0 && idx - run < 32 && SCHEME_CHAR(t, run - 1)) run--;
    for (let s = run; s <= idx - 2; s++) {
      if (LETTER(t, s) && (s === 0 || !WORD_CHAR(t, s - 1))) {
        found.push({ index: s, text: t.slice(s, idx) + tail[0], rank: 1 });
        break;
      }
    }
  }
  if (found.length === 0) return found;
  found.sort((a, b) => a.index - b.index || a.rank - b.rank);
  const kept: Array<{ index: number; text: string }> = [];
  let end = 0;
  for (const f of found) {
    if (f.index < end) continue;
    kept.push(f);
    end = f.index + f.text.length;
  }
  return kept;
}

/** The host of a URL (bracketed for IPv6), found only for URLs kept. */
function urlHost(url: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url)?.[1];
}

export function referencePublicOrInternalTld(host: string): boolean {
  const labels = host.toLowerCase().split('.');
  const tld = labels[labels.length - 1];
  if (GENERIC_TLDS.has(tld)) return true;
  const h = host.toLowerCase();
  if (INTERNAL_SUFFIXES.some((s) => h === s || h.endsWith(`.${s}`))) return true;
  return /^[a-z]{2}$/.test(tld) && !EXTENSION_LIKE.has(tld);
}

function printablePair(bytes: Uint8Array, i: number): boolean {
  const c = bytes[i];
  return i + 1 < bytes.length && bytes[i + 1] === 0 && ((c >= 0x20 && c < 0x7f) || c === 9);
}

/**
 * The UTF-16LE strings of at least MIN_STRING_LENGTH characters (even offsets first, then odd),
 * each cut at MAX_RUN characters. Every such string holds a NUL byte every other byte, so the scan
 * jumps from NUL to NUL with the native `indexOf` instead of testing every byte twice.
 */
function utf16Runs(bytes: Uint8Array): StringRun[] {
  const runs: [StringRun[], StringRun[]] = [[], []];
  const push = (start: number, end: number): void => {
    runs[start & 1].push({
      offset: start,
      text: Buffer.from(bytes.subarray(start, end)).toString('utf16le'),
      encoding: 'utf16le',
    });
  };
  for (let zero = bytes.indexOf(0, 1); zero >= 0; zero = bytes.indexOf(0, zero + 1)) {
    const start = zero - 1;
    if (!printablePair(bytes, start)) continue;
    // Good pairs never overlap (a pair's second byte is NUL, never printable): take the whole run.
    let end = start;
    while (printablePair(bytes, end)) end += 2;
    for (let s = start; s < end; s += MAX_RUN * 2) {
      const e = Math.min(end, s + MAX_RUN * 2);
      if (e - s >= MIN_STRING_LENGTH * 2) push(s, e);
    }
    zero = end - 1;
  }
  return [...runs[0], ...runs[1]];
}

/** What one text's scan finds: kind, matched text, index in the text, the host it names. */
export type ReferenceSink = (
  kind: NetworkStringKind,
  raw: string,
  index: number,
  host?: string | ((value: string) => string | undefined),
) => void;

/** The old per-text scan: every match of every kind, in the order `networkStrings` adds them. */
export function referenceScanText(t: string, sink: ReferenceSink): void {
  for (const m of t.matchAll(URL_RE)) {
    const url = m[0].replace(/[).,;\]]+$/, '');
    sink('url', url, m.index, urlHost);
  }
  for (const m of t.matchAll(IPV4_RE))
    if (!(m.index > 0 && IPV4_CHAR(t, m.index - 1))) sink('ipv4', m[0], m.index);
  for (const m of t.matchAll(EMAIL_RE)) {
    let start = m.index;
    while (start > 0 && m.index - start < 64 && EMAIL_LOCAL_CHAR(t, start - 1)) start--;
    if (start < m.index) sink('email', t.slice(start, m.index) + m[0], start, m[0].slice(1));
  }
  const tlds = new Map<string, boolean>();
  for (const m of t.matchAll(DOMAIN_TAIL_RE)) {
    let known = tlds.get(m[0]);
    if (known === undefined) tlds.set(m[0], (known = referencePublicOrInternalTld(m[0].slice(1))));
    if (!known) continue;
    let start = m.index;
    while (start > 0 && m.index - start < 253 && HOST_CHAR(t, start - 1)) start--;
    while (start < m.index && (t[start] === '.' || t[start] === '-')) start++;
    const name = t.slice(start, m.index + m[0].length);
    if (start === m.index || (start > 0 && NOT_BEFORE_DOMAIN(t, start - 1)) || !DOMAIN_FULL.test(name))
      continue;
    sink('domain', name, start, name);
  }
  IPV6_HINT_RE.lastIndex = 0;
  for (let m = IPV6_HINT_RE.exec(t); m !== null; m = IPV6_HINT_RE.exec(t)) {
    let start = m.index;
    let end = m.index + m[0].length;
    while (start > 0 && end - start < 40 && HEX_OR_COLON(t, start - 1)) start--;
    while (end < t.length && end - start < 40 && HEX_OR_COLON(t, end)) end++;
    IPV6_HINT_RE.lastIndex = end;
    const text = t.slice(start, end);
    if (text.includes('::') || text.split(':').length === 8) sink('ipv6', text, start);
  }
  for (const m of t.matchAll(UNC_RE)) sink('hostname', m[1], m.index, m[1]);
  for (const c of credentials(t)) sink('credential', c.text, c.index);
}

/** The network and host values in a file's strings, each once, ASCII first then UTF-16LE. */
export function referenceNetworkStrings(bytes: Uint8Array, victimNaming?: RegExp): NetworkString[] {
  // Per kind: the raw texts met and the values kept (no key strings built per match).
  const state = new Map<NetworkStringKind, { raw: Set<string>; values: Set<string> }>();
  const out: NetworkString[] = [];
  const reasons = new Map<string, InsiderSignal['reason'] | undefined>();
  const add = (
    kind: NetworkStringKind,
    raw: string,
    offset: number,
    encoding: StringRun['encoding'],
    host?: string | ((value: string) => string | undefined),
  ): void => {
    let s = state.get(kind);
    if (s === undefined) state.set(kind, (s = { raw: new Set(), values: new Set() }));
    // A kind at its limit takes nothing more; repeated raw text is normalised once.
    if (s.values.size >= MAX_VALUES_PER_KIND || s.raw.has(raw)) return;
    s.raw.add(raw);
    let value = raw;
    if (kind !== 'credential') {
      const n = normalizeIndicator(kind, raw);
      if (!n.ok) return;
      value = n.value;
    }
    if (s.values.has(value)) return;
    s.values.add(value);
    const name = typeof host === 'function' ? host(raw) : host;
    let insider: InsiderSignal['reason'] | undefined;
    if (name !== undefined) {
      // One verdict per host: the URLs of a file mostly share a few hosts.
      if (reasons.has(name)) insider = reasons.get(name);
      else reasons.set(name, (insider = internalNameReason(name, victimNaming)));
    }
    out.push({ kind, value, offset, encoding, ...(insider ? { insider } : {}) });
  };
  const scan = (t: string, at: (index: number) => number, encoding: StringRun['encoding']): void =>
    referenceScanText(t, (kind, raw, index, host) => add(kind, raw, at(index), encoding, host));
  for (let start = 0; start < bytes.length; start += WINDOW) {
    const end = Math.min(bytes.length, start + WINDOW + MAX_RUN);
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
    scan(text, (i) => start + i, 'ascii');
  }
  for (const run of utf16Runs(bytes)) scan(run.text, (i) => run.offset + i * 2, 'utf16le');
  return out;
}
