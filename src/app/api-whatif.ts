/**
 * What if, asked of a kept workspace: the relationships inferred from its routing world once (the
 * world does not change once loaded), then each removal answered over them, with the same result
 * schema as `whatIf` (the CLI's `cairn whatif --json`).
 *
 * @example
 * const r = workspaceWhatIf(workspace, { remove: ['AS4837'], countries: ['KP'] });
 * r.countries[0].share.cut; // 1
 */
import { z } from 'zod';
import { parseAsn } from '../net/index.js';
import { parseCountryCode, type AsRelationships } from '../observatory/index.js';
import { inferRelationships, whatIfOnWorld, type WhatIfResult } from './whatif.js';
import type { Workspace } from './workspace.js';
import type { RoutingWorld } from './world.js';

export const WorkspaceWhatIfInput = z.object({
  /** ASes to remove: numbers or text such as `AS4837` (at most 20). */
  remove: z
    .array(z.union([z.number(), z.string()]))
    .min(1)
    .max(20),
  /** ISO 3166-1 alpha-2 codes (at most 10): per-prefix detail for each. */
  countries: z.array(z.string()).min(1).max(10),
});
export type WorkspaceWhatIfInput = z.infer<typeof WorkspaceWhatIfInput>;

const inferred = new WeakMap<RoutingWorld, AsRelationships>();

/** Removes the ASes from the workspace's world and answers for the countries asked. */
export function workspaceWhatIf(workspace: Workspace, input: WorkspaceWhatIfInput): WhatIfResult {
  const parsed = WorkspaceWhatIfInput.parse(input);
  const removed = new Set(parsed.remove.map((asn) => parseAsn(String(asn))));
  const countries = [...new Set(parsed.countries.map(parseCountryCode))];
  let relationships = inferred.get(workspace.world);
  if (relationships === undefined) {
    relationships = inferRelationships(workspace.world);
    inferred.set(workspace.world, relationships);
  }
  return whatIfOnWorld(workspace.world, removed, countries, false, relationships);
}
