/**
 * The catalogue of every error code, one table per module. Each module's codes are an `as const`
 * object, so `ErrorCode` is the union of their keys and a code that is not catalogued does not
 * type-check where a `CairnError` is built.
 */
import type { CodeSpec, ErrorCategory } from '../category.js';
import { APP_CODES } from './app.js';
import { BGP_CODES } from './bgp.js';
import { COLLECTOR_CODES } from './collector.js';
import { HASH_CODES } from './hash.js';
import { INTEL_CODES } from './intel.js';
import { MRT_CODES } from './mrt.js';
import { NET_CODES } from './net.js';
import { OBSERVATORY_CODES } from './observatory.js';
import { REGISTRY_CODES } from './registry.js';
import { ROUTING_CODES } from './routing.js';
import { FEEDS_CODES } from './feeds.js';
import { STORE_CODES } from './store.js';
import { SERVER_CODES } from './server.js';

export type { AppErrorCode } from './app.js';
export type { BgpErrorCode } from './bgp.js';
export type { CollectorErrorCode } from './collector.js';
export type { HashErrorCode } from './hash.js';
export type { IntelErrorCode } from './intel.js';
export type { MrtErrorCode } from './mrt.js';
export type { NetErrorCode } from './net.js';
export type { ObservatoryErrorCode } from './observatory.js';
export type { RegistryErrorCode } from './registry.js';
export type { RoutingErrorCode } from './routing.js';
export type { FeedsErrorCode } from './feeds.js';
export type { StoreErrorCode } from './store.js';
export type { ServerErrorCode } from './server.js';

/** The catalogue grouped by the module that raises the codes, in the order of the module map. */
export const CODE_MODULES = [
  { module: 'net', codes: NET_CODES },
  { module: 'bgp', codes: BGP_CODES },
  { module: 'bgp/collector', codes: COLLECTOR_CODES },
  { module: 'mrt', codes: MRT_CODES },
  { module: 'registry', codes: REGISTRY_CODES },
  { module: 'routing', codes: ROUTING_CODES },
  { module: 'observatory', codes: OBSERVATORY_CODES },
  { module: 'hash', codes: HASH_CODES },
  { module: 'intel', codes: INTEL_CODES },
  { module: 'feeds', codes: FEEDS_CODES },
  { module: 'store', codes: STORE_CODES },
  { module: 'app and cli', codes: APP_CODES },
  { module: 'server', codes: SERVER_CODES },
] as const;

export type ErrorModule = (typeof CODE_MODULES)[number]['module'];

/** Every catalogued code. */
export const ERROR_CODES = {
  ...NET_CODES,
  ...BGP_CODES,
  ...COLLECTOR_CODES,
  ...MRT_CODES,
  ...REGISTRY_CODES,
  ...ROUTING_CODES,
  ...OBSERVATORY_CODES,
  ...HASH_CODES,
  ...INTEL_CODES,
  ...FEEDS_CODES,
  ...STORE_CODES,
  ...APP_CODES,
  ...SERVER_CODES,
} as const;

/** A catalogued error code: the only values `CairnError.code` takes. */
export type ErrorCode = keyof typeof ERROR_CODES;

const MODULE_OF = new Map<string, ErrorModule>(
  CODE_MODULES.flatMap(({ module, codes }) => Object.keys(codes).map((code) => [code, module] as const)),
);

/** Whether `value` (from JSON, a log, a client) is a catalogued code. */
export function isErrorCode(value: string): value is ErrorCode {
  return MODULE_OF.has(value);
}

/** The category of a code, which a face maps to an HTTP status or an exit code. */
export function errorCategory(code: ErrorCode): ErrorCategory {
  return (ERROR_CODES[code] as CodeSpec).category;
}

/** Everything the catalogue says about a code: its module, category, description and action. */
export function describeCode(code: ErrorCode): CodeSpec & { code: ErrorCode; module: ErrorModule } {
  const spec: CodeSpec = ERROR_CODES[code];
  return { code, module: MODULE_OF.get(code) as ErrorModule, ...spec };
}
