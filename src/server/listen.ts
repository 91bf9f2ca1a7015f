/**
 * A listener that is up before the server is built: `cairn serve` listens with it after loading
 * only node:http, then loads app, the store (DuckDB) and Fastify behind it. Until the server takes
 * it over, `/api/v1/health` says what the start is doing, every other API path answers 503
 * API_NOT_READY and any other path a small page that reloads itself. This file is a surface of
 * its own (eslint-rules/layering.js): it loads neither Fastify nor zod nor app.
 *
 * @example
 * const early = await listenEarly({ host: '127.0.0.1', port: 8080 });
 * early.step('opening the store');
 * await startServer({ ...services, token, listener: early }); // takes it over
 */
import http from 'node:http';
import { CairnError, HTTP_STATUS_BY_CATEGORY } from '../errors/index.js';

export { defaultTokenFile, ensureToken } from './token.js';

/** Handles one request (Fastify's handler, once the server is built). */
export type RequestHandler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

export interface EarlyListener {
  /** The listening server; the built server answers on it once handed over. */
  readonly server: http.Server;
  /** The base URL it answers on, http://host:port. */
  readonly url: string;
  /** What the start is doing now (shown by /health and the 503s until the hand-over). */
  step(label: string): void;
  /** Every request from now on goes to `handler`. */
  handOver(handler: RequestHandler): void;
  /** Stops accepting connections and closes the idle ones; resolves once every connection is gone. */
  close(): Promise<void>;
}

export interface EarlyOptions {
  /** Default 127.0.0.1: nothing beyond this machine reaches the server unless told to. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** The first step's label. */
  label?: string;
}

const API = '/api/v1';

/**
 * Headers of every early answer: nothing from them runs (no script, no frame, no sniffing) and
 * nothing is kept (they change once the server is built).
 */
const SAFE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;

/** The page a browser gets before the server is built: it asks again after a second (no script). */
const STARTING_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="1">' +
  '<title>cairn is starting</title></head><body><p>cairn is starting; this page reloads in a moment.</p></body></html>\n';

function send(
  response: http.ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  response.writeHead(status, {
    ...SAFE_HEADERS,
    ...extra,
    // No connection is kept idle across the start: loading blocks the event loop for a while, and a
    // keep-alive timeout firing after such a block would reset a request the client just sent.
    connection: 'close',
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** The /api/v1/health answer while the start goes on (the shape of server's `Health`). */
function healthJson(label: string): string {
  const loading = 'loading';
  return JSON.stringify({
    data: {
      ready: false,
      startup: { label, state: loading, done: 0, total: null, unit: 'steps' },
      services: { workspace: loading, intel: loading, ach: loading, outages: loading },
      answers: { generation: 0, entries: 0, bytes: 0, hits: 0, misses: 0, notModified: 0 },
    },
    meta: { queryMs: 0, dataTime: null, coverage: { peers: 0, files: 0, sources: [] } },
  });
}

/** The 503 problem of an API request before the server is built (the shape of server's `Problem`). */
function notReadyJson(label: string): string {
  const error = new CairnError(
    'API_NOT_READY',
    `${label}; ask again in a moment (GET ${API}/health says when it is ready)`,
  );
  return JSON.stringify({
    code: error.code,
    message: error.message,
    status: HTTP_STATUS_BY_CATEGORY[error.category],
  });
}

/** Listens on host:port and answers "starting" until `handOver`. */
export async function listenEarly(options: EarlyOptions = {}): Promise<EarlyListener> {
  let label = options.label ?? 'starting the server';
  let handler: RequestHandler | undefined;
  const early: RequestHandler = (request, response) => {
    if (handler !== undefined) return handler(request, response);
    // The body, if any, is not read: the answer does not depend on it.
    request.resume();
    const url = request.url ?? '/';
    const path = url.split('?', 1)[0];
    if (path === `${API}/health` && (request.method === 'GET' || request.method === 'HEAD'))
      return send(response, 200, 'application/json; charset=utf-8', healthJson(label));
    if (path === '/api' || path.startsWith('/api/')) {
      const body = notReadyJson(label);
      return send(response, 503, 'application/json; charset=utf-8', body, { 'retry-after': '1' });
    }
    send(response, 503, 'text/html; charset=utf-8', STARTING_PAGE, { 'retry-after': '1' });
  };
  const server = http.createServer(early);
  // Fastify's own defaults for a server it makes (no request timeout, 72 s keep-alive).
  server.keepAliveTimeout = 72_000;
  server.requestTimeout = 0;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 8080 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8080);
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `http://${shown}:${port}`,
    step(next) {
      label = next;
    },
    handOver(next) {
      handler = next;
    },
    close() {
      return new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
