/**
 * `cairn collect --config FILE`: runs the passive BGP collector until SIGINT/SIGTERM. Logs go to
 * stderr (pino JSON lines), alerts to stdout as JSON lines and, when the configuration names
 * one, to a webhook. Consumers of the live messages (routing table, outage detection) are wired
 * through the `setup` hook, so this file stays free of domain logic.
 */
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { Command } from 'commander';
import { pino, type Logger } from 'pino';
import {
  AlertPublisher,
  BgpCollector,
  BgpState,
  bgpStateName,
  parseCollectorConfigText,
  type CollectorConfig,
} from '../bgp/collector/index.js';
import { createCollectorArchive } from '../app/index.js';
import { CairnError, escapeForTerminal } from '../errors/index.js';
import { AlertStreamServer, DEFAULT_ALERT_SOCKET } from './live.js';

/** The options of `cairn collect` (strings as typed), handed to the setup hook. */
export interface CollectCommandOptions {
  config?: string;
  country?: string;
  asn?: string;
  prefix?: string[];
  registry?: string[];
  timeScale?: string;
  bin?: string;
  minFullFeedPeers?: string;
  alertSocket?: string;
}

/** Undoes a setup (stops its timers and listeners); run before the collector stops. */
export type CollectTeardown = () => void | Promise<void>;

/**
 * Called once the collector exists and before it listens: add listeners, publish alerts. May
 * return a teardown, run by `stop()` before the collector stops.
 */
export type CollectSetup = (
  collector: BgpCollector,
  alerts: AlertPublisher,
  options: CollectCommandOptions,
) => void | CollectTeardown | undefined | Promise<void | CollectTeardown | undefined>;

export interface CollectOptions {
  /** Alerts go here as JSON lines; default stdout. */
  alertOutput?: Writable;
  logger?: Logger;
  setup?: CollectSetup;
  /** What the command line said (for the setup hook). */
  commandOptions?: CollectCommandOptions;
  /** Also stream every alert line to local clients of this Unix socket (`cairn outages --live`). */
  alertSocket?: string;
}

export interface CollectRuntime {
  collector: BgpCollector;
  alerts: AlertPublisher;
  address: { address: string; port: number };
  /** The alert socket, when one was asked for. */
  alertStream: AlertStreamServer | undefined;
  /** Stops the collector and waits for pending webhook deliveries. */
  stop(): Promise<void>;
}

export function readCollectorConfig(path: string): CollectorConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CairnError('COLLECTOR_BAD_CONFIG', `cannot read ${path}: ${(error as Error).message}`, {
      file: path,
    });
  }
  return parseCollectorConfigText(text, path);
}

/** Starts a collector with alerts for sessions coming up and going down and for sessions reset. */
export async function startCollect(
  config: CollectorConfig,
  options: CollectOptions = {},
): Promise<CollectRuntime> {
  const logger =
    options.logger ?? pino({ level: config.logLevel, base: { component: 'collector' } }, pino.destination(2));
  const stream =
    options.alertSocket !== undefined
      ? await AlertStreamServer.listen(options.alertSocket, logger)
      : undefined;
  const base = options.alertOutput ?? process.stdout;
  const alerts = new AlertPublisher({
    output: stream === undefined ? base : stream.tee(base),
    ...(config.webhookUrl !== undefined ? { webhookUrl: config.webhookUrl } : {}),
    logger,
  });
  const collector = new BgpCollector(config, { logger, archive: createCollectorArchive(config, { logger }) });
  const now = (): string => new Date().toISOString();
  collector.onStateChange((peer, from, to) => {
    const base = { time: now(), peer: peer.address, peerAsn: peer.asn, description: peer.description };
    if (to === BgpState.ESTABLISHED) alerts.publish({ kind: 'peer-up', ...base });
    else if (from === BgpState.ESTABLISHED)
      alerts.publish({ kind: 'peer-down', ...base, state: bgpStateName(to) });
  });
  collector.onIncident((incident) => {
    if (incident.action !== 'reset') return;
    alerts.publish({
      kind: 'peer-reset',
      time: now(),
      peer: incident.peer,
      peerAsn: incident.asn,
      code: incident.error.code,
      message: incident.error.message,
      notification: incident.notification,
    });
  });
  let teardown: CollectTeardown | undefined;
  try {
    teardown = (await options.setup?.(collector, alerts, options.commandOptions ?? {})) ?? undefined;
  } catch (error) {
    await stream?.close();
    throw error;
  }
  let address: { address: string; port: number };
  try {
    address = await collector.start();
  } catch (error) {
    await teardown?.();
    await stream?.close();
    throw error;
  }
  return {
    collector,
    alerts,
    address,
    alertStream: stream,
    async stop() {
      await teardown?.();
      teardown = undefined;
      await collector.stop();
      await alerts.idle();
      await stream?.close();
    },
  };
}

export function collectCommand(setup?: CollectSetup): Command {
  return new Command('collect')
    .description(
      'run the passive BGP collector: accept sessions from the configured peers, archive MRT, emit alerts',
    )
    .requiredOption('--config <file>', 'collector configuration (JSON)')
    .option('--country <cc>', 'live outage detection for a country (registry longest match)')
    .option('--asn <asn>', 'live outage detection for an origin AS')
    .option('--prefix <prefix...>', 'live outage detection for prefixes (and their more-specifics)')
    .option('--registry <file...>', 'RIR delegated files for --country (default: the bundled APNIC file)')
    .option('--time-scale <x>', 'data seconds per wall second for the detector (tests; default 1)')
    .option('--bin <seconds>', 'detector bin width in data seconds (default 300)')
    .option('--min-full-feed-peers <n>', 'detect only with this many full-feed peers (default 2)')
    .option(
      '--alert-socket [path]',
      `also stream alerts to local clients (cairn outages --live) on this Unix socket (default ${DEFAULT_ALERT_SOCKET})`,
    )
    .action(async (options: Omit<CollectCommandOptions, 'alertSocket'> & { alertSocket?: string | true }) => {
      const config = readCollectorConfig(options.config!);
      const { alertSocket, ...rest } = options;
      const socket = alertSocket === true ? DEFAULT_ALERT_SOCKET : alertSocket;
      const commandOptions: CollectCommandOptions = {
        ...rest,
        ...(socket !== undefined ? { alertSocket: socket } : {}),
      };
      let runtime: CollectRuntime;
      try {
        runtime = await startCollect(config, {
          commandOptions,
          ...(setup !== undefined ? { setup } : {}),
          ...(socket !== undefined ? { alertSocket: socket } : {}),
        });
      } catch (error) {
        if (error instanceof CairnError) {
          process.stderr.write(`cairn: ${escapeForTerminal(error.describe())}\n`);
          process.exitCode = 1;
          return;
        }
        throw error;
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await runtime.stop();
    });
}
