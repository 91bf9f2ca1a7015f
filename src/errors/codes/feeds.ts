/** Codes raised by feeds/: the archive fetcher and the RIS Live client. */
import type { CodeSpec } from '../category.js';

export const FEEDS_CODES = {
  // ---- RIS Live client (feeds/ris-live) ----
  RIS_LIVE_BAD_OPTION: {
    category: 'usage',
    description:
      'A RIS Live client option is out of range or malformed (the URL, a subscription filter, a back-off, ping or queue bound).',
    action: 'Pass a value in the range the message gives; the URL must be ws:// or wss://.',
  },
  RIS_LIVE_BAD_JSON: {
    category: 'input',
    description: 'A WebSocket message from the RIS Live server is not JSON; it was counted and skipped.',
    action:
      'Nothing to do for a few; many mean the URL is not a RIS Live endpoint or a proxy mangles the stream.',
  },
  RIS_LIVE_BAD_MESSAGE: {
    category: 'input',
    description:
      'A RIS Live message is JSON but not in the documented shape (a field missing or of the wrong type, an unparsable prefix or address); it was counted and skipped.',
    action: 'The message and its JSON path are in the report; tell the feed operator if it persists.',
  },
  RIS_LIVE_UNKNOWN_TYPE: {
    category: 'input',
    description: 'A RIS Live message has a type the client does not know; it was counted and skipped.',
    action: 'Nothing to do unless the server has changed its protocol: then update cairn.',
  },
  RIS_LIVE_SERVER_ERROR: {
    category: 'upstream',
    description: 'The RIS Live server sent a ris_error message (a refused subscription, a slow client).',
    action:
      'Read the server message; check the subscription filters, or narrow them if the client is too slow.',
  },
  RIS_LIVE_QUEUE_FULL: {
    category: 'too-large',
    description:
      'Messages arrived faster than they were handled and the bounded inbound queue was full: the messages past the bound were dropped and counted.',
    action:
      'Narrow the subscription (--host, a prefix filter) or raise the queue bound; the detection missed the dropped messages.',
  },
  RIS_LIVE_DISCONNECTED: {
    category: 'upstream',
    description:
      'The connection to the RIS Live server failed or closed; the client reconnects with back-off.',
    action: 'Nothing to do if it comes back; otherwise check the URL and the network.',
  },
  RIS_LIVE_PING_TIMEOUT: {
    category: 'upstream',
    description:
      'Nothing came from the RIS Live server for longer than the idle bound, pings included; the client drops the connection and reconnects.',
    action: 'Nothing to do if it comes back; a frequent timeout means a congested path to the server.',
  },
  // ---- archive fetcher (feeds/archive) ----
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
  // ---- the element bus (feeds/bus) ----
  BUS_BAD_URL: {
    category: 'usage',
    description:
      'A bus URL is not nats://host:port[,host:port...] with an optional ?stream= and ?subject= under cairn.elements.',
    action: 'Write the URL as the message shows, e.g. nats://127.0.0.1:4222.',
  },
  BUS_UNAVAILABLE: {
    category: 'unavailable',
    description:
      'The NATS JetStream server could not be reached, refused to set up the stream or the consumer, or did not acknowledge a message after every retry.',
    action: 'Check that nats-server runs with JetStream (-js) at the address given, and its logs.',
  },
  BUS_DELIVERY_GAP: {
    category: 'unavailable',
    description:
      'The bus delivered messages this worker did not receive (a pull request ended while they were on the way); the worker starts reading again after its last commit.',
    action: 'Nothing to do: the worker recovers by itself; many of them mean the machine is overloaded.',
  },
  BUS_BAD_MESSAGE: {
    category: 'input',
    description:
      'A message on the element stream has no segment framing (it was not published by cairn), or a segment is cut (a part missing).',
    action: 'Publish on the cairn.elements subjects with cairn only; the message sequence is in the report.',
  },
} as const satisfies Record<string, CodeSpec>;

export type FeedsErrorCode = keyof typeof FEEDS_CODES;
