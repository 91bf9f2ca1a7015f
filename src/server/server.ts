/**
 * The HTTP API over app: a Fastify instance with zod request and response schemas, the OpenAPI
 * document generated from them, one envelope for every answer and one problem shape for every
 * failure, safe defaults (loopback, bearer token on writes, body and rate limits, no CORS,
 * security headers), and the built web UI as static files with an SPA fallback.
 *
 * @example
 * const app = await buildServer({ workspace: await Workspace.load(), token });
 * const answer = await app.inject({ url: '/api/v1/countries/KP' });
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import {
  AchWorkspace,
  IntelWorkspace,
  OutageArchive,
  RoutingAnswers,
  RoutingViewStore,
  StoreWorkspace,
  Workspace,
  type SelectionInput,
  type WorkHooks,
} from '../app/index.js';
import { CairnError } from '../errors/index.js';
import { z } from 'zod';
import { AnswerCache } from './cache.js';
import { PROBLEM_RESPONSES, envelope } from './envelope.js';
import { handleError } from './problem.js';
import { achRoutes } from './routes/ach.js';
import { intelRoutes } from './routes/intel.js';
import { outageRoutes } from './routes/outages.js';
import { routingRoutes } from './routes/routing.js';
import { storeRoutes } from './routes/store.js';
import { AlertHub, type AlertSource, type HubOptions } from './sse.js';
import type { EarlyListener, RequestHandler } from './listen.js';
import { bearerMatches } from './token.js';

/** The built web UI, resolved from this file (two levels below the root in src/ and in dist/). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export const API_PREFIX = '/api/v1';

declare module 'fastify' {
  interface FastifyInstance {
    /** The live alert stream's hub (publish into it, read its counts). */
    alertHub: AlertHub;
    /** The answers kept as bytes (read their counts; `invalidate()` after changing what the server holds). */
    answerCache: AnswerCache;
  }
}

/** A service loaded before the server starts, or one still loading while it already answers. */
export type Deferred<T> = T | Promise<T>;

/**
 * What the routes read: each loaded once, either before the server starts or while it already
 * answers (a route that needs a service still loading waits for it; the store routes need none).
 */
export interface ServerServices {
  /** The routing world every routing question reads. */
  workspace: Deferred<Workspace>;
  /** The evidence corpus, enriched from the workspace. */
  intel: Deferred<IntelWorkspace>;
  /** The ACH cases. */
  ach: Deferred<AchWorkspace>;
  /** The archive outages are replayed from. */
  outages: Deferred<OutageArchive>;
  /** The selections /outages lists (default: country KP). */
  watch?: SelectionInput[];
  /** The store history and ingest status are read from; without it those routes answer 503. */
  store?: StoreWorkspace;
  /**
   * The routing answers the store keeps for this world: the routing routes answer from them while
   * the world still loads (none: they wait for the world).
   */
  routingViews?: Deferred<RoutingViewStore | undefined>;
  /**
   * Data being put into the store before anything is answered from it (a first start's ingest):
   * until it settles every API route but /health answers 503 API_NOT_READY, and /health reports it.
   */
  startup?: StartupWork;
}

/** Work the server waits for before answering, with its progress as /health reports it. */
export interface StartupWork {
  /** What is being done, for people ("ingesting the bundled data"). */
  label: string;
  /** Settles when it is done (a rejection leaves the routes answering 503). */
  finished: Promise<unknown>;
  /** Where it is now. */
  progress: () => { done: number; total: number | null; unit: string };
}

export interface ServiceSources {
  /** MRT files of the routing world (default: the bundled RIS table of October 2015). */
  mrt?: readonly string[];
  /** MRT files outages are replayed from (default: the routing world's). */
  outageMrt?: readonly string[];
  /** Evidence corpus folders (default: the bundled data/intel). */
  corpus?: readonly string[];
  /** ACH case files (default: the bundled Sony Pictures 2014 case). */
  achCases?: readonly string[];
  /** Detector parameters of the outage replay. */
  detector?: ConstructorParameters<typeof OutageArchive>[0]['detector'];
  /** The store whose evidence index the intel routes read, when it has one (else the corpus files). */
  intelStore?: StoreWorkspace;
  /**
   * The store the routing answers are kept in: read at start when it keeps this world's, else
   * written once the world has loaded from the files.
   */
  routingStore?: StoreWorkspace;
}

/** Loads everything the routes read, from the given or bundled data. */
export async function loadServices(
  sources: ServiceSources = {},
  hooks: WorkHooks = {},
): Promise<LoadedServices> {
  const lazy = startServices(sources, hooks);
  const [workspace, intel, ach, outages] = await Promise.all([
    lazy.workspace,
    lazy.intel,
    lazy.ach,
    lazy.outages,
  ]);
  return { workspace, intel, ach, outages };
}

/**
 * Starts loading everything the routes read and returns at once, each service a promise: a server
 * built over them listens while they load (a restart over a kept store is up in seconds), and a
 * route waits only for what it reads. A failure is kept in the promise and answered by the routes
 * that need it.
 */
export function startServices(
  sources: ServiceSources = {},
  hooks: WorkHooks = {},
): {
  workspace: Promise<Workspace>;
  intel: Promise<IntelWorkspace>;
  ach: Promise<AchWorkspace>;
  outages: Promise<OutageArchive>;
  routingViews?: Promise<RoutingViewStore | undefined>;
} {
  const world = sources.mrt !== undefined ? { mrt: sources.mrt } : {};
  const routingStore = sources.routingStore;
  const routingViews =
    routingStore === undefined ? undefined : RoutingViewStore.open(routingStore.store, world);
  const workspace = Workspace.load(world, hooks).then(async (loaded) => {
    const views = await routingViews?.catch(() => undefined);
    // The ranking is computed once here, so the first request for it is as quick as the rest
    // (unless the store keeps it: then it is read from there).
    if (views?.kept !== true) loaded.countries();
    if (views !== undefined && !views.kept)
      // Kept behind the answers: a failure only makes the next start slower.
      views.keep(loaded).catch((error: unknown) => {
        if (error instanceof CairnError) hooks.onProblem?.(error);
      });
    return loaded;
  });
  const intel = workspace.then((loaded) =>
    IntelWorkspace.load(
      loaded.world,
      {
        ...(sources.corpus !== undefined ? { corpus: sources.corpus } : {}),
        ...(sources.intelStore !== undefined ? { store: sources.intelStore.store } : {}),
      },
      hooks,
    ),
  );
  const ach = AchWorkspace.load(sources.achCases);
  const outages = workspace.then(
    (loaded) =>
      new OutageArchive(
        {
          mrt: sources.outageMrt ?? loaded.sources.mrt,
          registry: loaded.sources.registry,
          ...(sources.detector !== undefined ? { detector: sources.detector } : {}),
        },
        { onProblem: hooks.onProblem },
      ),
  );
  // Kept for the routes; marked handled here so a failure waits for a request to be answered.
  for (const pending of [workspace, intel, ach, outages, routingViews]) pending?.catch(() => undefined);
  return { workspace, intel, ach, outages, ...(routingViews !== undefined ? { routingViews } : {}) };
}

export interface ServerOptions extends ServerServices {
  /** The bearer token writes need (see token.ts). */
  token: string;
  /** The built web UI (default web/dist); null serves none. */
  webRoot?: string | null;
  /** Largest request body in bytes (default 4 MiB: a STIX bundle or MISP event to import). */
  bodyLimit?: number;
  /** Requests per address per window (default 3,000 a minute); false turns the limit off. */
  rateLimit?: { max: number; windowMs: number } | false;
  /** Fastify's logger option (default off: the caller logs what it wants). */
  logger?: FastifyServerOptions['logger'];
  /** Where live alerts come from (a collector's stream, a replayed archive); none: the stream stays quiet. */
  alerts?: AlertSource;
  /** Ring, queue and subscriber bounds of the alert stream. */
  sse?: HubOptions;
  /**
   * A listener already up (listen.ts): the server answers on it once ready instead of making its
   * own (`startServer` then does not listen), and closes it when it closes.
   */
  listener?: EarlyListener;
}

/** The services once loaded. */
export interface LoadedServices {
  workspace: Workspace;
  intel: IntelWorkspace;
  ach: AchWorkspace;
  outages: OutageArchive;
}
/** The name of a service a route group reads. */
export type ServiceName = keyof LoadedServices;

/** What routes share: the services (each read once `ready` resolved), the alert hub, the write check. */
export interface RouteContext {
  readonly workspace: Workspace;
  readonly intel: IntelWorkspace;
  readonly ach: AchWorkspace;
  readonly outages: OutageArchive;
  readonly store?: StoreWorkspace;
  /** The routing questions: from the loaded world, else the views the store keeps, else once loaded. */
  readonly routing: RoutingAnswers;
  /** Answers kept as bytes by URL, let go on every write. */
  readonly answers: AnswerCache;
  /** Resolves once the named services are loaded (rejects with their loading error). */
  ready: (...names: ServiceName[]) => Promise<void>;
  hub: AlertHub;
  watch: SelectionInput[];
  /** A preHandler that answers 401 unless the request carries the token. */
  requireToken: (request: { headers: { authorization?: string } }) => Promise<void>;
}

export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** Where a service is: the server answers while they load. */
const ServiceState = z.enum(['loading', 'ready', 'failed']);
type ServiceState = z.infer<typeof ServiceState>;

/** The answer of /api/v1/health. */
export const Health = z.object({
  /** Every service loaded. */
  ready: z.boolean(),
  /** Work done before anything is answered (a first start's ingest), null when there is none. */
  startup: z
    .object({
      label: z.string(),
      state: ServiceState,
      done: z.number(),
      total: z.number().nullable(),
      unit: z.string(),
    })
    .nullable(),
  services: z.object({
    workspace: ServiceState,
    intel: ServiceState,
    ach: ServiceState,
    outages: ServiceState,
  }),
  answers: z.object({
    generation: z.number().int(),
    entries: z.number().int(),
    bytes: z.number().int(),
    hits: z.number().int(),
    misses: z.number().int(),
    notModified: z.number().int(),
  }),
});
export type Health = z.infer<typeof Health>;

/** Methods that change nothing. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

const NOT_BUILT =
  'cairn: the web UI is not built (web/dist is missing). Build web/ (web/README.md says how) or use the API at /api/v1 (documented at /api/docs).\n';

/** The security headers of every answer (CSP without inline script, no sniffing, frame denial). */
const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  frameguard: { action: 'deny' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  hsts: false,
};

/** Headers every answer has whatever its security policy (not helmet's). */
const PLAIN_HEADERS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/** The headers @fastify/helmet sets with these options, read once from an answer of a throwaway instance. */
async function securityHeadersOf(helmetOptions: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false });
  await probe.register(fastifyHelmet, helmetOptions);
  probe.get('/', async () => '');
  const answer = await probe.inject({ url: '/' });
  await probe.close();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers))
    if (!PLAIN_HEADERS.has(name) && value !== undefined)
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  return headers;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const listener = options.listener;
  let handler: RequestHandler | undefined;
  const app = Fastify({
    // Over a listener already up: Fastify's handler is kept and handed to it once ready.
    ...(listener !== undefined
      ? {
          serverFactory: (fastifyHandler: RequestHandler) => {
            handler = fastifyHandler;
            return listener.server;
          },
        }
      : {}),
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024,
    // Proxies are not trusted: the rate limit keys on the socket's address.
    trustProxy: false,
    // Query strings are parsed plainly (no nested objects).
    routerOptions: { maxParamLength: 200 },
  });
  if (listener !== undefined) {
    app.addHook('onReady', (done) => {
      if (handler !== undefined) listener.handOver(handler);
      done();
    });
    // Fastify closes only a server it made listen.
    app.addHook('onClose', async () => listener.close());
  }
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);

  // The security headers are made once by @fastify/helmet and set from that copy by one hook: the
  // plugin's own hooks rebuild helmet (CSP parsing included) on every request.
  const securityHeaders = await securityHeadersOf(HELMET_OPTIONS);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  if (options.rateLimit !== false) {
    const limit = options.rateLimit ?? { max: 3000, windowMs: 60_000 };
    await app.register(fastifyRateLimit, {
      max: limit.max,
      timeWindow: limit.windowMs,
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(`too many requests; retry in ${context.after}`), { statusCode: 429 }),
    });
  }
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'cairn API',
        description:
          'Country connectivity, outages and threat-intelligence attribution over the data cairn holds. Every answer is `{ data, meta }`; every failure is one problem object with its status.',
        version: '1',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: false });

  const hub = new AlertHub(options.sse);
  if (options.alerts !== undefined) hub.attach(options.alerts);
  app.addHook('preClose', async () => hub.close());
  app.decorate('alertHub', hub);
  const answers = new AnswerCache();
  app.decorate('answerCache', answers);
  // A write that succeeded may change any answer: the kept ones go before the client hears back.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!READS.has(request.method) && reply.statusCode < 400) answers.invalidate();
    done(null, payload);
  });

  const token = options.token;
  const held: Partial<LoadedServices> = {};
  const pending = new Map<ServiceName, Promise<void>>();
  const states: Record<ServiceName, ServiceState> = {
    workspace: 'loading',
    intel: 'loading',
    ach: 'loading',
    outages: 'loading',
  };
  const settle = (name: ServiceName, value: Deferred<LoadedServices[ServiceName]>): void => {
    const waiting = Promise.resolve(value).then(
      (service) => {
        Object.assign(held, { [name]: service });
        states[name] = 'ready';
      },
      (error: unknown) => {
        states[name] = 'failed';
        throw error;
      },
    );
    if (!(value instanceof Promise)) {
      Object.assign(held, { [name]: value });
      states[name] = 'ready';
    }
    waiting.catch(() => undefined);
    pending.set(name, waiting);
  };
  settle('workspace', options.workspace);
  settle('intel', options.intel);
  // With a store, the ACH edits are kept there: the cases are saved and the edits held replayed.
  const store = options.store;
  settle(
    'ach',
    store === undefined
      ? options.ach
      : Promise.resolve(options.ach).then(async (ach) => {
          await ach.keepIn(store.store);
          return ach;
        }),
  );
  settle('outages', options.outages);
  const loaded = <K extends ServiceName>(name: K): LoadedServices[K] => {
    const value = held[name];
    if (value === undefined)
      throw new CairnError('API_NOT_READY', `the ${name} is still loading; ask again in a moment`);
    return value;
  };
  const context: RouteContext = {
    get workspace() {
      return loaded('workspace');
    },
    get intel() {
      return loaded('intel');
    },
    get ach() {
      return loaded('ach');
    },
    get outages() {
      return loaded('outages');
    },
    ...(options.store !== undefined ? { store: options.store } : {}),
    routing: new RoutingAnswers(options.workspace, options.routingViews),
    answers,
    ready: async (...names) => {
      for (const name of names) await pending.get(name);
    },
    hub,
    watch: options.watch ?? [{ country: 'KP' }],
    requireToken: async (request) => {
      if (!bearerMatches(request.headers.authorization, token))
        throw new CairnError('API_UNAUTHORIZED', 'this write needs Authorization: Bearer TOKEN', {
          field: 'authorization',
        });
    },
  };
  const startup = options.startup;
  let startupState: ServiceState = startup === undefined ? 'ready' : 'loading';
  if (startup !== undefined) {
    startup.finished.then(
      () => (startupState = 'ready'),
      () => (startupState = 'failed'),
    );
    // Until the store holds its data, an answer from it would be wrong: the API says it is loading.
    app.addHook('onRequest', (request, reply, next) => {
      if (startupState === 'ready') return next();
      // While the first start ingests, the event loop can be held long enough for the keep-alive
      // timer to fire late and reset a socket a poller has just reused: close after each answer.
      reply.raw.shouldKeepAlive = false;
      const url = request.url;
      if (!url.startsWith(`${API_PREFIX}/`) || url.startsWith(`${API_PREFIX}/health`)) return next();
      if (url.startsWith(`${API_PREFIX}/openapi.json`)) return next();
      const { done, total, unit } = startup.progress();
      next(
        new CairnError(
          'API_NOT_READY',
          startupState === 'failed'
            ? `${startup.label} failed; the server answers nothing from the store`
            : `${startup.label} (${done} of ${total ?? '?'} ${unit}); ask again in a moment (GET ${API_PREFIX}/health says when it is ready)`,
        ),
      );
    });
  }
  const zodApp = app.withTypeProvider<ZodTypeProvider>();
  // Each group of routes in its own scope, waiting for the services it reads before answering.
  const group = async (
    names: ServiceName[],
    routes: (api: ZodApp, context: RouteContext) => Promise<void>,
  ): Promise<void> => {
    await app.register(
      async (api) => {
        if (names.length > 0) api.addHook('preHandler', async () => context.ready(...names));
        await routes(api.withTypeProvider<ZodTypeProvider>(), context);
      },
      { prefix: API_PREFIX },
    );
  };
  // The routing routes wait in RoutingAnswers: for the world only when the store keeps no answer.
  await group([], routingRoutes);
  await group(['workspace', 'outages'], outageRoutes);
  await group(['workspace', 'intel'], intelRoutes);
  await group(['ach'], achRoutes);
  await group([], storeRoutes);
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // Readiness: the server listens while the services load; this says which are there.
  zodApp.get(
    '/api/v1/health',
    {
      schema: {
        summary: 'Whether the server is ready: each service loading, ready or failed, and the kept answers',
        tags: ['server'],
        response: { 200: envelope(Health), ...PROBLEM_RESPONSES },
      },
    },
    async () => {
      const started = performance.now();
      const services = { ...states };
      return {
        data: {
          ready: startupState === 'ready' && Object.values(services).every((state) => state === 'ready'),
          startup:
            startup === undefined
              ? null
              : { label: startup.label, state: startupState, ...startup.progress() },
          services,
          answers: answers.counts(),
        },
        meta: {
          queryMs: Math.round((performance.now() - started) * 1000) / 1000,
          dataTime: null,
          coverage: { peers: 0, files: 0, sources: [] },
        },
      };
    },
  );

  const webRoot = options.webRoot === undefined ? DEFAULT_WEB_ROOT : options.webRoot;
  const built = webRoot !== null && existsSync(`${webRoot}/index.html`);
  if (built) {
    await app.register(fastifyStatic, { root: webRoot, wildcard: false, index: ['index.html'] });
  } else {
    zodApp.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/plain; charset=utf-8').send(NOT_BUILT),
    );
  }
  app.setNotFoundHandler(async (request, reply) => {
    const url = request.url;
    if (url === '/api' || url.startsWith('/api/') || request.method !== 'GET') {
      throw new CairnError('API_NOT_FOUND', `no API route answers ${request.method} at this path`, {
        field: 'url',
      });
    }
    if (built) return reply.type('text/html; charset=utf-8').sendFile('index.html');
    return reply.status(404).type('text/plain; charset=utf-8').send(NOT_BUILT);
  });
  return app;
}

export interface StartOptions extends ServerOptions {
  /** Default 127.0.0.1: nothing beyond this machine reaches the server unless told to. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
}

/**
 * Builds the server and listens (or takes over `listener`, already listening); resolves to the
 * instance and the address it answers on.
 */
export async function startServer(options: StartOptions): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildServer(options);
  if (options.listener !== undefined) {
    await app.ready();
    return { app, url: options.listener.url };
  }
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 8080 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8080);
  const shown = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${shown}:${port}` };
}
