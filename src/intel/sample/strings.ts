/**
 * Printable strings of a file (ASCII and UTF-16LE runs, as `strings` and `strings -el` find
 * them) and, among them, the network and host values worth checking: IP addresses, domains, URLs,
 * e-mail addresses, hosts named in UNC paths and hard-coded credentials. Values are normalised
 * with intel's indicator rules, and host names that cannot be public DNS names are flagged with
 * the same reasons as the insider signals of `intel show`.
 */
import { internalNameReason, type InsiderSignal } from '../enrich.js';
import { scanNetworkSpans } from './string-scan.js';
import {
  ipv4Address,
  ipv4End,
  publicOrInternalTld,
  scannedUrl,
  scannedValue,
  type UrlHost,
} from './string-values.js';
import { hashCodes, hashText, ValueTable } from './value-table.js';

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

/** Files are scanned in windows of this many bytes, overlapping by the longest string kept. */
const WINDOW = 16 * 1024 * 1024;

// Printable characters of `strings` (printable ASCII and tab), as a table.
const PRINTABLE = Uint8Array.from({ length: 256 }, (_, c) => ((c >= 0x20 && c < 0x7f) || c === 9 ? 1 : 0));

/** A printable byte followed by a NUL, the second byte inside the buffer. */
function goodPair(bytes: Uint8Array, i: number): boolean {
  return i >= 0 && i + 1 < bytes.length && bytes[i + 1] === 0 && PRINTABLE[bytes[i]] === 1;
}

/**
 * The UTF-16LE strings of at least MIN_STRING_LENGTH characters (even offsets first, then odd),
 * each cut at MAX_RUN characters. Such a string is a chain of good pairs (good pairs never overlap:
 * a pair's second byte is NUL, never printable) of at least 8 bytes, so it holds a multiple of 8:
 * the scan looks at every eighth byte only, and from one inside a chain finds the chain's ends.
 */
function utf16Runs(bytes: Uint8Array): StringRun[] {
  const runs: [StringRun[], StringRun[]] = [[], []];
  const push = (start: number, end: number): void => {
    runs[start & 1].push({
      offset: start,
      text: Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf16le'),
      encoding: 'utf16le',
    });
  };
  for (let probe = 0; probe < bytes.length; probe += 8) {
    // The probe is the first byte of a good pair or the NUL of one.
    let start = bytes[probe] === 0 ? probe - 1 : probe;
    if (!goodPair(bytes, start)) continue;
    while (goodPair(bytes, start - 2)) start -= 2;
    let end = start;
    while (goodPair(bytes, end)) end += 2;
    for (let s = start; s < end; s += MAX_RUN * 2) {
      const e = Math.min(end, s + MAX_RUN * 2);
      if (e - s >= MIN_STRING_LENGTH * 2) push(s, e);
    }
    // The next chain starts after this one: probe on from the first multiple of 8 at or after end.
    probe = Math.ceil(end / 8) * 8 - 8;
  }
  return [...runs[0], ...runs[1]];
}

/**
 * `b[from, to)` is `b[at, at + to - from)` (`view` is over `b`), compared from the end four bytes
 * at a time: matches of one kind in a file mostly differ there (the counter in a URL's query, an
 * address's last octet), and a repeat is compared whole.
 */
function sameCodes(view: DataView, at: number, from: number, to: number): boolean {
  let n = to - from;
  for (; n >= 4; n -= 4) if (view.getUint32(at + n - 4) !== view.getUint32(from + n - 4)) return false;
  for (; n > 0; n--) if (view.getUint8(at + n - 1) !== view.getUint8(from + n - 1)) return false;
  return true;
}

/** What `networkStrings` keeps of one kind. */
interface KindState {
  /**
   * The raw texts met, for the kinds whose normalisation costs more than a lookup (intel's
   * `normalizeIndicator`); the others are normalised again and found in `values`.
   */
  raw: Set<string> | undefined;
  values: ValueTable;
  /** Where the last match met was: in `lastCodes`, from `lastFrom` to `lastTo`. */
  lastCodes: Uint8Array | undefined;
  lastFrom: number;
  lastTo: number;
}

function kindState(kind: NetworkStringKind): KindState {
  const cheap = kind === 'url' || kind === 'ipv4' || kind === 'domain' || kind === 'credential';
  return {
    raw: cheap ? undefined : new Set(),
    values: new ValueTable(),
    lastCodes: undefined,
    lastFrom: 0,
    lastTo: 0,
  };
}

const NO_CODES = new Uint8Array(0);
const NO_VIEW = new DataView(NO_CODES.buffer);

/** The network and host values in a file's strings, each once, ASCII first then UTF-16LE. */
export function networkStrings(bytes: Uint8Array, victimNaming?: RegExp): NetworkString[] {
  // Per kind: the values kept and the last raw text met. The matchers report kind by kind, so the
  // kind's state is kept at hand.
  const state = new Map<NetworkStringKind, KindState>();
  let lastKind: NetworkStringKind | undefined;
  let s: KindState = kindState('url');
  const out: NetworkString[] = [];
  const reasons = new Map<string, InsiderSignal['reason'] | undefined>();
  let lastUrlHost = '';
  // Where `scannedUrl` found the host of the URL it read.
  const urlHost: UrlHost = { from: 0, to: 0 };
  let lastHostCodes: Uint8Array | undefined;
  let lastHostFrom = 0;
  let lastHostTo = 0;
  let lastName: string | undefined;
  let lastReason: InsiderSignal['reason'] | undefined;
  // The text scanned, and how its indices map to file offsets.
  let t = '';
  let b: Uint8Array = NO_CODES;
  // `b` as a view, for `sameCodes`.
  let view: DataView = NO_VIEW;
  let base = 0;
  let scale = 1;
  let encoding: StringRun['encoding'] = 'ascii';
  const add = (kind: NetworkStringKind, index: number, from: number, to: number, hostFrom: number): void => {
    if (kind !== lastKind) {
      let next = state.get(kind);
      if (next === undefined) state.set(kind, (next = kindState(kind)));
      s = next;
      lastKind = kind;
    }
    // A kind at its limit takes nothing more. The same text again (a file's lines mostly name one
    // host, one share, one password) is known in place, without a string or a hash (comparing two
    // slices of one length calls into the runtime).
    if (s.values.size >= MAX_VALUES_PER_KIND) return;
    if (s.lastCodes === b && s.lastTo - s.lastFrom === to - from && sameCodes(view, s.lastFrom, from, to))
      return;
    s.lastCodes = b;
    s.lastFrom = from;
    s.lastTo = to;
    if (kind === 'ipv4') {
      // An address is its value: known by its number, without a string.
      const address = ipv4Address(b, from, to);
      if (address < 0 || s.values.hasKey(address)) return;
      const value = t.slice(from, ipv4End(b, from, to));
      s.values.add(address, value);
      out.push({ kind, value, offset: base + index * scale, encoding });
      return;
    }
    const raw = t.slice(from, to);
    if (s.raw !== undefined) {
      if (s.raw.has(raw)) return;
      s.raw.add(raw);
    }
    const value = kind === 'url' ? scannedUrl(t, b, from, to, raw, urlHost) : scannedValue(kind, raw);
    if (value === undefined) return;
    // A domain's or URL's value is its text with letters lower-cased, which the hash of its codes
    // folds; a credential is its text; a refanged URL and the other kinds are hashed as values.
    const hash =
      kind === 'domain' || kind === 'credential' || (kind === 'url' && value === raw)
        ? hashCodes(view, from, to)
        : hashText(value);
    if (s.values.has(hash, value)) return;
    s.values.add(hash, value);
    let name: string | undefined;
    if (hostFrom >= 0) name = hostFrom === from ? raw : t.slice(hostFrom, to);
    else if (kind === 'url') {
      const hostStart = urlHost.from;
      const hostEnd = urlHost.to;
      // The URLs of a file mostly share a few hosts, one after the other: no string for the same again.
      if (
        lastHostCodes === b &&
        lastHostTo - lastHostFrom === hostEnd - hostStart &&
        sameCodes(view, lastHostFrom, hostStart, hostEnd)
      )
        name = lastUrlHost;
      else {
        lastUrlHost = name = t.slice(hostStart, hostEnd);
        lastHostCodes = b;
        lastHostFrom = hostStart;
        lastHostTo = hostEnd;
      }
    }
    let insider: InsiderSignal['reason'] | undefined;
    if (name !== undefined) {
      // One verdict per host.
      if (name === lastName) insider = lastReason;
      else if (reasons.has(name)) insider = reasons.get(name);
      else reasons.set(name, (insider = internalNameReason(name, victimNaming)));
      lastName = name;
      lastReason = insider;
    }
    const offset = base + index * scale;
    out.push(insider ? { kind, value, offset, encoding, insider } : { kind, value, offset, encoding });
  };
  const scan = (
    text: string,
    codes: Uint8Array,
    textBase: number,
    textScale: number,
    textEncoding: StringRun['encoding'],
  ): void => {
    t = text;
    b = codes;
    view = new DataView(codes.buffer, codes.byteOffset, codes.length);
    base = textBase;
    scale = textScale;
    encoding = textEncoding;
    scanNetworkSpans(text, codes, publicOrInternalTld, add);
  };
  for (let start = 0; start < bytes.length; start += WINDOW) {
    const end = Math.min(bytes.length, start + WINDOW + MAX_RUN);
    const codes = new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
    scan(
      Buffer.from(codes.buffer, codes.byteOffset, codes.length).toString('latin1'),
      codes,
      start,
      1,
      'ascii',
    );
  }
  for (const run of utf16Runs(bytes)) {
    // The run's characters are printable ASCII: their codes are its even bytes.
    const codes = new Uint8Array(run.text.length);
    for (let k = 0; k < codes.length; k++) codes[k] = bytes[run.offset + 2 * k];
    scan(run.text, codes, run.offset, 2, 'utf16le');
  }
  return out;
}
