/** Codes raised by observatory/: country and AS views, outage detection. */
import type { CodeSpec } from '../category.js';

export const OBSERVATORY_CODES = {
  OBSERVATORY_BAD_COUNTRY: {
    category: 'input',
    description:
      'The country is not an ISO 3166-1 alpha-2 code that a registry assigns addresses to (ZZ, unknown, is refused).',
    action: 'Give a two-letter country code such as NL or KE.',
  },
  OBSERVATORY_BAD_ASN: {
    category: 'input',
    description: 'The AS number asked for is not an integer in 0..4294967295.',
    action: 'Give a 32-bit AS number.',
  },
  OUTAGE_BAD_OPTION: {
    category: 'usage',
    description: 'An outage-detection parameter (bin, thresholds, clock scale) is outside its range.',
    action:
      'Pass a value in the range the message gives; the head of observatory/outages.ts explains each parameter.',
  },
} as const satisfies Record<string, CodeSpec>;

export type ObservatoryErrorCode = keyof typeof OBSERVATORY_CODES;
