/**
 * MISP warninglists (MISP/misp-warninglists, CC0): lists of well-known benign or shared values
 * (public resolvers, cloud and CDN ranges, top domains, private space, known false positives).
 * A value on a list is down-weighted as evidence, the list named in the evidence. The five list
 * types are honoured as MISP does: `cidr` (address in a prefix), `string` (equal), `hostname`
 * (equal or a subdomain), `substring` (contained), `regex`.
 */
import { PrefixTrie, formatAddress, parsePrefix, tryParseAddress } from '../net/index.js';
import { decodeInput } from './json-scan.js';
import type { IndicatorType } from './model.js';
import { ReportBuilder, type ImportReport } from './report.js';

/** Factor an evidence item's weight takes when its value is on a warninglist. */
export const WARNINGLIST_FACTOR = 0.05;

/** A warninglist hit. */
export interface WarninglistHit {
  /** The list's name (its `name` field). */
  list: string;
  /** The list entry that matched. */
  entry: string;
}

/** Which list types apply to which indicator types (MISP's `matching_attributes`, folded). */
function kindOf(type: IndicatorType): 'ip' | 'host' | 'url' | 'hash' | 'email' | undefined {
  if (type === 'ipv4' || type === 'ipv6') return 'ip';
  if (type === 'domain' || type === 'hostname') return 'host';
  if (type === 'url') return 'url';
  if (type === 'md5' || type === 'sha1' || type === 'sha256' || type === 'sha512') return 'hash';
  if (type === 'email') return 'email';
  return undefined;
}

interface ListMeta {
  name: string;
  kinds: Set<string>;
}

/**
 * A warninglist index as data (`WarninglistIndex.toData`), read back without parsing a list
 * again: lists by position, every entry already normalised, each with the lists holding it; map
 * entries as runs of consecutive keys held by the same lists (one list of lists shared by a run).
 */
export interface WarninglistData {
  lists: Array<{ name: string; kinds: string[] }>;
  /** Prefixes shorter than a host, as prefix text. */
  cidrs: Array<[string, number[]]>;
  /** Host prefixes (/32, /128) as prefix text: a map lookup rather than a trie node each. */
  hosts: Array<[number[], string[]]>;
  strings: Array<[number[], string[]]>;
  hostnames: Array<[number[], string[]]>;
  substrings: Array<[string, number]>;
  regexes: Array<[string, number]>;
}

/** An IPv4 address as its prefix text writes it: four parts of 0 to 255, no leading zero. */
const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function kindsOfAttributes(attrs: readonly string[]): Set<string> {
  const kinds = new Set<string>();
  for (const a of attrs) {
    if (/^ip-|domain\|ip/.test(a)) kinds.add('ip');
    if (a === 'domain' || a === 'hostname' || a === 'domain|ip') kinds.add('host');
    if (a === 'url' || a === 'uri') kinds.add('url');
    if (/md5|sha1|sha256|sha512/.test(a)) kinds.add('hash');
    if (/email/.test(a)) kinds.add('email');
  }
  return kinds;
}

/** The warninglists of a corpus, indexed for lookup. */
export class WarninglistIndex {
  private readonly cidrs = new PrefixTrie<ListMeta[]>();
  /** Host prefixes by prefix text: the most specific entries, looked up before the trie. */
  private hosts: ListsByKey = new Map<string, ListMeta[]>();
  private readonly lists: ListMeta[] = [];
  private strings: ListsByKey = new Map<string, ListMeta[]>();
  private hostnames: ListsByKey = new Map<string, ListMeta[]>();
  private readonly substrings: { entry: string; meta: ListMeta }[] = [];
  private readonly regexes: { entry: string; re: RegExp; meta: ListMeta }[] = [];
  readonly names: string[] = [];

  /** Adds one `list.json` (plain or gzip). */
  add(file: string, bytes: Uint8Array): ImportReport {
    const report = new ReportBuilder(file);
    let doc: { name?: unknown; type?: unknown; list?: unknown; matching_attributes?: unknown };
    try {
      doc = JSON.parse(decodeInput(bytes, file)) as typeof doc;
    } catch (err) {
      report.issue('INTEL_BAD_WARNINGLIST', (err as Error).message);
      return report.report;
    }
    const type = doc.type;
    if (!Array.isArray(doc.list) || typeof type !== 'string') {
      report.issue('INTEL_BAD_WARNINGLIST', 'needs a "list" array and a "type"');
      return report.report;
    }
    const attrs = Array.isArray(doc.matching_attributes)
      ? doc.matching_attributes.filter((a): a is string => typeof a === 'string')
      : [];
    const meta: ListMeta = {
      name: typeof doc.name === 'string' ? doc.name : file,
      kinds: kindsOfAttributes(attrs),
    };
    this.names.push(meta.name);
    this.lists.push(meta);
    for (const raw of doc.list) {
      if (typeof raw !== 'string') continue;
      report.report.recordsRead++;
      const entry = raw.trim().toLowerCase();
      if (type === 'cidr') {
        // Most entries of a cidr list are addresses written as the prefix text would write them:
        // keyed without parsing each one (a public-DNS list holds 60,000).
        if (CANONICAL_IPV4.test(entry)) {
          push((this.hosts = mutable(this.hosts)), `${entry}/32`, meta);
          continue;
        }
        try {
          const p = parsePrefix(entry.includes('/') ? entry : `${entry}/${entry.includes(':') ? 128 : 32}`, {
            strict: false,
          });
          if (p.length === (p.family === 4 ? 32 : 128))
            push((this.hosts = mutable(this.hosts)), p.toString(), meta);
          else {
            const list = this.cidrs.get(p);
            if (list === undefined) this.cidrs.set(p, [meta]);
            else if (!list.includes(meta)) list.push(meta);
          }
        } catch {
          report.report.skipped++;
        }
      } else if (type === 'string') push((this.strings = mutable(this.strings)), entry, meta);
      else if (type === 'hostname')
        push((this.hostnames = mutable(this.hostnames)), entry.replace(/^\*?\./, ''), meta);
      else if (type === 'substring') this.substrings.push({ entry, meta });
      else if (type === 'regex') {
        try {
          this.regexes.push({ entry: raw, re: new RegExp(raw, 'i'), meta });
        } catch {
          report.report.skipped++;
        }
      } else {
        report.issue('INTEL_BAD_WARNINGLIST', `unknown list type ${JSON.stringify(type)}`);
        return report.report;
      }
    }
    return report.report;
  }

  /** The first list a value is on, if any. */
  lookup(type: IndicatorType, value: string): WarninglistHit | undefined {
    const kind = kindOf(type);
    if (kind === undefined) return undefined;
    const ok = (m: ListMeta): boolean => m.kinds.size === 0 || m.kinds.has(kind);
    const v = value.toLowerCase();
    if (kind === 'ip') {
      const address = tryParseAddress(v);
      if (address !== undefined) {
        const host = `${formatAddress(address)}/${address.family === 4 ? 32 : 128}`;
        const m = this.hosts.get(host)?.find(ok);
        if (m !== undefined) return { list: m.name, entry: host };
        for (const e of this.cidrs.covering(address).reverse()) {
          const m = e.value.find(ok);
          if (m !== undefined) return { list: m.name, entry: e.prefix.toString() };
        }
      }
    }
    const direct = this.strings.get(v)?.find(ok);
    if (direct !== undefined) return { list: direct.name, entry: v };
    const host = kind === 'url' ? hostOf(v) : kind === 'host' ? v : undefined;
    if (host !== undefined) {
      const labels = host.split('.');
      for (let i = 0; i < labels.length - 1; i++) {
        const suffix = labels.slice(i).join('.');
        const m = this.hostnames.get(suffix)?.find(ok);
        if (m !== undefined) return { list: m.name, entry: suffix };
      }
      const exact = this.strings.get(host)?.find(ok);
      if (exact !== undefined) return { list: exact.name, entry: host };
    }
    for (const s of this.substrings)
      if (ok(s.meta) && v.includes(s.entry)) return { list: s.meta.name, entry: s.entry };
    for (const r of this.regexes)
      if (ok(r.meta) && r.re.test(v)) return { list: r.meta.name, entry: r.entry };
    return undefined;
  }

  /** The index as data, read back by {@link WarninglistIndex.fromData} into an equal index. */
  toData(): WarninglistData {
    const at = new Map(this.lists.map((m, i) => [m, i]));
    const ids = (metas: ListMeta[]): number[] => metas.map((m) => at.get(m)!);
    // Keys grouped by the lists holding them, each group sorted (looked up by binary search).
    const entries = (keys: ListsByKey): Array<[number[], string[]]> => {
      const groups = new Map<string, [number[], string[]]>();
      for (const [k, v] of keys.entries()) {
        const numbers = ids(v);
        const group = groups.get(numbers.join(','));
        if (group === undefined) groups.set(numbers.join(','), [numbers, [k]]);
        else group[1].push(k);
      }
      for (const [, keys] of groups.values()) keys.sort(compare);
      return [...groups.values()];
    };
    return {
      lists: this.lists.map((m) => ({ name: m.name, kinds: [...m.kinds] })),
      cidrs: [...this.cidrs.entries()].map((e) => [e.prefix.toString(), ids(e.value)]),
      hosts: entries(this.hosts),
      strings: entries(this.strings),
      hostnames: entries(this.hostnames),
      substrings: this.substrings.map((s) => [s.entry, at.get(s.meta)!]),
      regexes: this.regexes.map((r) => [r.entry, at.get(r.meta)!]),
    };
  }

  /** An index equal to the one `data` was taken from. */
  static fromData(data: WarninglistData): WarninglistIndex {
    const index = new WarninglistIndex();
    const lists = data.lists.map((l) => ({ name: l.name, kinds: new Set(l.kinds) }));
    index.lists.push(...lists);
    index.names.push(...lists.map((l) => l.name));
    const metas = (ids: number[]): ListMeta[] => ids.map((i) => lists[i]);
    for (const [p, ids] of data.cidrs) index.cidrs.set(parsePrefix(p), metas(ids));
    // Kept as the sorted groups they are: no map of every key is built to read an index.
    const groups = (runs: Array<[number[], string[]]>): SortedGroups =>
      new SortedGroups(runs.map(([ids, keys]) => ({ metas: metas(ids), keys: sorted(keys) })));
    index.hosts = groups(data.hosts);
    index.strings = groups(data.strings);
    index.hostnames = groups(data.hostnames);
    for (const [entry, i] of data.substrings) index.substrings.push({ entry, meta: lists[i] });
    for (const [entry, i] of data.regexes)
      index.regexes.push({ entry, re: new RegExp(entry, 'i'), meta: lists[i] });
    return index;
  }
}

/** Keys to the lists holding each: a map while lists are added, sorted groups once read from data. */
interface ListsByKey {
  get(key: string): ListMeta[] | undefined;
  entries(): Iterable<[string, ListMeta[]]>;
}

/** Code-unit order, the order the groups are sorted and searched in. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The keys in code-unit order (as written they already are: checked in one pass). */
function sorted(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] >= keys[i]) return [...new Set(keys)].sort(compare);
  return keys;
}

/**
 * Keys in groups held by the same lists, each group sorted: a lookup is a binary search per group
 * until lookups reach a sixteenth of the keys, then a map of every key is built (its cost spread
 * over the lookups: one question reads no map, a held index ends with one).
 */
class SortedGroups implements ListsByKey {
  private lookups = 0;
  private readonly size: number;
  private map: Map<string, ListMeta[]> | undefined;

  constructor(private readonly groups: ReadonlyArray<{ metas: ListMeta[]; keys: readonly string[] }>) {
    this.size = groups.reduce((n, g) => n + g.keys.length, 0);
  }

  get(key: string): ListMeta[] | undefined {
    if (this.map !== undefined) return this.map.get(key);
    if (++this.lookups > this.size / 16) {
      this.map = new Map(this.entries());
      return this.map.get(key);
    }
    for (const { metas, keys } of this.groups) {
      let lo = 0;
      let hi = keys.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const k = keys[mid];
        if (k === key) return metas;
        if (k < key) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    return undefined;
  }

  *entries(): Iterable<[string, ListMeta[]]> {
    for (const { metas, keys } of this.groups) for (const k of keys) yield [k, metas];
  }
}

/** A map of the keys to add to (a group read from data becomes a map again). */
function mutable(keys: ListsByKey): Map<string, ListMeta[]> {
  return keys instanceof Map ? keys : new Map(keys.entries());
}

function push(map: Map<string, ListMeta[]>, key: string, meta: ListMeta): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [meta]);
  else if (!list.includes(meta)) map.set(key, [...list, meta]);
}

/** Host of a URL (lower case), if it has one. */
export function hostOf(url: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#]+)/i.exec(url)?.[1]?.toLowerCase();
}
