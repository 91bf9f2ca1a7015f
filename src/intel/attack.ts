/**
 * MITRE ATT&CK (STIX 2.0 or 2.1 bundle, gzip accepted): imported with the STIX importer, then
 * indexed by ATT&CK id: for each group (intrusion-set) its aliases, technique set and software
 * set; for each campaign its attribution. Revoked and deprecated objects and relationships stay in
 * the graph with their flags but are left out of the index unless asked for.
 */
import type { EvidenceGraph } from './graph.js';
import type { Actor, Case, MalwareFamily, Technique } from './model.js';
import type { ImportReport } from './report.js';
import { importStixBundle } from './stix-import.js';
import type { StixImportOptions } from './stix-import.js';

/** One ATT&CK group with what it uses. */
export interface AttackGroup {
  /** `G0032`. */
  attackId: string;
  actor: Actor;
  name: string;
  /** ATT&CK aliases (the group's own name first, as ATT&CK lists it). */
  aliases: string[];
  /** Technique ids (`T1059.001`) the group uses directly. */
  techniques: Set<string>;
  /** Software ids (`S0366`) the group uses. */
  software: Set<string>;
  /** Campaign ids (`C0022`) attributed to the group. */
  campaigns: Set<string>;
}

/** One ATT&CK campaign. */
export interface AttackCampaign {
  attackId: string;
  case: Case;
  /** Group ids the campaign is attributed to. */
  attributedTo: string[];
  techniques: Set<string>;
  software: Set<string>;
}

/** Options of {@link buildAttackIndex}. */
export interface AttackIndexOptions {
  /** Include revoked / deprecated objects and relationships. Default false. */
  includeRevoked?: boolean;
}

/** Options of {@link importAttack}. */
export interface AttackImportOptions extends StixImportOptions, AttackIndexOptions {
  /**
   * False: leave out the techniques (attack-pattern objects) and every relationship from or to
   * one, nine in ten of ATT&CK's objects, when only names are wanted (groups, campaigns,
   * software and who uses them: what a title resolver reads). Default true.
   */
  techniques?: boolean;
}

/** Whether an ATT&CK object is a technique or a relationship of one. */
function ofTechnique(object: Readonly<Record<string, unknown>>): boolean {
  const pattern = (ref: unknown): boolean => typeof ref === 'string' && ref.startsWith('attack-pattern--');
  return (
    object.type === 'attack-pattern' ||
    (object.type === 'relationship' && (pattern(object.source_ref) || pattern(object.target_ref)))
  );
}

/** ATT&CK views over an evidence graph. */
export class AttackIndex {
  readonly groups = new Map<string, AttackGroup>();
  readonly campaigns = new Map<string, AttackCampaign>();
  readonly techniques = new Map<string, Technique>();
  readonly software = new Map<string, MalwareFamily>();
  /** Sub-technique id → parent technique id. */
  readonly parentTechnique = new Map<string, string>();
  /** Revoked object STIX id → the STIX id that replaces it. */
  readonly revokedBy = new Map<string, string>();
  /** Revoked ATT&CK id → the ATT&CK id that replaces it (T1193 → T1566.001), from `revoked-by`. */
  readonly replacedBy = new Map<string, string>();
  private readonly byName = new Map<string, string>();

  /** The group for `G0032`, its name or one of its ATT&CK aliases (case-insensitive). */
  group(key: string): AttackGroup | undefined {
    const direct = this.groups.get(key.toUpperCase());
    if (direct !== undefined) return direct;
    const id = this.byName.get(key.trim().toLowerCase());
    return id === undefined ? undefined : this.groups.get(id);
  }

  /** @internal */
  indexName(name: string, groupId: string): void {
    const k = name.trim().toLowerCase();
    if (!this.byName.has(k)) this.byName.set(k, groupId);
  }
}

/** ATT&CK id of a fact (first external id matching the pattern). */
function attackIdOf(externalIds: readonly string[], re: RegExp): string | undefined {
  return externalIds.find((x) => re.test(x));
}

/** Builds the ATT&CK views from the facts in `graph` (use after {@link importAttack}). */
export function buildAttackIndex(graph: EvidenceGraph, options: AttackIndexOptions = {}): AttackIndex {
  const include = options.includeRevoked === true;
  const live = (f: { revoked: boolean; deprecated: boolean }) => include || (!f.revoked && !f.deprecated);
  const index = new AttackIndex();
  const idOf = new Map<string, string>();
  for (const t of graph.techniques) {
    if (t.externalId === undefined) continue;
    idOf.set(t.id, t.externalId);
    if (live(t)) index.techniques.set(t.externalId, t);
  }
  for (const m of graph.malware) {
    const sid = attackIdOf(m.externalIds, /^S\d{4}$/);
    if (sid === undefined) continue;
    idOf.set(m.id, sid);
    if (live(m)) index.software.set(sid, m);
  }
  for (const a of graph.actors) {
    const gid = attackIdOf(a.externalIds, /^G\d{4}$/);
    if (gid === undefined) continue;
    idOf.set(a.id, gid);
    if (!live(a)) continue;
    const aliases = a.aliases.length > 0 ? [...a.aliases] : [a.name];
    index.groups.set(gid, {
      attackId: gid,
      actor: a,
      name: a.name,
      aliases,
      techniques: new Set(),
      software: new Set(),
      campaigns: new Set(),
    });
  }
  for (const c of graph.cases) {
    const cid = attackIdOf(c.externalIds, /^C\d{4}$/);
    if (cid === undefined) continue;
    idOf.set(c.id, cid);
    if (live(c))
      index.campaigns.set(cid, {
        attackId: cid,
        case: c,
        attributedTo: [],
        techniques: new Set(),
        software: new Set(),
      });
  }
  for (const g of index.groups.values()) {
    index.indexName(g.name, g.attackId);
    for (const al of g.aliases) index.indexName(al, g.attackId);
  }
  for (const r of graph.relationships) {
    if (r.type === 'revoked-by') {
      index.revokedBy.set(r.sourceRef, r.targetRef);
      const from = idOf.get(r.sourceRef);
      const to = idOf.get(r.targetRef);
      if (from !== undefined && to !== undefined && from !== to) index.replacedBy.set(from, to);
      continue;
    }
    if (!live(r)) continue;
    const src = idOf.get(r.sourceRef);
    const dst = idOf.get(r.targetRef);
    if (src === undefined || dst === undefined) continue;
    if (r.type === 'subtechnique-of') {
      index.parentTechnique.set(src, dst);
    } else if (r.type === 'uses') {
      const holder = index.groups.get(src) ?? index.campaigns.get(src);
      if (holder === undefined) continue;
      if (index.techniques.has(dst)) holder.techniques.add(dst);
      else if (index.software.has(dst)) holder.software.add(dst);
    } else if (r.type === 'attributed-to') {
      const camp = index.campaigns.get(src);
      const group = index.groups.get(dst);
      if (camp !== undefined && group !== undefined) {
        camp.attributedTo.push(dst);
        group.campaigns.add(src);
      }
    }
  }
  return index;
}

/**
 * The ATT&CK id a technique id stands for today: followed through `revoked-by` (a chain, at most
 * a few steps) when the id was revoked.
 */
export function currentTechniqueId(index: AttackIndex, id: string): { id: string; revoked?: string } {
  let cur = id;
  for (let i = 0; i < 8; i++) {
    const next = index.replacedBy.get(cur);
    if (next === undefined) break;
    cur = next;
  }
  return cur === id ? { id } : { id: cur, revoked: id };
}

/** Imports an ATT&CK bundle (STIX 2.0 or 2.1, plain or gzip) and builds its index. */
export function importAttack(
  graph: EvidenceGraph,
  input: Uint8Array | string,
  options: AttackImportOptions = {},
): { report: ImportReport; index: AttackIndex } {
  const { techniques, ...rest } = options;
  const report = importStixBundle(graph, input, {
    ...rest,
    format: 'attack',
    file: options.file ?? '<attack>',
    ...(techniques === false
      ? { keep: (object) => !ofTechnique(object) && (rest.keep?.(object) ?? true) }
      : {}),
  });
  return { report, index: buildAttackIndex(graph, options) };
}
