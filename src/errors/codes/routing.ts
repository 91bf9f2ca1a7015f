/** Codes raised by routing/: the routing table. */
import type { CodeSpec } from '../category.js';

export const ROUTING_CODES = {
  ROUTING_TABLE_FULL: {
    category: 'too-large',
    description: 'The routing table holds the most distinct prefixes its prefix index can number.',
    action: 'Load fewer files into one table (split by collector or by family).',
  },
} as const satisfies Record<string, CodeSpec>;

export type RoutingErrorCode = keyof typeof ROUTING_CODES;
