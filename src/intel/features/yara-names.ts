/**
 * `yara-meta`: a YARA rule the query matched names a family, an actor, a campaign or a report in
 * its name or metadata (the `meta:` the case carries for the rule, as `intel sample --rules`
 * reported it from the user's rule file; else the corpus rule files' of that name), resolved to actors as a report title is
 * (actor names and synonyms, ATT&CK campaigns, software used by few groups; and, as rule authors
 * write them, the head word of a group's name: "Lazarus" of "Lazarus Group"). A rule's words are
 * its author's judgement, not an observation: contribution {@link FEATURE_WEIGHTS.yaraMeta} × the
 * title tie's weight, below a direct label. Actor-level only, like `actor-name`.
 */
import type { AttackIndex } from '../attack.js';
import type { YaraRuleMeta } from '../corpus.js';
import { TitleResolver } from '../labels.js';
import type { Profile } from '../profile.js';
import { ruleTitles } from '../sample/rule-actors.js';
import { FEATURE_WEIGHTS, type ActorMatchContext, type Feature } from './feature.js';

export class YaraRuleNames implements Feature {
  readonly family = 'names';
  private titles: TitleResolver | undefined;

  constructor(
    private readonly rules: ReadonlyMap<string, YaraRuleMeta>,
    private readonly attack?: AttackIndex,
  ) {}

  addUnit(): void {}

  matchActors(query: Profile, context: ActorMatchContext): void {
    for (const ref of query.indicators.values()) {
      if (ref.type !== 'yara-rule') continue;
      const known = this.rules.get(ref.value);
      // The rule that matched says more of itself than a corpus rule that only shares its name.
      const own = ref.yaraRule;
      const meta = own?.facts.meta ?? known?.meta ?? {};
      const from = own !== undefined ? ` (its meta as the case states it, ${own.provenance.file})` : '';
      // The resolver is built once, on the first query that matched a rule.
      this.titles ??= new TitleResolver(context.directory, this.attack, { nameHeads: true });
      const best = new Map<number, { weight: number; how: string; field: string }>();
      for (const { field, text } of ruleTitles(ref.value, meta))
        for (const label of this.titles.resolve(text)) {
          const prev = best.get(label.actor);
          if (prev === undefined || prev.weight < label.weight)
            best.set(label.actor, { weight: label.weight, how: label.how, field });
        }
      for (const [actor, tie] of best) {
        const node = context.directory.nodes[actor];
        context.credit(actor, {
          feature: 'yara-meta',
          value: ref.value,
          candidateValue: node.name,
          weight: tie.weight,
          contribution: FEATURE_WEIGHTS.yaraMeta * tie.weight,
          note: `rule ${ref.value}'s ${tie.field} ${tie.how.replace(/^title names/, 'names')}${tie.field === 'rule name' ? '' : from}`,
          query: ref.provenance.slice(0, 5),
          candidate: own === undefined && known !== undefined ? [known.provenance] : [],
          via: [],
        });
      }
    }
  }
}
