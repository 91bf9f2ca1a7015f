/**
 * YARA rule metadata as titles: a rule whose name or metadata names a family, an actor, a
 * campaign or a report resolves to actors the way a report title does (`TitleResolver`: actor
 * names and synonyms, ATT&CK campaigns, ATT&CK software used by few groups), each tie with the
 * field that named it.
 */
import { ActorResolver } from '../aliases.js';
import { ActorDirectory } from '../actor-directory.js';
import type { AttackIndex } from '../attack.js';
import type { EvidenceGraph } from '../graph.js';
import { TitleResolver, type TitlePhrases } from '../labels.js';

/** Metadata keys whose values name what a rule detects (authors, hashes and dates do not). */
const NAMING_KEYS =
  /^(description|desc|family|malware|malware_family|malware_name|actor|threat_actor|apt|group|campaign|report|reference|ref|title|name|info|tool)$/i;

/** One actor a matched rule names, with how. */
export interface RuleActor {
  actor: string;
  /** The actor's id in the directory (ATT&CK id when it has one, else its fact id). */
  id: string;
  /** The tie's weight, as a title's (0.7 an actor name, 0.6 a campaign, 0.4 / users software). */
  weight: number;
  /** Which field named it and what it is. */
  how: string;
}

/** The texts of a rule that may name a family, actor or report: its name, words split, and naming metadata. */
export function ruleTitles(
  rule: string,
  meta: Readonly<Record<string, string | number | boolean>>,
): Array<{ field: string; text: string }> {
  const texts = [{ field: 'rule name', text: rule.replace(/_/g, ' ') }];
  for (const [key, value] of Object.entries(meta))
    if (typeof value === 'string' && NAMING_KEYS.test(key))
      texts.push({ field: `meta ${key}`, text: value.replace(/_/g, ' ') });
  return texts;
}

/**
 * What a `RuleActorResolver` resolves with, as plain data (JSON as is): each actor's name and id
 * by its index, and the title phrases. `RuleActorResolver.fromState` of it resolves every rule as
 * the resolver it came from, without the graph it was built from.
 */
export interface RuleActorState {
  actors: Array<[name: string, id: string]>;
  phrases: TitlePhrases;
}

/** Resolves matched rules to actors over a corpus' actors (and ATT&CK, for campaigns and software). */
export class RuleActorResolver {
  /** Name and id of each actor, by its index in the directory. */
  private readonly actors: ReadonlyArray<readonly [string, string]>;
  private readonly titles: TitleResolver;

  constructor(graph: EvidenceGraph, attack?: AttackIndex);
  constructor(state: RuleActorState);
  constructor(from: EvidenceGraph | RuleActorState, attack?: AttackIndex) {
    if ('phrases' in from) {
      this.actors = from.actors;
      this.titles = TitleResolver.fromPhrases(from.phrases);
      return;
    }
    const directory = new ActorDirectory(new ActorResolver(from));
    this.actors = directory.nodes.map((node) => [
      node.name,
      node.externalIds[0] ?? node.members[0] ?? node.name,
    ]);
    this.titles = new TitleResolver(directory, attack);
  }

  /** The resolver as plain data: `new RuleActorResolver(state)` resolves as this one. */
  state(): RuleActorState {
    return { actors: this.actors.map(([name, id]) => [name, id]), phrases: this.titles.phrases() };
  }

  /** Actors the rule's name or metadata names, strongest tie first, each once. */
  resolve(rule: string, meta: Readonly<Record<string, string | number | boolean>>): RuleActor[] {
    const best = new Map<number, RuleActor>();
    for (const { field, text } of ruleTitles(rule, meta)) {
      for (const label of this.titles.resolve(text)) {
        const prev = best.get(label.actor);
        if (prev !== undefined && prev.weight >= label.weight) continue;
        const [actor, id] = this.actors[label.actor];
        best.set(label.actor, {
          actor,
          id,
          weight: label.weight,
          how: `${field}: ${label.how.replace(/^title names/, 'names')}`,
        });
      }
    }
    return [...best.values()].sort((a, b) => b.weight - a.weight || a.actor.localeCompare(b.actor));
  }
}
