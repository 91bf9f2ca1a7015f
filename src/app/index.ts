/**
 * app: the application layer. One function per question cairn answers, with typed inputs and
 * serialisable results whose shapes are zod schemas defined once here, used by the CLI's JSON
 * output and the HTTP API alike. No argv, no HTTP, no stdout: a face parses its input, calls a
 * function here and renders the result.
 *
 * @example
 * import { countryReport } from '../app/index.js';
 * const result = await countryReport({ country: 'KP', mrt: ['data/mrt/ripe-bgpdump/updates.et-header.2015.gz'] });
 * result.upstreams[0].asn; // 4837
 */
export {
  DEFAULT_ASNAMES_FILE,
  DEFAULT_INTEL_CORPUS,
  DEFAULT_REGISTRY_FILES,
  DEMO_MRT_FILE,
  SONY_CASE_FILE,
} from './defaults.js';
export type { ProgressReport, WorkHooks } from './progress.js';
export { orderMrtFiles, replayMrtFiles, reserveForFiles } from './replay.js';
export { loadRoutingWorld, type RoutingWorld, type WorldSources } from './world.js';
export { BufferedWriter } from './buffered-writer.js';
export * from './mrt-schemas.js';
export { dumpMrt, elementPredicate, mrtStats } from './mrt.js';
export * from './country.js';
export * from './demo.js';
