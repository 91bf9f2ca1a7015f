/**
 * `cairn serve [--db FILE | --store URL] [--host H] [--port N] [--token-file F] [--mrt FILE...]`:
 * listens first (server/listen.ts, node:http only: the API answers 503 API_NOT_READY meanwhile),
 * then loads app and the server, opens the store, ingests the bundled data into it on the first
 * start (app ingestBundled, a line on stderr) and serves the HTTP API and the web UI (server/),
 * loading the workspace (app Workspace) while it already answers. Prints the address, and the
 * write token when this start created it (it is not printed again: it stays in the token file).
 */
import path from 'node:path';
import { Command } from 'commander';
import type { StoreWorkspace } from '../app/index.js';
import { CairnError, ParseError, escapeForTerminal } from '../errors/index.js';
import type { StartupWork } from '../server/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_OK, writeProblem } from './io.js';
import { problemPrinter, progressHooks } from './output.js';

interface ServeOptions {
  db?: string;
  store?: string;
  host: string;
  port: string;
  tokenFile?: string;
  mrt?: string[];
  outageMrt?: string[];
  alertSocket?: string;
  progress?: boolean;
}

export function serveCommand(context: CliContext): Command {
  const { io } = context;
  return new Command('serve')
    .description(
      'serve the HTTP API (/api/v1, docs at /api/docs) and the web UI over the bundled or given data',
    )
    .option('--db <file>', 'the store (default: $CAIRN_DB, else ~/.local/share/cairn/cairn.duckdb)')
    .option(
      '--store <url>',
      'a ClickHouse cluster store instead of a file: clickhouse://host:port[,host:port...]/database',
    )
    .option('--host <host>', 'address to listen on (loopback unless told otherwise)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option('--token-file <file>', 'where the write token is kept (default $CAIRN_HOME/api-token, ~/.cairn)')
    .option('--mrt <file...>', 'MRT files to load (default: the bundled RIS table of October 2015)')
    .option('--outage-mrt <file...>', 'MRT archive outages are replayed from (default: the --mrt files)')
    .option(
      '--alert-socket <path>',
      "a running collector's alert socket: its alerts go out on /api/v1/outages/stream",
    )
    .option('--no-progress', 'no progress bar')
    .action(
      action(context, async (options: ServeOptions) => {
        const port = Number(options.port);
        if (!/^\d{1,5}$/.test(options.port) || port > 65535)
          throw new ParseError('CLI_BAD_OPTION', '--port must be a number from 0 to 65535', {
            field: 'port',
          });
        // Listening comes first, after loading only node:http: app, the store (DuckDB) and the
        // server (Fastify) load behind it, which answers 503 API_NOT_READY until they are there.
        const { defaultTokenFile, ensureToken, listenEarly } = await import('../server/listen.js');
        const tokenFile = options.tokenFile ?? defaultTokenFile();
        const { token, created } = await ensureToken(tokenFile);
        const early = await listenEarly({ host: options.host, port, label: 'starting: loading the server' });
        // The signal handlers are in place before the address is printed: whoever reads it may
        // stop the server at once, even before it is built.
        let stop: () => Promise<void> = () => early.close();
        let stopping = false;
        let stopRequested: () => void = () => undefined;
        const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
        const onSignal = (): void => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          stopping = true;
          void stop().then(() => stopRequested());
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        early.server.once('close', () => stopRequested());
        const url = early.url;
        io.stdout.write(`cairn: serving on ${url} (API ${url}/api/v1, docs ${url}/api/docs)\n`);
        if (created) io.stdout.write(`cairn: write token (printed once, kept in ${tokenFile}):\n${token}\n`);
        else io.stdout.write(`cairn: write token in ${tokenFile}\n`);

        let store: StoreWorkspace | undefined;
        try {
          const [app, server] = await Promise.all([import('../app/index.js'), import('../server/index.js')]);
          const { INGEST_BUNDLED_LABEL, StoreWorkspace, checkBundled, followOutages, ingestBundled } = app;
          const { AlertFeed, startServer, startServices } = server;
          if (stopping) return await stopped.then(() => EXIT_OK);
          const hooks = {
            ...progressHooks(io, options.progress !== false),
            ...problemPrinter(io, { limit: 20 }),
          };
          const db = options.store ?? options.db;
          // The bundled files' hashes are remembered beside the token: a later start reads no unchanged file.
          const hashMemo = path.join(path.dirname(tokenFile), 'file-hashes.json');
          // Opened once: the bundled-data check, the first start's ingest and the server share it.
          early.step('starting: opening the store');
          const opened = await StoreWorkspace.open(db);
          store = opened;
          if (stopping) return await stopped.then(() => EXIT_OK);
          early.step('starting: checking the bundled data in the store');
          const check = await checkBundled(opened.store, { hashMemo });
          const sources = {
            ...(options.mrt !== undefined ? { mrt: options.mrt } : {}),
            ...(options.outageMrt !== undefined ? { outageMrt: options.outageMrt } : {}),
            intelStore: opened,
            routingStore: opened,
          };
          // A first start ingests behind the listening server (the API answers 503 and /health
          // says how far it got); the services load from the store once it holds the data.
          let startup: StartupWork | undefined;
          let ingestFailure: { error: unknown } | undefined;
          let services: ReturnType<typeof startServices>;
          if (check.missing === 0) services = startServices(sources, hooks);
          else {
            io.stderr.write(
              `cairn: first start: ingesting the bundled data into the store (${check.missing} files, once)\n`,
            );
            // The latest step's report (files, then elements), as /health and the 503s show it.
            const progress = { done: 0, total: check.missing as number | null, unit: 'files' };
            const filled = ingestBundled(
              { store: opened.store, check },
              {
                ...hooks,
                onProgress(report) {
                  if (report.label !== INGEST_BUNDLED_LABEL) {
                    progress.done = report.done;
                    progress.total = report.total ?? null;
                    progress.unit = report.unit;
                  }
                  // A plain line, terminal or not: the first start takes a while, later ones do not.
                  if (report.label !== INGEST_BUNDLED_LABEL) hooks.onProgress?.(report);
                },
                onDone(label) {
                  if (label !== INGEST_BUNDLED_LABEL) hooks.onDone?.(label);
                },
              },
            ).then((bundled) => {
              Object.assign(progress, { done: check.missing, total: check.missing, unit: 'files' });
              const run = bundled.ingest;
              if (run !== null)
                io.stderr.write(
                  `cairn: ingested ${run.ingested} files (${run.elements.toLocaleString('en-US')} elements) into ` +
                    `${escapeForTerminal(run.db)} in ${run.seconds.toFixed(1)} s\n`,
                );
            });
            filled.catch((error: unknown) => (ingestFailure = { error }));
            startup = {
              label: 'ingesting the bundled data',
              finished: filled,
              progress: () => ({ ...progress }),
            };
            const loading = filled.then(() => startServices(sources, hooks));
            services = {
              workspace: loading.then((s) => s.workspace),
              intel: loading.then((s) => s.intel),
              ach: loading.then((s) => s.ach),
              outages: loading.then((s) => s.outages),
              routingViews: loading.then((s) => s.routingViews),
            };
            // Kept for the routes; a failure is answered by them (and ends the start below).
            for (const pending of [loading, ...Object.values(services)]) pending.catch(() => undefined);
          }
          const alerts = new AlertFeed();
          early.step('starting: building the server');
          const { app: fastify } = await startServer({
            ...services,
            store: opened,
            alerts,
            token,
            listener: early,
            ...(startup !== undefined ? { startup } : {}),
          });
          const following = new AbortController();
          stop = async () => {
            following.abort();
            await fastify.close();
          };
          if (stopping) await stop();
          if (options.alertSocket !== undefined && !stopping)
            followOutages({ socket: options.alertSocket, signal: following.signal }, (alert) =>
              alerts.publish(alert),
            ).catch((error: unknown) => {
              if (!(error instanceof CairnError)) throw error;
              writeProblem(io, error);
            });
          // A first start whose ingest failed stops: the store cannot answer what was asked.
          startup?.finished.catch(() => onSignal());
          await stopped;
          // Views being kept for the next start are written before the store closes.
          await (await services.routingViews?.catch(() => undefined))?.settled();
          if (ingestFailure !== undefined) throw ingestFailure.error;
        } catch (error) {
          // A start that failed before serving closes its listener: nothing answers from it.
          await early.close();
          throw error;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          await store?.close();
        }
        return EXIT_OK;
      }),
    );
}
