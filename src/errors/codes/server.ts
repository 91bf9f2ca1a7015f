/** Codes raised by server/: the HTTP API. */
import type { CodeSpec } from '../category.js';

export const SERVER_CODES = {} as const satisfies Record<string, CodeSpec>;

export type ServerErrorCode = keyof typeof SERVER_CODES;
