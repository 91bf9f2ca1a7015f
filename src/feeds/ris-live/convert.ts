/**
 * A `ris_message` as cairn's routing inputs: an UPDATE as the BGP codec's `BgpUpdate` (what
 * observatory's LiveOutageDetection applies, as for the BGP collector) and as MRT elements (one
 * per prefix, the shape the archive decoder yields), and a RIS_PEER_STATE as a STATE element.
 * Prefixes and addresses are parsed and written in canonical form (RIS Live sends some IPv6
 * prefixes uncompressed), so the same route reads the same from an archive and from RIS Live.
 *
 * RIS Live carries fewer attributes than an UPDATE: no LOCAL_PREF, extended or large
 * communities, ATOMIC_AGGREGATE, ORIGINATOR_ID or CLUSTER_LIST, and one AS_SEQUENCE is not told
 * apart from two adjacent ones; what it does not carry is absent from the results.
 *
 * @example
 * const { updates, problems } = risUpdateToBgp(data);
 * for (const update of updates) live.update(peerOf(data), update, data.timestamp);
 */
import {
  formatAsPath,
  type AsPathSegment,
  type BgpUpdate,
  type FamilyPrefixes,
  type Origin,
  type UpdateAttributes,
} from '../../bgp/index.js';
import type { MrtElement } from '../../mrt/index.js';
import { formatAddress, parseAddress, parsePrefix } from '../../net/index.js';
import type { FrameProblem, RisMessageData, RisPathElement, RisUpdateData } from './protocol.js';

/** Where converted elements say they come from (MrtElement.recordType). */
export const RIS_LIVE_RECORD_TYPE = 'RISLIVE';

/** BGP FSM states (RFC 4271 8.2.2) a RIS_PEER_STATE maps to. */
const IDLE = 1;
const OPEN_CONFIRM = 5;
const ESTABLISHED = 6;

/** A RIS peer: one BGP session of one collector. */
export interface RisPeer {
  address: string;
  asn: number;
  host: string;
}

export interface ConvertedUpdate {
  /** Usually one; more when the message has several next hops for one family. */
  updates: BgpUpdate[];
  /** Fields skipped (an unparsable prefix, next hop or origin), with their JSON path. */
  problems: FrameProblem[];
}

/** AS path segments: runs of ASNs as one AS_SEQUENCE, nested arrays as AS_SETs. */
export function risPathSegments(path: readonly RisPathElement[]): AsPathSegment[] {
  const segments: AsPathSegment[] = [];
  let run: number[] | undefined;
  for (const item of path) {
    if (Array.isArray(item)) {
      run = undefined;
      segments.push({ kind: 'set', asns: item.slice() });
    } else if (run !== undefined) run.push(item);
    else {
      run = [item];
      segments.push({ kind: 'sequence', asns: run });
    }
  }
  return segments;
}

/** Origin ASes as the MRT decoder gives them: the last ASN, or every ASN of a final AS_SET. */
export function originAsnsOf(segments: readonly AsPathSegment[]): number[] {
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i];
    if (segment.asns.length === 0) continue;
    return segment.kind === 'set' ? segment.asns.slice() : [segment.asns[segment.asns.length - 1]];
  }
  return [];
}

const ORIGINS: Record<string, Origin> = { igp: 'IGP', egp: 'EGP', incomplete: 'INCOMPLETE' };

/** The canonical text of a peer's address; throws a ParseError on a bad one. */
export function canonicalAddress(text: string): string {
  return formatAddress(parseAddress(text));
}

export function peerOf(data: RisMessageData): RisPeer {
  return { address: canonicalAddress(data.peer), asn: data.peer_asn, host: data.host };
}

interface Attributes {
  attributes: UpdateAttributes;
  segments: AsPathSegment[] | undefined;
}

function attributesOf(data: RisUpdateData, problems: FrameProblem[]): Attributes {
  const attributes: UpdateAttributes = {};
  let segments: AsPathSegment[] | undefined;
  if (data.origin !== undefined) {
    const origin = ORIGINS[data.origin.toLowerCase()];
    if (origin !== undefined) attributes.origin = origin;
    else
      problems.push({
        code: 'RIS_LIVE_BAD_MESSAGE',
        message: `origin ${JSON.stringify(data.origin).slice(0, 40)} is not igp, egp or incomplete`,
        path: '$.data.origin',
      });
  }
  if (data.path !== undefined) {
    segments = risPathSegments(data.path);
    attributes.asPath = segments;
  }
  if (data.med !== undefined) attributes.med = data.med;
  if (data.community !== undefined) attributes.communities = data.community.map(([a, b]) => `${a}:${b}`);
  if (data.aggregator !== undefined) {
    const colon = data.aggregator.indexOf(':');
    const asnText = data.aggregator.slice(0, colon);
    try {
      if (colon < 1 || !/^[0-9]{1,10}$/.test(asnText) || Number(asnText) > 0xffffffff) throw new Error('asn');
      attributes.aggregator = {
        asn: Number(asnText),
        address: canonicalAddress(data.aggregator.slice(colon + 1)),
      };
    } catch {
      problems.push({
        code: 'RIS_LIVE_BAD_MESSAGE',
        message: `aggregator ${JSON.stringify(data.aggregator).slice(0, 60)} is not asn:address`,
        path: '$.data.aggregator',
      });
    }
  }
  return { attributes, segments };
}

interface ParsedHop {
  nextHop: string;
  linkLocal?: string;
  family: 4 | 6;
}

function parseNextHop(text: string): ParsedHop {
  const [first, second] = text.split(',', 2);
  const address = parseAddress(first.trim());
  const hop: ParsedHop = { nextHop: formatAddress(address), family: address.family };
  if (second !== undefined) hop.linkLocal = formatAddress(parseAddress(second.trim()));
  return hop;
}

/** Canonical prefixes of a list, by family; the unparsable ones become problems. */
function prefixesByFamily(
  list: readonly string[],
  path: string,
  problems: FrameProblem[],
): { 4: string[]; 6: string[] } {
  const out: { 4: string[]; 6: string[] } = { 4: [], 6: [] };
  for (let i = 0; i < list.length; i++) {
    try {
      const prefix = parsePrefix(list[i]);
      out[prefix.family].push(prefix.toString());
    } catch (error) {
      problems.push({
        code: 'RIS_LIVE_BAD_MESSAGE',
        message: `prefix ${JSON.stringify(list[i]).slice(0, 60)}: ${(error as Error).message}`,
        path: `${path}[${i}]`,
      });
    }
  }
  return out;
}

const family = (afi: 1 | 2, prefixes: string[], mp: boolean): FamilyPrefixes => ({
  afi,
  safi: 1,
  prefixes: prefixes.map((prefix) => ({ prefix })),
  ...(mp && afi === 1 ? { mp: true } : {}),
});

/**
 * The UPDATE as BgpUpdates: withdrawals (IPv4 in the classic field, IPv6 in MP_UNREACH) in the
 * first, each announcement's prefixes with its next hop (IPv4 with an IPv4 next hop in the
 * classic NLRI, the rest in MP_REACH); a next hop a family already has starts another update.
 */
export function risUpdateToBgp(data: RisUpdateData): ConvertedUpdate {
  const problems: FrameProblem[] = [];
  const { attributes } = attributesOf(data, problems);
  const first: BgpUpdate = {
    type: 'update',
    length: 0,
    withdrawn: [],
    announced: [],
    attributes: { ...attributes },
    outcome: 'ok',
    problems: [],
  };
  const updates = [first];
  if (data.withdrawals !== undefined) {
    const byFamily = prefixesByFamily(data.withdrawals, '$.data.withdrawals', problems);
    if (byFamily[4].length > 0) first.withdrawn.push(family(1, byFamily[4], false));
    if (byFamily[6].length > 0) first.withdrawn.push(family(2, byFamily[6], true));
  }
  const announcements = data.announcements ?? [];
  for (let i = 0; i < announcements.length; i++) {
    const at = `$.data.announcements[${i}]`;
    let hop: ParsedHop;
    try {
      hop = parseNextHop(announcements[i].next_hop);
    } catch (error) {
      problems.push({
        code: 'RIS_LIVE_BAD_MESSAGE',
        message: `next hop ${JSON.stringify(announcements[i].next_hop).slice(0, 60)}: ${(error as Error).message}`,
        path: `${at}.next_hop`,
      });
      continue;
    }
    const byFamily = prefixesByFamily(announcements[i].prefixes, `${at}.prefixes`, problems);
    for (const afi of [1, 2] as const) {
      const prefixes = byFamily[afi === 1 ? 4 : 6];
      if (prefixes.length === 0) continue;
      const classic = afi === 1 && hop.family === 4;
      // The first update with room for this next hop: classic NEXT_HOP or MP_REACH, one each.
      let target = updates.find((u) =>
        classic
          ? u.attributes.nextHop === undefined || u.attributes.nextHop === hop.nextHop
          : u.attributes.mpReach === undefined || sameMpReach(u, afi, hop),
      );
      if (target === undefined) {
        target = {
          type: 'update',
          length: 0,
          withdrawn: [],
          announced: [],
          attributes: { ...attributes },
          outcome: 'ok',
          problems: [],
        };
        updates.push(target);
      }
      if (classic) target.attributes.nextHop = hop.nextHop;
      else
        target.attributes.mpReach = {
          afi,
          safi: 1,
          nextHop: hop.nextHop,
          ...(hop.linkLocal !== undefined ? { linkLocalNextHop: hop.linkLocal } : {}),
        };
      const existing = target.announced.find(
        (f) => f.afi === afi && (f.mp === true) === (afi === 1 && !classic),
      );
      if (existing !== undefined) existing.prefixes.push(...prefixes.map((prefix) => ({ prefix })));
      else target.announced.push(family(afi, prefixes, !classic));
    }
  }
  return { updates, problems };
}

function sameMpReach(update: BgpUpdate, afi: number, hop: ParsedHop): boolean {
  const mp = update.attributes.mpReach;
  return mp !== undefined && mp.afi === afi && mp.nextHop === hop.nextHop;
}

/**
 * The message as MRT elements (recordType RISLIVE, recordOffset `position`): for an UPDATE one
 * `W` per withdrawn prefix then one `A` per announced prefix, for a RIS_PEER_STATE of `down` or
 * `connected` one STATE element; other messages give none.
 */
export function risMessageElements(data: RisMessageData, position: number): MrtElement[] {
  const base = {
    timestamp: data.timestamp,
    peerAddress: canonicalAddress(data.peer),
    peerAsn: data.peer_asn,
    recordType: RIS_LIVE_RECORD_TYPE,
    recordOffset: position,
  };
  if (data.type === 'RIS_PEER_STATE') {
    if (data.state === 'down') return [{ ...base, type: 'STATE', oldState: ESTABLISHED, newState: IDLE }];
    if (data.state === 'connected')
      return [{ ...base, type: 'STATE', oldState: OPEN_CONFIRM, newState: ESTABLISHED }];
    return [];
  }
  if (data.type !== 'UPDATE') return [];
  const { updates } = risUpdateToBgp(data);
  const { segments } = attributesOf(data, []);
  const elements: MrtElement[] = [];
  for (const update of updates)
    for (const f of update.withdrawn)
      for (const { prefix } of f.prefixes) elements.push({ ...base, type: 'W', prefix });
  for (const update of updates) {
    const a = update.attributes;
    for (const f of update.announced) {
      const nextHop = f.afi === 1 && f.mp !== true ? a.nextHop : a.mpReach?.nextHop;
      for (const { prefix } of f.prefixes) {
        const element: MrtElement = { ...base, type: 'A', prefix };
        if (segments !== undefined) {
          element.asPath = formatAsPath(segments);
          element.asPathSegments = segments;
          element.originAsns = originAsnsOf(segments);
        }
        if (a.origin !== undefined) element.origin = a.origin;
        if (nextHop !== undefined) element.nextHop = nextHop;
        if (a.med !== undefined) element.med = a.med;
        if (a.communities !== undefined) element.communities = a.communities;
        if (a.aggregator !== undefined) element.aggregator = a.aggregator;
        elements.push(element);
      }
    }
  }
  return elements;
}
