/**
 * Live outage detection attached to a running collector, and the alerts' JSON shapes (one zod
 * schema per kind, the collector's session alerts included), used by `cairn collect`'s output,
 * the alert socket, `cairn outages --live` and the coming API alike.
 *
 * Time. The detection (observatory/live.ts) works on the times it is handed. Here a message's
 * time is, by default, the collector's arrival stamp (`stamp: 'arrival'`), read through a
 * ScaledClock: at `timeScale` 1 (production) data time is the stamp itself; at a larger scale
 * (demos, `--time-scale`) data time runs that many times faster from `origin`. The detector is
 * ticked every `tickMs` on the injected clock's timers with its time, so bins close during
 * silences. A test injects a VirtualClock (bgp's, the collector's too) and `stamp: 'clock'` (a
 * message counts at the virtual time it is handled): every time is then the test's, exact.
 *
 * @example
 * const attached = attachLiveDetection(collector, (alert) => alerts.publish(alert), { select, selection: 'country KP' });
 * attached.stop();
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { BgpState, effectiveUpdate, type BgpCollector } from '../bgp/collector/index.js';
import { systemClock, type Clock, type Timer } from '../bgp/index.js';
import { CairnError } from '../errors/index.js';
import {
  LiveOutageDetection,
  ScaledClock,
  type Alert as LiveAlert,
  type LiveDetectionOptions,
} from '../observatory/index.js';

// ---- the alerts' JSON --------------------------------------------------------------------------

const Classification = z.enum(['blip', 'outage', 'sustained-outage']);
const Level = z.enum(['warning', 'critical']);
const Extent = z.enum(['partial', 'full']);
const Cause = z.enum(['origin-withdrawal', 'upstream-path-loss', 'peer-sessions-down', 'unknown']);
const Window = z.object({ from: z.number(), to: z.number() });

/** When the alert was published (the publisher's clock), next to `time`, when it happened. */
const published = { wallTime: z.string().optional() };

const outageFields = {
  time: z.string(),
  eventId: z.number().int(),
  start: z.string(),
  classification: Classification,
  level: Level,
  extent: Extent,
  lostShare: z.number(),
  baseline: z.number(),
  minimum: z.number(),
  unit: z.enum(['ipv4-slash24', 'ipv6-slash48']),
  prefixCount: z.number().int(),
  prefixes: z.array(z.string()),
  origins: z.array(z.number().int()),
  upstreams: z.array(z.object({ asn: z.number().int(), routesLost: z.number().int() })),
  cause: Cause,
  causeEvidence: z.string(),
  duration: z.number(),
  currentLevel: Level,
  currentExtent: Extent,
  currentLostShare: z.number(),
  coverage: z.object({
    fullFeedPeers: z.number().int(),
    peersLost: z.number().int(),
    peersKept: z.number().int(),
  }),
  startWindow: Window,
  status: z.string(),
  selection: z.string().optional(),
  ...published,
};

const previousState = z.object({
  classification: Classification,
  level: Level,
  extent: Extent,
  cause: Cause,
  prefixCount: z.number().int(),
  currentLevel: Level,
  currentExtent: Extent,
});

export const OutageOpenAlert = z.object({ kind: z.literal('outage-open'), ...outageFields });
export const OutageUpdateAlert = z.object({
  kind: z.literal('outage-update'),
  ...outageFields,
  previous: previousState,
});
/** The event's current state got worse (partial to full, warning to critical). */
export const OutageEscalatedAlert = z.object({
  kind: z.literal('outage-escalated'),
  ...outageFields,
  previous: previousState,
});
/** The event's current state got better (part of the space came back). */
export const OutageDeEscalatedAlert = z.object({
  kind: z.literal('outage-de-escalated'),
  ...outageFields,
  previous: previousState,
});
/** The life cycle's "recovered": the space is back at `end`, exactly. */
export const OutageCloseAlert = z.object({
  kind: z.literal('outage-close'),
  ...outageFields,
  end: z.string(),
  endReason: z.literal('recovered'),
  endWindow: Window,
  severity: z.number(),
});
/** The recovery on its own, for a subscriber to act on. */
export const OutageRecoveryAlert = z.object({
  kind: z.literal('outage-recovery'),
  time: z.string(),
  eventId: z.number().int(),
  start: z.string(),
  end: z.string(),
  duration: z.number(),
  classification: Classification,
  level: Level,
  extent: Extent,
  prefixCount: z.number().int(),
  message: z.string(),
  selection: z.string().optional(),
  ...published,
});
/** Ended without a known end (no data), or still down when the collector stopped: no recovery. */
export const OutageUnresolvedAlert = z.object({
  kind: z.literal('outage-unresolved'),
  ...outageFields,
  reason: z.enum(['no-data', 'input-ended', 'collector-stopped']),
  knownUntil: z.string(),
  endWindow: Window.optional(),
  severity: z.number(),
});
export const DetectorStateAlert = z.object({
  kind: z.enum(['outage-detector-ready', 'outage-detector-warming-up', 'outage-detector-no-data']),
  time: z.string(),
  baseline: z.number().nullable(),
  fullFeedPeers: z.number().int(),
  trackedPrefixes: z.number().int(),
  reason: z.enum(['too-few-full-feed-peers', 'input-gap']).optional(),
  openEvent: z.number().int().optional(),
  selection: z.string().optional(),
  ...published,
});
export const SessionResetAlert = z.object({
  kind: z.literal('session-reset'),
  time: z.string(),
  peer: z.string(),
  peerAsn: z.number().int(),
  routesRemoved: z.number().int(),
  selectedPrefixesLost: z.number().int(),
  cause: z.literal('peer-session-reset'),
  outage: z.boolean(),
  selection: z.string().optional(),
  ...published,
});
export const SessionRestoredAlert = z.object({
  kind: z.literal('session-restored'),
  time: z.string(),
  peer: z.string(),
  peerAsn: z.number().int(),
  downSeconds: z.number(),
  ...published,
});
/** The collector's own session alerts. */
export const PeerUpAlert = z.object({
  kind: z.literal('peer-up'),
  time: z.string(),
  peer: z.string(),
  peerAsn: z.number().int(),
  description: z.string().optional(),
});
export const PeerDownAlert = PeerUpAlert.extend({ kind: z.literal('peer-down'), state: z.string() });
export const PeerResetAlert = z.object({
  kind: z.literal('peer-reset'),
  time: z.string(),
  peer: z.string(),
  peerAsn: z.number().int().optional(),
  code: z.string(),
  message: z.string(),
  notification: z.object({ code: z.number().int(), subcode: z.number().int() }).optional(),
});

/** Every alert line of the stream (stdout, webhook, socket), one member per kind. */
export const AlertJson = z.discriminatedUnion('kind', [
  OutageOpenAlert,
  OutageUpdateAlert,
  OutageEscalatedAlert,
  OutageDeEscalatedAlert,
  OutageCloseAlert,
  OutageRecoveryAlert,
  OutageUnresolvedAlert,
  DetectorStateAlert,
  SessionResetAlert,
  SessionRestoredAlert,
  PeerUpAlert,
  PeerDownAlert,
  PeerResetAlert,
]);
export type AlertJson = z.infer<typeof AlertJson>;
export type OutageOpenAlert = z.infer<typeof OutageOpenAlert>;
export type OutageUpdateAlert = z.infer<typeof OutageUpdateAlert>;
export type OutageCloseAlert = z.infer<typeof OutageCloseAlert>;
export type OutageEscalatedAlert = z.infer<typeof OutageEscalatedAlert>;
export type OutageDeEscalatedAlert = z.infer<typeof OutageDeEscalatedAlert>;
export type OutageRecoveryAlert = z.infer<typeof OutageRecoveryAlert>;
export type OutageUnresolvedAlert = z.infer<typeof OutageUnresolvedAlert>;
export type PeerUpAlert = z.infer<typeof PeerUpAlert>;
export type PeerDownAlert = z.infer<typeof PeerDownAlert>;
export type PeerResetAlert = z.infer<typeof PeerResetAlert>;
export type AlertKind = AlertJson['kind'];

const iso = (ms: number): string => new Date(Math.round(ms)).toISOString();

/** The one serialiser of a live alert: its fields and when it was published (`wallMs`). */
export function liveAlertJson(alert: LiveAlert, wallMs: number): AlertJson {
  return { ...alert, wallTime: iso(wallMs) };
}

// ---- attaching the detection to a collector ----------------------------------------------------

export interface LiveTimeOptions {
  /**
   * Wall clock (default: the machine's). Its timers drive the ticks (background ones: they never
   * keep the process alive) and its time the alerts' `wallTime`.
   */
  clock?: Clock;
  /** Data seconds per clock second (default 1). */
  timeScale?: number;
  /** Data time at attach, Unix seconds (default: the clock's time). */
  origin?: number;
  /** Clock milliseconds between ticks (default 1000). */
  tickMs?: number;
  /**
   * A message's time: the collector's arrival stamp (default), or the clock's time when it is
   * handled (a test replaying in virtual time while the collector stamps on the machine's clock).
   */
  stamp?: 'arrival' | 'clock';
}

export interface LiveAttachOptions extends LiveDetectionOptions, LiveTimeOptions {
  logger?: Logger;
}

export interface LiveAttachment {
  readonly live: LiveOutageDetection;
  /** Data time of the clock. */
  readonly dataClock: ScaledClock;
  /** Advances the detector to the clock now (the timer does it every tickMs). */
  tick(): void;
  /** Stops the timer and the listeners; an event still open stays open ("collector stopped"). */
  stop(): void;
}

/**
 * Feeds `collector`'s UPDATEs and session ends to a new LiveOutageDetection and hands each alert,
 * serialised, to `publish`.
 */
export function attachLiveDetection(
  collector: Pick<BgpCollector, 'onMessage' | 'onStateChange'>,
  publish: (alert: AlertJson) => void,
  options: LiveAttachOptions,
): LiveAttachment {
  const { clock = systemClock, timeScale, origin, tickMs, stamp, logger, ...rest } = options;
  const tick = tickMs ?? 1000;
  if (!(tick >= 1 && tick <= 3_600_000))
    throw new CairnError('LIVE_BAD_OPTION', `tickMs must be from 1 to 3600000, got ${tick}`, {
      field: 'tickMs',
    });
  const dataClock = new ScaledClock(origin ?? clock.now() / 1000, timeScale ?? 1, clock);
  const live = new LiveOutageDetection({
    ...rest,
    onRefused: (what, value, error) => {
      rest.onRefused?.(what, value, error);
      logger?.warn({ err: error, value }, `${what} refused`);
    },
  });
  live.onAlert((alert) => publish(liveAlertJson(alert, clock.now())));
  const timeOf = (arrival: number): number =>
    stamp === 'clock' ? dataClock.now() : dataClock.at(arrival * 1000);
  const detachers = [
    collector.onMessage((peer, time, message) => {
      if (message.type === 'update') live.update(peer, effectiveUpdate(message), timeOf(time));
    }),
    collector.onStateChange((peer, from, to, time) => {
      if (from === BgpState.ESTABLISHED && to !== BgpState.ESTABLISHED) live.peerDown(peer, to, timeOf(time));
    }),
  ];
  let stopped = false;
  let timer: Timer;
  const advance = (): void => live.advance(dataClock.now());
  const onTimer = (): void => {
    if (stopped) return;
    advance();
    timer = clock.setTimeout(onTimer, tick, true);
  };
  timer = clock.setTimeout(onTimer, tick, true);
  advance();
  return {
    live,
    dataClock,
    tick: () => {
      if (!stopped) advance();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      timer.cancel();
      for (const detach of detachers) detach();
      // Up to now first: an event still open is announced as open when the collector stopped.
      advance();
      live.stop('collector-stopped');
    },
  };
}
