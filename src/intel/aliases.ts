/**
 * Actor alias resolution across sources (ATT&CK groups, MISP threat-actor clusters, STIX
 * intrusion sets / threat actors).
 *
 * Merging rule, chosen so that a shared synonym cannot glue two actors together:
 * - actor facts are grouped into one canonical actor only when their *primary names* are equal
 *   after folding (case, spaces and punctuation ignored: "APT 29" = "APT29") or when they share
 *   an external id (G0032);
 * - every name, alias and external id then points at the canonical actors that claim it;
 * - a key claimed by two or more canonical actors is *ambiguous*: it is reported by
 *   {@link ActorResolver.ambiguities} and resolving it returns all candidates, never one.
 *
 * Example on the real data: MISP lists "Andariel" as a synonym of both "Lazarus Group" and
 * "Silent Chollima"; with ATT&CK loaded, "APT38" is both a MISP synonym of Lazarus Group and the
 * name of ATT&CK G0082. Both are reported, neither is merged.
 */
import type { EvidenceGraph } from './graph.js';
import type { Actor } from './model.js';

/** An actor as the union of the facts (from several sources) that name it. */
export interface CanonicalActor {
  /** Id of the representative fact (an ATT&CK group when there is one). */
  id: string;
  name: string;
  members: Actor[];
  /** Every name and alias of every member, first-seen spelling, deduplicated by folded key. */
  aliases: string[];
  externalIds: string[];
  countries: string[];
}

/** How one name resolved. */
export interface ActorResolution {
  query: string;
  status: 'resolved' | 'ambiguous' | 'unknown';
  /** The actor, when status is `resolved`. */
  actor?: CanonicalActor;
  /** Every canonical actor the name points at (one when resolved, two or more when ambiguous). */
  candidates: CanonicalActor[];
}

/** An alias claimed by more than one canonical actor. */
export interface AmbiguousAlias {
  alias: string;
  candidates: {
    actorId: string;
    name: string;
    claimedBy: { factId: string; file: string; as: 'name' | 'alias' | 'external-id' }[];
  }[];
}

/** Folds a name for comparison: lower case, letters and digits only (Unicode-aware). */
export function foldActorName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Resolves actor names and aliases to canonical actors; see the module comment for the rule. */
export class ActorResolver {
  private readonly canon = new Map<string, CanonicalActor>();
  private readonly canonOfFact = new Map<string, CanonicalActor>();
  private readonly keys = new Map<
    string,
    Map<string, { factId: string; file: string; as: 'name' | 'alias' | 'external-id'; text: string }[]>
  >();

  /** Builds from the actors of `graph` (revoked and deprecated ones left out unless asked for). */
  constructor(graph: EvidenceGraph, options: { includeRevoked?: boolean } = {}) {
    const actors = graph.actors.filter(
      (a) => options.includeRevoked === true || (!a.revoked && !a.deprecated),
    );
    // Union-find over facts by primary name and external id.
    const parent = new Map<string, string>();
    const find = (x: string): string => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(x, r);
      return r;
    };
    const union = (a: string, b: string) => {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(rb, ra);
    };
    const firstByKey = new Map<string, string>();
    // ATT&CK facts first so that they become the representatives.
    const ordered = [...actors].sort(
      (a, b) => Number(b.externalIds.length > 0) - Number(a.externalIds.length > 0),
    );
    for (const a of ordered) {
      parent.set(a.id, a.id);
      const keys = [`n:${foldActorName(a.name)}`, ...a.externalIds.map((x) => `x:${x.toUpperCase()}`)];
      for (const k of keys) {
        if (k === 'n:') continue;
        const first = firstByKey.get(k);
        if (first === undefined) firstByKey.set(k, a.id);
        else union(first, a.id);
      }
    }
    for (const a of ordered) {
      const root = find(a.id);
      let c = this.canon.get(root);
      if (c === undefined) {
        const rep = actors.find((x) => x.id === root)!;
        c = { id: root, name: rep.name, members: [], aliases: [], externalIds: [], countries: [] };
        this.canon.set(root, c);
      }
      c.members.push(a);
      this.canonOfFact.set(a.id, c);
    }
    for (const c of this.canon.values()) {
      const seen = new Set<string>();
      for (const m of c.members) {
        for (const n of [m.name, ...m.aliases]) {
          const f = foldActorName(n);
          if (f !== '' && !seen.has(f)) {
            seen.add(f);
            c.aliases.push(n);
          }
        }
        for (const x of m.externalIds) if (!c.externalIds.includes(x)) c.externalIds.push(x);
        if (m.country !== undefined && !c.countries.includes(m.country)) c.countries.push(m.country);
      }
    }
    for (const a of actors) {
      const c = this.canonOfFact.get(a.id)!;
      const claim = (text: string, as: 'name' | 'alias' | 'external-id') => {
        const k = foldActorName(text);
        if (k === '') return;
        let byCanon = this.keys.get(k);
        if (byCanon === undefined) this.keys.set(k, (byCanon = new Map()));
        const list = byCanon.get(c.id) ?? [];
        list.push({ factId: a.id, file: a.provenance.file, as, text });
        byCanon.set(c.id, list);
      };
      claim(a.name, 'name');
      for (const al of a.aliases) claim(al, 'alias');
      for (const x of a.externalIds) claim(x, 'external-id');
    }
  }

  /** All canonical actors. */
  get actors(): CanonicalActor[] {
    return [...this.canon.values()];
  }

  /** Canonical actor a fact belongs to. */
  canonicalOf(factId: string): CanonicalActor | undefined {
    return this.canonOfFact.get(factId);
  }

  /** Resolves a name, alias or external id (`G0032`). */
  resolve(name: string): ActorResolution {
    const byCanon = this.keys.get(foldActorName(name));
    if (byCanon === undefined || byCanon.size === 0)
      return { query: name, status: 'unknown', candidates: [] };
    const candidates = [...byCanon.keys()].map((id) => this.canon.get(id)!);
    if (candidates.length === 1) return { query: name, status: 'resolved', actor: candidates[0], candidates };
    return { query: name, status: 'ambiguous', candidates };
  }

  /** Every alias claimed by two or more canonical actors, with who claims it and from which file. */
  ambiguities(): AmbiguousAlias[] {
    const out: AmbiguousAlias[] = [];
    for (const byCanon of this.keys.values()) {
      if (byCanon.size < 2) continue;
      const first = byCanon.values().next().value!;
      out.push({
        alias: first[0].text,
        candidates: [...byCanon].map(([id, claims]) => ({
          actorId: id,
          name: this.canon.get(id)!.name,
          claimedBy: claims.map(({ factId, file, as }) => ({ factId, file, as })),
        })),
      });
    }
    return out.sort((a, b) => a.alias.localeCompare(b.alias));
  }
}
