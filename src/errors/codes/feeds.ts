/** Codes raised by feeds/: the archive fetcher and the RIS Live client. */
import type { CodeSpec } from '../category.js';

export const FEEDS_CODES = {
  FETCH_BAD_OPTION: {
    category: 'usage',
    description:
      'A fetch request cannot be planned: an unknown source or kind, a collector or registry name the layout does not know, a time range that is empty or too long, or a base URL that is not http(s).',
    action:
      'Read the message and `cairn fetch --help`; collector names are rrcNN for RIS and route-views.NAME (or route-views2) for RouteViews.',
  },
  FETCH_NOT_FOUND: {
    category: 'not-found',
    description:
      'The archive answered 404 or 410 for a file: the collector did not publish it (a gap in the archive, a collector not yet or no longer running, a time in the future).',
    action:
      'Nothing, if gaps are expected; otherwise check the collector name, the time range and the base URL.',
  },
  FETCH_HTTP_STATUS: {
    category: 'upstream',
    description:
      'The archive answered a status cairn cannot use (a 4xx other than 404/410, or 429/5xx still after every retry).',
    action: 'Check the base URL; for a busy server, try again later or with a lower --concurrency.',
  },
  FETCH_NETWORK: {
    category: 'upstream',
    description:
      'The connection failed (refused, reset, timed out, or closed before the whole body arrived) on every attempt; the bytes received are kept in the .part file.',
    action: 'Run the same fetch again: it resumes the .part file from the byte it reached.',
  },
  FETCH_VERIFY_FAILED: {
    category: 'input',
    description:
      'A downloaded file is not what the archive layout promises: it does not decompress to its end (truncated or corrupt), it has another compression than its name says, or its size differs from the one the server declared. It is not kept.',
    action:
      'Fetch it again later; if the archive itself holds a damaged file, report it to the archive operator.',
  },
  FETCH_WRITE_FAILED: {
    category: 'unavailable',
    description: 'The download directory or a file in it cannot be created or written.',
    action: 'Check the --dir path, its permissions and the free space.',
  },
} as const satisfies Record<string, CodeSpec>;

export type FeedsErrorCode = keyof typeof FEEDS_CODES;
