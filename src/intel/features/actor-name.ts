/**
 * `actor-name`: the case itself names an actor (a MISP threat-actor galaxy tag, an attribution
 * column, a STIX `attributed-to`). Contribution 1.5 / (number of actors the name resolves to),
 * alias-aware through the {@link ActorDirectory}; `ignoreLabels` (`--ignore-labels`) drops it.
 * Actor-level only: a name says nothing about which case is similar.
 */
import type { Profile } from '../profile.js';
import { FEATURE_WEIGHTS, type ActorMatchContext, type Feature } from './feature.js';

export class ActorName implements Feature {
  readonly family = 'names';

  addUnit(): void {}

  matchActors(query: Profile, context: ActorMatchContext): void {
    if (context.ignoreLabels) return;
    for (const label of query.actorLabels) {
      const nodes = context.directory.resolve(label.name);
      for (const node of nodes) {
        const weight = 1 / nodes.length;
        context.credit(node.index, {
          feature: 'actor-name',
          value: label.name,
          candidateValue: node.name,
          weight,
          contribution: FEATURE_WEIGHTS.actorName * weight,
          note:
            nodes.length > 1
              ? `the source names "${label.name}", claimed by ${nodes.length} actors`
              : `the source names "${label.name}"`,
          query: [label.provenance],
          candidate: [],
          via: [],
        });
      }
    }
  }
}
