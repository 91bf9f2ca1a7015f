/**
 * Printable strings of a file (ASCII and UTF-16LE runs, as `strings` and `strings -el` find
 * them) and, among them, the network and host values worth checking: IP addresses, domains, URLs,
 * e-mail addresses, hosts named in UNC paths and hard-coded credentials. Values are normalised
 * with intel's indicator rules, and host names that cannot be public DNS names are flagged with
 * the same reasons as the insider signals of `intel show`.
 */
import { internalNameReason, type InsiderSignal } from '../enrich.js';
import { SCANNED_KINDS, scanNetworkSpans, Spans } from './string-scan.js';
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

const NO_CODES = new Uint8Array(0);
const NO_VIEW = new DataView(NO_CODES.buffer);

/**
 * What `networkStrings` keeps of one kind. Every field holds one type from the start (no
 * `undefined` before an array or a set): a field that changes type throws away the optimised
 * code that read it.
 */
class KindState {
  /**
   * Whether the raw texts met are kept (`raw`): for the kinds whose normalisation costs more than
   * a lookup (intel's `normalizeIndicator`); the others are normalised again and found in `values`.
   */
  readonly keepsRaw: boolean;
  readonly raw = new Set<string>();
  readonly values = new ValueTable();
  /** Where the last match met was: in `lastCodes`, from `lastFrom` to `lastTo`. */
  lastCodes: Uint8Array = NO_CODES;
  lastFrom = 0;
  lastTo = 0;

  constructor(readonly kind: NetworkStringKind) {
    this.keepsRaw = !(kind === 'url' || kind === 'ipv4' || kind === 'domain' || kind === 'credential');
  }
}

/**
 * A state per kind, by code (SCANNED_KINDS), pushed one by one: an array of one map whether or not
 * its maker runs optimised (`map` gives another when it is inlined, and a read of it deoptimises).
 */
function kindStates(): KindState[] {
  const states: KindState[] = [];
  for (const kind of SCANNED_KINDS) states.push(new KindState(kind));
  return states;
}

/** The matches of one text, reused from text to text (grown as needed). */
const SPANS = new Spans();

/**
 * What `networkStrings` keeps of one file: the values of each kind, the insider verdicts of the
 * hosts met; `scan` reads one text.
 */
class StringCollector {
  /** Per kind (by its code): the values kept and the last raw text met. */
  private readonly state: KindState[] = kindStates();
  readonly out: NetworkString[] = [];
  private readonly reasons = new Map<string, InsiderSignal['reason'] | undefined>();
  private lastUrlHost = '';
  /** Where `scannedUrl` found the host of the URL it read. */
  private readonly urlHost: UrlHost = { from: 0, to: 0 };
  private lastHostCodes: Uint8Array = NO_CODES;
  private lastHostFrom = 0;
  private lastHostTo = 0;
  private lastName: string | undefined = undefined;
  private lastReason: InsiderSignal['reason'] | undefined = undefined;
  // The text scanned, and how its indices map to file offsets.
  private t = '';
  private b: Uint8Array = NO_CODES;
  /** `b` as a view, for `sameCodes`. */
  private view: DataView = NO_VIEW;
  private base = 0;
  private scale = 1;
  private encoding: StringRun['encoding'] = 'ascii';

  constructor(private readonly victimNaming: RegExp | undefined) {}

  scan(
    text: string,
    codes: Uint8Array,
    textBase: number,
    textScale: number,
    textEncoding: StringRun['encoding'],
  ): void {
    this.t = text;
    this.b = codes;
    this.view = new DataView(codes.buffer, codes.byteOffset, codes.length);
    this.base = textBase;
    this.scale = textScale;
    this.encoding = textEncoding;
    const spans = SPANS;
    spans.length = 0;
    scanNetworkSpans(text, codes, publicOrInternalTld, spans);
    // Each match in turn: most are a repeat of the last of their kind or an address, taken here;
    // a new value of another kind takes `value`.
    const at = spans.at;
    const view = this.view;
    for (let k = 0; k < spans.length; k += 5) {
      const s = this.state[at[k]];
      const from = at[k + 2];
      const to = at[k + 3];
      // A kind at its limit takes nothing more. The same text again (a file's lines mostly name
      // one host, one share, one password) is known in place, without a string or a hash
      // (comparing two slices of one length calls into the runtime).
      if (s.values.size >= MAX_VALUES_PER_KIND) continue;
      if (
        s.lastCodes === codes &&
        s.lastTo - s.lastFrom === to - from &&
        sameCodes(view, s.lastFrom, from, to)
      )
        continue;
      s.lastCodes = codes;
      s.lastFrom = from;
      s.lastTo = to;
      if (s.kind !== 'ipv4') {
        this.value(s, at[k + 1], from, to, at[k + 4]);
        continue;
      }
      // An address is its value: known by its number, without a string.
      const address = ipv4Address(codes, from, to);
      if (address < 0 || s.values.hasKey(address)) continue;
      const value = text.slice(from, ipv4End(codes, from, to));
      s.values.add(address, value);
      this.out.push({
        kind: 'ipv4',
        value,
        offset: textBase + at[k + 1] * textScale,
        encoding: textEncoding,
      });
    }
  }

  /**
   * A match of a kind other than IPv4, not the last one met again. One function with the host's
   * name and verdict, over the size (460 bytes of bytecode) V8 inlines: compiled once, not again
   * inside the loop of `scan`, which runs for every match.
   */
  private value(s: KindState, index: number, from: number, to: number, hostFrom: number): void {
    const kind = s.kind;
    const t = this.t;
    const raw = t.slice(from, to);
    if (s.keepsRaw) {
      if (s.raw.has(raw)) return;
      s.raw.add(raw);
    }
    const value =
      kind === 'url' ? scannedUrl(t, this.b, from, to, raw, this.urlHost) : scannedValue(kind, raw);
    if (value === undefined) return;
    // A domain's or URL's value is its text with letters lower-cased, which the hash of its codes
    // folds; a credential is its text; a refanged URL and the other kinds are hashed as values.
    const hash =
      kind === 'domain' || kind === 'credential' || (kind === 'url' && value === raw)
        ? hashCodes(this.view, from, to)
        : hashText(value);
    if (s.values.has(hash, value)) return;
    s.values.add(hash, value);
    let name: string | undefined;
    if (hostFrom >= 0) name = hostFrom === from ? raw : t.slice(hostFrom, to);
    else if (kind === 'url') {
      const hostStart = this.urlHost.from;
      const hostEnd = this.urlHost.to;
      // The URLs of a file mostly share a few hosts, one after the other: no string for the same again.
      if (
        this.lastHostCodes === this.b &&
        this.lastHostTo - this.lastHostFrom === hostEnd - hostStart &&
        sameCodes(this.view, this.lastHostFrom, hostStart, hostEnd)
      )
        name = this.lastUrlHost;
      else {
        this.lastHostCodes = this.b;
        this.lastHostFrom = hostStart;
        this.lastHostTo = hostEnd;
        this.lastUrlHost = name = t.slice(hostStart, hostEnd);
      }
    }
    let insider: InsiderSignal['reason'] | undefined;
    if (name !== undefined) {
      // One verdict per host.
      if (name === this.lastName) insider = this.lastReason;
      else if (this.reasons.has(name)) insider = this.reasons.get(name);
      else this.reasons.set(name, (insider = internalNameReason(name, this.victimNaming)));
      this.lastName = name;
      this.lastReason = insider;
    }
    const offset = this.base + index * this.scale;
    const encoding = this.encoding;
    this.out.push(insider ? { kind, value, offset, encoding, insider } : { kind, value, offset, encoding });
  }
}

/**
 * Text that takes the paths of the matchers and of `StringCollector`, the common and the rare:
 * each kind in upper and lower case, at its limits and just past them, repeated, new, and in
 * UTF-16LE (`PRIME_BYTES`).
 */
const PRIME_LINES = [
  'GET http://c2.example.com/gate.php?id=1 HTTP/1.1 http://c2.example.com/gate.php?id=2',
  'HTTPS://Admin:S3cret@Host.Example.COM:8443/Path?q=1#f), ftp://[2001:db8::1]:21/x. ws://evil[.]com/x',
  'wss://a.bc/; http:///abc xhttp://x.yz/ http://user@/p http://c2.example.com/gate.php?id=1',
  '10.0.0.1 10.0.0.1:8080 192.168.001.1 300.1.2.3 1.2.3.4.5 1.2.3 10.0.0.1 8.8.8.8:53 127.0.0.1:99999',
  Array.from({ length: 24 }, (_, i) => `10.${i}.${i * 7}.${i * 13}`).join(' '),
  'admin@corp.example.com a@b.c x@host.local u@mail.example.com.1x -@-.de first.last+tag@Sub.Example.ORG',
  'www.example.com Files.Corp.LOCAL lib.so -bad-.example.org ..dots.example.net x_y.example.com a.b-c.de',
  'dc01.corp.internal intranet.lan build.server.local mirror.example.co.uk version.1.2.x update.example.io',
  'fe80::1 2001:0db8:0000:0000:0000:ff00:0042:8329 ::1 a:b xfe80::1234:abcd: 1:2:3:4:5:6:7:8:9 ::',
  '\\\\fileserver01\\share \\\\srv.corp.local\\c$ \\\\-bad\\x \\\\nas\\',
  'password=hunter2 Password : hunter2 pwd=x username: bob API_KEY=abc123 api-key: z token=t0k login=me;',
  'http://192.168.10.20/admin \\\\10.0.0.25\\share http://[::1]:8080/ http://intranet/ ftp://files.corp.local/a',
  '/user:admin /u:bob /p:secret secret:  s3cr3t mypassword=x user= PASS=1 passwd\t=\tp a=b c:d',
];
const PRIME_BYTES = Buffer.concat([
  Buffer.from(PRIME_LINES.join('\n'), 'latin1'),
  Buffer.from([0, 0xff, 0x80, 0]),
  Buffer.from(
    [
      'http://utf16.example.com/a',
      'HTTP://UTF16.Example.com/B',
      '\\\\srv16\\share',
      'password=x',
      '10.1.2.3',
      'mail@corp.example.com',
    ].join('\0\0'),
    'utf16le',
  ),
  Buffer.from([0x41, 0, 0x42, 0, 0x43, 0, 0xff, 0x41, 0, 0x42, 0, 0x43, 0, 0x44, 0, 0]),
]);

let primed = false;

/**
 * Reads `PRIME_BYTES` twice (once to allocate the functions' feedback, once to fill it), its
 * values thrown away, before the first file of this thread.
 * V8 optimises a hot function on the feedback its code has gathered: a path not yet taken is
 * compiled as a bailout, and the first file that takes it throws the optimised code away (a new
 * compile on the next ones: three per function and thread instead of one). Taking every path at
 * the start gives the first compile the whole picture.
 */
function prime(): void {
  primed = true;
  for (let i = 0; i < 2; i++) networkStrings(PRIME_BYTES);
}

/** The network and host values in a file's strings, each once, ASCII first then UTF-16LE. */
export function networkStrings(bytes: Uint8Array, victimNaming?: RegExp): NetworkString[] {
  if (!primed) prime();
  const collector = new StringCollector(victimNaming);
  for (let start = 0; start < bytes.length; start += WINDOW) {
    const end = Math.min(bytes.length, start + WINDOW + MAX_RUN);
    const codes = new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
    collector.scan(
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
    collector.scan(run.text, codes, run.offset, 2, 'utf16le');
  }
  return collector.out;
}
