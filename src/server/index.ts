/**
 * server: the HTTP API (Fastify, zod schemas, OpenAPI, SSE) over app, and the built web UI as
 * static files. It holds no domain logic: each route parses, calls app and wraps the result in
 * the envelope.
 *
 * @example
 * const { url } = await startServer({ workspace: await Workspace.load(), token });
 */
export {
  API_PREFIX,
  Health,
  DEFAULT_WEB_ROOT,
  buildServer,
  loadServices,
  startServices,
  startServer,
  type Deferred,
  type LoadedServices,
  type ServerOptions,
  type ServerServices,
  type ServiceSources,
  type StartOptions,
  type StartupWork,
} from './server.js';
export { AlertFeed, AlertHub, type AlertSource, type HubOptions, type HubStats } from './sse.js';
export { Coverage, DataTime, Meta, Page, Problem, envelope } from './envelope.js';
export { bearerMatches, defaultTokenFile, ensureToken, TOKEN_BYTES } from './token.js';
export { AnswerCache, type AnswerCacheCounts, type CachedAnswer } from './cache.js';
