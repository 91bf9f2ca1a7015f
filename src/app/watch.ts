/**
 * `cairn watch --ris-live`: RIPE RIS Live's public BGP stream fed to the same live outage
 * detection as the passive collector (observatory's LiveOutageDetection), publishing the same
 * AlertJson alerts. Each RIS peer (a collector's BGP session: address and ASN, at a host such as
 * rrc00) is a peer of the routing table; its UPDATEs are applied as the collector applies its
 * own sessions', a RIS_PEER_STATE `down` is a session leaving Established, and peer state
 * changes are also published as `peer-up` / `peer-down` alerts naming the host. The routing
 * table knows a peer by address and ASN: a router peering with two collectors (multihop) is one
 * peer there, its routes the latest either collector reported; the stats count RIS peers by host.
 *
 * Time. A message counts at its own timestamp (the collector's, in data time). Between messages
 * the detector is ticked every `tickMs` on the injected clock with the feed's time: the latest
 * message time plus the clock time since it arrived (times `timeScale`), so bins close during a
 * silence and a replay of old messages is not pushed to today's date. A test injects a
 * VirtualClock and every time is the test's, exact.
 *
 * The table starts empty: RIS Live sends changes, not tables, so peers become full feeds and the
 * baseline forms as announcements come in (`minHistorySeconds` of them before the first alert).
 * With `rib` (RIB dumps, bview or TABLE_DUMP_V2, of the collectors followed) the table starts from
 * their routes instead, applied at the dump's time before the connection opens: the RIS peers of
 * the dump are the same peers (address and ASN) as the feed's, so they are full feeds at the first
 * bin and the selection is tracked from the start. The bins from the dump's time to the first
 * message hold the dump's state (no change is known in between), so a dump at least
 * `minHistorySeconds` older than the feed arms the detector with the first message; a dump must
 * not be newer than the feed (message times are never earlier than the latest time seen).
 *
 * @example
 * const watch = await watchRisLive({ selection: { country: 'KP' }, hosts: ['rrc00'] }, (alert) => print(alert));
 * const stats = await watch.stop();
 */
import { z } from 'zod';
import { systemClock, type Clock, type Timer } from '../bgp/index.js';
import { CairnError, ParseError } from '../errors/index.js';
import {
  RisLiveClient,
  peerOf,
  risUpdateToBgp,
  type RisLiveClientOptions,
  type RisLiveItem,
  type RisLiveStatus,
  type RisPeer,
  type RisSubscription,
} from '../feeds/index.js';
import { scanMrt } from '../mrt/index.js';
import { LiveOutageDetection, type OutageOptions, type VisibilityOptions } from '../observatory/index.js';
import { checkInputFile } from './input-file.js';
import { RisLivePublisher, openLivePublisher } from './bus.js';
import { liveAlertJson, type AlertJson } from './live.js';
import { resolveSelection, type SelectionInput } from './outages.js';
import type { WorkHooks } from './progress.js';

/** BGP FSM Idle (RFC 4271 8.2.2): where a RIS peer's session goes when RIS says `down`. */
const IDLE = 1;

export interface WatchRisLiveInput {
  /** RIS Live WebSocket URL (default the public one). */
  url?: string;
  /** The space to watch (a country by the registry, an origin AS, prefixes). */
  selection: SelectionInput;
  /** Collectors to follow (default all); a message from another host is counted and skipped. */
  hosts?: readonly string[];
  /** Timers and wall time (default the machine's). */
  clock?: Clock;
  /** Detector parameters. */
  detection?: OutageOptions & Omit<VisibilityOptions, 'select'>;
  /** Clock ms between ticks of the detector (default 1000). */
  tickMs?: number;
  /** Data seconds per clock second between messages (default 1). */
  timeScale?: number;
  /** Also publish every UPDATE to this element bus (nats://...) as BGP4MP_ET records, on the
   * subject cairn.elements.ris-live, a segment per `publishSegmentSeconds` (default 300). */
  publish?: string;
  publishSegmentSeconds?: number;
  /** Client tuning: back-off, keepalive, queue bound. */
  client?: Omit<RisLiveClientOptions, 'url' | 'subscriptions' | 'clock'>;
  /** RIB dumps (MRT files) whose routes the table starts from, in this order (see the header). */
  rib?: readonly string[];
}

export interface WatchHooks extends WorkHooks {
  /** The connection's life: connecting, open, closed (with the back-off), stopped. */
  onStatus?(status: RisLiveStatus): void;
}

/** What the watch saw, for the summary on exit (the CLI prints it; `--json` as one line). */
export const WatchStats = z.object({
  kind: z.literal('watch-stats'),
  url: z.string(),
  selection: z.string(),
  /** Data time of the first and latest message (ISO 8601), null before any. */
  firstTime: z.string().nullable(),
  lastTime: z.string().nullable(),
  messages: z.object({
    update: z.number().int(),
    peerState: z.number().int(),
    open: z.number().int(),
    notification: z.number().int(),
    keepalive: z.number().int(),
    otherHost: z.number().int(),
  }),
  announced: z.number().int(),
  withdrawn: z.number().int(),
  /** RIS peers seen (host, address, ASN) and the hosts they are at. */
  peers: z.number().int(),
  hosts: z.array(z.string()),
  problems: z.number().int(),
  alerts: z.record(z.string(), z.number().int()),
  connection: z.object({
    connections: z.number().int(),
    reconnects: z.number().int(),
    frames: z.number().int(),
    dropped: z.number().int(),
    malformed: z.number().int(),
    invalid: z.number().int(),
    unknownTypes: z.number().int(),
    serverErrors: z.number().int(),
    pingTimeouts: z.number().int(),
    queuePeak: z.number().int(),
  }),
  detector: z.object({
    trackedPrefixes: z.number().int(),
    fullFeedPeers: z.number().int(),
    baseline: z.number().nullable(),
    openEvent: z.boolean(),
  }),
  /** The RIB dumps the table started from (only when some were given). */
  rib: z
    .object({
      files: z.array(z.string()),
      elements: z.number().int(),
      problems: z.number().int(),
      /** Routes and peers in the table after the dumps. */
      routes: z.number().int(),
      peers: z.number().int(),
      /** Latest time of the dumps' elements (ISO 8601), null when they held none. */
      time: z.string().nullable(),
    })
    .optional(),
});
export type WatchStats = z.infer<typeof WatchStats>;

export interface WatchRuntime {
  readonly client: RisLiveClient;
  readonly live: LiveOutageDetection;
  /** RIS Live messages handled so far (the consumer's count, for callers that wait on it). */
  readonly handled: number;
  stats(): WatchStats;
  /** Ticks the detector to the feed's time now (the timer does it every tickMs). */
  tick(): void;
  /** Closes the connection and the detection (an open event stays open); the final stats. */
  stop(): Promise<WatchStats>;
}

/** The subscriptions for `hosts`: UPDATEs and peer states (the rest is not needed here). */
export function watchSubscriptions(hosts: readonly string[] | undefined): RisSubscription[] {
  const types = ['UPDATE', 'RIS_PEER_STATE'] as const;
  if (hosts === undefined || hosts.length === 0) return types.map((type) => ({ type }));
  return hosts.flatMap((host) => types.map((type) => ({ host, type })));
}

const iso = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();

/** RIS Live names hosts `rrc00` or `rrc00.ripe.net`. */
function hostMatches(host: string, wanted: readonly string[]): boolean {
  return wanted.some((w) => host === w || host.startsWith(`${w}.`));
}

/** Applies the RIB dumps to the detection's table, in order; what they held. */
async function seedFromRib(
  live: LiveOutageDetection,
  files: readonly string[],
  report: (error: CairnError) => void,
): Promise<NonNullable<WatchStats['rib']>> {
  const table = live.table;
  const visit = table.visitor();
  let elements = 0;
  let problems = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const file of files) {
    checkInputFile(file, 'RIB dump');
    const summary = await scanMrt(
      file,
      (cursor, decoder) => {
        if (cursor.timestamp > last) last = cursor.timestamp;
        visit(cursor, decoder);
      },
      {
        onProblem: (problem) => {
          problems++;
          report(problem);
        },
      },
    );
    elements += summary.elements;
  }
  return {
    files: [...files],
    elements,
    problems,
    routes: table.routeCount,
    peers: table.peerCount,
    time: Number.isFinite(last) ? iso(last) : null,
  };
}

/**
 * Connects to RIS Live and runs the detection until `stop()`; `publish` gets every alert as it
 * happens, `hooks` the connection's problems and status.
 */
export async function watchRisLive(
  input: WatchRisLiveInput,
  publish: (alert: AlertJson) => void,
  hooks: WatchHooks = {},
): Promise<WatchRuntime> {
  const selection = await resolveSelection(input.selection, hooks);
  if (selection === undefined)
    throw new ParseError('CLI_BAD_OPTION', 'give one of --country, --asn, --prefix to watch', {
      field: 'selection',
    });
  const clock = input.clock ?? systemClock;
  const tickMs = input.tickMs ?? 1000;
  if (!(tickMs >= 1 && tickMs <= 3_600_000))
    throw new CairnError('LIVE_BAD_OPTION', `tickMs must be from 1 to 3600000, got ${tickMs}`, {
      field: 'tickMs',
    });
  const scale = input.timeScale ?? 1;
  if (!(scale > 0 && scale <= 1e6))
    throw new CairnError('LIVE_BAD_OPTION', `timeScale must be above 0 and at most 1e6, got ${scale}`, {
      field: 'timeScale',
    });
  const hosts = input.hosts !== undefined && input.hosts.length > 0 ? input.hosts : undefined;
  const bus =
    input.publish !== undefined
      ? new RisLivePublisher(
          await openLivePublisher(input.publish, 'ris-live', {
            clock,
            segmentSeconds: input.publishSegmentSeconds ?? 300,
            onError: (error) => report(error),
          }),
        )
      : undefined;
  const client = new RisLiveClient({
    ...input.client,
    ...(input.url !== undefined ? { url: input.url } : {}),
    subscriptions: watchSubscriptions(hosts),
    clock,
  });
  const live = new LiveOutageDetection({
    ...input.detection,
    select: selection.select,
    selection: selection.label,
    onRefused: (what, value, error) =>
      report(
        error instanceof CairnError
          ? error
          : new CairnError('RIS_LIVE_BAD_MESSAGE', `${what} ${value} refused: ${String(error)}`),
      ),
  });

  const counts = { update: 0, peerState: 0, open: 0, notification: 0, keepalive: 0, otherHost: 0 };
  const alerts: Record<string, number> = {};
  const peers = new Set<string>();
  const hostsSeen = new Set<string>();
  let problems = 0;
  let handled = 0;
  let announced = 0;
  let withdrawn = 0;
  let first: number | undefined;
  /** The latest message time and the clock time it arrived: the feed's time between messages. */
  let latest: number | undefined;
  let latestArrival = 0;

  function report(error: CairnError): void {
    problems++;
    hooks.onProblem?.(error);
  }
  const emit = (alert: AlertJson): void => {
    alerts[alert.kind] = (alerts[alert.kind] ?? 0) + 1;
    publish(alert);
  };
  live.onAlert((alert) => emit(liveAlertJson(alert, clock.now())));
  const rib =
    input.rib !== undefined && input.rib.length > 0 ? await seedFromRib(live, input.rib, report) : undefined;
  client.onProblem((error) => report(error));
  if (hooks.onStatus !== undefined) client.onStatus(hooks.onStatus);

  const feedTime = (): number | undefined =>
    latest === undefined ? undefined : latest + ((clock.now() - latestArrival) / 1000) * scale;

  function handle({ data, position, arrival }: RisLiveItem): void {
    handled++;
    if (hosts !== undefined && !hostMatches(data.host, hosts)) {
      counts.otherHost++;
      return;
    }
    let peer: RisPeer;
    try {
      peer = peerOf(data);
    } catch (error) {
      report(
        new CairnError(
          'RIS_LIVE_BAD_MESSAGE',
          `peer ${JSON.stringify(data.peer).slice(0, 60)}: ${(error as Error).message}`,
          {
            file: client.url,
            line: position.sequence,
            path: '$.data.peer',
          },
        ),
      );
      return;
    }
    const time = data.timestamp;
    first ??= time;
    if (latest === undefined || time >= latest) {
      latest = time;
      latestArrival = arrival;
    }
    peers.add(`${data.host} ${peer.address} ${peer.asn}`);
    hostsSeen.add(data.host);
    switch (data.type) {
      case 'UPDATE': {
        counts.update++;
        const converted = risUpdateToBgp(data);
        for (const problem of converted.problems)
          report(
            new CairnError(
              problem.code,
              `${problem.message} [connection ${position.connection}, message ${position.index}]`,
              {
                file: client.url,
                line: position.sequence,
                ...(problem.path !== undefined ? { path: problem.path } : {}),
              },
            ),
          );
        for (const update of converted.updates) {
          for (const f of update.withdrawn) withdrawn += f.prefixes.length;
          for (const f of update.announced) announced += f.prefixes.length;
          live.update(peer, update, time);
          bus?.update(peer, update, time);
        }
        return;
      }
      case 'RIS_PEER_STATE': {
        counts.peerState++;
        const base = { time: iso(time), peer: peer.address, peerAsn: peer.asn, description: data.host };
        if (data.state === 'down') {
          emit({ kind: 'peer-down', ...base, state: data.state });
          live.peerDown(peer, IDLE, time);
          bus?.peerDown(peer, time);
        } else if (data.state === 'connected' || data.state === 'up') emit({ kind: 'peer-up', ...base });
        return;
      }
      case 'OPEN':
        counts.open++;
        return;
      case 'NOTIFICATION':
        counts.notification++;
        return;
      case 'KEEPALIVE':
        counts.keepalive++;
        return;
    }
  }

  let stopped = false;
  let timer: Timer | undefined;
  const tick = (): void => {
    const t = feedTime();
    if (!stopped && t !== undefined) live.advance(t);
  };
  const onTimer = (): void => {
    if (stopped) return;
    tick();
    timer = clock.setTimeout(onTimer, tickMs, true);
  };
  timer = clock.setTimeout(onTimer, tickMs, true);

  client.start();
  const consuming = (async () => {
    for await (const item of client) if (!stopped) handle(item);
  })();

  const stats = (): WatchStats => {
    const s = client.stats;
    const tracker = live.detector.tracker;
    return {
      kind: 'watch-stats',
      url: client.url,
      selection: selection.label,
      firstTime: first !== undefined ? iso(first) : null,
      lastTime: latest !== undefined ? iso(latest) : null,
      messages: { ...counts },
      announced,
      withdrawn,
      peers: peers.size,
      hosts: [...hostsSeen].sort(),
      problems,
      alerts: { ...alerts },
      connection: {
        connections: s.connections,
        reconnects: s.reconnects,
        frames: s.frames,
        dropped: s.dropped,
        malformed: s.malformed,
        invalid: s.invalid,
        unknownTypes: s.unknownTypes,
        serverErrors: s.serverErrors,
        pingTimeouts: s.pingTimeouts,
        queuePeak: s.queuePeak,
      },
      detector: {
        trackedPrefixes: tracker.trackedCount,
        fullFeedPeers: tracker.fullFeedPeers,
        baseline: live.detector.currentBaseline ?? null,
        openEvent: live.detector.openEvent !== undefined,
      },
      ...(rib !== undefined ? { rib: { ...rib, files: [...rib.files] } } : {}),
    };
  };

  return {
    client,
    live,
    get handled() {
      return handled;
    },
    stats,
    tick,
    async stop() {
      if (!stopped) {
        stopped = true;
        timer?.cancel();
        await client.stop();
        await consuming;
        live.stop();
        await bus?.close();
      }
      return stats();
    },
  };
}
