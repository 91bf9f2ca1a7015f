/** Codes raised by feeds/: the archive fetcher and the RIS Live client. */
import type { CodeSpec } from '../category.js';

export const FEEDS_CODES = {} as const satisfies Record<string, CodeSpec>;

export type FeedsErrorCode = keyof typeof FEEDS_CODES;
