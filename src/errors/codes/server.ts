/** Codes raised by server/: the HTTP API. */
import type { CodeSpec } from '../category.js';

export const SERVER_CODES = {
  API_BAD_REQUEST: {
    category: 'usage',
    description:
      'A request parameter, query field or body field is missing or out of range; the answer names the field.',
    action: 'Read the field and message in the answer and the OpenAPI document at /api/v1/openapi.json.',
  },
  API_NOT_FOUND: {
    category: 'not-found',
    description: 'No API route, or no object (event, case, hypothesis) with the id given.',
    action: 'Check the path and the id; the OpenAPI document lists every route.',
  },
  API_UNAUTHORIZED: {
    category: 'usage',
    description:
      'A write (import, ACH edit) came without the bearer token the server printed on its first start, or with another one. Answered with status 401.',
    action:
      'Send `Authorization: Bearer TOKEN` with the token from the token file (`cairn serve` prints its path).',
  },
  API_RATE_LIMITED: {
    category: 'unavailable',
    description: 'Too many requests from one address in the rate-limit window. Answered with status 429.',
    action: 'Wait for the time the Retry-After header gives, or start the server with a higher limit.',
  },
  API_BODY_TOO_LARGE: {
    category: 'too-large',
    description: 'A request body is larger than the server accepts.',
    action: 'Send a smaller body, or start the server with a larger body limit.',
  },
  API_NO_STORE: {
    category: 'unavailable',
    description:
      'A history or ingest-status route was asked of a server started without a store. Answered with status 503.',
    action: 'Start the server with a store (`cairn serve` opens one: --db FILE, default $CAIRN_DB).',
  },
  API_NOT_READY: {
    category: 'unavailable',
    description:
      'A route read a service (routing world, evidence, ACH cases, outage archive) the server is still loading after a start. Answered with status 503.',
    action: 'Ask again in a moment: a start over a kept store answers first and loads the rest after.',
  },
  SERVER_INTERNAL: {
    category: 'internal',
    description: 'The server failed on a request through a fault of its own; the answer carries no detail.',
    action: 'Report it with the request that caused it; the server log has the detail.',
  },
  SERVER_TOKEN_FILE: {
    category: 'unavailable',
    description: 'The API token file cannot be created or read, or it is readable by other users.',
    action: 'Check the directory ($CAIRN_HOME, default ~/.cairn) and the file mode (0600).',
  },
} as const satisfies Record<string, CodeSpec>;

export type ServerErrorCode = keyof typeof SERVER_CODES;
