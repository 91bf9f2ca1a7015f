/**
 * The matchers behind `networkStrings`: each kind of network value is found from the one or two
 * characters every match must hold (`://`, a dot after a digit, `@`, a dot before a letter, a
 * colon pair, `\\`, `=` or `:`), located with the native `indexOf`, and matched there by hand.
 * Each matcher gives exactly the matches, in order, that `matchAll` of the kind's regular
 * expression gives over the same text (leftmost first, never overlapping, the same backtracking
 * outcome); `test/sample-strings-scan.test.ts` checks them against those expressions.
 *
 * The texts are latin1 windows of a file and printable UTF-16LE runs: every character code is
 * below 256, so one table of character classes answers every test (a code above it, in no class,
 * ends every match as in the expressions). The matchers read the codes from a byte array beside
 * the text (the window's own bytes, or a run's even bytes), faster than a string's characters;
 * they search the text with `indexOf`, and report places in it, so that the receiver builds a
 * string only for what it keeps.
 *
 * @example
 * scanNetworkText('see http://c2.example.com/x', publicOrInternalTld, (kind, raw, index) =>
 *   console.log(kind, raw, index),
 * );
 */

export type ScannedKind = 'ipv4' | 'ipv6' | 'url' | 'domain' | 'email' | 'hostname' | 'credential';

/**
 * Receives each match: its kind, its text, where it starts and the host it names (a host text,
 * or for URLs undefined: the receiver finds the host of the URLs it keeps).
 */
export type ScanSink = (kind: ScannedKind, raw: string, index: number, host: string | undefined) => void;

/** The kinds, in the order `scanNetworkSpans` reports them; a kind's code is its index here. */
export const SCANNED_KINDS: readonly ScannedKind[] = [
  'url',
  'ipv4',
  'email',
  'domain',
  'ipv6',
  'hostname',
  'credential',
];
export const URL_KIND = 0;
const IPV4_KIND = 1;
const EMAIL_KIND = 2;
const DOMAIN_KIND = 3;
const IPV6_KIND = 4;
const HOSTNAME_KIND = 5;
const CREDENTIAL_KIND = 6;

/**
 * The matches of a text as places in it, five numbers each (`at[k]` to `at[k + 4]`): the kind's
 * code (see SCANNED_KINDS), where the match starts, its text `t[from, to)` (a UNC host's starts
 * after the `\\\\` the match starts with) and where the host it names starts (a host ends with the
 * text), or -1 (URLs: the receiver finds the host of the URLs it keeps). No string is built: the
 * receiver makes one only for a match it does not know yet. The matchers write here, and the
 * receiver reads the list after them, so that its work is compiled in one place and not inlined
 * into every matcher.
 */
export class Spans {
  at = new Int32Array(5 * 1024);
  /** How many numbers of `at` are used (five per match). */
  length = 0;

  push(kind: number, index: number, from: number, to: number, hostFrom: number): void {
    let n = this.length;
    if (n + 5 > this.at.length) this.grow();
    const at = this.at;
    at[n++] = kind;
    at[n++] = index;
    at[n++] = from;
    at[n++] = to;
    at[n++] = hostFrom;
    this.length = n;
  }

  private grow(): void {
    const grown = new Int32Array(this.at.length * 2);
    grown.set(this.at);
    this.at = grown;
  }
}

const DIGIT = 1; // [0-9]
const HEX = 2; // [0-9a-f] (any case)
const LETTER = 4; // [a-z] (any case)
const WORD = 8; // \w
const LABEL = 16; // [a-z0-9-]
const HOST = 32; // [a-z0-9.-]
const URL_BODY = 64; // [\x21\x23-\x26\x28-\x3b\x3d\x3f-\x5f\x61-\x7e]
const EMAIL_LOCAL = 128; // [a-z0-9._%+-]
const CREDENTIAL_VALUE = 256; // [\x21\x23-\x26\x28-\x2b\x2d-\x3a\x3c-\x7e]
const SCHEME = 512; // [a-z0-9+.-]
const VISIBLE = 1024; // [\x21-\x7e]
const USERINFO_USER = 2048; // [\x21-\x2e\x30-\x39\x3b-\x3f\x41-\x7e]
const USERINFO_PASSWORD = 4096; // [\x21-\x2e\x30-\x3f\x41-\x7e]
const URL_TRAIL = 8192; // [).,;\]]: cut from a URL's end
const NOT_BEFORE_DOMAIN = 16384; // [_%+@]
const COLON = 32768; // IPv6 candidates are widened over HEX | COLON

function classes(): Uint16Array {
  const table = new Uint16Array(256);
  const set = (flag: number, test: (c: number) => boolean): void => {
    for (let c = 0; c < 256; c++) if (test(c)) table[c] |= flag;
  };
  const ch = (s: string): number => s.charCodeAt(0);
  const digit = (c: number): boolean => c >= 0x30 && c <= 0x39;
  const letter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const among = (s: string) => (c: number) => s.includes(String.fromCharCode(c));
  set(DIGIT, digit);
  set(HEX, (c) => digit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
  set(LETTER, letter);
  set(WORD, (c) => digit(c) || letter(c) || c === ch('_'));
  set(LABEL, (c) => digit(c) || letter(c) || c === ch('-'));
  set(HOST, (c) => digit(c) || letter(c) || c === ch('-') || c === ch('.'));
  set(URL_BODY, (c) => c >= 0x21 && c <= 0x7e && !among('"\'<>`')(c));
  set(EMAIL_LOCAL, (c) => digit(c) || letter(c) || among('._%+-')(c));
  set(CREDENTIAL_VALUE, (c) => c >= 0x21 && c <= 0x7e && !among('"\',;')(c));
  set(SCHEME, (c) => digit(c) || letter(c) || among('+.-')(c));
  set(VISIBLE, (c) => c >= 0x21 && c <= 0x7e);
  set(USERINFO_USER, (c) => c >= 0x21 && c <= 0x7e && !among('/:@')(c));
  set(USERINFO_PASSWORD, (c) => c >= 0x21 && c <= 0x7e && !among('/@')(c));
  set(URL_TRAIL, among(').,;]'));
  set(NOT_BEFORE_DOMAIN, among('_%+@'));
  set(COLON, among(':'));
  return table;
}

const CLASS = classes();

/** Length of the run of `flag` characters of `t` from `i`, counting at most `max`. */
function run(b: Uint8Array, i: number, flag: number, max: number): number {
  const end = Math.min(b.length, i + max);
  let j = i;
  while (j < end && (CLASS[b[j]] & flag) !== 0) j++;
  return j - i;
}

function is(b: Uint8Array, i: number, flag: number): boolean {
  return i >= 0 && i < b.length && (CLASS[b[i]] & flag) !== 0;
}

/** `t[i, i + word.length)` equals the lower-case ASCII `word`, in any case. */
function wordAt(b: Uint8Array, i: number, word: string): boolean {
  if (i < 0 || i + word.length > b.length) return false;
  for (let k = 0; k < word.length; k++) {
    const w = word.charCodeAt(k);
    const c = b[i + k];
    // Only letters fold: `_` | 0x20 would read as DEL.
    if (c !== w && !(w >= 0x61 && w <= 0x7a && c === w - 0x20)) return false;
  }
  return true;
}

const URL_SCHEMES = ['http', 'https', 'ftp', 'ws', 'wss'];

/**
 * The places of a text's colons, in order: four matchers start from colons (URLs and a URL's
 * userinfo from `://`, IPv6 addresses, credentials), so the text is searched for them once.
 */
interface Colons {
  at: Int32Array;
  count: number;
}

// Reused from one text to the next (grown as needed): most texts have few colons.
let colonPlaces = new Int32Array(1024);

function colonsOf(t: string): Colons {
  let count = 0;
  for (let p = t.indexOf(':'); p >= 0; p = t.indexOf(':', p + 1)) {
    if (count === colonPlaces.length) {
      const grown = new Int32Array(count * 2);
      grown.set(colonPlaces);
      colonPlaces = grown;
    }
    colonPlaces[count++] = p;
  }
  return { at: colonPlaces, count };
}

/** `b[q, q + 3)` is `://` (`b[q]` a colon). */
function schemeSlashes(b: Uint8Array, q: number): boolean {
  return q + 2 < b.length && b[q + 1] === 0x2f && b[q + 2] === 0x2f;
}

/**
 * `/\b(?:https?|ftp|wss?):\/\/[\x21\x23-\x26\x28-\x3b\x3d\x3f-\x5f\x61-\x7e]{3,2000}/gi`, then
 * `[).,;\]]+$` cut off. A match's scheme is the whole word before its `://`.
 */
function urls(b: Uint8Array, colons: Colons, sink: Spans): void {
  let lastEnd = 0;
  for (let k = 0; k < colons.count; k++) {
    const q = colons.at[k];
    if (!schemeSlashes(b, q)) continue;
    let s = q;
    while (s > 0 && q - s <= 5 && is(b, s - 1, WORD)) s--;
    if (s < lastEnd || q - s < 2 || q - s > 5) continue;
    let scheme = false;
    for (const name of URL_SCHEMES) if (name.length === q - s && wordAt(b, s, name)) scheme = true;
    if (!scheme || (s > 0 && is(b, s - 1, WORD))) continue;
    const body = run(b, q + 3, URL_BODY, 2000);
    if (body < 3) continue;
    lastEnd = q + 3 + body;
    let end = lastEnd;
    while (is(b, end - 1, URL_TRAIL)) end--;
    sink.push(URL_KIND, s, s, end, -1);
  }
}

/**
 * `/(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\d.])/g` at the dot `dot`, a digit after it: every
 * match starts in the digits before a dot, at most three; matches after a digit or a dot are
 * dropped (they still hide what they overlap). Gives the dot to go on from.
 */
function ipv4At(b: Uint8Array, dot: number, sink: Spans): number {
  let start = dot;
  while (start > 0 && dot - start < 3 && is(b, start - 1, DIGIT)) start--;
  if (start === dot) return dot;
  let x = dot + 1;
  for (let group = 0; group < 2; group++) {
    const digits = run(b, x, DIGIT, 4);
    if (digits < 1 || digits > 3 || b[x + digits] !== 0x2e) return dot;
    x += digits + 1;
  }
  const last = run(b, x, DIGIT, 4);
  if (last < 1 || last > 3) return dot;
  let end = x + last;
  const next = b[end];
  if (next === 0x2e) return dot;
  if (next === 0x3a) {
    const port = run(b, end + 1, DIGIT, 6);
    if (port >= 1 && port <= 5 && b[end + 1 + port] !== 0x2e) end += 1 + port;
  }
  if (!(start > 0 && (is(b, start - 1, DIGIT) || b[start - 1] === 0x2e)))
    sink.push(IPV4_KIND, start, start, end, -1);
  // On after the match: no match ends before a digit, so none starts inside this one (nor does a
  // domain: every dot inside is followed by a digit).
  return end - 1;
}

/**
 * `/@(?:[a-z0-9-]{1,63}\.)+[a-z]{2,24}/gi` from each `@` (the labels and dots as far as they go,
 * then back label by label to the first followed by two letters), the local part taken back by
 * hand: up to 64 characters of `[a-z0-9._%+-]`.
 */
function emails(t: string, b: Uint8Array, sink: Spans): void {
  // Reused from one `@` to the next (emptying an array by its length calls into the runtime).
  const labelStarts: number[] = [];
  for (let at = t.indexOf('@'); at >= 0; at = t.indexOf('@', at + 1)) {
    let labels = 0;
    let x = at + 1;
    for (;;) {
      const label = run(b, x, LABEL, 64);
      // Bounds tested, not read past: a read past the end undoes the optimised code (a recompile per thread).
      if (label < 1 || label > 63 || x + label >= b.length || b[x + label] !== 0x2e) break;
      x += label + 1;
      labelStarts[labels++] = x;
    }
    let end = -1;
    for (let k = labels - 1; k >= 0 && end < 0; k--) {
      const letters = run(b, labelStarts[k], LETTER, 24);
      if (letters >= 2) end = labelStarts[k] + letters;
    }
    if (end < 0) continue;
    let start = at;
    while (start > 0 && at - start < 64 && is(b, start - 1, EMAIL_LOCAL)) start--;
    if (start < at) sink.push(EMAIL_KIND, start, start, end, at + 1);
    at = end - 1;
  }
}

/** Whether the lower-cased top-level label of a `.tld` match is public or internal naming. */
export type TopLevelTest = (t: string, dot: number, end: number) => boolean;

/**
 * A domain found from the dot `dot` before its top-level label,
 * `/\.[a-z][a-z0-9-]{1,62}(?![a-z0-9_@.-])/gi`, whose label `known` accepts, widened leftwards
 * over up to 253 host characters, without leading dots and hyphens, not after `[_%+@]`, and whole
 * `/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$/i`: its start and end are
 * pushed on `found`.
 */
function domainAt(t: string, b: Uint8Array, dot: number, known: TopLevelTest, found: number[]): void {
  if (!is(b, dot + 1, LETTER)) return;
  const rest = run(b, dot + 2, LABEL, 63);
  if (rest < 1 || rest > 62) return;
  const end = dot + 2 + rest;
  if (end < b.length) {
    const c = b[end];
    if (c === 0x5f || c === 0x40 || c === 0x2e) return;
  }
  if (!known(t, dot, end)) return;
  let start = dot;
  while (start > 0 && dot - start < 253 && is(b, start - 1, HOST)) start--;
  while (start < dot && (b[start] === 0x2e || b[start] === 0x2d)) start++;
  if (start === dot || is(b, start - 1, NOT_BEFORE_DOMAIN) || !labelsBefore(b, start, dot)) return;
  found.push(start, end);
}

/**
 * IPv4 addresses (given to `sink`) and domains (their starts and ends pushed on `domains`, to be
 * given after the e-mail addresses), in one walk over the dots: an address's dots are followed by
 * a digit, a domain's by a letter.
 */
function dotted(t: string, b: Uint8Array, known: TopLevelTest, sink: Spans, domains: number[]): void {
  for (let dot = t.indexOf('.'); dot >= 0; dot = t.indexOf('.', dot + 1)) {
    if (is(b, dot + 1, DIGIT)) dot = ipv4At(b, dot, sink);
    else domainAt(t, b, dot, known, domains);
  }
}

/**
 * `t[start, dot)` (host characters only) is one or more labels each followed by a dot: 1 to 63
 * characters, neither first nor last a hyphen.
 */
function labelsBefore(b: Uint8Array, start: number, dot: number): boolean {
  let label = start;
  for (let i = start; i <= dot; i++) {
    if (i < dot && b[i] !== 0x2e) continue;
    const length = i - label;
    if (length < 1 || length > 63 || b[label] === 0x2d || b[i - 1] === 0x2d) return false;
    label = i + 1;
  }
  return true;
}

/**
 * IPv6 candidates: from each `/:[0-9a-f]{0,4}:/gi` hint (searched again after the candidate),
 * widened over hex digits and colons to at most 40 characters, kept when they hold `::` or seven
 * colons.
 */
function ipv6s(b: Uint8Array, colons: Colons, sink: Spans): void {
  for (let k = 0; k < colons.count;) {
    const p = colons.at[k];
    const hex = run(b, p + 1, HEX, 5);
    if (hex > 4 || p + 1 + hex >= b.length || b[p + 1 + hex] !== 0x3a) {
      k++;
      continue;
    }
    let start = p;
    let end = p + hex + 2;
    while (start > 0 && end - start < 40 && is(b, start - 1, HEX | COLON)) start--;
    while (end < b.length && end - start < 40 && is(b, end, HEX | COLON)) end++;
    if (ipv6Shape(b, start, end)) sink.push(IPV6_KIND, start, start, end, -1);
    while (k < colons.count && colons.at[k] < end) k++;
  }
}
/** `t[start, end)` holds `::` or exactly seven colons. */
function ipv6Shape(b: Uint8Array, start: number, end: number): boolean {
  let n = 0;
  for (let i = start; i < end; i++) {
    if (b[i] !== 0x3a) continue;
    if (i + 1 < end && b[i + 1] === 0x3a) return true;
    n++;
  }
  return n === 7;
}

/** Hosts of UNC paths, `/\\\\([a-z0-9][a-z0-9.-]{0,253})\\/gi`: the host is group 1. */
function uncHosts(t: string, b: Uint8Array, sink: Spans): void {
  for (let p = t.indexOf('\\\\'); p >= 0;) {
    if (is(b, p + 2, LABEL) && b[p + 2] !== 0x2d) {
      const rest = run(b, p + 3, HOST, 254);
      if (rest <= 253 && b[p + 3 + rest] === 0x5c) {
        sink.push(HOSTNAME_KIND, p, p + 2, p + 3 + rest, p + 2);
        p = t.indexOf('\\\\', p + 4 + rest);
        continue;
      }
    }
    p = t.indexOf('\\\\', p + 1);
  }
}

const CREDENTIAL_WORDS = [
  'password',
  'passwd',
  'pwd',
  'pass',
  'user',
  'username',
  'login',
  'secret',
  'apikey',
  'api_key',
  'api-key',
  'token',
];

// The words by their last letter, either case, and whether a word ends with two letters (the
// last two of each word are letters), either case: most `=` and `:` follow none of them.
const WORDS_ENDING: string[][] = Array.from({ length: 256 }, () => []);
const WORD_ENDS = new Uint8Array(256 * 256);
for (const word of CREDENTIAL_WORDS) {
  const last = word.charCodeAt(word.length - 1);
  const before = word.charCodeAt(word.length - 2);
  WORDS_ENDING[last].push(word);
  WORDS_ENDING[last - 0x20].push(word);
  for (const x of [before, before - 0x20]) for (const y of [last, last - 0x20]) WORD_ENDS[(x << 8) | y] = 1;
}

function spaceOrTab(c: number): boolean {
  return c === 0x20 || c === 9;
}

/** End of a `[ \t]*` + `value{1,max}` after `from`, or -1. */
function credentialValue(b: Uint8Array, from: number, flag: number, max: number, spaces: boolean): number {
  let v = from;
  if (spaces) while (v < b.length && spaceOrTab(b[v])) v++;
  const value = run(b, v, flag, max);
  return value >= 1 ? v + value : -1;
}

/**
 * Starts and ends (pairs) of the matches of
 * `/\b(?:password|passwd|pwd|pass|user(?:name)?|login|secret|api[_-]?key|token)[ \t]*[=:][ \t]*
 * [\x21\x23-\x26\x28-\x2b\x2d-\x3a\x3c-\x7e]{1,128}|\/(?:user|u|p):[\x21-\x7e]{1,128}/gi`, in order.
 * Each is found from its `=` or `:`: the word is whatever ends where the blanks before it begin.
 */
function credentialMatches(t: string, b: Uint8Array, colons: Colons): number[] {
  const found: number[] = [];
  let lastEnd = 0;
  let k = 0;
  let colon = colons.count > 0 ? colons.at[0] : -1;
  let equals = t.indexOf('=');
  while (colon >= 0 || equals >= 0) {
    const q = equals < 0 || (colon >= 0 && colon < equals) ? colon : equals;
    if (q === colon) colon = ++k < colons.count ? colons.at[k] : -1;
    else equals = t.indexOf('=', q + 1);
    if (b[q] === 0x3a) {
      // `/user:` and `/u:`, `/p:`, which start before any word ending at this colon.
      let slash = -1;
      if (q >= 2 && b[q - 2] === 0x2f && (wordAt(b, q - 1, 'u') || wordAt(b, q - 1, 'p'))) slash = q - 2;
      else if (q >= 5 && b[q - 5] === 0x2f && wordAt(b, q - 4, 'user')) slash = q - 5;
      if (slash >= lastEnd && slash >= 0) {
        const end = credentialValue(b, q + 1, VISIBLE, 128, false);
        if (end >= 0) {
          found.push(slash, end);
          lastEnd = end;
          continue;
        }
      }
    }
    let wordEnd = q;
    while (wordEnd > 0 && spaceOrTab(b[wordEnd - 1])) wordEnd--;
    // Every word has three letters or more.
    if (wordEnd < 3 || WORD_ENDS[(b[wordEnd - 2] << 8) | b[wordEnd - 1]] === 0) continue;
    let start = -1;
    for (const word of WORDS_ENDING[b[wordEnd - 1]]) {
      const s = wordEnd - word.length;
      if (wordAt(b, s, word) && !is(b, s - 1, WORD)) {
        start = s;
        break;
      }
    }
    if (start < 0 || start < lastEnd) continue;
    const end = credentialValue(b, q + 1, CREDENTIAL_VALUE, 128, true);
    if (end < 0) continue;
    found.push(start, end);
    lastEnd = end;
  }
  return found;
}

/**
 * `scheme://user:password@` at the `://` at `q`: the scheme 2 to 32 scheme characters before it,
 * a letter first at a word boundary; the end of the match, or -1 (start in `starts[0]`).
 */
function urlUserinfo(b: Uint8Array, q: number, starts: number[]): number {
  const user = run(b, q + 3, USERINFO_USER, 65);
  if (user < 1 || user > 64 || b[q + 3 + user] !== 0x3a) return -1;
  const password = run(b, q + 4 + user, USERINFO_PASSWORD, 129);
  const at = q + 4 + user + password;
  if (password < 1 || password > 128 || b[at] !== 0x40) return -1;
  let from = q;
  while (from > 0 && q - from < 32 && is(b, from - 1, SCHEME)) from--;
  for (let s = from; s <= q - 2; s++) {
    if (is(b, s, LETTER) && !is(b, s - 1, WORD)) {
      starts[0] = s;
      return at + 1;
    }
  }
  return -1;
}

/**
 * Credentials in order, leftmost first and not overlapping, as one regular expression with the
 * userinfo of a URL as its last alternative would find them.
 */
function credentials(t: string, b: Uint8Array, colons: Colons, sink: Spans): void {
  const words = credentialMatches(t, b, colons);
  const start = [0];
  let w = 0;
  let end = 0;
  // The colons of `://`, in turn.
  let k = -1;
  let q = 0;
  let userinfoEnd = -1;
  for (;;) {
    while (q >= 0 && userinfoEnd < 0) {
      do k++;
      while (k < colons.count && !schemeSlashes(b, colons.at[k]));
      q = k < colons.count ? colons.at[k] : -1;
      userinfoEnd = q >= 0 ? urlUserinfo(b, q, start) : -1;
    }
    const word = w < words.length;
    if (!word && q < 0) return;
    // At the same start a word match goes first.
    if (word && (q < 0 || words[w] <= start[0])) {
      if (words[w] >= end) {
        sink.push(CREDENTIAL_KIND, words[w], words[w], words[w + 1], -1);
        end = words[w + 1];
      }
      w += 2;
    } else {
      if (start[0] >= end) {
        sink.push(CREDENTIAL_KIND, start[0], start[0], userinfoEnd, -1);
        end = userinfoEnd;
      }
      userinfoEnd = -1;
    }
  }
}

/**
 * Every network value of one text, kind by kind in the order `networkStrings` reports them (URLs,
 * IPv4, e-mail, domains, IPv6, UNC hosts, credentials), each kind in text order.
 */
export function scanNetworkText(t: string, known: TopLevelTest, sink: ScanSink): void {
  const spans = new Spans();
  scanNetworkSpans(t, characterCodes(t), known, spans);
  const at = spans.at;
  for (let k = 0; k < spans.length; k += 5) {
    const from = at[k + 2];
    const to = at[k + 3];
    const hostFrom = at[k + 4];
    sink(
      SCANNED_KINDS[at[k]],
      t.slice(from, to),
      at[k + 1],
      hostFrom < 0 ? undefined : t.slice(hostFrom, to),
    );
  }
}

/**
 * The character codes of `t`, one byte each, for `scanNetworkSpans`; a code above 255 (in no class
 * of the matchers) becomes 0, which is in none either.
 */
export function characterCodes(t: string): Uint8Array {
  const b = new Uint8Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    b[i] = c < 256 ? c : 0;
  }
  return b;
}

/**
 * `scanNetworkText`, each match added to `sink` as places in `t` (after what it holds); `b` holds
 * its character codes (the matchers read a byte array faster than a string's characters; `t` is
 * searched with the native `indexOf`).
 */
export function scanNetworkSpans(t: string, b: Uint8Array, known: TopLevelTest, sink: Spans): void {
  const colons = colonsOf(t);
  urls(b, colons, sink);
  const domains: number[] = [];
  dotted(t, b, known, sink, domains);
  emails(t, b, sink);
  for (let k = 0; k < domains.length; k += 2)
    sink.push(DOMAIN_KIND, domains[k], domains[k], domains[k + 1], domains[k]);
  ipv6s(b, colons, sink);
  uncHosts(t, b, sink);
  credentials(t, b, colons, sink);
}
