/**
 * The registry: which country each block of addresses and each AS number is registered to,
 * from one or more delegated files (several RIRs, several dates) loaded together.
 *
 * Who wins where files overlap, for a given address or ASN, among the records that cover it:
 *  1. an RIR record beats an IANA record (IANA only says which RIR a block went to);
 *  2. the newer file wins (header end date, else a date-like serial; same registry: higher serial);
 *  3. the more specific record wins (longer prefix, fewer ASNs): the longest match;
 *  4. the newer record date wins; then the file loaded later, then the later line.
 * The order is total and does not depend on the order the files were loaded in.
 */
import type { CairnError } from '../errors/index.js';
import type { IpAddress } from '../net/index.js';
import { Prefix, PrefixTrie, rangeToPrefixes } from '../net/index.js';
import { UNKNOWN_COUNTRY } from './countries.js';
import type {
  DelegatedFile,
  DelegatedHeader,
  DelegatedRecord,
  ParseDelegatedOptions,
  RegistryStatus,
  ResourceType,
  ScannedRecord,
} from './delegated.js';
import { ipv4Address, isHolderStatus, scanDelegated } from './delegated.js';

/** What the registry knows about one block or ASN range: the record that won there. */
export interface RegistryEntry {
  /** Registry that wrote the record (`apnic`, `iana`, ...). */
  registry: string;
  /** Holder country: ISO 3166-1 alpha-2 (or EU, AP) for allocated/assigned records, else 'ZZ'. */
  country: string;
  /** Country code exactly as the file wrote it ('' when empty). */
  recordedCountry: string;
  status: RegistryStatus;
  /** Record date YYYYMMDD, '' when unknown. */
  date: string;
  type: ResourceType;
  /** The record's start and value as written (IPv4: address count; IPv6: prefix length; asn: count). */
  start: string;
  value: number;
  /** IANA rows: the registry the block is delegated to. */
  delegatedTo?: string;
  /** Extended format's opaque id (holder organisation), when present. */
  opaqueId?: string;
  source: { file: string; line: number };
}

/** A run of consecutive ASNs with the same winning record. */
export interface AsnRange {
  start: number;
  count: number;
  entry: RegistryEntry;
}

/** Registered space of a country, in /24 (IPv4) and /48 (IPv6) equivalents; a /25 counts 0.5. */
export interface RegisteredSpace {
  ipv4Slash24s: number;
  ipv6Slash48s: number;
}

/** What loading one file gave. */
export interface LoadReport {
  file: string;
  header?: DelegatedHeader;
  records: number;
  problems: CairnError[];
}

/** A file as the ranking sees it. */
interface Source {
  file: string;
  registry: string;
  /** Snapshot date as YYYYMMDD number, 0 when unknown. */
  snapshot: number;
  /** Serial as a number (NaN when absent), compared only between files of one registry. */
  serial: number;
  /** Load order. */
  seq: number;
}

/** The fields of a record that a Held keeps (a DelegatedRecord's, or a ScannedRecord's). */
type HeldFields = Pick<
  DelegatedRecord,
  | 'registry'
  | 'country'
  | 'recordedCountry'
  | 'status'
  | 'date'
  | 'type'
  | 'start'
  | 'value'
  | 'opaqueId'
  | 'line'
>;

/**
 * A record held in the indexes: what the ranking needs, and the record's fields, of which its
 * RegistryEntry is built the first time it is asked for (most records are never an answer, and
 * one object per record is less for the collector to copy than three).
 */
class Held {
  readonly registry: string;
  readonly country: string;
  readonly recordedCountry: string;
  readonly status: RegistryStatus;
  readonly date: string;
  readonly type: ResourceType;
  readonly start: string;
  readonly value: number;
  readonly opaqueId: string | undefined;
  readonly line: number;
  readonly delegatedTo: string | undefined;
  readonly source: Source;
  /** Record date as YYYYMMDD number, 0 when unknown. */
  readonly recordDate: number;
  /** True for IANA records, which lose to any RIR record. */
  readonly iana: boolean;
  private built: RegistryEntry | undefined = undefined;

  constructor(record: HeldFields, delegatedTo: string | undefined, source: Source, recordDate: number) {
    this.registry = record.registry;
    this.country = record.country;
    this.recordedCountry = record.recordedCountry;
    this.status = record.status;
    this.date = record.date;
    this.type = record.type;
    this.start = record.start;
    this.value = record.value;
    this.opaqueId = record.opaqueId;
    this.line = record.line;
    this.delegatedTo = delegatedTo;
    this.source = source;
    this.recordDate = recordDate;
    this.iana = record.registry === 'iana';
  }

  get entry(): RegistryEntry {
    if (this.built !== undefined) return this.built;
    const entry: RegistryEntry = {
      registry: this.registry,
      country: this.country,
      recordedCountry: this.recordedCountry,
      status: this.status,
      date: this.date,
      type: this.type,
      start: this.start,
      value: this.value,
      source: { file: this.source.file, line: this.line },
    };
    if (this.delegatedTo !== undefined) entry.delegatedTo = this.delegatedTo;
    if (this.opaqueId !== undefined && this.opaqueId !== '') entry.opaqueId = this.opaqueId;
    this.built = entry;
    return entry;
  }
}

interface AsnItem {
  start: number;
  /** One past the last ASN. */
  end: number;
  held: Held;
}

/** Flattened ASN view: non-overlapping runs in ASN order, each with its winner. */
interface AsnIndex {
  starts: Float64Array;
  ends: Float64Array;
  winners: Held[];
}

interface CountryView {
  prefixes: Map<string, Prefix[]>;
  asns: Map<string, AsnRange[]>;
}

/**
 * Ranks two records that both cover a point. Positive when `a` wins. `specificA`/`specificB`
 * grow with specificity (prefix length, or minus the ASN count).
 */
function rank(a: Held, specificA: number, b: Held, specificB: number): number {
  if (a.iana !== b.iana) return a.iana ? -1 : 1;
  if (a.source.snapshot !== b.source.snapshot) return a.source.snapshot - b.source.snapshot;
  if (
    a.source.registry === b.source.registry &&
    a.source.serial !== b.source.serial &&
    !Number.isNaN(a.source.serial) &&
    !Number.isNaN(b.source.serial)
  ) {
    return a.source.serial - b.source.serial;
  }
  if (specificA !== specificB) return specificA - specificB;
  if (a.recordDate !== b.recordDate) return a.recordDate - b.recordDate;
  if (a.source.seq !== b.source.seq) return a.source.seq - b.source.seq;
  return a.line - b.line;
}

/** For stores into the trie: a record replaces the one already under the same block when it wins. */
function incomingWins(existing: Held, incoming: Held): boolean {
  return rank(incoming, 0, existing, 0) > 0;
}

function snapshotOf(header: DelegatedHeader | undefined): number {
  if (header === undefined) return 0;
  if (header.endDate !== '') return Number(header.endDate);
  if (/^(19|20|21)[0-9]{6}$/.test(header.serial)) return Number(header.serial);
  return 0;
}

/** The two halves of a prefix that is not a host route. */
function halves(prefix: Prefix): [Prefix, Prefix] {
  const length = prefix.length + 1;
  const low = Prefix.fromBytes(prefix.family, prefix.bytes, 0, length);
  const highBytes = prefix.bytes.slice();
  highBytes[prefix.length >>> 3] |= 0x80 >>> (prefix.length & 7);
  const high = Prefix.fromBytes(prefix.family, highBytes, 0, length);
  return [low, high];
}

/** `prefix` minus every hole (holes are prefixes), as CIDR blocks in address order. */
function subtract(prefix: Prefix, holes: Prefix[]): Prefix[] {
  const touching = holes.filter((hole) => prefix.contains(hole) || hole.contains(prefix));
  if (touching.length === 0) return [prefix];
  if (touching.some((hole) => hole.contains(prefix))) return [];
  const [low, high] = halves(prefix);
  return [...subtract(low, touching), ...subtract(high, touching)];
}

export class Registry {
  private readonly blocks = new PrefixTrie<Held>();
  private readonly asnItems: AsnItem[] = [];
  private sourceCount = 0;
  private asnIndex: AsnIndex | undefined;
  private view: CountryView | undefined;
  /**
   * The winner among the blocks containing a stored block, by that block's Prefix (stable until
   * the next load): every prefix whose most specific containing block is the same has the same
   * containing blocks, so `countryOfIPv4` resolves each chain once.
   */
  private readonly winnerBelow = new Map<Prefix, Held | null>();

  /**
   * Parses and adds the text of one delegated file; `name` labels it in entries and problems.
   * The same as `loadParsed(parseDelegated(name, text, options))`, without building the records.
   */
  loadText(name: string, text: string, options: ParseDelegatedOptions = {}): LoadReport {
    const seq = this.sourceCount++;
    // Every record comes after the header line, which is the first line that is not a comment.
    let source: Source | undefined;
    const sourceOf = (header: DelegatedHeader | undefined): Source =>
      (source ??= this.source(name, header, seq));
    let records = 0;
    const parsed = scanDelegated(name, text, options, {
      scanned: (record, header) => {
        this.addScanned(record, sourceOf(header));
        records++;
      },
      parsed: (record, header) => {
        this.add(record, sourceOf(header));
        records++;
      },
    });
    this.loaded();
    return { file: name, header: parsed.header, records, problems: parsed.problems };
  }

  /** Adds a file already parsed with `parseDelegated`. */
  loadParsed(parsed: DelegatedFile): LoadReport {
    const header = parsed.header;
    const source = this.source(parsed.file, header, this.sourceCount++);
    for (const record of parsed.records) this.add(record, source);
    this.loaded();
    return { file: parsed.file, header, records: parsed.records.length, problems: parsed.problems };
  }

  private source(file: string, header: DelegatedHeader | undefined, seq: number): Source {
    return {
      file,
      registry: header?.registry ?? '',
      snapshot: snapshotOf(header),
      serial: header !== undefined && header.serial !== '' ? Number(header.serial) : NaN,
      seq,
    };
  }

  /** Drops what was derived from the records held before a load. */
  private loaded(): void {
    this.winnerBelow.clear();
    this.asnIndex = undefined;
    this.view = undefined;
  }

  /** Adds a record the fast scanner read, as `add` adds the DelegatedRecord it stands for. */
  private addScanned(record: ScannedRecord, source: Source): void {
    const held = new Held(record, undefined, source, record.dateNumber);
    if (record.type === 'asn') {
      this.asnItems.push({ start: record.first, end: record.first + record.value, held });
    } else if (record.type === 'ipv6') {
      this.blocks.setNetwork(6, record.network, record.value, held, incomingWins);
    } else if (record.alignedLength >= 0) {
      this.blocks.setIPv4(record.first, record.alignedLength, held, incomingWins);
    } else {
      for (const prefix of rangeToPrefixes(ipv4Address(record.first), record.value)) {
        this.blocks.setIf(prefix, held, incomingWins);
      }
    }
  }

  private add(record: DelegatedRecord, source: Source): void {
    const held = new Held(record, record.delegatedTo, source, record.date === '' ? 0 : Number(record.date));
    if (record.type === 'asn') {
      this.asnItems.push({ start: record.firstAsn, end: record.firstAsn + record.value, held });
      return;
    }
    for (const prefix of record.prefixes) this.blocks.setIf(prefix, held, incomingWins);
  }

  /** Number of distinct CIDR blocks and ASN records held (before resolving overlaps). */
  get size(): { blocks: number; asnRecords: number } {
    return { blocks: this.blocks.size, asnRecords: this.asnItems.length };
  }

  /** The winning record for an address: the longest match, with newer files first (see top). */
  countryOfAddress(address: IpAddress): RegistryEntry | undefined {
    return this.resolve(this.blocks.covering(address))?.entry;
  }

  /**
   * Every registered block with the country `countryOfAddress` gives an address whose most
   * specific block it is: a table small enough to keep, answering as the registry does.
   */
  blockCountries(): Array<{ prefix: string; country: string }> {
    const out: Array<{ prefix: string; country: string }> = [];
    for (const { prefix } of this.blocks.entries()) {
      const winner = this.resolve(this.blocks.covering(prefix));
      if (winner !== undefined) out.push({ prefix: prefix.toString(), country: winner.country });
    }
    return out;
  }

  /** The winning record among the registered blocks that contain all of `prefix`. */
  countryOfPrefix(prefix: Prefix): RegistryEntry | undefined {
    return this.resolve(this.blocks.covering(prefix))?.entry;
  }

  /**
   * `countryOfPrefix` for the IPv4 prefix `network/length` given as numbers (`network` masked),
   * without allocating: a country view looks up every prefix of a full table.
   */
  countryOfIPv4(network: number, length: number): RegistryEntry | undefined {
    const deepest = this.blocks.longestMatchV4(network, length);
    if (deepest === undefined) return undefined;
    let winner = this.winnerBelow.get(deepest.prefix);
    if (winner === undefined) {
      winner = this.resolve(this.blocks.covering(deepest.prefix)) ?? null;
      this.winnerBelow.set(deepest.prefix, winner);
    }
    return winner?.entry;
  }

  private resolve(candidates: Array<{ prefix: Prefix; value: Held }>): Held | undefined {
    let best: { prefix: Prefix; value: Held } | undefined;
    for (const candidate of candidates) {
      if (
        best === undefined ||
        rank(candidate.value, candidate.prefix.length, best.value, best.prefix.length) > 0
      ) {
        best = candidate;
      }
    }
    return best?.value;
  }

  /** The winning record for an AS number. */
  countryOfAsn(asn: number): RegistryEntry | undefined {
    if (!Number.isInteger(asn) || asn < 0 || asn >= 2 ** 32) return undefined;
    const index = this.asns();
    let low = 0;
    let high = index.starts.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (index.starts[mid] <= asn) low = mid + 1;
      else high = mid - 1;
    }
    if (high < 0 || asn >= index.ends[high]) return undefined;
    return index.winners[high].entry;
  }

  /**
   * The address space held by `country` (allocated or assigned, after overlaps are resolved), as
   * CIDR blocks in address order, IPv4 first. 'ZZ' holds nothing: it means no country.
   */
  prefixesOfCountry(country: string): Prefix[] {
    return [...(this.countryView().prefixes.get(country) ?? [])];
  }

  /** The ASNs held by `country`, as runs of consecutive ASNs in order. */
  asnsOfCountry(country: string): AsnRange[] {
    return [...(this.countryView().asns.get(country) ?? [])];
  }

  /** Registered space of a country in /24 and /48 equivalents. */
  registeredSpace(country: string): RegisteredSpace {
    let ipv4Slash24s = 0;
    let ipv6Slash48s = 0;
    for (const prefix of this.countryView().prefixes.get(country) ?? []) {
      if (prefix.family === 4) ipv4Slash24s += prefix.slash24s();
      else ipv6Slash48s += prefix.slash48s();
    }
    return { ipv4Slash24s, ipv6Slash48s };
  }

  /** Every holder country (including the registries' EU and AP, excluding ZZ), sorted. */
  countries(): string[] {
    const view = this.countryView();
    const all = new Set([...view.prefixes.keys(), ...view.asns.keys()]);
    return [...all].sort();
  }

  /** Builds the ASN runs once per change: paints each run with the best record, best first. */
  private asns(): AsnIndex {
    if (this.asnIndex !== undefined) return this.asnIndex;
    const items = this.asnItems;
    const cuts = new Float64Array(items.length * 2);
    items.forEach((item, i) => {
      cuts[2 * i] = item.start;
      cuts[2 * i + 1] = item.end;
    });
    cuts.sort();
    let unique = 0;
    for (let i = 0; i < cuts.length; i++)
      if (i === 0 || cuts[i] !== cuts[unique - 1]) cuts[unique++] = cuts[i];
    const bounds = cuts.subarray(0, unique);
    const segments = Math.max(0, unique - 1);
    const painted: Array<Held | undefined> = new Array(segments).fill(undefined);
    // next[i]: first segment at or after i that is not painted yet (path-halving union-find).
    const next = new Int32Array(segments + 1);
    for (let i = 0; i <= segments; i++) next[i] = i;
    const find = (i: number): number => {
      while (next[i] !== i) {
        next[i] = next[next[i]];
        i = next[i];
      }
      return i;
    };
    const order = [...items].sort((a, b) => rank(b.held, b.start - b.end, a.held, a.start - a.end));
    for (const item of order) {
      const last = indexOf(bounds, item.end);
      for (let s = find(indexOf(bounds, item.start)); s < last; s = find(s)) {
        painted[s] = item.held;
        next[s] = s + 1;
      }
    }
    const starts: number[] = [];
    const ends: number[] = [];
    const winners: Held[] = [];
    for (let s = 0; s < segments; s++) {
      const held = painted[s];
      if (held === undefined) continue;
      const n = winners.length;
      if (n > 0 && winners[n - 1] === held && ends[n - 1] === bounds[s]) ends[n - 1] = bounds[s + 1];
      else {
        starts.push(bounds[s]);
        ends.push(bounds[s + 1]);
        winners.push(held);
      }
    }
    this.asnIndex = { starts: Float64Array.from(starts), ends: Float64Array.from(ends), winners };
    return this.asnIndex;
  }

  /** Resolves overlaps once per change and groups what each holder country holds. */
  private countryView(): CountryView {
    if (this.view !== undefined) return this.view;
    const prefixes = new Map<string, Prefix[]>();
    for (const { prefix, value: held } of this.blocks.entries()) {
      // ZZ is no country: IANA rows and holderless space are not indexed by country.
      if (!isHolderStatus(held.status) || held.country === UNKNOWN_COUNTRY) continue;
      let shadowed = false;
      for (const cover of this.blocks.covering(prefix)) {
        if (
          cover.prefix.length < prefix.length &&
          rank(cover.value, cover.prefix.length, held, prefix.length) > 0
        ) {
          shadowed = true;
          break;
        }
      }
      if (shadowed) continue;
      const holes: Prefix[] = [];
      for (const inner of this.blocks.covered(prefix)) {
        if (
          inner.prefix.length > prefix.length &&
          rank(inner.value, inner.prefix.length, held, prefix.length) > 0
        ) {
          holes.push(inner.prefix);
        }
      }
      const country = held.country;
      let list = prefixes.get(country);
      if (list === undefined) prefixes.set(country, (list = []));
      list.push(...subtract(prefix, holes));
    }
    for (const list of prefixes.values()) list.sort((a, b) => a.compare(b));
    const asns = new Map<string, AsnRange[]>();
    const index = this.asns();
    for (let i = 0; i < index.winners.length; i++) {
      const entry = index.winners[i].entry;
      if (!isHolderStatus(entry.status) || entry.country === UNKNOWN_COUNTRY) continue;
      let list = asns.get(entry.country);
      if (list === undefined) asns.set(entry.country, (list = []));
      list.push({ start: index.starts[i], count: index.ends[i] - index.starts[i], entry });
    }
    this.view = { prefixes, asns };
    return this.view;
  }
}

/** Index of `value` in the sorted unique `bounds` (it is always there). */
function indexOf(bounds: Float64Array, value: number): number {
  let low = 0;
  let high = bounds.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (bounds[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
