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
} from '../bgp/index.js';
import { CairnError } from '../errors/index.js';

/** Called once the collector exists and before it listens: add listeners, publish alerts. */
export type CollectSetup = (collector: BgpCollector, alerts: AlertPublisher) => void | Promise<void>;

export interface CollectOptions {
  /** Alerts go here as JSON lines; default stdout. */
  alertOutput?: Writable;
  logger?: Logger;
  setup?: CollectSetup;
}

export interface CollectRuntime {
  collector: BgpCollector;
  alerts: AlertPublisher;
  address: { address: string; port: number };
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
  const alerts = new AlertPublisher({
    output: options.alertOutput ?? process.stdout,
    ...(config.webhookUrl !== undefined ? { webhookUrl: config.webhookUrl } : {}),
    logger,
  });
  const collector = new BgpCollector(config, { logger });
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
  await options.setup?.(collector, alerts);
  const address = await collector.start();
  return {
    collector,
    alerts,
    address,
    async stop() {
      await collector.stop();
      await alerts.idle();
    },
  };
}

export function collectCommand(setup?: CollectSetup): Command {
  return new Command('collect')
    .description(
      'run the passive BGP collector: accept sessions from the configured peers, archive MRT, emit alerts',
    )
    .requiredOption('--config <file>', 'collector configuration (JSON)')
    .action(async (options: { config: string }) => {
      const config = readCollectorConfig(options.config);
      const runtime = await startCollect(config, setup !== undefined ? { setup } : {});
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
