/**
 * The routing world a question is answered in: MRT files loaded into a routing table, the RIR
 * registry and AS names, and the observatory over them. Built once per request by every question
 * that needs routes (country, asn, ip, countries, intel enrichment).
 */
import { Observatory } from '../observatory/index.js';
import { AsNames, Registry } from '../registry/index.js';
import { RoutingTable } from '../routing/index.js';
import { DEFAULT_ASNAMES_FILE, DEFAULT_REGISTRY_FILES } from './defaults.js';
import type { WorkHooks } from './progress.js';
import { replayMrtFiles } from './replay.js';
import { loadAsNamesFile, loadRegistryFiles } from './registry-files.js';

export interface WorldSources {
  /** MRT files: RIB dumps and/or update files (plain, gzip, bzip2). */
  mrt: readonly string[];
  /** RIR delegated files (default: the bundled APNIC 2014 file). */
  registry?: readonly string[];
  /** AS names JSON (default: the bundled asnames.json.gz). */
  asnames?: string;
}

export interface RoutingWorld {
  table: RoutingTable;
  registry: Registry;
  names: AsNames;
  observatory: Observatory;
}

/** Loads the sources; problems in any of them go to `hooks.onProblem` and loading goes on. */
export async function loadRoutingWorld(sources: WorldSources, hooks: WorkHooks = {}): Promise<RoutingWorld> {
  const table = new RoutingTable();
  await replayMrtFiles(sources.mrt, table, hooks);
  const loaded = await loadRegistryFiles([...(sources.registry ?? DEFAULT_REGISTRY_FILES)]);
  for (const problem of loaded.problems) hooks.onProblem?.(problem);
  const names = await loadAsNamesFile(sources.asnames ?? DEFAULT_ASNAMES_FILE);
  for (const problem of names.problems) hooks.onProblem?.(problem);
  return {
    table,
    registry: loaded.registry,
    names,
    observatory: new Observatory(table, loaded.registry, names),
  };
}
