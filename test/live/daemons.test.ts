/**
 * The passive collector against real BGP daemons from Debian's packages (BIRD 2 and GoBGP),
 * all on loopback: both daemons announce a table of real routes (a few thousand prefixes with
 * their AS paths from RIPE RIS, October 2015, including North Korea's four /24s with their path
 * 2914 1239 4837 131279), then replay the December 2014 timeline by withdrawing and
 * re-announcing, and the test checks what the collector delivered and archived against what the
 * daemons were told to send, with bgpdump as the independent MRT reference.
 *
 * Needs: bird2, gobgpd, bgpdump (Debian). A missing binary fails the suite with the apt-get
 * command; it never skips. See test/live/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BgpCollector,
  BgpState,
  parseCollectorConfig,
  type CollectorIncident,
} from '../../src/bgp/collector/index.js';
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
import { freePort, pickLoopbackAddresses, requireBinaries, sleep, TempDir, waitFor } from './harness.js';
import { replaySchedule, type ReplayStep } from './timeline.js';

const COLLECTOR_ASN = 65000;
const BIRD_ASN = 64496;
const GOBGP_ASN = 64497;
const KP_PATH = [2914, 1239, 4837, 131279];
const BACKGROUND_ROUTES = 3000;
/**
 * Timeline seconds per wall second (the detector's `timeScale`): 1800 makes an hour 2 s, the
 * 4-minute flap 133 ms and the 9 h 31 min outage 19 s. See README.md before changing it.
 */
const TIME_SCALE = Number(process.env.CAIRN_LIVE_TIME_SCALE ?? 1800);
if (!(TIME_SCALE > 0)) throw new Error(`CAIRN_LIVE_TIME_SCALE must be a positive number, not ${TIME_SCALE}`);
const REPLAY = { timeScale: TIME_SCALE, leadInHours: 2, maxGapHours: 2 };
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
  }, 120_000);

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
    collector = new BgpCollector(config, { logger });
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
    // Collector first (it sends Cease to both), then the daemons, then the files.
    await collector?.stop();
    await Promise.all([bird?.stop(), gobgp?.stop()]);
    dir?.remove();
  }, 60_000);

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
  }, 120_000);

  it('replays the December 2014 timeline: each withdrawal and re-announcement reaches the collector in order', async () => {
    ready();
    const steps = replaySchedule(SYNTHETIC_TIMELINE, REPLAY);
    const kpGroup = (prefix: string): string => `kp${KP_PREFIXES.indexOf(prefix)}`;
    const stepRoutes = (event: ExpectedEvent): LiveRoute[] => [
      ...routes.kp.filter((r) => event.prefixes.includes(r.prefix)),
      ...(event.withCustomers ? routes.upstreamCustomers : []),
    ];
    const measured: string[] = [];
    const start = performance.now();
    let drift = 0;
    let downArrival = 0;
    for (const step of steps) {
      // If the previous step took longer than the gap, the rest of the schedule moves later, so
      // that no interval is ever shorter than the scaled one.
      const target = start + step.at + drift;
      await sleep(target - performance.now());
      drift += Math.max(0, performance.now() - target);
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
      const arrived = await waitFor(
        `${step.kind === 'down' ? 'withdrawal' : 're-announcement'} of ${lost.length} prefixes ` +
          `from both daemons (${step.event.name})`,
        STEP_TIMEOUT,
        () => {
          const seen = received.slice(mark).filter((r) => r.type === type);
          const complete = [speakers.bird, speakers.gobgp].every((s) =>
            lost.every((route) => seen.some((r) => r.peer === s.address && r.prefix === route.prefix)),
          );
          return complete ? Math.max(...seen.map((r) => r.at)) : undefined;
        },
        diagnostics,
      );
      if (step.kind === 'down') downArrival = arrived;
      else {
        const scaled = ((step.event.up - step.event.down) * 1000) / TIME_SCALE;
        measured.push(
          `${step.event.name}: scaled ${scaled.toFixed(0)} ms, at the collector ${(arrived - downArrival).toFixed(0)} ms`,
        );
      }
      measured.push(
        `  ${step.kind} ${lost.length} prefixes: command to last arrival ${(arrived - issued).toFixed(0)} ms`,
      );
    }
    console.info(
      `timeline replay at time scale ${TIME_SCALE}: ${((performance.now() - start) / 1000).toFixed(1)} s, ` +
        `schedule drift ${drift.toFixed(0)} ms\n${measured.join('\n')}`,
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
  }, 180_000);

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
  }, 120_000);
});
