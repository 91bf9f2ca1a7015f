/**
 * Profiles: the evidence of a case, an ATT&CK unit or a query, keyed for matching (indicator
 * values by type, techniques and software by ATT&CK id, stated actor names), each with where it
 * is stated. Correlation features compare profiles.
 */
import { tryParseAddress } from '../net/index.js';
import { foldActorName } from './aliases.js';
import { blockOf, type IpEnrichment } from './enrich.js';
import type { EvidenceGraph } from './graph.js';
import type { Indicator, IndicatorType, Provenance, YaraRuleFacts } from './model.js';

/** Most places kept per value (what an analyst reads; the count does not change scores). */
export const MAX_PROVENANCE = 5;

/** One indicator value of a profile, with the routing facts of an IP. */
export interface IndicatorRef {
  type: IndicatorType;
  value: string;
  provenance: Provenance[];
  ip?: { block: string; asns: number[]; country?: string };
  /** Highest confidence (0–100) the facts stating the value give. */
  confidence: number;
  /** Every fact stating it says it is not for detection (MISP `to_ids=false`): context only. */
  context: boolean;
  /** Set when the value is read out of another (the host of a URL). */
  derivedFrom?: string;
  /** Earliest date a fact stating it says the value was first seen (first_seen, else valid_from). */
  firstSeen?: string;
  /** A `yara-rule` value's rule as the first fact stating it reports it, and where. */
  yaraRule?: { facts: YaraRuleFacts; provenance: Provenance };
}

/** Evidence of a case or query, keyed for matching. */
export interface Profile {
  id: string;
  name: string;
  /** By `type\0value`. */
  indicators: Map<string, IndicatorRef>;
  techniques: Map<string, Provenance[]>;
  software: Map<string, Provenance[]>;
  /** Actor names the source states. */
  actorLabels: { name: string; provenance: Provenance }[];
  /** When the case happened or was reported (ISO 8601), when the source says. */
  date?: string;
}

/**
 * The key of an indicator value in {@link Profile.indicators}. Types that name the same thing
 * share a key: a `hostname` is a `domain` (MISP writes either for the same value).
 */
export function indicatorKey(type: string, value: string): string {
  return `${type === 'hostname' ? 'domain' : type}\u0000${value}`;
}

/** Builds the profile of a case of the graph. */
export function caseProfile(
  graph: EvidenceGraph,
  caseId: string,
  enrichment?: Map<string, IpEnrichment>,
): Profile {
  const c = graph.getAs('case', caseId);
  const profile = emptyProfile(caseId, c?.name ?? caseId);
  addIndicators(profile, graph.indicatorsOfCase(caseId), enrichment);
  if (c !== undefined) {
    for (const t of c.techniqueIds) addTtp(profile.techniques, t, c.provenance);
    for (const name of c.actorLabels) profile.actorLabels.push({ name, provenance: c.provenance });
    const date = c.date ?? c.firstSeen;
    if (date !== undefined) profile.date = date;
  }
  addUses(graph, profile, caseId);
  return profile;
}

/** An empty profile (for building a query by hand). */
export function emptyProfile(id: string, name: string): Profile {
  return { id, name, indicators: new Map(), techniques: new Map(), software: new Map(), actorLabels: [] };
}

/** Adds indicators to a profile (IP block always; AS and country from `enrichment`). */
export function addIndicators(
  profile: Profile,
  indicators: Iterable<Indicator>,
  enrichment?: Map<string, IpEnrichment>,
): void {
  for (const ind of indicators) {
    if (ind.type === 'attack-technique') {
      addTtp(profile.techniques, ind.value.toUpperCase(), ind.provenance);
      continue;
    }
    addRef(profile, ind.type, ind.value, ind, enrichment);
    // The host of a URL is also the domain (or address) it names, matched as such.
    if (ind.type === 'url') {
      const host = urlHost(ind.value);
      if (host !== undefined) {
        const ip = tryParseAddress(host);
        const type: IndicatorType = ip === undefined ? 'domain' : ip.family === 4 ? 'ipv4' : 'ipv6';
        addRef(
          profile,
          type,
          ip === undefined ? host : host.replace(/^\[|\]$/g, ''),
          ind,
          enrichment,
          ind.value,
        );
      }
    }
  }
}

function addRef(
  profile: Profile,
  type: IndicatorType,
  value: string,
  ind: Indicator,
  enrichment: Map<string, IpEnrichment> | undefined,
  derivedFrom?: string,
): void {
  const k = indicatorKey(type, value);
  let ref = profile.indicators.get(k);
  if (ref === undefined) {
    ref = { type, value, provenance: [], confidence: ind.confidence, context: ind.forDetection === false };
    if (derivedFrom !== undefined) ref.derivedFrom = derivedFrom;
    else if (ind.yaraRule !== undefined) ref.yaraRule = { facts: ind.yaraRule, provenance: ind.provenance };
    if (type === 'ipv4' || type === 'ipv6') {
      const e = derivedFrom === undefined ? enrichment?.get(ind.id) : undefined;
      const address = e === undefined ? tryParseAddress(value) : undefined;
      if (e !== undefined) {
        ref.ip = { block: e.block, asns: e.originAsns };
        if (e.country !== undefined) ref.ip.country = e.country;
      } else if (address !== undefined) ref.ip = { block: blockOf(address), asns: [] };
    }
    profile.indicators.set(k, ref);
    setFirstSeen(ref, ind);
  } else {
    if (ref.yaraRule === undefined && ind.yaraRule !== undefined && derivedFrom === undefined)
      ref.yaraRule = { facts: ind.yaraRule, provenance: ind.provenance };
    setFirstSeen(ref, ind);
    ref.confidence = Math.max(ref.confidence, ind.confidence);
    if (ind.forDetection !== false) ref.context = false;
    // A value stated directly is not derived, whatever came first.
    if (derivedFrom === undefined) delete ref.derivedFrom;
  }
  if (ref.provenance.length < MAX_PROVENANCE) ref.provenance.push(ind.provenance);
}

/** Keeps the earliest first sighting the facts give (first_seen, else valid_from). */
function setFirstSeen(ref: IndicatorRef, ind: Indicator): void {
  const seen = ind.firstSeen ?? ind.validFrom;
  if (seen === undefined || Number.isNaN(Date.parse(seen))) return;
  if (ref.firstSeen === undefined || Date.parse(seen) < Date.parse(ref.firstSeen)) ref.firstSeen = seen;
}

/** Host of a URL (lower case), if it has one. */
function urlHost(url: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(url)?.[1]?.toLowerCase();
}

/** Adds a technique or software id with where it is stated. */
export function addTtp(map: Map<string, Provenance[]>, id: string, provenance: Provenance): void {
  const list = map.get(id);
  if (list === undefined) map.set(id, [provenance]);
  else if (list.length < MAX_PROVENANCE) list.push(provenance);
}

/** Techniques and software a fact `uses` (STIX relationships), by ATT&CK id or folded name. */
export function addUses(graph: EvidenceGraph, profile: Profile, factId: string): void {
  for (const r of graph.relationshipsFrom(factId, 'uses')) {
    const t = graph.getAs('technique', r.targetRef);
    if (t?.externalId !== undefined) addTtp(profile.techniques, t.externalId, r.provenance);
    const m = graph.getAs('malware', r.targetRef);
    if (m !== undefined) addTtp(profile.software, softwareKey(m.externalIds, m.name), r.provenance);
  }
}

function softwareKey(externalIds: readonly string[], name: string): string {
  return externalIds.find((x) => /^S\d{4}$/.test(x)) ?? `name:${foldActorName(name)}`;
}
