/**
 * Actor labels that travel with the data: the `cairn-labels` manifest a list may carry beside it,
 * and the resolution of a report title (a list label, an OTX pulse, a file name) to actors through
 * the names the corpus itself knows (actor names and synonyms, ATT&CK campaigns, software).
 *
 * `cairn-labels` (a plain UTF-8 file of that name in the list's folder; `#` starts a comment):
 *
 *     [samples.*]              # file names in this folder, `*` any run of characters
 *     actor = Lazarus Group    # one line per actor; a direct label, like a galaxy tag
 *     reliability = B          # Admiralty source reliability A..F (optional)
 *
 * A section applies to the files of its own folder only, so the labels never depend on which
 * folder is handed to `--corpus`.
 */
import type { ActorDirectory, ActorNode } from './actor-directory.js';
import { foldActorName } from './aliases.js';
import type { AttackIndex } from './attack.js';

/** Admiralty source-reliability letters (A completely reliable … E unreliable, F cannot be judged). */
export type Reliability = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/** Score factor of each reliability letter; F (not judged) sits with C. */
export const RELIABILITY_FACTOR: Readonly<Record<Reliability, number>> = {
  A: 1,
  B: 0.9,
  C: 0.75,
  D: 0.5,
  E: 0.25,
  F: 0.75,
};

/** One section of a `cairn-labels` manifest. */
export interface LabelRule {
  /** File-name glob (no folder part). */
  pattern: string;
  actors: string[];
  reliability?: Reliability;
  /** Line of the section header in the manifest. */
  line: number;
}

/** Name of the manifest file. */
export const LABELS_MANIFEST = 'cairn-labels';

/** Parses a `cairn-labels` manifest; bad lines are returned as problems with their line number. */
export function parseLabelsManifest(text: string): {
  rules: LabelRule[];
  problems: { line: number; message: string }[];
} {
  const rules: LabelRule[] = [];
  const problems: { line: number; message: string }[] = [];
  let current: LabelRule | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const section = /^\[(.+)\]$/.exec(line);
    if (section !== null) {
      current = { pattern: section[1].trim(), actors: [], line: i + 1 };
      rules.push(current);
      return;
    }
    const kv = /^([a-z]+)\s*=\s*(.+)$/.exec(line);
    if (kv === null || current === undefined) {
      problems.push({ line: i + 1, message: 'expected "[file glob]" or "key = value" under a section' });
      return;
    }
    if (kv[1] === 'actor') current.actors.push(kv[2].trim());
    else if (kv[1] === 'reliability' && /^[A-F]$/.test(kv[2].trim()))
      current.reliability = kv[2].trim() as Reliability;
    else problems.push({ line: i + 1, message: `unknown key or value: ${kv[1]}` });
  });
  return { rules, problems };
}

/** Whether a file name matches a manifest glob (`*` is any run of characters). */
export function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(name);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** How a corpus unit is tied to an actor. */
export interface UnitLabel {
  actor: number;
  /** 1 for a direct label; less when the tie is read from a title. */
  weight: number;
  /** The tie in words, shown with the evidence it carries. */
  how: string;
}

/** Weights of the ties a title can make (a direct label weighs 1). */
export const TITLE_WEIGHTS = {
  /** The title names the actor or one of its synonyms. */
  actorName: 0.7,
  /** The title names a campaign attributed to the actor. */
  campaign: 0.6,
  /** The title names software the actor uses; divided by the number of actors using it. */
  software: 0.4,
  /** The head word of a group's name ("Lazarus" of "Lazarus Group"; YARA rule names only). */
  nameHead: 0.5,
} as const;

/** A name of the form "<Word> Group|Team|Gang" whose word is distinctive (six letters or more). */
const NAME_HEAD = /^(\p{L}{6,}) (?:Group|Team|Gang)$/u;

/** Software used by more actors than this says nothing about who used it. */
export const MAX_SOFTWARE_USERS = 3;

interface Phrase {
  actors: number[];
  weight: number;
  how: string;
  /** Spellings as the source writes them (short one-word names must match one exactly). */
  spellings: Set<string>;
}

/**
 * A `TitleResolver`'s phrases as plain data (JSON as is): each folded key with its phrases as
 * `[actors, weight, how, spellings]`, in the resolver's order. `TitleResolver.fromPhrases` of it
 * resolves as the resolver it came from.
 */
export type TitlePhrases = Array<[key: string, phrases: Array<[number[], number, string, string[]]>]>;

const WORD = /[\p{L}\p{N}]+/gu;
/** Longest phrase, in words, looked for in a title. */
const MAX_WORDS = 5;

/**
 * Resolves titles to actors through the names the corpus knows: each actor name and synonym (of
 * every source merged into the actor), each ATT&CK campaign name and alias (to the groups it is
 * attributed to), each ATT&CK software name and alias (to the groups that use it, when at most
 * {@link MAX_SOFTWARE_USERS} do). A phrase is a run of whole words; a one-word name under six
 * letters without a digit must be written as a source writes it ("ZINC", not "zinc"). Without a
 * directory it knows no name (`fromPhrases` fills one from a cache).
 */
export class TitleResolver {
  private readonly phraseMap = new Map<string, Phrase[]>();

  constructor(directory?: ActorDirectory, attack?: AttackIndex, options: { nameHeads?: boolean } = {}) {
    if (directory === undefined) return;
    for (const node of directory.nodes)
      for (const name of [node.name, ...node.aliases, ...node.externalIds]) {
        this.add(name, [node.index], TITLE_WEIGHTS.actorName, `a name of ${node.name}`);
        // Rule authors write "Lazarus" for "Lazarus Group": the head word of a group's name.
        const head = options.nameHeads === true ? NAME_HEAD.exec(name) : null;
        if (head !== null)
          this.add(
            head[1],
            [node.index],
            TITLE_WEIGHTS.nameHead,
            `"${head[1]}", the head of ${name}, a name of ${node.name}`,
          );
      }
    if (attack === undefined) return;
    const nodeOfGroup = (gid: string): ActorNode | undefined => {
      const g = attack.groups.get(gid);
      return g === undefined ? undefined : directory.nodeOfFact(g.actor.id);
    };
    for (const c of attack.campaigns.values()) {
      const nodes = c.attributedTo.flatMap((g) => nodeOfGroup(g) ?? []);
      if (nodes.length === 0) continue;
      for (const name of [c.case.name, ...c.case.aliases])
        this.add(
          name,
          nodes.map((n) => n.index),
          TITLE_WEIGHTS.campaign,
          `ATT&CK campaign ${c.attackId} ${c.case.name}, attributed to ${nodes.map((n) => n.name).join(', ')}`,
        );
    }
    const users = new Map<string, Set<number>>();
    for (const g of attack.groups.values()) {
      const node = directory.nodeOfFact(g.actor.id);
      if (node === undefined) continue;
      for (const s of g.software) {
        const set = users.get(s) ?? new Set<number>();
        set.add(node.index);
        users.set(s, set);
      }
    }
    for (const [sid, set] of users) {
      const sw = attack.software.get(sid);
      if (sw === undefined || set.size > MAX_SOFTWARE_USERS) continue;
      const nodes = [...set].map((i) => directory.nodes[i]);
      for (const name of [sw.name, ...sw.aliases])
        this.add(
          name,
          [...set],
          TITLE_WEIGHTS.software / set.size,
          `ATT&CK software ${sid} ${sw.name}, used by ${nodes.map((n) => n.name).join(', ')}`,
        );
    }
  }

  /** The phrases as plain data, for `fromPhrases` (a cache of the resolver, without its directory). */
  phrases(): TitlePhrases {
    return [...this.phraseMap.entries()].map(([key, list]) => [
      key,
      list.map((p) => [p.actors, p.weight, p.how, [...p.spellings]]),
    ]);
  }

  /** A resolver with the phrases `phrases()` gave: it resolves titles as the one they came from. */
  static fromPhrases(phrases: TitlePhrases): TitleResolver {
    const resolver = new TitleResolver();
    for (const [key, list] of phrases)
      resolver.phraseMap.set(
        key,
        list.map(([actors, weight, how, spellings]) => ({
          actors,
          weight,
          how,
          spellings: new Set(spellings),
        })),
      );
    return resolver;
  }

  private add(name: string, actors: number[], weight: number, how: string): void {
    const key = foldActorName(name);
    if (key.length < 4 || /^\d+$/.test(key)) return;
    const list = this.phraseMap.get(key) ?? [];
    const same = list.find((p) => p.how === how);
    if (same !== undefined) {
      same.spellings.add(name);
      return;
    }
    list.push({ actors, weight, how, spellings: new Set([name]) });
    this.phraseMap.set(key, list);
  }

  /** The actors a title names, each once with its strongest tie. */
  resolve(title: string): UnitLabel[] {
    const words = [...title.matchAll(WORD)].map((m) => m[0]);
    const best = new Map<number, UnitLabel>();
    for (let i = 0; i < words.length; i++) {
      for (let n = 1; n <= MAX_WORDS && i + n <= words.length; n++) {
        const text = words.slice(i, i + n).join(' ');
        const key = foldActorName(text);
        const hits = (this.phraseMap.get(key) ?? []).filter(
          (p) => n > 1 || key.length >= 6 || /\d/.test(key) || p.spellings.has(text),
        );
        // A name several actors claim is split among them, as a direct label is.
        const claimants = new Set(hits.flatMap((p) => p.actors)).size;
        for (const p of hits) {
          const weight = (p.weight * p.actors.length) / claimants;
          const shared = claimants > p.actors.length ? ` (one of ${claimants} actors claiming it)` : '';
          for (const actor of p.actors) {
            const prev = best.get(actor);
            if (prev !== undefined && prev.weight >= weight) continue;
            best.set(actor, { actor, weight, how: `title names "${text}": ${p.how}${shared}` });
          }
        }
      }
    }
    return [...best.values()];
  }
}
