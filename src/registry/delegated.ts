/**
 * Parser for RIR "delegated" and "delegated-extended" statistics files (the NRO/APNIC format):
 *
 *   version|registry|serial|records|startdate|enddate|UTCoffset      header
 *   registry|*|type|*|count|summary                                   summary
 *   registry|cc|type|start|value|date|status[|opaque-id[|extra...]]   record
 *   # ...                                                             comment
 *
 * Pure: it takes the text of one file and returns the header, the summaries, the validated
 * records and the problems (each a ParseError with the file and 1-based line). A bad line is
 * reported and skipped; the rest of the file still loads.
 */
import { ParseError, escapeForTerminal, type RegistryErrorCode } from '../errors/index.js';
import type { IpAddress } from '../net/index.js';
import { Prefix, rangeToPrefixes, tryParseAddress } from '../net/index.js';
import { UNKNOWN_COUNTRY, isKnownCountryCode, knownCountryAt } from './countries.js';

export type ResourceType = 'asn' | 'ipv4' | 'ipv6';

/** Status of a record. Only `allocated` and `assigned` name a holder country. */
export type RegistryStatus = 'allocated' | 'assigned' | 'available' | 'reserved';

/** The registries that publish delegated files. */
export const REGISTRY_NAMES: readonly string[] = ['afrinic', 'apnic', 'arin', 'iana', 'lacnic', 'ripencc'];

/** Where IANA delegates blocks besides the five RIRs (IETF special-purpose space, IANA itself). */
const IANA_DELEGATES = new Set(['afrinic', 'apnic', 'arin', 'lacnic', 'ripencc', 'ietf', 'iana']);

const STATUSES = new Set<string>(['allocated', 'assigned', 'available', 'reserved']);
const REGISTRIES = new Set(REGISTRY_NAMES);

/** True when a record with this status gives its country as the holder's. */
export function isHolderStatus(status: RegistryStatus): boolean {
  return status === 'allocated' || status === 'assigned';
}

export interface DelegatedHeader {
  /** Format version, e.g. `2` or `2.3`. */
  version: string;
  registry: string;
  /** Serial as written: a date (APNIC), epoch seconds (RIPE NCC) or epoch milliseconds (ARIN). */
  serial: string;
  /** Record count the header claims. */
  records: number;
  /** YYYYMMDD or '' when empty or 00000000. */
  startDate: string;
  /** YYYYMMDD or '' when empty or 00000000. */
  endDate: string;
  utcOffset: string;
  line: number;
}

export interface DelegatedSummary {
  registry: string;
  type: ResourceType;
  count: number;
  line: number;
}

interface RecordFields {
  registry: string;
  /** Country code exactly as written ('' where LACNIC leaves it empty). */
  recordedCountry: string;
  /**
   * Holder country: the recorded code for `allocated`/`assigned` rows, 'ZZ' for every other
   * status (and for an empty code).
   */
  country: string;
  /** Start as written (ASN in decimal, or the address text). */
  start: string;
  /** IPv4: address count; IPv6: prefix length; asn: number of ASNs from `start`. */
  value: number;
  /** Record date YYYYMMDD, or '' when the file leaves it empty or writes 00000000. */
  date: string;
  status: RegistryStatus;
  /** Extended format's 8th field (an organisation id, opaque); undefined in the plain format. */
  opaqueId?: string;
  /** Fields after the opaque id, as written (the IANA file carries one). */
  extensions: readonly string[];
  /** IANA rows: the registry the block is delegated to (`arin`, `ietf`, ...). */
  delegatedTo?: string;
  /** 1-based line number in the file. */
  line: number;
}

export interface AsnRecord extends RecordFields {
  type: 'asn';
  firstAsn: number;
}

export interface IpRecord extends RecordFields {
  type: 'ipv4' | 'ipv6';
  address: IpAddress;
  /** The CIDR blocks of the record (several when an IPv4 range is not CIDR-aligned). */
  prefixes: Prefix[];
}

export type DelegatedRecord = AsnRecord | IpRecord;

export interface DelegatedFile {
  file: string;
  header?: DelegatedHeader;
  summaries: DelegatedSummary[];
  records: DelegatedRecord[];
  problems: ParseError[];
  /** Problems found, including those not kept once `maxProblems` was reached. */
  problemCount: number;
  /** Lines in the text. */
  lines: number;
}

export interface ParseDelegatedOptions {
  /** Problems kept per file (default 1000); further ones are counted, and one REGISTRY_TOO_MANY_PROBLEMS says so. */
  maxProblems?: number;
}

/** No real line comes near this (the longest opaque ids are 36-character UUIDs). */
const MAX_LINE_LENGTH = 1024;
/** An extended record has 8 fields; the IANA file adds one more. Allow a few, not thousands. */
const MAX_FIELDS = 16;
const TWO_POW_32 = 2 ** 32;
const NO_EXTENSIONS: readonly string[] = Object.freeze([]);

/** Shortened, terminal-safe rendering of a value from the input, for messages. */
function quote(value: string): string {
  const short = value.length > 40 ? `${value.slice(0, 40)}...` : value;
  return `"${escapeForTerminal(short)}"`;
}

const DECIMAL = /^[0-9]{1,20}$/;
const DATE = /^[0-9]{8}$/;
const VERSION = /^[0-9]{1,4}(\.[0-9]{1,4})?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Checks a YYYYMMDD date. Returns the date, '' for an unknown date (empty or 00000000), or
 * undefined when it is not a calendar date between 1900 and 2199.
 */
export function checkDate(text: string): string | undefined {
  if (text === '' || text === '00000000') return '';
  if (!DATE.test(text)) return undefined;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(4, 6));
  const day = Number(text.slice(6, 8));
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1) return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return day <= days ? text : undefined;
}

function ipv4ToNumber(bytes: Uint8Array): number {
  return ((bytes[0] << 24) >>> 0) + (bytes[1] << 16) + (bytes[2] << 8) + bytes[3];
}

/**
 * A record line the fast scanner read (one object, refilled for every such line): every field of
 * the record it stands for, the start as a number (asn, ipv4) or parsed (ipv6).
 */
export interface ScannedRecord {
  type: ResourceType;
  registry: string;
  recordedCountry: string;
  country: string;
  start: string;
  value: number;
  date: string;
  /** `date` as a number, 0 when unknown. */
  dateNumber: number;
  status: RegistryStatus;
  opaqueId: string | undefined;
  line: number;
  /** asn: the first ASN; ipv4: the first address as an unsigned 32-bit number. */
  first: number;
  /** ipv4: the prefix length when the range is one aligned block, else -1. */
  alignedLength: number;
  /** ipv6: the start's 16 bytes, which are also its block's (no bit set past `value`). Refilled. */
  network: Uint8Array;
}

/** Where `scanDelegated` hands the records: fast-scanned lines and lines the general parser read. */
export interface RecordSink {
  scanned(record: ScannedRecord, header: DelegatedHeader | undefined): void;
  parsed(record: DelegatedRecord, header: DelegatedHeader | undefined): void;
}

/** Parses the text of one delegated file. Never throws on bad input: problems are returned. */
export function parseDelegated(
  file: string,
  text: string,
  options: ParseDelegatedOptions = {},
): DelegatedFile {
  const records: DelegatedRecord[] = [];
  const result = scanDelegated(file, text, options, {
    scanned: (record) => records.push(recordOf(record)),
    parsed: (record) => records.push(record),
  });
  result.records = records;
  return result;
}

/** The DelegatedRecord a scanned line stands for, as the general parser would build it. */
function recordOf(scan: ScannedRecord): DelegatedRecord {
  const { type, registry, recordedCountry, country, start, value, date, status, opaqueId, line } = scan;
  const fields = {
    registry,
    recordedCountry,
    country,
    start,
    value,
    date,
    status,
    opaqueId,
    extensions: NO_EXTENSIONS,
    delegatedTo: undefined,
    line,
  };
  if (type === 'asn') return { type, ...fields, firstAsn: scan.first };
  let address: IpAddress;
  let prefixes: Prefix[];
  if (type === 'ipv4') {
    address = ipv4Address(scan.first);
    prefixes =
      scan.alignedLength >= 0
        ? [Prefix.fromIPv4(scan.first, scan.alignedLength)]
        : rangeToPrefixes(address, value);
  } else {
    address = { family: 6, bytes: scan.network.slice() };
    prefixes = [Prefix.fromBytes(6, scan.network, 0, value)];
  }
  return { type, ...fields, address, prefixes };
}

/** The IPv4 address of an unsigned 32-bit number. */
export function ipv4Address(value: number): IpAddress {
  const bytes = new Uint8Array(4);
  bytes[0] = value >>> 24;
  bytes[1] = value >>> 16;
  bytes[2] = value >>> 8;
  bytes[3] = value;
  return { family: 4, bytes };
}

/** The registries the fast scanner takes (IANA rows, with their delegations, take the general path). */
const FAST_REGISTRIES = namesByKey(REGISTRY_NAMES.filter((name) => name !== 'iana'));
const FAST_STATUSES = namesByKey<RegistryStatus>(['allocated', 'assigned', 'available', 'reserved']);
const FAST_TYPES = namesByKey<ResourceType>(['asn', 'ipv4', 'ipv6']);
const CH_0 = 0x30;

/** A name's key in a `namesByKey` table: its first and last characters and its length. */
function nameKey(text: string, from: number, to: number): number {
  return text.charCodeAt(from) * 0x40000 + text.charCodeAt(to - 1) * 0x100 + (to - from);
}

/** Lookup table for `nameAt`, built once per set of names. */
function namesByKey<T extends string>(names: readonly T[]): Map<number, T> {
  const table = new Map<number, T>();
  for (const name of names) {
    const key = nameKey(name, 0, name.length);
    if (table.has(key)) throw new Error(`names ${table.get(key)} and ${name} share a key`);
    table.set(key, name);
  }
  return table;
}

/** The name of `table` written exactly at `text[from, to)`, or undefined. */
function nameAt<T extends string>(
  text: string,
  from: number,
  to: number,
  table: Map<number, T>,
): T | undefined {
  if (to <= from || to - from > 0xff) return undefined;
  const name = table.get(nameKey(text, from, to));
  return name !== undefined && text.startsWith(name, from) ? name : undefined;
}

/** Digits only, 1 to 15 of them (exact as a double), at `text[from, to)`: their value, else -1. */
function decimalAt(text: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - CH_0;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A dotted quad at `text[from, to)` as net parses it (four decimal octets up to 255, no leading
 * zeros, nothing else): its unsigned 32-bit value, else -1.
 */
function ipv4At(text: string, from: number, to: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e /* . */) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
      continue;
    }
    const digit = c - CH_0;
    if (!(digit >= 0 && digit <= 9) || (digits > 0 && octet === 0)) return -1;
    octet = octet * 10 + digit;
    digits++;
    if (octet > 255) return -1;
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * The IPv6 address at `text[from, to)` into `out` when it is written as the files write their
 * starts: groups of 1 to 4 hex digits, and either eight of them or fewer then a final "::". False
 * (`out` left in any state) for any other form, which net's parser then reads.
 */
function ipv6At(text: string, from: number, to: number, out: Uint8Array): boolean {
  let groups = 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a /* : */) {
      if (digits === 0) return false;
      out[2 * groups] = value >>> 8;
      out[2 * groups + 1] = value;
      groups++;
      value = 0;
      digits = 0;
      if (text.charCodeAt(i + 1) === 0x3a) {
        if (i + 2 !== to || groups > 7) return false;
        out.fill(0, 2 * groups);
        return true;
      }
      continue;
    }
    const digit = hexValue(c);
    if (digit < 0 || digits === 4) return false;
    value = value * 16 + digit;
    digits++;
  }
  if (digits === 0 || groups !== 7) return false;
  out[14] = value >>> 8;
  out[15] = value;
  return true;
}

/** True when `bytes` has a bit set past the first `length` bits. */
function hasBitsPast(bytes: Uint8Array, length: number): boolean {
  let i = length >>> 3;
  if ((length & 7) !== 0) {
    if ((bytes[i] & (0xff >>> (length & 7))) !== 0) return true;
    i++;
  }
  for (; i < bytes.length; i++) if (bytes[i] !== 0) return true;
  return false;
}

/**
 * `parseDelegated` handing each record to `sink` instead of keeping it (the result's `records`
 * stays empty): the Registry loads records without building them. Record lines in the canonical
 * form (no surrounding spaces, 7 or 8 fields, an RIR other than IANA, every field valid) are read
 * in place by a fast scanner; any other line, and any line it has a doubt about, goes to the
 * general parser, which reports what is wrong with it.
 */
export function scanDelegated(
  file: string,
  text: string,
  options: ParseDelegatedOptions,
  sink: RecordSink,
): DelegatedFile {
  const maxProblems = options.maxProblems ?? 1000;
  const result: DelegatedFile = { file, summaries: [], records: [], problems: [], problemCount: 0, lines: 0 };
  const report = (
    code: RegistryErrorCode,
    message: string,
    line: number,
    field?: string,
    recordType?: string,
  ): void => {
    result.problemCount++;
    if (result.problems.length < maxProblems) {
      result.problems.push(new ParseError(code, message, { file, line, field, recordType }));
    } else if (result.problems.length === maxProblems) {
      result.problems.push(
        new ParseError(
          'REGISTRY_TOO_MANY_PROBLEMS',
          `more than ${maxProblems} problems; further ones are not listed`,
          {
            file,
            line,
          },
        ),
      );
    }
  };

  const counts = { asn: 0, ipv4: 0, ipv6: 0 };
  let loaded = 0;
  // Files repeat the same few thousand dates; check each once.
  const knownDates = new Map<string, string>();
  // The fast scanner's: each date as the record keeps it, and as a number for the ranking.
  const knownDateNumbers = new Map<string, { date: string; number: number }>();
  const scan: ScannedRecord = {
    type: 'asn',
    registry: '',
    recordedCountry: '',
    country: '',
    start: '',
    value: 0,
    date: '',
    dateNumber: 0,
    status: 'allocated',
    opaqueId: undefined,
    line: 0,
    first: 0,
    alignedLength: -1,
    network: new Uint8Array(16),
  };
  let sawContent = false;
  let lineNumber = 0;
  let position = 0;
  while (position <= text.length) {
    let end = text.indexOf('\n', position);
    if (end === -1) end = text.length;
    lineNumber++;
    if (sawContent && end - position <= MAX_LINE_LENGTH && scanRecord(position, end, lineNumber)) {
      position = end + 1;
      sink.scanned(scan, result.header);
      loaded++;
      counts[scan.type]++;
      continue;
    }
    const rawLine = text.slice(position, end);
    position = end + 1;
    if (end === text.length && rawLine === '') break; // final newline
    if (rawLine.length > MAX_LINE_LENGTH) {
      report(
        'REGISTRY_BAD_LINE',
        `line of ${rawLine.length} characters is too long to be a record`,
        lineNumber,
      );
      continue;
    }
    const line = rawLine.trim();
    if (line === '' || line.charCodeAt(0) === 0x23 /* # */) continue;
    const fields = line.split('|');
    if (!sawContent) {
      sawContent = true;
      if (VERSION.test(fields[0])) {
        parseHeader(fields, lineNumber);
        continue;
      }
      report(
        'REGISTRY_NO_HEADER',
        'the first line that is not a comment is not a version header',
        lineNumber,
      );
    }
    if (fields.length === 6 && fields[1] === '*' && fields[3] === '*' && fields[5] === 'summary') {
      parseSummary(fields, lineNumber);
      continue;
    }
    if (VERSION.test(fields[0]) && fields.length === 7 && REGISTRIES.has(fields[1])) {
      report('REGISTRY_BAD_LINE', 'a second version header in the same file', lineNumber, 'version');
      continue;
    }
    const record = parseRecord(fields, lineNumber);
    if (record !== undefined) {
      sink.parsed(record, result.header);
      loaded++;
      counts[record.type]++;
    }
  }
  result.lines = lineNumber;

  const header = result.header;
  if (header !== undefined && header.records !== loaded) {
    report(
      'REGISTRY_COUNT_MISMATCH',
      `header says ${header.records} records, ${loaded} loaded`,
      header.line,
      'records',
    );
  }
  for (const summary of result.summaries) {
    if (summary.count !== counts[summary.type]) {
      report(
        'REGISTRY_COUNT_MISMATCH',
        `summary says ${summary.count} ${summary.type} records, ${counts[summary.type]} loaded`,
        summary.line,
        'count',
        summary.type,
      );
    }
  }
  return result;

  /**
   * Reads the record line `text[from, to)` into `scan` when it is in the canonical form and
   * valid, exactly as `parseRecord` would read it; false (having reported nothing) otherwise.
   */
  function scanRecord(from: number, to: number, line: number): boolean {
    // What trim() would change, or a line that is not a record of a known RIR, is not ours.
    const first = text.charCodeAt(from);
    if (!(first >= 0x61 && first <= 0x7a)) return false;
    if (to > from && text.charCodeAt(to - 1) === 0x0d /* \r */) to--;
    const last = text.charCodeAt(to - 1);
    if (!(last > 0x20 && last < 0x7f)) return false;
    // The six bars every record has; -1 (none left in the text) or past the line: not ours.
    const bar1 = text.indexOf('|', from);
    if (bar1 === -1 || bar1 >= to) return false;
    const bar2 = text.indexOf('|', bar1 + 1);
    if (bar2 === -1 || bar2 >= to) return false;
    const bar3 = text.indexOf('|', bar2 + 1);
    if (bar3 === -1 || bar3 >= to) return false;
    const bar4 = text.indexOf('|', bar3 + 1);
    if (bar4 === -1 || bar4 >= to) return false;
    const bar5 = text.indexOf('|', bar4 + 1);
    if (bar5 === -1 || bar5 >= to) return false;
    const bar6 = text.indexOf('|', bar5 + 1);
    if (bar6 === -1 || bar6 >= to) return false;
    const bar7 = text.indexOf('|', bar6 + 1);
    let statusEnd = to;
    let opaqueId: string | undefined;
    if (bar7 !== -1 && bar7 < to) {
      statusEnd = bar7;
      const bar8 = text.indexOf('|', bar7 + 1);
      if (bar8 !== -1 && bar8 < to) return false; // extensions: the general path
      opaqueId = text.slice(bar7 + 1, to);
    }

    const registry = nameAt(text, from, bar1, FAST_REGISTRIES);
    const type = nameAt(text, bar2 + 1, bar3, FAST_TYPES);
    const status = nameAt(text, bar6 + 1, statusEnd, FAST_STATUSES);
    if (registry === undefined || type === undefined || status === undefined) return false;
    const holder = status === 'allocated' || status === 'assigned';
    let recordedCountry: string;
    if (bar2 === bar1 + 1) {
      if (holder) return false;
      recordedCountry = '';
    } else {
      const code = bar2 === bar1 + 3 ? knownCountryAt(text, bar1 + 1) : undefined;
      if (code === undefined) return false;
      recordedCountry = code;
    }

    let date = '';
    let dateNumber = 0;
    if (bar6 !== bar5 + 1) {
      const dateText = text.slice(bar5 + 1, bar6);
      let known = knownDateNumbers.get(dateText);
      if (known === undefined) {
        const checked = checkDate(dateText);
        if (checked === undefined) return false;
        known = { date: checked, number: checked === '' ? 0 : Number(checked) };
        if (knownDateNumbers.size < 100_000) knownDateNumbers.set(dateText, known);
      }
      date = known.date;
      dateNumber = known.number;
    }

    const value = decimalAt(text, bar4 + 1, bar5);
    if (value < 0) return false;
    let firstNumber = 0;
    let alignedLength = -1;
    if (type === 'asn') {
      firstNumber = bar4 - bar3 <= 11 ? decimalAt(text, bar3 + 1, bar4) : -1;
      if (firstNumber < 0 || firstNumber >= TWO_POW_32 || value === 0 || firstNumber + value > TWO_POW_32)
        return false;
    } else if (type === 'ipv4') {
      firstNumber = bar4 - bar3 <= 16 ? ipv4At(text, bar3 + 1, bar4) : -1;
      if (firstNumber < 0 || value === 0 || firstNumber + value > TWO_POW_32) return false;
      const bits = Math.log2(value);
      if (Number.isInteger(bits) && firstNumber % value === 0) alignedLength = 32 - bits;
    } else {
      if (value > 128) return false;
      if (!ipv6At(text, bar3 + 1, bar4, scan.network)) {
        const address = tryParseAddress(text.slice(bar3 + 1, bar4));
        if (address === undefined || address.family !== 6) return false;
        scan.network.set(address.bytes);
      }
      if (hasBitsPast(scan.network, value)) return false;
    }

    scan.type = type;
    scan.registry = registry;
    scan.recordedCountry = recordedCountry;
    scan.country = holder && recordedCountry !== '' ? recordedCountry : UNKNOWN_COUNTRY;
    scan.start = text.slice(bar3 + 1, bar4);
    scan.value = value;
    scan.date = date;
    scan.dateNumber = dateNumber;
    scan.status = status;
    scan.opaqueId = opaqueId;
    scan.line = line;
    scan.first = firstNumber;
    scan.alignedLength = alignedLength;
    return true;
  }

  function parseHeader(fields: string[], line: number): void {
    if (fields.length !== 7) {
      report('REGISTRY_BAD_HEADER', `header has ${fields.length} fields, expected 7`, line);
      return;
    }
    const [version, registry, serial, records, startText, endText, utcOffset] = fields;
    if (!REGISTRIES.has(registry)) {
      report('REGISTRY_BAD_HEADER', `unknown registry ${quote(registry)} in header`, line, 'registry');
      return;
    }
    if (!DECIMAL.test(records)) {
      report('REGISTRY_BAD_HEADER', `record count ${quote(records)} is not a number`, line, 'records');
      return;
    }
    if (!/^[0-9]{0,20}$/.test(serial)) {
      report('REGISTRY_BAD_HEADER', `serial ${quote(serial)} is not a number`, line, 'serial');
      return;
    }
    let startDate = checkDate(startText);
    if (startDate === undefined) {
      report('REGISTRY_BAD_DATE', `header start date ${quote(startText)} is not a date`, line, 'startdate');
      startDate = '';
    }
    let endDate = checkDate(endText);
    if (endDate === undefined) {
      report('REGISTRY_BAD_DATE', `header end date ${quote(endText)} is not a date`, line, 'enddate');
      endDate = '';
    }
    result.header = {
      version,
      registry,
      serial,
      records: Number(records),
      startDate,
      endDate,
      utcOffset,
      line,
    };
  }

  function parseSummary(fields: string[], line: number): void {
    const [registry, , type, , count] = fields;
    if (!REGISTRIES.has(registry)) {
      report('REGISTRY_BAD_LINE', `unknown registry ${quote(registry)} in summary`, line, 'registry');
      return;
    }
    if (type !== 'asn' && type !== 'ipv4' && type !== 'ipv6') {
      report('REGISTRY_BAD_LINE', `unknown resource type ${quote(type)} in summary`, line, 'type');
      return;
    }
    if (!DECIMAL.test(count)) {
      report('REGISTRY_BAD_LINE', `summary count ${quote(count)} is not a number`, line, 'count', type);
      return;
    }
    result.summaries.push({ registry, type, count: Number(count), line });
  }

  function parseRecord(fields: string[], line: number): DelegatedRecord | undefined {
    if (fields.length < 7 || fields.length > MAX_FIELDS) {
      report(
        'REGISTRY_BAD_LINE',
        `record has ${fields.length} fields, expected 7 (or 8 and more in the extended format)`,
        line,
      );
      return undefined;
    }
    const [registry, recordedCountry, type, start, valueText, dateText, statusText] = fields;
    if (!REGISTRIES.has(registry)) {
      report('REGISTRY_BAD_LINE', `unknown registry ${quote(registry)}`, line, 'registry');
      return undefined;
    }
    if (type !== 'asn' && type !== 'ipv4' && type !== 'ipv6') {
      report('REGISTRY_BAD_LINE', `unknown resource type ${quote(type)}`, line, 'type');
      return undefined;
    }

    let status: RegistryStatus;
    let delegatedTo: string | undefined;
    const statusLower = statusText.toLowerCase();
    if (STATUSES.has(statusLower)) {
      status = statusLower as RegistryStatus;
    } else if (registry === 'iana' && IANA_DELEGATES.has(statusLower)) {
      // The older IANA file writes where the block went instead of a status.
      delegatedTo = statusLower;
      status = statusLower === 'ietf' || statusLower === 'iana' ? 'reserved' : 'allocated';
    } else {
      report('REGISTRY_BAD_LINE', `unknown status ${quote(statusText)}`, line, 'status', type);
      return undefined;
    }
    const opaqueId = fields.length >= 8 ? fields[7] : undefined;
    if (registry === 'iana' && delegatedTo === undefined && opaqueId !== undefined) {
      const to = opaqueId.toLowerCase();
      if (IANA_DELEGATES.has(to)) delegatedTo = to;
    }

    let country: string;
    if (recordedCountry === '') {
      if (status === 'allocated' || status === 'assigned') {
        report('REGISTRY_UNKNOWN_COUNTRY', `${status} record without a country code`, line, 'cc', type);
        return undefined;
      }
      country = UNKNOWN_COUNTRY;
    } else if (!isKnownCountryCode(recordedCountry)) {
      report(
        'REGISTRY_UNKNOWN_COUNTRY',
        `country code ${quote(recordedCountry)} is not ISO 3166-1 alpha-2 nor AP, EU, ZZ`,
        line,
        'cc',
        type,
      );
      return undefined;
    } else {
      country = isHolderStatus(status) ? recordedCountry : UNKNOWN_COUNTRY;
    }

    let date = knownDates.get(dateText);
    if (date === undefined) {
      date = checkDate(dateText);
      if (date !== undefined && knownDates.size < 100_000) knownDates.set(dateText, date);
    }
    if (date === undefined) {
      report(
        'REGISTRY_BAD_DATE',
        `date ${quote(dateText)} is not a YYYYMMDD calendar date`,
        line,
        'date',
        type,
      );
      return undefined;
    }
    if (!DECIMAL.test(valueText)) {
      report('REGISTRY_BAD_RANGE', `value ${quote(valueText)} is not a decimal number`, line, 'value', type);
      return undefined;
    }
    const value = Number(valueText);
    const extensions = fields.length > 8 ? fields.slice(8) : NO_EXTENSIONS;
    if (type === 'asn') {
      if (!DECIMAL.test(start) || Number(start) >= TWO_POW_32) {
        report('REGISTRY_BAD_RANGE', `ASN ${quote(start)} is not a number below 2^32`, line, 'start', type);
        return undefined;
      }
      const firstAsn = Number(start);
      if (value === 0 || firstAsn + value > TWO_POW_32) {
        report(
          'REGISTRY_BAD_RANGE',
          value === 0 ? 'ASN count is 0' : `${valueText} ASNs from ${firstAsn} run past 4294967295`,
          line,
          'value',
          type,
        );
        return undefined;
      }
      return {
        type,
        registry,
        recordedCountry,
        country,
        start,
        value,
        date,
        status,
        opaqueId,
        extensions,
        delegatedTo,
        line,
        firstAsn,
      };
    }

    const address = tryParseAddress(start);
    const family = type === 'ipv4' ? 4 : 6;
    if (address === undefined || address.family !== family) {
      report(
        'REGISTRY_BAD_ADDRESS',
        `start ${quote(start)} is not an IPv${family} address`,
        line,
        'start',
        type,
      );
      return undefined;
    }
    let prefixes: Prefix[];
    if (type === 'ipv4') {
      const first = ipv4ToNumber(address.bytes);
      if (value === 0 || first + value > TWO_POW_32) {
        report(
          'REGISTRY_BAD_RANGE',
          value === 0
            ? 'address count is 0'
            : `${valueText} addresses from ${start} run past 255.255.255.255`,
          line,
          'value',
          type,
        );
        return undefined;
      }
      // Almost every record is one aligned power-of-two block: skip the general splitter.
      const bits = Math.log2(value);
      if (Number.isInteger(bits) && first % value === 0) prefixes = [Prefix.fromAddress(address, 32 - bits)];
      else prefixes = rangeToPrefixes(address, value);
    } else {
      if (value > 128) {
        report('REGISTRY_BAD_RANGE', `IPv6 prefix length ${valueText} is above 128`, line, 'value', type);
        return undefined;
      }
      const prefix = Prefix.fromAddress(address, value);
      if (!sameBytes(prefix.bytes, address.bytes)) {
        report(
          'REGISTRY_BAD_RANGE',
          `start ${quote(start)} has bits set past /${value}: not the start of a block`,
          line,
          'start',
          type,
        );
        return undefined;
      }
      prefixes = [prefix];
    }
    return {
      type,
      registry,
      recordedCountry,
      country,
      start,
      value,
      date,
      status,
      opaqueId,
      extensions,
      delegatedTo,
      line,
      address,
      prefixes,
    };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
