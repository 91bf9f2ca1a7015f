/**
 * registry: who holds what. Reads the RIRs' and IANA's delegated statistics files (plain and
 * extended format, as text the caller read and decompressed) into prefix -> country and ASN -> country, loading several
 * registries and dates together with the newest record winning per block; and AS names
 * (pyasn's asnames.json) as handle, description and country. Malformed lines are reported as
 * ParseErrors with file and line (REGISTRY_BAD_LINE, REGISTRY_BAD_RANGE, REGISTRY_BAD_ADDRESS,
 * REGISTRY_UNKNOWN_COUNTRY, REGISTRY_BAD_DATE, ...) and skipped.
 *
 * @example
 * import { Registry, AsNames } from '../registry/index.js';
 * import { parseAddress } from '../net/index.js';
 * const registry = new Registry();
 * const report = registry.loadText('delegated-apnic-20141009', delegatedText); // the caller reads the file
 * report.problems; // []
 * registry.countryOfAddress(parseAddress('175.45.178.1'))?.country; // 'KP'
 * registry.countryOfAsn(131279)?.country; // 'KP'
 * registry.registeredSpace('KP'); // { ipv4Slash24s: 4, ipv6Slash48s: 0 }
 * const names = AsNames.fromJson('asnames.json', asnamesText);
 * names.get(131279)?.name; // 'STAR-KP'
 */
export type { AsnRange, LoadReport, RegisteredSpace, RegistryEntry } from './registry.js';
export { Registry } from './registry.js';
export type {
  AsnRecord,
  DelegatedFile,
  DelegatedHeader,
  DelegatedRecord,
  DelegatedSummary,
  IpRecord,
  ParseDelegatedOptions,
  RegistryStatus,
  ResourceType,
} from './delegated.js';
export { REGISTRY_NAMES, checkDate, isHolderStatus, parseDelegated } from './delegated.js';
export {
  ISO_COUNTRY_COUNT,
  REGISTRY_REGION_CODES,
  UNKNOWN_COUNTRY,
  isKnownCountryCode,
} from './countries.js';
export type { AsName } from './asnames.js';
export { AsNames, displayName, splitAsName } from './asnames.js';
