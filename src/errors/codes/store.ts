/** Codes raised by store/: the embedded DuckDB store and its schema. */
import type { CodeSpec } from '../category.js';

export const STORE_CODES = {} as const satisfies Record<string, CodeSpec>;

export type StoreErrorCode = keyof typeof STORE_CODES;
