/**
 * The passive collector against real BGP daemons from Debian's packages (BIRD 2 and GoBGP),
 * all on loopback: both daemons announce a table of real routes (a few thousand prefixes with
 * their AS paths from RIPE RIS, October 2015, including North Korea's four /24s with their path
 * 2914 1239 4837 131279), then replay the December 2014 timeline by withdrawing and
 * re-announcing, and the test checks what the collector delivered and archived against what the
 * daemons were told to send, with bgpdump as the independent MRT reference. The live outage
 * detector (what `cairn collect --country KP` attaches) watches the whole run in virtual time:
 * the test sets the detector's clock to each step's timeline time before the daemons are told,
 * and the detector counts each message at that time, so every event must be detected exactly as
 * the timeline says (start, end, duration, classification, extent, prefixes, cause), its alert
 * published in the handling of one of the step's withdrawals and closed by the re-announcement;
 * nothing else may raise an outage. The daemons' speed changes how long the run takes, never
 * what it asserts; the alert latency is a benchmark's figure (bench/collector-daemon.mjs).
 *
 * Needs: bird2, gobgpd, bgpdump (Debian). A missing binary fails the suite with the apt-get
 * command; it never skips. See test/live/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertPublisher,
  BgpCollector,
  BgpState,
  parseCollectorConfig,
  type Alert,
  type CollectorIncident,
} from '../../src/bgp/collector/index.js';
import {
  VirtualClock,
  createCollectorArchive,
  attachLiveDetection,
  resolveSelection,
  type LiveAttachment,
} from '../../src/app/index.js';
import { readElements } from '../../src/mrt/index.js';
import {
  KP_PREFIXES,
  SYNTHETIC_TIMELINE,
  loadRealRoutes,
  type ExpectedEvent,
  type RealRoutes,
} from '../fixtures/synthetic-outage.js';
import { Bird, type LiveRoute } from './bird.js';
import { GoBgp, isInjectPadding } from './gobgp.js';
import { freePort, pickLoopbackAddresses, requireBinaries, TempDir, waitFor } from './harness.js';
import { replaySchedule, type ReplayStep } from './timeline.js';

const COLLECTOR_ASN = 65000;
const BIRD_ASN = 64496;
const GOBGP_ASN = 64497;
const KP_PATH = [2914, 1239, 4837, 131279];
const BACKGROUND_ROUTES = 3000;
/**
 * The detector's clock tick, in timeline (virtual) milliseconds: a minute, so that bins close and
 * an event grows from blip to outage to sustained outage while no message comes.
 */
const TICK_MS = 60_000;
/** Timeline before the first event: the table loads, the detector warms up (1 h of history). */
const LEAD_IN_SECONDS = 4 * 3600;
/** What the detector watches: `cairn collect --country KP` (the bundled APNIC registry). */
const SELECTION = { country: 'KP' };
/** The detector's classification limits (OUTAGE_DEFAULTS), in timeline seconds. */
const BLIP_SECONDS = 600;
const SUSTAINED_SECONDS = 3600;
/** Bounds of the waits (failure only: each wait returns as soon as its condition holds). */
const SESSION_TIMEOUT = 30_000;
const TABLE_TIMEOUT = 60_000;
const STEP_TIMEOUT = 15_000;

const RIS_FILE = fileURLToPath(
  new URL('../../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url),
);

/** One prefix of one UPDATE as the collector delivered it, in the bgpdump -m column order. */
interface Received {
  peer: string;
  line: string;
  type: 'A' | 'W';
  prefix: string;
  /** performance.now() at delivery. */
  at: number;
}

/** An alert as the collector published it, with performance.now() at publication. */
interface Published {
  alert: Alert;
  at: number;
}

/** The collector's alert publisher, recording each alert and when it went out. */
class RecordingAlerts extends AlertPublisher {
  readonly published: Published[] = [];

  constructor() {
    super({ output: new Writable({ write: (_chunk, _encoding, done) => done() }) });
  }

  override publish(alert: Alert): void {
    this.published.push({ alert, at: performance.now() });
    super.publish(alert);
  }
}

/** One step of the replay as it happened (performance.now() times). */
interface StepRecord {
  step: ReplayStep;
  /** When the commands were issued to both daemons. */
  issued: number;
  /** Arrival of the step's first and last prefix (withdrawals or announcements) at the collector. */
  first: number;
  last: number;
}

interface Speaker {
  name: string;
  address: string;
  asn: number;
}

/** `A|peer|asn|prefix|path|origin|nexthop` or `W|peer|asn|prefix`: what both MRT readers and the listener are compared on. */
function announceLine(speaker: Speaker, route: LiveRoute): string {
  return `A|${speaker.address}|${speaker.asn}|${route.prefix}|${[speaker.asn, ...route.path].join(' ')}|IGP|${speaker.address}`;
}
function withdrawLine(speaker: Speaker, prefix: string): string {
  return `W|${speaker.address}|${speaker.asn}|${prefix}`;
}

/**
 * Cuts `actual` into consecutive slices as long as the expected phases; within a phase the
 * daemon chooses the order (one UPDATE per path, parallel CLI calls), so each slice is sorted.
 */
function byPhase(actual: string[], phases: string[][]): { actual: string[][]; expected: string[][] } {
  const slices: string[][] = [];
  let offset = 0;
  for (const phase of phases) {
    slices.push(actual.slice(offset, offset + phase.length).sort());
    offset += phase.length;
  }
  if (offset < actual.length) slices.push(actual.slice(offset).sort());
  return { actual: slices, expected: phases.map((p) => [...p].sort()) };
}

/** bgpdump -m, normalised: `A|peer|asn|prefix|path|origin|nexthop`, `W|peer|asn|prefix`, `STATE|peer|asn|old|new`. */
function bgpdumpLines(file: string): string[] {
  return execFileSync('bgpdump', ['-m', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const f = line.split('|');
      if (f[0] !== 'BGP4MP_ET') throw new Error(`unexpected record type in ${file}: ${line}`);
      if (f[2] === 'A') return [f[2], f[3], f[4], f[5], f[6], f[7], f[8]].join('|');
      return f.slice(2, f[2] === 'STATE' ? 7 : 6).join('|');
    });
}

describe('collector with real BGP daemons (BIRD 2 and GoBGP on loopback)', () => {
  let dir: TempDir | undefined;
  let collector: BgpCollector | undefined;
  let bird: Bird | undefined;
  let gobgp: GoBgp | undefined;
  let routes: RealRoutes;
  let table: LiveRoute[];
  let speakers: { bird: Speaker; gobgp: Speaker };
  const received: Received[] = [];
  const incidents: CollectorIncident[] = [];
  const badUpdates: string[] = [];
  const logs: string[] = [];
  /** Per speaker address: what it was told to send, phase by phase (the table, then each step). */
  const expectedPhases = new Map<string, string[][]>();
  let mrtDirectory = '';
  /** The live outage detection attached to the collector, its alerts and the replay as it ran. */
  let attached: LiveAttachment | undefined;
  /** The detector's clock: timeline milliseconds, moved by the replay. */
  const virtual = new VirtualClock((SYNTHETIC_TIMELINE[0].down - LEAD_IN_SECONDS) * 1000);
  const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
  const alerts = new RecordingAlerts();
  const stepLog: StepRecord[] = [];
  let replayEnd: number | undefined;

  const diagnostics = async (): Promise<string> => {
    const states = collector?.peerStates().map((p) => `${p.address} AS${p.asn} state ${p.state}`) ?? [];
    return [
      `collector peers: ${states.join(', ')}`,
      `collector log (last 20 lines):\n${logs.slice(-20).join('')}`,
      bird ? await bird.diagnostics() : 'bird not started',
      gobgp ? await gobgp.diagnostics() : 'gobgpd not started',
    ].join('\n');
  };

  /**
   * Setup problems (a missing daemon, a session that never comes up) are kept and rethrown by
   * every test, so that each one fails with the reason (vitest would mark them skipped if
   * beforeAll threw).
   */
  let setupError: unknown;
  const ready = (): void => {
    if (setupError !== undefined) throw setupError;
  };

  beforeAll(async () => {
    try {
      await setup();
    } catch (error) {
      setupError = error;
    }
  });

  async function setup(): Promise<void> {
    const binaries = requireBinaries(['bird', 'birdc', 'gobgpd', 'gobgp', 'bgpdump']);
    routes = await loadRealRoutes(RIS_FILE, BACKGROUND_ROUTES);
    table = [...routes.kp, ...routes.upstreamCustomers, ...routes.background];

    dir = new TempDir('cairn-live-');
    mrtDirectory = dir.file('mrt');
    mkdirSync(mrtDirectory);
    const [birdAddress, gobgpAddress] = await pickLoopbackAddresses(2);
    speakers = {
      bird: { name: 'BIRD', address: birdAddress, asn: BIRD_ASN },
      gobgp: { name: 'GoBGP', address: gobgpAddress, asn: GOBGP_ASN },
    };

    const config = parseCollectorConfig({
      listenAddress: '127.0.0.1',
      listenPort: 0,
      localAsn: COLLECTOR_ASN,
      bgpId: '192.0.2.1',
      peers: [
        { address: birdAddress, asn: BIRD_ASN, description: 'BIRD 2' },
        { address: gobgpAddress, asn: GOBGP_ASN, description: 'GoBGP' },
      ],
      outputDirectory: mrtDirectory,
      logLevel: 'info',
    });
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
    collector = new BgpCollector(config, { logger, archive: createCollectorArchive(config, { logger }) });
    collector.onIncident((incident) => incidents.push(incident));
    collector.onMessage((peer, _time, message) => {
      if (message.type !== 'update') return;
      if (message.outcome !== 'ok' || message.problems.length > 0) {
        badUpdates.push(`${peer.address}: ${message.outcome} ${JSON.stringify(message.problems)}`);
      }
      const at = performance.now();
      for (const family of message.withdrawn) {
        for (const { prefix } of family.prefixes) {
          received.push({
            peer: peer.address,
            type: 'W',
            prefix,
            at,
            line: `W|${peer.address}|${peer.asn}|${prefix}`,
          });
        }
      }
      const a = message.attributes;
      const path = (a.asPath ?? []).map((s) =>
        s.kind === 'sequence' ? s.asns.join(' ') : `{${s.asns.join(',')}}`,
      );
      for (const family of message.announced) {
        for (const { prefix } of family.prefixes) {
          const line = `A|${peer.address}|${peer.asn}|${prefix}|${path.join(' ')}|${a.origin}|${a.nextHop ?? a.mpReach?.nextHop}`;
          received.push({ peer: peer.address, type: 'A', prefix, at, line });
        }
      }
    });
    // After the listener above, so that a message's arrival is stamped before it is handled.
    const selection = (await resolveSelection(SELECTION))!;
    attached = attachLiveDetection(collector, (alert) => alerts.publish(alert), {
      select: selection.select,
      selection: selection.label,
      clock: virtual,
      // A message counts at the virtual time it is handled: the step's timeline time.
      stamp: 'clock',
      tickMs: TICK_MS,
      logger,
    });
    const listening = await collector.start();
    const collectorEnd = { address: '127.0.0.1', port: listening.port, asn: COLLECTOR_ASN };

    const birdGroups: Record<string, LiveRoute[]> = {
      background: routes.background,
      customers: routes.upstreamCustomers,
    };
    routes.kp.forEach((route) => (birdGroups[`kp${KP_PREFIXES.indexOf(route.prefix)}`] = [route]));
    const birdPort = await freePort(birdAddress);
    [bird, gobgp] = await Promise.all([
      Bird.start(
        binaries as { bird: string; birdc: string },
        dir,
        { address: birdAddress, asn: BIRD_ASN, collector: collectorEnd },
        birdPort,
        birdGroups,
      ),
      GoBgp.start(binaries as { gobgpd: string; gobgp: string }, dir, {
        address: gobgpAddress,
        asn: GOBGP_ASN,
        collector: collectorEnd,
      }),
    ]);
    for (const speaker of [speakers.bird, speakers.gobgp]) {
      expectedPhases.set(speaker.address, [table.map((route) => announceLine(speaker, route))]);
    }
  }

  afterAll(async () => {
    attached?.stop();
    // Collector first (it sends Cease to both), then the daemons, then the files.
    await collector?.stop();
    await Promise.all([bird?.stop(), gobgp?.stop()]);
    dir?.remove();
  });

  it('loads real routes: the four KP /24s with their 2015 path and several thousand others', () => {
    ready();
    expect(routes.kp.map((r) => r.prefix).sort()).toEqual(KP_PREFIXES);
    for (const route of routes.kp) expect(route.path).toEqual(KP_PATH);
    expect(routes.upstreamCustomers.length).toBe(5);
    for (const route of routes.upstreamCustomers) expect(route.path.at(-2)).toBe(4837);
    expect(routes.background.length).toBe(BACKGROUND_ROUTES);
    expect(new Set(table.map((r) => r.prefix)).size).toBe(table.length);
    // GoBGP's injection padding must not hide a real route.
    expect(table.filter((r) => isInjectPadding(r.prefix))).toEqual([]);
  });

  it('both sessions reach Established and the whole table arrives from each daemon with its real paths', async () => {
    ready();
    await waitFor(
      'both daemons Established with the collector',
      SESSION_TIMEOUT,
      () => collector!.peerStates().every((p) => p.state === BgpState.ESTABLISHED),
      diagnostics,
    );
    // GoBGP gets its table once the session is up, so that nothing is sent before Established.
    // The background in one `mrt inject`; the routes the timeline withdraws with `global rib add`.
    await gobgp!.inject(routes.background, speakers.gobgp.address);
    await gobgp!.announce([...routes.kp, ...routes.upstreamCustomers]);
    expect((await gobgp!.ribPrefixes()).size).toBe(table.length);

    const announcedBy = (address: string): number => {
      const prefixes = new Set<string>();
      for (const r of received) if (r.peer === address && r.type === 'A') prefixes.add(r.prefix);
      return prefixes.size;
    };
    await waitFor(
      `${table.length} prefixes from each daemon`,
      TABLE_TIMEOUT,
      () =>
        announcedBy(speakers.bird.address) === table.length &&
        announcedBy(speakers.gobgp.address) === table.length,
      async () =>
        `BIRD sent ${announcedBy(speakers.bird.address)}, GoBGP sent ${announcedBy(speakers.gobgp.address)}\n` +
        (await diagnostics()),
    );
    for (const speaker of [speakers.bird, speakers.gobgp]) {
      const lines = received.filter((r) => r.peer === speaker.address).map((r) => r.line);
      expect(lines.sort(), `${speaker.name}'s table`).toEqual(
        expectedPhases.get(speaker.address)![0].slice().sort(),
      );
      const kp = received.find((r) => r.peer === speaker.address && r.prefix === KP_PREFIXES[0])!;
      expect(kp.line.split('|')[4]).toBe([speaker.asn, ...KP_PATH].join(' '));
    }
  });

  it('replays the December 2014 timeline: each withdrawal and re-announcement reaches the collector in order', async () => {
    ready();
    const steps = replaySchedule(SYNTHETIC_TIMELINE);
    const kpGroup = (prefix: string): string => `kp${KP_PREFIXES.indexOf(prefix)}`;
    const stepRoutes = (event: ExpectedEvent): LiveRoute[] => [
      ...routes.kp.filter((r) => event.prefixes.includes(r.prefix)),
      ...(event.withCustomers ? routes.upstreamCustomers : []),
    ];
    const measured: string[] = [];
    // The table came in at the start of the lead-in; two hours of it later (one hour of history
    // after the full-feed set last changed, at the first bin's end) the detector is armed.
    virtual.advanceTo((SYNTHETIC_TIMELINE[0].down - 2 * 3600) * 1000);
    expect(attached!.live.detector.currentBaseline, 'the detector armed before the replay').toBe(4);
    const start = performance.now();
    for (const step of steps) {
      // The detector's clock moves to the step's time (its ticks fire on the way); the daemons'
      // messages for the step all count at that time, however long they take to come.
      virtual.advanceTo(step.timelineTime * 1000);
      const lost = stepRoutes(step.event);
      const groups = [
        ...step.event.prefixes.map(kpGroup),
        ...(step.event.withCustomers ? ['customers'] : []),
      ];
      const mark = received.length;
      for (const speaker of [speakers.bird, speakers.gobgp]) {
        expectedPhases
          .get(speaker.address)!
          .push(
            lost.map((route) =>
              step.kind === 'down' ? withdrawLine(speaker, route.prefix) : announceLine(speaker, route),
            ),
          );
      }
      const issued = performance.now();
      if (step.kind === 'down') {
        await Promise.all([bird!.setEnabled(groups, false), gobgp!.withdraw(lost.map((r) => r.prefix))]);
      } else {
        await Promise.all([bird!.setEnabled(groups, true), gobgp!.announce(lost)]);
      }
      const type = step.kind === 'down' ? 'W' : 'A';
      const arrival = await waitFor(
        `${step.kind === 'down' ? 'withdrawal' : 're-announcement'} of ${lost.length} prefixes ` +
          `from both daemons (${step.event.name})`,
        STEP_TIMEOUT,
        () => {
          const seen = received.slice(mark).filter((r) => r.type === type);
          const complete = [speakers.bird, speakers.gobgp].every((s) =>
            lost.every((route) => seen.some((r) => r.peer === s.address && r.prefix === route.prefix)),
          );
          if (!complete) return undefined;
          const mine = seen.filter((r) => lost.some((route) => route.prefix === r.prefix));
          return { first: Math.min(...mine.map((r) => r.at)), last: Math.max(...mine.map((r) => r.at)) };
        },
        diagnostics,
      );
      stepLog.push({ step, issued, ...arrival });
      measured.push(
        `${step.event.name} ${step.kind} ${lost.length} prefixes: command to first / last arrival ` +
          `${(arrival.first - issued).toFixed(0)} / ${(arrival.last - issued).toFixed(0)} ms`,
      );
    }
    // The last event's close and the quiet after it.
    virtual.advanceTo((steps.at(-1)!.timelineTime + 3600) * 1000);
    replayEnd = performance.now();
    console.info(
      `timeline replay in virtual time: ${((replayEnd - start) / 1000).toFixed(1)} s wall\n${measured.join('\n')}`,
    );

    // The listener saw, per daemon, the table, then each step's prefixes, in the timeline's order.
    for (const speaker of [speakers.bird, speakers.gobgp]) {
      const lines = received.filter((r) => r.peer === speaker.address).map((r) => r.line);
      const { actual, expected } = byPhase(lines, expectedPhases.get(speaker.address)!);
      expect(actual, `${speaker.name}: updates by phase`).toEqual(expected);
      // The KP prefixes alone, in order: down/up pairs with the real path on every re-announcement.
      const kp = lines.filter((l) => KP_PREFIXES.includes(l.split('|')[3]));
      expect(
        kp
          .filter((l) => l.startsWith('A|'))
          .every((l) => l.split('|')[4] === `${speaker.asn} ${KP_PATH.join(' ')}`),
      ).toBe(true);
    }
    expect(steps.filter((s: ReplayStep) => s.kind === 'down').length).toBe(SYNTHETIC_TIMELINE.length);
    expect(badUpdates).toEqual([]);
    expect(incidents).toEqual([]);
  });

  it('detects each event live: exact start, end, classification, extent and prefixes, opened by the withdrawal, closed by the re-announcement', () => {
    ready();
    expect(replayEnd, 'the replay ran').toBeDefined();
    const during = alerts.published.filter((p) => p.at <= replayEnd!);
    const kinds = (...wanted: string[]): Published[] => during.filter((p) => wanted.includes(p.alert.kind));
    const firstDown = stepLog[0].issued;

    // Armed before the first withdrawal: the four KP /24s seen by both daemons (both full feeds),
    // and it stays armed through the replay.
    const readiness = kinds('outage-detector-ready', 'outage-detector-warming-up');
    expect(readiness.filter((p) => p.at < firstDown).at(-1)?.alert).toMatchObject({
      kind: 'outage-detector-ready',
      baseline: 4,
      fullFeedPeers: 2,
      trackedPrefixes: 4,
      selection: 'country KP',
    });
    expect(readiness.filter((p) => p.at >= firstDown).map((p) => p.alert)).toEqual([]);

    // One outage per event of the timeline and nothing else: no outage while the table loaded,
    // none between events, no session reset.
    const opens = kinds('outage-open');
    const closes = kinds('outage-close');
    expect(opens.map((p) => p.alert.start)).toHaveLength(SYNTHETIC_TIMELINE.length);
    expect(closes).toHaveLength(SYNTHETIC_TIMELINE.length);
    expect(kinds('session-reset', 'session-restored')).toEqual([]);

    const kpArrivals = (type: 'W' | 'A'): Received[] =>
      received.filter((r) => r.type === type && KP_PREFIXES.includes(r.prefix));
    const withdrawals = kpArrivals('W');
    const announcements = kpArrivals('A');
    /** The last arrival at or before `at`: the message in whose handling the alert went out. */
    const triggerOf = (list: Received[], at: number): Received => list.filter((r) => r.at <= at).at(-1)!;
    const ladder = ['blip', 'outage', 'sustained-outage'];
    const report: string[] = [];
    let smallest = Number.POSITIVE_INFINITY;
    let slowest = 0;
    SYNTHETIC_TIMELINE.forEach((expected, i) => {
      const name = expected.name;
      const down = stepLog.find((r) => r.step.eventIndex === i && r.step.kind === 'down')!;
      const up = stepLog.find((r) => r.step.eventIndex === i && r.step.kind === 'up')!;
      const next = stepLog[stepLog.indexOf(up) + 1]?.issued ?? replayEnd!;

      // Opened by this event's withdrawal, in the handling of one of its UPDATEs, at its time.
      const open = opens[i];
      expect(open.at, `${name}: opened after the withdrawal`).toBeGreaterThanOrEqual(down.issued);
      expect(open.at, `${name}: opened before the re-announcement`).toBeLessThan(up.issued);
      const trigger = triggerOf(withdrawals, open.at);
      expect(trigger.at, `${name}: the triggering withdrawal is this event's`).toBeGreaterThanOrEqual(
        down.issued,
      );
      const latency = open.at - trigger.at;
      expect(open.alert, name).toMatchObject({
        classification: 'blip',
        selection: 'country KP',
        start: iso(expected.down),
        time: iso(expected.down),
      });
      const openPrefixes = open.alert.prefixes as string[];
      expect(openPrefixes.length, name).toBeGreaterThan(0);
      expect(expected.prefixes, name).toEqual(expect.arrayContaining(openPrefixes));
      const id = open.alert.eventId;

      // Growth: blip -> outage -> sustained-outage as the event lasts, each step once, in order.
      const classes = during
        .filter(
          (p) =>
            p.alert.eventId === id &&
            ['outage-open', 'outage-update', 'outage-escalated', 'outage-de-escalated'].includes(
              p.alert.kind,
            ),
        )
        .map((p) => p.alert.classification)
        .filter((c, k, all) => k === 0 || c !== all[k - 1]);
      expect(classes, name).toEqual(ladder.slice(0, ladder.indexOf(expected.classification) + 1));

      // Closed by the re-announcement, in the handling of one of its UPDATEs, before the next event.
      const ofEvent = closes.filter((p) => p.alert.eventId === id);
      expect(ofEvent, `${name}: one close`).toHaveLength(1);
      const close = ofEvent[0];
      expect(close.at, `${name}: closed after the re-announcement`).toBeGreaterThanOrEqual(up.issued);
      expect(close.at, `${name}: closed before the next step`).toBeLessThan(next);
      const back = triggerOf(announcements, close.at);
      expect(back.at, `${name}: closed by this event's re-announcement`).toBeGreaterThanOrEqual(up.issued);
      expect(close.alert, name).toMatchObject({
        classification: expected.classification,
        extent: expected.extent,
        level: expected.extent === 'full' ? 'critical' : 'warning',
        prefixes: expected.prefixes,
        prefixCount: expected.prefixes.length,
        lostShare: expected.prefixes.length / KP_PREFIXES.length,
        selection: 'country KP',
        cause: expected.cause,
        start: iso(expected.down),
        end: iso(expected.up),
        endReason: 'recovered',
        duration: expected.up - expected.down,
      });
      // The recovery alert, on its own, published right after the close.
      const recovery = during[during.indexOf(close) + 1];
      expect(recovery?.alert, `${name}: recovery alert`).toEqual(
        expect.objectContaining({
          kind: 'outage-recovery',
          eventId: id,
          time: iso(expected.up),
          start: iso(expected.down),
          end: iso(expected.up),
          duration: expected.up - expected.down,
          classification: expected.classification,
          extent: expected.extent,
          selection: 'country KP',
        }),
      );
      expect(
        kinds('outage-recovery').filter((p) => p.alert.eventId === id),
        name,
      ).toHaveLength(1);

      const duration = close.alert.duration as number;
      const margin = Math.min(Math.abs(duration - BLIP_SECONDS), Math.abs(duration - SUSTAINED_SECONDS));
      smallest = Math.min(smallest, margin);
      slowest = Math.max(slowest, latency);
      report.push(
        `${name}: ${String(close.alert.classification)} ${String(close.alert.extent)}, ${duration} s, ` +
          `margin to the nearest limit ${margin} s; open ${latency.toFixed(2)} ms (wall) after the ` +
          `withdrawal, close ${(close.at - back.at).toFixed(2)} ms after the re-announcement; cause ` +
          `${String(close.alert.cause)}`,
      );
    });
    // Every outage alert belongs to one of those events.
    const ids = new Set(opens.map((p) => p.alert.eventId));
    expect(
      kinds(
        'outage-open',
        'outage-update',
        'outage-escalated',
        'outage-de-escalated',
        'outage-close',
        'outage-recovery',
        'outage-unresolved',
      ).filter((p) => !ids.has(p.alert.eventId)),
    ).toEqual([]);
    // No event ended without its recovery, and data was never lost during the replay.
    expect(kinds('outage-unresolved', 'outage-detector-no-data')).toEqual([]);
    expect(attached!.live.stats.refused).toBe(0);
    console.info(
      `live detection in virtual time (tick ${TICK_MS / 1000} s of timeline): smallest margin to a ` +
        `classification limit ${smallest} s of timeline, slowest alert ${slowest.toFixed(2)} ms (wall) ` +
        `after its withdrawal\n${report.join('\n')}`,
    );
  });

  it('writes MRT that bgpdump and src/mrt decode to exactly the updates the daemons sent', async () => {
    ready();
    await collector!.stop();
    const files = readdirSync(mrtDirectory)
      .sort()
      .map((name) => join(mrtDirectory, name));
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const file of files) expect(file).toMatch(/updates\.\d{8}\.\d{4}\.gz$/);

    const dumped = files.flatMap(bgpdumpLines);
    const ours: string[] = [];
    for (const file of files) {
      for await (const e of readElements(file, { strict: true })) {
        if (e.type === 'STATE') ours.push(`STATE|${e.peerAddress}|${e.peerAsn}|${e.oldState}|${e.newState}`);
        else if (e.type === 'W') ours.push(`W|${e.peerAddress}|${e.peerAsn}|${e.prefix}`);
        else ours.push(`A|${e.peerAddress}|${e.peerAsn}|${e.prefix}|${e.asPath}|${e.origin}|${e.nextHop}`);
      }
    }
    expect(ours).toEqual(dumped);

    for (const speaker of [speakers.bird, speakers.gobgp]) {
      const mine = dumped.filter((l) => l.split('|')[1] === speaker.address);
      // One session each, up once and closed by the collector at the end.
      expect(
        mine.filter((l) => l.startsWith('STATE|')),
        `${speaker.name}: state changes`,
      ).toEqual(
        ['1|3', '3|4', '4|5', '5|6', '6|1'].map((s) => `STATE|${speaker.address}|${speaker.asn}|${s}`),
      );
      const updates = mine.filter((l) => !l.startsWith('STATE|'));
      const { actual, expected } = byPhase(updates, expectedPhases.get(speaker.address)!);
      expect(actual, `${speaker.name}: archived updates by phase`).toEqual(expected);
      // And exactly what the listener was handed, in the same order.
      expect(updates).toEqual(received.filter((r) => r.peer === speaker.address).map((r) => r.line));
    }
  });
});
