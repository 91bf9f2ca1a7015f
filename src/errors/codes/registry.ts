/**
 * Codes raised by registry/: RIR delegated statistics files and AS-name lists. Line and entry
 * problems are collected in the load result (up to a bound) and the rest of the file is loaded.
 */
import type { CodeSpec } from '../category.js';

const BAD_RECORD_ACTION =
  'The line is skipped and the rest is loaded. If many lines fail, check that the file is an RIR delegated(-extended) statistics file and fetch it again.';

export const REGISTRY_CODES = {
  REGISTRY_READ_FAILED: {
    category: 'unavailable',
    description: 'The registry file cannot be read, or is not a regular file.',
    action: 'Check the path and its permissions.',
  },
  REGISTRY_TOO_LARGE: {
    category: 'too-large',
    description: 'The registry file, or what it decompresses to, is above the size bound.',
    action: 'Check that it is an RIR statistics file; pass a larger maxBytes if it really is one.',
  },
  REGISTRY_BAD_GZIP: {
    category: 'input',
    description: 'The file starts like gzip but does not decompress.',
    action: 'Fetch the file again.',
  },
  REGISTRY_NO_HEADER: {
    category: 'input',
    description:
      'The first line that is not a comment is not the version header (version|registry|serial|records|startdate|enddate|UTCoffset).',
    action: 'Check that the file is an RIR delegated statistics file and not cut at its start.',
  },
  REGISTRY_BAD_HEADER: {
    category: 'input',
    description:
      'The version header has the wrong number of fields, an unknown registry, or a record count or serial that is not a number.',
    action: 'Check the first line against the RIR statistics format.',
  },
  REGISTRY_BAD_LINE: {
    category: 'input',
    description:
      'A line is not a record: too long, wrong number of fields, an unknown registry or type, or a second version header.',
    action: BAD_RECORD_ACTION,
  },
  REGISTRY_BAD_DATE: {
    category: 'input',
    description: 'A date (in the header or a record) is not a YYYYMMDD calendar date.',
    action: BAD_RECORD_ACTION,
  },
  REGISTRY_BAD_ADDRESS: {
    category: 'input',
    description: 'The start of an ipv4 or ipv6 record is not an address of that family.',
    action: BAD_RECORD_ACTION,
  },
  REGISTRY_BAD_RANGE: {
    category: 'input',
    description:
      'The value of a record is not a decimal number, is zero, runs past the end of the address or ASN space, or the IPv6 start is not the start of its block.',
    action: BAD_RECORD_ACTION,
  },
  REGISTRY_UNKNOWN_COUNTRY: {
    category: 'input',
    description: 'A record country is not an ISO 3166-1 alpha-2 code (nor AP, EU, ZZ).',
    action: 'The record is loaded without a country; check the file if many lines say so.',
  },
  REGISTRY_COUNT_MISMATCH: {
    category: 'input',
    description: 'The header or a summary line gives a record count that differs from the records loaded.',
    action: 'The file is probably cut or was edited: fetch it again.',
  },
  REGISTRY_TOO_MANY_PROBLEMS: {
    category: 'input',
    description: 'More problems than the bound were found; the ones past it are not listed.',
    action: 'Fix the problems listed first; the file is probably not an RIR statistics file.',
  },
  ASNAMES_BAD_JSON: {
    category: 'input',
    description: 'The AS-names file is not JSON, or its top level is not an object of ASN -> name.',
    action: 'Give a JSON object such as {"64500": "EXAMPLE-AS"}.',
  },
  ASNAMES_BAD_ENTRY: {
    category: 'input',
    description:
      'An AS-names entry has a key that is not an AS number or a name that is not a string of allowed length.',
    action: 'The entry is skipped; fix it in the file if the name matters.',
  },
  ASNAMES_TOO_MANY_PROBLEMS: {
    category: 'input',
    description: 'More bad AS-names entries than the bound were found; the ones past it are not listed.',
    action: 'Check that the file is an AS-names JSON object.',
  },
} as const satisfies Record<string, CodeSpec>;

export type RegistryErrorCode = keyof typeof REGISTRY_CODES;
