/**
 * The actors attribution ranks: canonical actors ({@link ActorResolver}) that claim each other's
 * primary names merged into one node, each node with the corpus units labelled with it.
 */
import { foldActorName, type ActorResolver, type CanonicalActor } from './aliases.js';

/** An actor as attribution sees it: canonical actors that claim each other's names, merged. */
export interface ActorNode {
  index: number;
  name: string;
  aliases: string[];
  externalIds: string[];
  countries: string[];
  /** Canonical-actor ids merged here. */
  members: string[];
  units: number[];
  /**
   * Actors that list this one as a part of them while the sources keep it a group of its own
   * (MISP Lazarus Group lists ATT&CK's APT38 and Andariel): it keeps its row, the umbrella named.
   */
  umbrella: string[];
}

/**
 * Actors for attribution. Canonical actors ({@link ActorResolver}) are merged when the sources say
 * they are the same group:
 * - each claims the other's primary name (MISP "Sofacy" lists APT28, ATT&CK APT28 lists Sofacy);
 * - an actor outside ATT&CK lists exactly one ATT&CK group id among its synonyms (MISP "Sandworm"
 *   lists G0034, Sandworm Team);
 * - an actor outside ATT&CK whose primary name is claimed by exactly one (merged) actor (MISP
 *   "TeleBots" is a synonym of Sandworm and of Sandworm Team only).
 * An ATT&CK group claimed one way only ("APT38" in MISP Lazarus Group's synonyms, while ATT&CK
 * keeps G0082 apart) is not merged: it keeps its node, with the claimer as its umbrella.
 */
export class ActorDirectory {
  readonly nodes: ActorNode[] = [];
  private readonly nodeOfCanon = new Map<string, number>();

  constructor(readonly resolver: ActorResolver) {
    const actors = resolver.actors;
    const parent = new Map<string, string>();
    const find = (x: string): string => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(x, r);
      return r;
    };
    for (const a of actors) parent.set(a.id, a.id);
    const claims = (a: CanonicalActor, name: string) => {
      const f = foldActorName(name);
      return a.aliases.some((x) => foldActorName(x) === f);
    };
    const union = (a: string, b: string): void => {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(rb, ra);
    };
    const byId = new Map(actors.map((a) => [a.id, a]));
    for (const a of actors) {
      for (const alias of a.aliases) {
        for (const b of resolver.resolve(alias).candidates) {
          if (b.id === a.id || !claims(b, a.name) || !claims(a, b.name)) continue;
          union(a.id, b.id);
        }
      }
    }
    for (const a of actors) {
      if (hasGroupId(a)) continue;
      const groups = new Set<string>();
      for (const al of a.aliases)
        if (/^G\d{4}$/.test(al.trim()))
          for (const b of resolver.resolve(al.trim()).candidates) if (hasGroupId(b)) groups.add(b.id);
      if (groups.size === 1) union(a.id, [...groups][0]);
    }
    const claimersOf = (b: CanonicalActor): CanonicalActor[] =>
      resolver.resolve(b.name).candidates.filter((c) => c.id !== b.id && claims(c, b.name));
    for (const b of actors) {
      if (hasGroupId(b)) continue;
      const roots = new Set(claimersOf(b).map((c) => find(c.id)));
      if (roots.size === 1) union([...roots][0], b.id);
    }
    const byRoot = new Map<string, CanonicalActor[]>();
    for (const a of actors) {
      const r = find(a.id);
      const list = byRoot.get(r) ?? [];
      list.push(a);
      byRoot.set(r, list);
    }
    for (const members of byRoot.values()) {
      // The ATT&CK group names the node when there is one.
      members.sort((x, y) => Number(hasGroupId(y)) - Number(hasGroupId(x)));
      const node: ActorNode = {
        index: this.nodes.length,
        name: members[0].name,
        aliases: [],
        externalIds: [],
        countries: [],
        members: members.map((m) => m.id),
        units: [],
        umbrella: [],
      };
      const seen = new Set<string>();
      for (const m of members) {
        for (const al of m.aliases) {
          const f = foldActorName(al);
          if (!seen.has(f)) {
            seen.add(f);
            node.aliases.push(al);
          }
        }
        for (const x of m.externalIds) if (!node.externalIds.includes(x)) node.externalIds.push(x);
        for (const c of m.countries) if (!node.countries.includes(c)) node.countries.push(c);
        this.nodeOfCanon.set(m.id, node.index);
      }
      this.nodes.push(node);
    }
    for (const node of this.nodes) {
      const umbrella = new Set<number>();
      for (const id of node.members) {
        const m = byId.get(id)!;
        if (!hasGroupId(m)) continue;
        for (const c of claimersOf(m)) {
          const other = this.nodeOfCanon.get(c.id)!;
          if (other !== node.index) umbrella.add(other);
        }
      }
      node.umbrella = [...umbrella].map((i) => this.nodes[i].name).sort();
    }
  }

  /** Nodes a name, alias or external id points at (several when it is ambiguous). */
  resolve(name: string): ActorNode[] {
    const out = new Set<number>();
    for (const c of this.resolver.resolve(name).candidates) out.add(this.nodeOfCanon.get(c.id)!);
    return [...out].map((i) => this.nodes[i]);
  }

  /** Node of an actor fact. */
  nodeOfFact(factId: string): ActorNode | undefined {
    const c = this.resolver.canonicalOf(factId);
    return c === undefined ? undefined : this.nodes[this.nodeOfCanon.get(c.id)!];
  }
}

function hasGroupId(a: CanonicalActor): boolean {
  return a.externalIds.some((x) => /^G\d{4}$/.test(x));
}
