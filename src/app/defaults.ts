/**
 * The bundled real data every face falls back on (data/README.md gives its provenance). Paths are
 * resolved from this file, which sits two levels below the repository root in src/ and in dist/.
 */
import { fileURLToPath } from 'node:url';

const DATA = new URL('../../data/', import.meta.url);
const at = (relative: string): string => fileURLToPath(new URL(relative, DATA));

/** APNIC's delegated statistics of 9 October 2014 (covers North Korea's space). */
export const DEFAULT_REGISTRY_FILES: readonly string[] = [at('registry/delegated-apnic-20141009.gz')];
/** AS names and countries. */
export const DEFAULT_ASNAMES_FILE = at('registry/asnames.json.gz');
/** The bundled threat-intelligence corpus. */
export const DEFAULT_INTEL_CORPUS = at('intel');
/** One RIS peer's full table and updates, October 2015: the demo's routing data. */
export const DEMO_MRT_FILE = at('mrt/ripe-bgpdump/updates.et-header.2015.gz');
/** The Sony Pictures 2014 case, as an ACH case file. */
export const SONY_CASE_FILE = fileURLToPath(new URL('../../cases/sony-pictures-2014.json', import.meta.url));
