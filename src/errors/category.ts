/**
 * What kind of failure an error code is, so that a face can answer without knowing every code:
 * the HTTP server maps a category to a status, the CLI to an exit code or a wording.
 *
 * @example
 * reply.status(HTTP_STATUS_BY_CATEGORY[errorCategory(error.code)]);
 */

/** The kinds of failure; `HTTP_STATUS_BY_CATEGORY` gives the status each one answers with. */
export const ERROR_CATEGORIES = {
  usage: 'A caller passed an argument or option that is out of range or contradicts another one.',
  input: 'Data handed in (a file, a message, a document, a value to parse) is malformed or inconsistent.',
  'not-found': 'The thing asked for (a file, a case, a corpus) does not exist.',
  conflict: 'The request clashes with the current state (a duplicate id, a resource already in use).',
  'too-large': 'The input is beyond a bound cairn sets to keep memory and time in check.',
  unavailable:
    'Something cairn needs is missing or cannot be reached now (a tool, a package, a file system, a socket).',
  upstream: 'A remote party (a BGP peer) broke the protocol or stopped answering.',
  internal: 'A bug in cairn, or cairn used against its contract; never a fault of the input.',
} as const;

export type ErrorCategory = keyof typeof ERROR_CATEGORIES;

/**
 * The HTTP status for each category. `input` is 422 rather than 400 because the request itself
 * was well formed and it is the data it carries that does not parse; `usage` (a bad parameter) is 400.
 */
export const HTTP_STATUS_BY_CATEGORY = {
  usage: 400,
  input: 422,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  unavailable: 503,
  upstream: 502,
  internal: 500,
} as const satisfies Record<ErrorCategory, number>;

/** One catalogued code: what it means, what the user should do, and its category. */
export interface CodeSpec {
  readonly category: ErrorCategory;
  /** What happened, in the user's words (one or two sentences). */
  readonly description: string;
  /** What the user should do about it. */
  readonly action: string;
}
