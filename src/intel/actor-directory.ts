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
}

/**
 * Actors for attribution. Canonical actors ({@link ActorResolver}) are merged when each claims the
 * other's primary name (MISP "Sofacy" lists APT28, ATT&CK APT28 lists Sofacy); a name claimed one
 * way only ("APT38" in MISP Lazarus Group's synonyms) does not merge.
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
    for (const a of actors) {
      for (const alias of a.aliases) {
        for (const b of resolver.resolve(alias).candidates) {
          if (b.id === a.id || !claims(b, a.name) || !claims(a, b.name)) continue;
          const ra = find(a.id);
          const rb = find(b.id);
          if (ra !== rb) parent.set(rb, ra);
        }
      }
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
