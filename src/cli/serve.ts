/**
 * `cairn serve [--db FILE | --store URL] [--host H] [--port N] [--token-file F] [--mrt FILE...]`: opens the
 * store, ingesting the bundled data into it on the first start (app ingestBundled, a line on
 * stderr), and serves the HTTP API and the web UI (server/) at once, loading the workspace (app
 * Workspace) while it already answers. Prints the address, and the write token when this start created it (it is not
 * printed again: it stays in the token file).
 */
import path from 'node:path';
import { Command } from 'commander';
import {
  INGEST_BUNDLED_LABEL,
  StoreWorkspace,
  checkBundled,
  followOutages,
  ingestBundled,
} from '../app/index.js';
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
        // The server (fastify and its plugins) loads only when serving, not when commands are listed.
        const { AlertFeed, defaultTokenFile, ensureToken, startServer, startServices } =
          await import('../server/index.js');
        const tokenFile = options.tokenFile ?? defaultTokenFile();
        const { token, created } = await ensureToken(tokenFile);
        const hooks = {
          ...progressHooks(io, options.progress !== false),
          ...problemPrinter(io, { limit: 20 }),
        };
        const db = options.store ?? options.db;
        // The bundled files' hashes are remembered beside the token: a later start reads no unchanged file.
        const hashMemo = path.join(path.dirname(tokenFile), 'file-hashes.json');
        // Opened once: the bundled-data check, the first start's ingest and the server share it.
        const store = await StoreWorkspace.open(db);
        try {
          const check = await checkBundled(store.store, { hashMemo });
          const sources = {
            ...(options.mrt !== undefined ? { mrt: options.mrt } : {}),
            ...(options.outageMrt !== undefined ? { outageMrt: options.outageMrt } : {}),
            intelStore: store,
            routingStore: store,
          };
          // A first start listens at once and ingests behind it (the API answers 503 and /health
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
              { store: store.store, check },
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
          const { app, url } = await startServer({
            ...services,
            store,
            alerts,
            token,
            host: options.host,
            port,
            ...(startup !== undefined ? { startup } : {}),
          });
          const following = new AbortController();
          if (options.alertSocket !== undefined)
            followOutages({ socket: options.alertSocket, signal: following.signal }, (alert) =>
              alerts.publish(alert),
            ).catch((error: unknown) => {
              if (!(error instanceof CairnError)) throw error;
              writeProblem(io, error);
            });
          // The signal handlers are in place before the address is printed: whoever reads it may
          // stop the server at once.
          const stopped = new Promise<void>((resolve) => {
            const stop = (): void => {
              process.off('SIGINT', stop);
              process.off('SIGTERM', stop);
              following.abort();
              void app.close().then(() => resolve());
            };
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
            app.server.once('close', () => resolve());
            // A first start whose ingest failed stops: the store cannot answer what was asked.
            startup?.finished.catch(() => stop());
          });
          io.stdout.write(`cairn: serving on ${url} (API ${url}/api/v1, docs ${url}/api/docs)\n`);
          if (created)
            io.stdout.write(`cairn: write token (printed once, kept in ${tokenFile}):\n${token}\n`);
          else io.stdout.write(`cairn: write token in ${tokenFile}\n`);
          await stopped;
          // Views being kept for the next start are written before the store closes.
          await (await services.routingViews?.catch(() => undefined))?.settled();
          if (ingestFailure !== undefined) throw ingestFailure.error;
        } finally {
          await store.close();
        }
        return EXIT_OK;
      }),
    );
}
