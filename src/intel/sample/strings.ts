/**
 * Printable strings of a file (ASCII and UTF-16LE runs, as `strings` and `strings -el` find
 * them) and, among them, the network and host values worth checking: IP addresses, domains, URLs,
 * e-mail addresses, hosts named in UNC paths and hard-coded credentials. Values are normalised
 * with intel's indicator rules, and host names that cannot be public DNS names are flagged with
 * the same reasons as the insider signals of `intel show`.
 */
import { normalizeIndicator } from '../normalize.js';
import { GENERIC_TLDS, internalNameReason, INTERNAL_SUFFIXES, type InsiderSignal } from '../enrich.js';

export const MIN_STRING_LENGTH = 4;
/** At most this many values of each kind per file: a file packed with addresses says so by count. */
export const MAX_VALUES_PER_KIND = 500;
const MAX_RUN = 4096;

export type NetworkStringKind = 'ipv4' | 'ipv6' | 'url' | 'domain' | 'email' | 'hostname' | 'credential';

export interface NetworkString {
  kind: NetworkStringKind;
  /** Normalised value (credentials: the matched text as found). */
  value: string;
  /** Byte offset of the first string it was found in. */
  offset: number;
  encoding: 'ascii' | 'utf16le';
  /** Why the host cannot be a public DNS name (a hard-coded internal host), when it cannot. */
  insider?: InsiderSignal['reason'];
}

export interface StringRun {
  offset: number;
  text: string;
  encoding: 'ascii' | 'utf16le';
}

function printable(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c === 9;
}

/** Every printable run of at least `min` characters, ASCII then UTF-16LE, each cut at 4 KiB. */
export function* stringRuns(bytes: Uint8Array, min = MIN_STRING_LENGTH): Generator<StringRun> {
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    const ok = i < bytes.length && printable(bytes[i]) && (start < 0 || i - start < MAX_RUN);
    if (ok) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= min) {
      yield {
        offset: start,
        text: Buffer.from(bytes.subarray(start, i)).toString('latin1'),
        encoding: 'ascii',
      };
    }
    start = i < bytes.length && printable(bytes[i]) ? i : -1;
  }
  for (const parity of [0, 1]) {
    let s = -1;
    let chars = 0;
    for (let i = parity; i + 1 <= bytes.length; i += 2) {
      const ok = i + 1 < bytes.length && printable(bytes[i]) && bytes[i + 1] === 0 && chars < MAX_RUN;
      if (ok) {
        if (s < 0) s = i;
        chars++;
        continue;
      }
      if (s >= 0 && chars >= min) {
        yield { offset: s, text: Buffer.from(bytes.subarray(s, i)).toString('utf16le'), encoding: 'utf16le' };
      }
      s = -1;
      chars = 0;
      if (i + 1 < bytes.length && printable(bytes[i]) && bytes[i + 1] === 0) {
        s = i;
        chars = 1;
      }
    }
  }
}

// Two-letter endings that are file extensions far more often than country domains in binaries.
const EXTENSION_LIKE = new Set([
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
const URL_RE = /\b(?:https?|ftp|wss?):\/\/[^\s"'<>`]{3,2000}/gi;
const IPV4_RE = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\d.])/g;
const IPV6_RE = /(?<![0-9a-f:])(?:[0-9a-f]{1,4}:){2,7}(?::|[0-9a-f]{1,4})(?![0-9a-f:])/gi;
const EMAIL_RE = /[a-z0-9._%+-]{1,64}@(?:[a-z0-9-]{1,63}\.)+[a-z]{2,24}/gi;
const DOMAIN_RE =
  /(?<![a-z0-9._%+@-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}(?![a-z0-9_@-])/gi;
const UNC_RE = /\\\\([a-z0-9][a-z0-9.-]{0,253})\\/gi;
const CREDENTIAL_RE =
  /(?:\b(?:password|passwd|pwd|pass|user(?:name)?|login|secret|api[_-]?key|token)\s*[=:]\s*[^\s"';,&]{1,128}|\/(?:user|u|p):\S{1,128}|\b[a-z][a-z0-9+.-]{1,31}:\/\/[^\s/:@]{1,64}:[^\s/@]{1,128}@)/gi;

function publicOrInternalTld(host: string): boolean {
  const labels = host.toLowerCase().split('.');
  const tld = labels[labels.length - 1];
  if (GENERIC_TLDS.has(tld)) return true;
  if (INTERNAL_SUFFIXES.some((s) => host.toLowerCase().endsWith(`.${s}`))) return true;
  return /^[a-z]{2}$/.test(tld) && !EXTENSION_LIKE.has(tld);
}

/** The network and host values in a file's strings, each once, in order of first appearance. */
export function networkStrings(bytes: Uint8Array, victimNaming?: RegExp): NetworkString[] {
  const seen = new Set<string>();
  const counts = new Map<NetworkStringKind, number>();
  const out: NetworkString[] = [];
  const add = (kind: NetworkStringKind, raw: string, run: StringRun, host?: string): void => {
    let value = raw;
    if (kind !== 'credential') {
      const n = normalizeIndicator(kind, raw);
      if (!n.ok) return;
      value = n.value;
    }
    const key = `${kind}\u0000${value}`;
    if (seen.has(key)) return;
    const count = counts.get(kind) ?? 0;
    if (count >= MAX_VALUES_PER_KIND) return;
    seen.add(key);
    counts.set(kind, count + 1);
    const insider = host === undefined ? undefined : internalNameReason(host, victimNaming);
    out.push({ kind, value, offset: run.offset, encoding: run.encoding, ...(insider ? { insider } : {}) });
  };
  for (const run of stringRuns(bytes)) {
    const t = run.text;
    // Cheap gates first: most strings of a binary hold neither a dot nor a colon nor a backslash.
    const dot = t.includes('.');
    const colon = t.includes(':');
    if (!dot && !colon && !t.includes('\\') && !t.includes('=')) continue;
    if (colon && t.includes('://')) {
      for (const m of t.matchAll(URL_RE)) {
        const url = m[0].replace(/[).,;\]]+$/, '');
        const host = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url)?.[1];
        add('url', url, run, host);
      }
    }
    if (dot) {
      for (const m of t.matchAll(IPV4_RE)) add('ipv4', m[0], run);
      for (const m of t.matchAll(EMAIL_RE)) add('email', m[0], run, m[0].slice(m[0].lastIndexOf('@') + 1));
      for (const m of t.matchAll(DOMAIN_RE)) {
        if (publicOrInternalTld(m[0])) add('domain', m[0], run, m[0]);
      }
    }
    if (colon)
      for (const m of t.matchAll(IPV6_RE))
        if (m[0].includes('::') || m[0].split(':').length === 8) add('ipv6', m[0], run);
    if (t.includes('\\\\')) for (const m of t.matchAll(UNC_RE)) add('hostname', m[1], run, m[1]);
    for (const m of t.matchAll(CREDENTIAL_RE)) add('credential', m[0], run);
  }
  return out;
}
