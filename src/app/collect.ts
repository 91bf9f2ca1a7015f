/**
 * `cairn collect`: the passive BGP collector with its alerts (sessions up, down and reset) and,
 * with a selection, live outage detection (live.ts). Alerts go as JSON lines to the stream the
 * caller gives, to the configured webhook and, when asked, to local clients of an alert socket.
 *
 * @example
 * const runtime = await startCollect({ config: 'collector.json', selection: { country: 'KP' }, alertOutput: stdout });
 * await runtime.stop();
 */
import { createCollectorArchive } from './collect-archive.js';
import { readInputFileSync } from './input-file.js';
import { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import type { Logger, pino as Pino } from 'pino';
import {
  AlertPublisher,
  BgpCollector,
  BgpState,
  bgpStateName,
  parseCollectorConfigText,
  type CollectorArchive,
  type CollectorConfig,
} from '../bgp/collector/index.js';
import { systemClock, type Clock } from '../bgp/index.js';
import { CairnError, ParseError } from '../errors/index.js';
import type { OutageOptions } from '../observatory/index.js';
// Types only: the alert socket, and live detection with the routing, observatory and registry code
// it needs, load when asked for (a collector that only archives starts without them).
import type { AlertStreamServer } from './alert-stream.js';
import type { AlertJson, LiveAttachment, LiveTimeOptions } from './live.js';
import type { SelectionInput } from './outages.js';
import type { WorkHooks } from './progress.js';

export { DEFAULT_ALERT_SOCKET } from './alert-socket.js';

const require = createRequire(import.meta.url);
/** Loads pino when a logger is first made, so importing this module does not load it. */
function loadPino(): typeof Pino {
  return (require('pino') as { pino: typeof Pino }).pino;
}

export function readCollectorConfig(path: string): CollectorConfig {
  let text: string;
  try {
    // Refuses a FIFO or a device (they would hang or never end) and applies the input size limit.
    text = readInputFileSync(path, 'collector configuration').toString('utf8');
  } catch (error) {
    if (error instanceof CairnError && error.code !== 'INPUT_NOT_FOUND') throw error;
    throw new CairnError('COLLECTOR_BAD_CONFIG', `cannot read ${path}: ${(error as Error).message}`, {
      file: path,
    });
  }
  return parseCollectorConfigText(text, path);
}

export interface CollectInput {
  /** The configuration, or the path of its JSON file. */
  config: CollectorConfig | string;
  /** Live outage detection for this selection; none: the collector only archives and reports sessions. */
  selection?: SelectionInput;
  /**
   * The collector's time (default: the machine's): its timers, the stamps of arrivals and state
   * changes, the archive's rotation and, unless `detection.clock` is given, the detection's.
   */
  clock?: Clock;
  /** Detector parameters and its time (scale, clock, tick); need a selection. */
  detection?: OutageOptions & LiveTimeOptions;
  /** Alert lines go here (default: nowhere but the webhook and the socket). */
  alertOutput?: Writable;
  /** Also stream every alert line to local clients of this Unix socket (`cairn outages --live`). */
  alertSocket?: string;
  /** The collector's log (default: JSON lines at the configured level to `logOutput`, else none). */
  logger?: Logger;
  logOutput?: Writable;
  /**
   * Also publish every record the archive writes to this element bus (nats://...), a segment per
   * rotation period, on the subject cairn.elements.<publishSource> (default collector-<local AS>).
   */
  publish?: string;
  publishSource?: string;
  /** Called once the collector exists, before the detection attaches and before it listens. */
  setup?(collector: BgpCollector, alerts: AlertPublisher): void;
}

export interface CollectRuntime {
  collector: BgpCollector;
  alerts: AlertPublisher;
  address: { address: string; port: number };
  /** The alert socket, when one was asked for. */
  alertStream: AlertStreamServer | undefined;
  /** The live outage detection, when a selection was given. */
  detection: LiveAttachment | undefined;
  /** Stops the detection, the collector, pending webhook deliveries and the socket. */
  stop(): Promise<void>;
}

/** Starts a collector with alerts for sessions coming up, going down and reset. */
export async function startCollect(input: CollectInput, hooks: WorkHooks = {}): Promise<CollectRuntime> {
  const config = typeof input.config === 'string' ? readCollectorConfig(input.config) : input.config;
  const detection = input.detection ?? {};
  const selection =
    input.selection !== undefined
      ? await (await import('./outages.js')).resolveSelection(input.selection, hooks)
      : undefined;
  const liveDetection = selection !== undefined ? await import('./live.js') : undefined;
  const tuned = [detection.timeScale, detection.binSeconds, detection.minFullFeedPeers];
  if (selection === undefined && tuned.some((v) => v !== undefined))
    throw new ParseError(
      'CLI_BAD_OPTION',
      '--time-scale, --bin and --min-full-feed-peers need a selection (--country, --asn or --prefix)',
      { field: 'selection' },
    );
  const logger =
    input.logger ??
    (input.logOutput !== undefined
      ? loadPino()({ level: config.logLevel, base: { component: 'collector' } }, input.logOutput)
      : loadPino()({ level: 'silent' }));
  const collectorClock = input.clock ?? systemClock;
  const clock = detection.clock ?? collectorClock;
  const stream =
    input.alertSocket !== undefined
      ? await (await import('./alert-stream.js')).AlertStreamServer.listen(input.alertSocket, logger)
      : undefined;
  const base = input.alertOutput ?? new Writable({ write: (_chunk, _encoding, done) => done() });
  const alerts = new AlertPublisher({
    output: stream === undefined ? base : stream.tee(base),
    ...(config.webhookUrl !== undefined ? { webhookUrl: config.webhookUrl } : {}),
    logger,
  });
  const publish = (alert: AlertJson): void => alerts.publish(alert);
  const fileArchive = createCollectorArchive(config, { logger, clock: collectorClock });
  // The bus (and through it the store and DuckDB) loads only when publishing: a collector that
  // archives to files starts without them.
  let archive: CollectorArchive = fileArchive;
  if (input.publish !== undefined) {
    const { BusCollectorArchive, openLivePublisher } = await import('./bus.js');
    const live = await openLivePublisher(
      input.publish,
      input.publishSource ?? `collector-${config.localAsn}`,
      {
        clock: collectorClock,
        segmentSeconds: config.rotationMinutes * 60,
        onError: (error) => logger.error({ code: error.code }, error.message),
      },
    );
    archive = new BusCollectorArchive(live, fileArchive);
  }
  const collector = new BgpCollector(config, { logger, clock: collectorClock, archive });
  const iso = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();
  collector.onStateChange((peer, from, to, time) => {
    const fields = {
      time: iso(time),
      peer: peer.address,
      peerAsn: peer.asn,
      ...(peer.description !== undefined ? { description: peer.description } : {}),
    };
    if (to === BgpState.ESTABLISHED) publish({ kind: 'peer-up', ...fields });
    else if (from === BgpState.ESTABLISHED)
      publish({ kind: 'peer-down', ...fields, state: bgpStateName(to) });
  });
  collector.onIncident((incident) => {
    if (incident.action !== 'reset') return;
    publish({
      kind: 'peer-reset',
      time: iso(clock.now() / 1000),
      peer: incident.peer,
      ...(incident.asn !== undefined ? { peerAsn: incident.asn } : {}),
      code: incident.error.code,
      message: incident.error.message,
      ...(incident.notification !== undefined ? { notification: incident.notification } : {}),
    });
  });
  let attached: LiveAttachment | undefined;
  try {
    input.setup?.(collector, alerts);
    if (selection !== undefined && liveDetection !== undefined)
      attached = liveDetection.attachLiveDetection(collector, publish, {
        ...detection,
        clock,
        select: selection.select,
        selection: selection.label,
        logger,
      });
  } catch (error) {
    await stream?.close();
    throw error;
  }
  let address: { address: string; port: number };
  try {
    address = await collector.start();
  } catch (error) {
    attached?.stop();
    await stream?.close();
    throw error;
  }
  let stopped = false;
  return {
    collector,
    alerts,
    address,
    alertStream: stream,
    detection: attached,
    async stop() {
      if (stopped) return;
      stopped = true;
      attached?.stop();
      await collector.stop();
      await alerts.idle();
      await stream?.close();
    },
  };
}
