import { escapeForTerminal } from '../errors/index.js';

const MAX_QUOTED = 64;

/**
 * Puts untrusted input into an error message: quoted, control characters escaped, and cut to a
 * bounded length (with the full length stated) so a huge field cannot flood a log.
 */
export function quoteInput(text: unknown): string {
  if (typeof text !== 'string') return `(${typeof text})`;
  const shown = text.length > MAX_QUOTED ? text.slice(0, MAX_QUOTED) : text;
  const escaped = escapeForTerminal(shown.replace(/["\\]/g, (ch) => `\\${ch}`));
  return text.length > MAX_QUOTED ? `"${escaped}..." (${text.length} characters)` : `"${escaped}"`;
}
