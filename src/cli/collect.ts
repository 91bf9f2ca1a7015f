/**
 * `cairn collect --config FILE [--country CC | --asn N | --prefix P...]`: runs the passive BGP
 * collector (app startCollect) until SIGINT/SIGTERM. Logs go to stderr (pino JSON lines), alerts
 * to stdout as JSON lines and, when the configuration names one, to a webhook; with a selection,
 * live outage detection adds its alerts. Thin: parse, call app.
 */
import { Command } from 'commander';
// Not app/index.js: the collector starts without the store, DuckDB and the intel code.
import { DEFAULT_ALERT_SOCKET, startCollect, type CollectRuntime } from '../app/collect.js';
import { ParseError } from '../errors/index.js';
import { action, type CliContext } from './command.js';
import { EXIT_OK } from './io.js';

interface CollectCliOptions {
  config: string;
  country?: string;
  asn?: string;
  prefix?: string[];
  registry?: string[];
  timeScale?: string;
  bin?: string;
  minFullFeedPeers?: string;
  alertSocket?: string | true;
  publish?: string;
}

function numberOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text.trim()) || !(value >= min && value <= max))
    throw new ParseError('CLI_BAD_OPTION', `--${name} must be a number from ${min} to ${max}`, {
      field: name,
    });
  return value;
}

async function runCollect(context: CliContext, options: CollectCliOptions): Promise<number> {
  const socket = options.alertSocket === true ? DEFAULT_ALERT_SOCKET : options.alertSocket;
  const timeScale = numberOption('time-scale', options.timeScale, 0.001, 1e6);
  const binSeconds = numberOption('bin', options.bin, 1, 86400);
  const minFullFeedPeers = numberOption('min-full-feed-peers', options.minFullFeedPeers, 1, 1e6);
  const selected = options.country !== undefined || options.asn !== undefined || options.prefix !== undefined;
  const runtime: CollectRuntime = await startCollect({
    config: options.config,
    ...(selected
      ? {
          selection: {
            ...(options.country !== undefined ? { country: options.country } : {}),
            ...(options.asn !== undefined ? { asn: options.asn } : {}),
            ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
            ...(options.registry !== undefined ? { registry: options.registry } : {}),
          },
        }
      : {}),
    detection: {
      ...(timeScale !== undefined ? { timeScale } : {}),
      ...(binSeconds !== undefined ? { binSeconds } : {}),
      ...(minFullFeedPeers !== undefined ? { minFullFeedPeers } : {}),
    },
    alertOutput: context.io.stdout,
    logOutput: context.io.stderr,
    ...(socket !== undefined ? { alertSocket: socket } : {}),
    ...(options.publish !== undefined ? { publish: options.publish } : {}),
  });
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
  return EXIT_OK;
}

export function collectCommand(context: CliContext): Command {
  return new Command('collect')
    .description(
      'run the passive BGP collector: accept sessions from the configured peers, archive MRT, emit alerts',
    )
    .requiredOption('--config <file>', 'collector configuration (JSON)')
    .option('--publish <url>', 'also publish every record archived to the element bus: nats://host:port')
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
    .action(action(context, (options: CollectCliOptions) => runCollect(context, options)));
}
