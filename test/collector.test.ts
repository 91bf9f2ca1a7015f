import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { readElements, scanGzipMembers, type MrtElement } from '../src/mrt/index.js';
import { createCollectorArchive, type MrtCollectorArchive } from '../src/app/index.js';
import type { BgpMessage, BgpUpdate, UpdateSpec } from '../src/bgp/index.js';
import {
  BgpCollector,
  BgpState,
  BgpTestSpeaker,
  VirtualClock,
  effectiveUpdate,
  parseCollectorConfig,
  type CollectorConfigInput,
  type CollectorIncident,
  type CollectorOptions,
  type CollectorPeer,
} from '../src/bgp/collector/index.js';

const LOCAL_ASN = 65000;
const GOOD = { address: '127.0.0.2', asn: 65001 };
const ADDPATH = { address: '127.0.0.3', asn: 4200000003 };
const TWO_BYTE = { address: '127.0.0.4', asn: 65004 };
const HOSTILE = { address: '127.0.0.5', asn: 65005 };
/** The collector's virtual clock starts here: 2015-01-01 00:00:00 UTC. */
const T0 = Date.UTC(2015, 0, 1) / 1000;

interface Harness {
  collector: BgpCollector;
  /** The collector's and its archive's time: timers fire only when a test advances it. */
  clock: VirtualClock;
  archive: MrtCollectorArchive;
  port: number;
  dir: string;
  logs: Record<string, unknown>[];
  incidents: CollectorIncident[];
  updates: { peer: CollectorPeer; time: number; message: BgpUpdate }[];
  states: { peer: string; from: number; to: number }[];
  /** The peer address of each KEEPALIVE delivered (the one that brings a session up included). */
  keepalives: string[];
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startCollector(extra: Partial<CollectorConfigInput> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-collector-'));
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const config = parseCollectorConfig({
    listenPort: 0,
    localAsn: LOCAL_ASN,
    bgpId: '192.0.2.1',
    peers: [GOOD, { ...ADDPATH, addPath: true }, TWO_BYTE, HOSTILE],
    outputDirectory: dir,
    ...extra,
  });
  const clock = new VirtualClock(T0 * 1000);
  const archive = createCollectorArchive(config, { logger, clock });
  const collector = new BgpCollector(config, { logger, archive, clock });
  const h: Harness = {
    collector,
    clock,
    archive,
    port: 0,
    dir,
    logs,
    incidents: [],
    updates: [],
    states: [],
    keepalives: [],
  };
  collector.onIncident((i) => h.incidents.push(i));
  collector.onMessage((peer, time, message) => {
    if (message.type === 'update') h.updates.push({ peer, time, message });
    if (message.type === 'keepalive') h.keepalives.push(peer.address);
  });
  collector.onStateChange((peer, from, to) => h.states.push({ peer: peer.address, from, to }));
  h.port = (await collector.start()).port;
  cleanup.push(async () => {
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return h;
}

async function speaker(
  h: Harness,
  peer: { address: string; asn: number },
  options: Partial<Parameters<typeof BgpTestSpeaker.connect>[0]> = {},
): Promise<BgpTestSpeaker> {
  const s = await BgpTestSpeaker.connect({
    host: '127.0.0.1',
    port: h.port,
    localAddress: peer.address,
    asn: peer.asn,
    bgpId: `10.0.0.${peer.address.split('.')[3]}`,
    ...options,
  });
  cleanup.push(async () => {
    s.socket.destroy();
    await s.closed;
  });
  return s;
}

/**
 * Waits for something the collector does on loopback I/O (not on its clock, which only moves when
 * a test advances it); gives up, saying what it waited for, well inside the test's timeout.
 */
async function until(test: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function announce(prefixes: string[], path: number[], nextHop: string): UpdateSpec {
  const v6 = prefixes[0].includes(':');
  return {
    announced: [{ afi: v6 ? 2 : 1, safi: 1, prefixes: prefixes.map((prefix) => ({ prefix })) }],
    attributes: v6
      ? { origin: 'IGP', asPath: [{ kind: 'sequence', asns: path }], mpReach: { afi: 2, safi: 1, nextHop } }
      : { origin: 'IGP', asPath: [{ kind: 'sequence', asns: path }], nextHop },
  };
}

function bgpdumpLines(file: string): string[] {
  return execFileSync('bgpdump', ['-m', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter((l) => l.length > 0);
}

async function mrtElements(files: string[]): Promise<MrtElement[]> {
  const out: MrtElement[] = [];
  for (const f of files) for await (const e of readElements(f, { strict: true })) out.push(e);
  return out;
}

describe('collector sessions and MRT archive', () => {
  it('archives exactly the updates sent, readable by bgpdump and src/mrt', async () => {
    const h = await startCollector();
    const a = await speaker(h, GOOD);
    await a.establish();
    const b = await speaker(h, ADDPATH, { addPath: true });
    await b.establish();
    const c = await speaker(h, TWO_BYTE, {
      capabilities: [{ kind: 'multiprotocol', code: 1, afi: 1, safi: 1 }],
    });
    c.session = { asn4: false };
    await c.establish();
    await until(
      () => h.collector.peerStates().filter((p) => p.state === BgpState.ESTABLISHED).length === 3,
      'three sessions established',
    );

    await a.sendUpdate(announce(['175.45.176.0/22', '175.45.178.0/24'], [65001, 4837, 131279], '127.0.0.2'));
    await a.sendUpdate(announce(['2001:db8:1::/48'], [65001, 6939], '2001:db8::2'));
    await a.sendUpdate({ withdrawn: [{ afi: 1, safi: 1, prefixes: [{ prefix: '175.45.178.0/24' }] }] });
    await a.sendUpdate({ withdrawn: [{ afi: 2, safi: 1, prefixes: [{ prefix: '2001:db8:1::/48' }] }] });
    // Three sockets: the archive's order across peers is the order the collector reads them in,
    // so each peer's updates are delivered before the next peer sends.
    await until(() => h.updates.length === 4, "the first peer's four updates delivered");
    const ap = announce(['192.0.2.0/24'], [4200000003, 3356], '127.0.0.3');
    ap.announced![0].prefixes = [
      { prefix: '192.0.2.0/24', pathId: 1 },
      { prefix: '192.0.2.0/24', pathId: 2 },
    ];
    await b.sendUpdate(ap);
    await b.sendUpdate({
      withdrawn: [{ afi: 1, safi: 1, prefixes: [{ prefix: '192.0.2.0/24', pathId: 2 }] }],
    });
    await until(() => h.updates.length === 6, "the ADD-PATH peer's two updates delivered");
    // A 2-byte speaker: its 4-byte ASN travels as AS_TRANS + AS4_PATH (RFC 6793).
    await c.sendUpdate(announce(['198.51.100.0/24'], [65004, 4200000099], '127.0.0.4'));
    await until(() => h.updates.length === 7, 'seven updates delivered');

    // Listeners got decoded messages with the negotiated options applied.
    const fromB = h.updates.filter((u) => u.peer.address === ADDPATH.address);
    expect(fromB[0].peer.session?.addPath).toEqual([
      { afi: 1, safi: 1 },
      { afi: 2, safi: 1 },
    ]);
    expect(fromB[0].message.announced[0].prefixes).toEqual([
      { prefix: '192.0.2.0/24', pathId: 1 },
      { prefix: '192.0.2.0/24', pathId: 2 },
    ]);
    const fromC = h.updates.find((u) => u.peer.address === TWO_BYTE.address)!;
    expect(fromC.peer.session?.asn4).toBe(false);
    expect(fromC.message.attributes.asPath).toEqual([{ kind: 'sequence', asns: [65004, 4200000099] }]);

    for (const s of [a, b, c]) await s.close();
    await until(() => h.collector.peerStates().every((p) => p.state === BgpState.IDLE), 'all idle');
    await h.collector.stop();

    // Virtual time did not move: one file, named by the interval of T0.
    expect(readdirSync(h.dir)).toEqual(['updates.20150101.0000.gz']);
    const files = readdirSync(h.dir).map((f) => join(h.dir, f));
    expect(h.updates.every((u) => u.time === T0)).toBe(true);

    const expected = [
      `A|127.0.0.2|65001|175.45.176.0/22|65001 4837 131279|127.0.0.2`,
      `A|127.0.0.2|65001|175.45.178.0/24|65001 4837 131279|127.0.0.2`,
      `A|127.0.0.2|65001|2001:db8:1::/48|65001 6939|2001:db8::2`,
      `W|127.0.0.2|65001|175.45.178.0/24`,
      `W|127.0.0.2|65001|2001:db8:1::/48`,
      `A|127.0.0.3|4200000003|192.0.2.0/24|4200000003 3356|127.0.0.3`,
      `A|127.0.0.3|4200000003|192.0.2.0/24|4200000003 3356|127.0.0.3`,
      `W|127.0.0.3|4200000003|192.0.2.0/24`,
      `A|127.0.0.4|65004|198.51.100.0/24|65004 4200000099|127.0.0.4`,
    ];
    // bgpdump -m: BGP4MP_ET|time|A|peer|asn|prefix|path|origin|nexthop|...
    const dumped = files.flatMap(bgpdumpLines);
    const pathIds: number[] = [];
    const routeLines = dumped
      .filter((l) => !l.includes('|STATE|'))
      .map((l) => {
        const f = l.split('|');
        // ADD-PATH lines carry the path id after the prefix.
        if (l.startsWith('BGP4MP_ET_AP|')) {
          pathIds.push(Number(f[6]));
          f.splice(6, 1);
        }
        return f[2] === 'A' ? f.slice(2, 7).concat(f[8]).join('|') : f.slice(2, 6).join('|');
      });
    expect(pathIds).toEqual([1, 2, 2]);
    expect(routeLines).toEqual(expected);
    // Every line is an extended-timestamp record at the collector's time; ADD-PATH ones are marked.
    for (const l of dumped) expect(l).toMatch(new RegExp(`^BGP4MP_ET(_AP)?\\|${T0}\\.000000\\|`));
    expect(dumped.filter((l) => l.startsWith('BGP4MP_ET_AP|')).length).toBe(3);

    // src/mrt reads the same, with the path ids.
    const elements = await mrtElements(files);
    const routes = elements.filter((e) => e.type !== 'STATE');
    expect(
      routes.map((e) =>
        [e.type, e.peerAddress, e.peerAsn, e.prefix, ...(e.type === 'A' ? [e.asPath, e.nextHop] : [])].join(
          '|',
        ),
      ),
    ).toEqual(expected);
    expect(routes.filter((e) => e.peerAddress === '127.0.0.3').map((e) => e.pathId)).toEqual([1, 2, 2]);

    // State changes: each peer went Idle -> Active -> OpenSent -> OpenConfirm -> Established -> Idle.
    const states = elements.filter((e) => e.type === 'STATE');
    for (const peer of [GOOD, ADDPATH, TWO_BYTE]) {
      const mine = states.filter((e) => e.peerAddress === peer.address);
      expect(mine.map((e) => `${e.oldState}>${e.newState}`)).toEqual(['1>3', '3>4', '4>5', '5>6', '6>1']);
      expect(mine.every((e) => e.peerAsn === peer.asn)).toBe(true);
    }
    const dumpedStates = dumped.filter((l) => l.includes('|STATE|'));
    expect(dumpedStates.length).toBe(15);
    expect(h.incidents).toEqual([]);
  });

  it('names files by interval, appends within one, closes it at the end of the interval', async () => {
    // Hold time 0: no keepalives or hold timer, so virtual minutes can pass in one step.
    const h = await startCollector({ holdTime: 0 });
    const a = await speaker(h, GOOD, { holdTime: 0 });
    await a.establish();
    await a.sendUpdate(announce(['10.1.0.0/16'], [65001], '127.0.0.2'));
    await until(() => h.updates.length === 1, 'first update');
    await h.archive.writer.rotate();
    // The same interval reopens in append mode: a second gzip member in the same file.
    await a.sendUpdate(announce(['10.2.0.0/16'], [65001], '127.0.0.2'));
    await until(() => h.updates.length === 2, 'second update');
    const closed = (): unknown[] => h.logs.filter((l) => l.msg === 'MRT file closed').map((l) => l.file);
    const first = join(h.dir, 'updates.20150101.0000.gz');
    expect(closed()).toEqual([first]);
    // The interval ends 5 virtual minutes after T0: the idle file stays open until then, not a ms less.
    h.clock.advance(5 * 60 * 1000 - 1);
    await h.archive.writer.settled();
    expect(closed()).toEqual([first]);
    h.clock.advance(1);
    await h.archive.writer.settled();
    expect(closed()).toEqual([first, first]);
    await a.sendUpdate(announce(['10.3.0.0/16'], [65001], '127.0.0.2'));
    await until(() => h.updates.length === 3, 'third update');
    await a.close();
    await h.collector.stop();
    const second = join(h.dir, 'updates.20150101.0005.gz');
    expect(h.archive.writer.files).toEqual([first, first, second]);
    const announced = (f: string): string[] =>
      bgpdumpLines(f)
        .filter((l) => l.includes('|A|'))
        .map((l) => `${l.split('|')[1]} ${l.split('|')[5]}`);
    expect(announced(first)).toEqual([`${T0}.000000 10.1.0.0/16`, `${T0}.000000 10.2.0.0/16`]);
    expect(announced(second)).toEqual([`${T0 + 300}.000000 10.3.0.0/16`]);
    const elements = await mrtElements([first, second]);
    expect(elements.filter((e) => e.type === 'A').map((e) => e.prefix)).toEqual([
      '10.1.0.0/16',
      '10.2.0.0/16',
      '10.3.0.0/16',
    ]);
  });

  it('flushes the open file every flushSeconds: a complete gzip member on disk, not a ms sooner', async () => {
    const h = await startCollector({ holdTime: 0, flushSeconds: 0.25 });
    const a = await speaker(h, GOOD, { holdTime: 0 });
    await a.establish();
    await a.sendUpdate(announce(['10.1.0.0/16'], [65001], '127.0.0.2'));
    await until(() => h.updates.length === 1, 'first update');
    await h.archive.writer.settled();
    const file = join(h.dir, 'updates.20150101.0000.gz');
    const onDisk = (): number => scanGzipMembers(readFileSync(file)).completeBytes;
    const before = onDisk();
    h.clock.advance(249);
    await h.archive.writer.settled();
    expect(onDisk(), 'flushed before its interval').toBe(before);
    h.clock.advance(1);
    await h.archive.writer.settled();
    await until(() => onDisk() > before, 'the flush after 250 virtual ms');
    expect((await mrtElements([file])).filter((e) => e.type === 'A').map((e) => e.prefix)).toEqual([
      '10.1.0.0/16',
    ]);
  });

  it('answers route refresh and can request one', async () => {
    const h = await startCollector();
    const messages: BgpMessage[] = [];
    h.collector.onMessage((_p, _t, m) => void messages.push(m));
    const a = await speaker(h, GOOD);
    await a.establish();
    await until(() => h.collector.peerStates()[0].state === BgpState.ESTABLISHED, 'up');
    expect(h.collector.requestRouteRefresh(GOOD.address, 2, 1)).toBe(true);
    const rr = await a.waitFor('route-refresh');
    expect(rr).toMatchObject({ afi: 2, safi: 1 });
    expect(h.collector.requestRouteRefresh(TWO_BYTE.address, 1, 1)).toBe(false);
    const { encodeRouteRefresh } = await import('../src/bgp/index.js');
    await a.send(encodeRouteRefresh({ afi: 1, safi: 1 }));
    await until(() => messages.some((m) => m.type === 'route-refresh'), 'route refresh delivered');
    expect(h.collector.peerStates()[0].state).toBe(BgpState.ESTABLISHED);
    // The collector never announces: nothing but OPEN, KEEPALIVE and ROUTE-REFRESH came back.
    expect(new Set(a.received.map((m) => m.type))).toEqual(new Set(['open', 'keepalive', 'route-refresh']));
  });

  it('refuses to start without being told where to archive', () => {
    const config = parseCollectorConfig({
      localAsn: LOCAL_ASN,
      bgpId: '192.0.2.1',
      peers: [GOOD],
      outputDirectory: '.',
    });
    // A JavaScript caller (or a cast) that leaves the archive out is told, not silently unarchived.
    expect(() => new BgpCollector(config, {} as CollectorOptions)).toThrow(
      expect.objectContaining({ code: 'COLLECTOR_NO_ARCHIVE' }),
    );
  });

  it('effectiveUpdate turns treat-as-withdraw into withdrawals', () => {
    const update: BgpUpdate = {
      type: 'update',
      length: 0,
      withdrawn: [],
      announced: [{ afi: 1, safi: 1, prefixes: [{ prefix: '10.0.0.0/8' }] }],
      attributes: { origin: 'IGP' },
      outcome: 'treat-as-withdraw',
      problems: [],
    };
    expect(effectiveUpdate(update)).toMatchObject({
      announced: [],
      withdrawn: update.announced,
      attributes: {},
    });
    const ok = { ...update, outcome: 'ok' as const };
    expect(effectiveUpdate(ok)).toBe(ok);
  });
});

// ----- hostile peers (issue 5, item 6) -----

function stateOf(h: Harness, address: string): number {
  return h.collector.peerStates().find((p) => p.address === address)!.state;
}

/** A well-behaved session that must stay up through whatever the hostile peer does. */
async function bystander(h: Harness): Promise<() => Promise<void>> {
  const g = await speaker(h, GOOD, { answerKeepalives: true });
  await g.establish();
  await until(() => stateOf(h, GOOD.address) === BgpState.ESTABLISHED, 'bystander up');
  return async () => {
    expect(stateOf(h, GOOD.address)).toBe(BgpState.ESTABLISHED);
    const before = h.updates.filter((u) => u.peer.address === GOOD.address).length;
    await g.sendUpdate(announce(['203.0.113.0/24'], [65001], '127.0.0.2'));
    await until(
      () => h.updates.filter((u) => u.peer.address === GOOD.address).length === before + 1,
      'bystander update delivered',
    );
    expect(g.isClosed).toBe(false);
  };
}

async function hostileEstablished(h: Harness, options = {}): Promise<BgpTestSpeaker> {
  const s = await speaker(h, HOSTILE, options);
  await s.establish();
  await until(() => stateOf(h, HOSTILE.address) === BgpState.ESTABLISHED, 'hostile up');
  return s;
}

async function expectReset(
  h: Harness,
  s: BgpTestSpeaker,
  code: number,
  subcode: number,
  incidentCode: string,
): Promise<CollectorIncident> {
  const n = (await s.waitFor('notification')) as Extract<BgpMessage, { type: 'notification' }>;
  expect([n.code, n.subcode]).toEqual([code, subcode]);
  await s.closed;
  const incident = h.incidents.find((i) => i.error.code === incidentCode);
  expect(incident, `incident ${incidentCode}`).toBeDefined();
  expect(incident!.peer).toBe(s.options.localAddress);
  expect(incident!.notification).toEqual({ code, subcode });
  // Logged with the peer and the offending bytes.
  const line = h.logs.find((l) => l.code === incidentCode);
  expect(line).toMatchObject({ peer: s.options.localAddress, level: 40 });
  expect(line!.bytes).toBe(incident!.bytes);
  return incident!;
}

function header(length: number, type: number): Uint8Array {
  const out = new Uint8Array(19).fill(0xff);
  out[16] = length >>> 8;
  out[17] = length & 0xff;
  out[18] = type;
  return out;
}

describe('collector against hostile peers', () => {
  it('refuses an unknown peer', async () => {
    const h = await startCollector();
    const check = await bystander(h);
    const stranger = await speaker(h, { address: '127.0.0.9', asn: 65009 });
    const n = (await stranger.waitFor('notification')) as Extract<BgpMessage, { type: 'notification' }>;
    expect([n.code, n.subcode]).toEqual([6, 5]);
    await stranger.closed;
    expect(h.incidents.map((i) => [i.error.code, i.peer, i.action])).toEqual([
      ['COLLECTOR_UNKNOWN_PEER', '127.0.0.9', 'refused'],
    ]);
    expect(h.logs.some((l) => l.code === 'COLLECTOR_UNKNOWN_PEER' && l.peer === '127.0.0.9')).toBe(true);
    expect(h.collector.stats.refused).toBe(1);
    await check();
  });

  it('resets on a wrong marker and logs the bytes', async () => {
    const h = await startCollector();
    const check = await bystander(h);
    const s = await hostileEstablished(h);
    const bad = header(19, 4);
    bad[5] = 0;
    await s.send(bad);
    const incident = await expectReset(h, s, 1, 1, 'BGP_BAD_MARKER');
    expect(incident.bytes).toBe(Buffer.from(bad).toString('hex'));
    expect(incident.error.location.offset).toBeGreaterThan(0);
    await check();
  });

  it('resets on an oversized message', async () => {
    const h = await startCollector();
    const check = await bystander(h);
    const s = await hostileEstablished(h);
    const big = new Uint8Array(5000);
    big.set(header(5000, 2));
    await s.send(big);
    const incident = await expectReset(h, s, 1, 2, 'BGP_BAD_LENGTH');
    expect(incident.bytes.startsWith('ffffffffffffffffffffffffffffffff138802')).toBe(true);
    expect(incident.byteLength).toBeLessThanOrEqual(256);
    await check();
  });

  it('resets on a message shorter than its type allows', async () => {
    const h = await startCollector();
    const check = await bystander(h);
    const s = await hostileEstablished(h);
    await s.send(header(19, 2));
    await expectReset(h, s, 1, 2, 'BGP_BAD_LENGTH');
    await check();
  });

  it('logs a message cut short by the close', async () => {
    const h = await startCollector();
    const check = await bystander(h);
    const s = await hostileEstablished(h);
    const { encodeUpdate } = await import('../src/bgp/index.js');
    const update = encodeUpdate(announce(['10.0.0.0/8'], [65005], '127.0.0.5'));
    await s.send(update.subarray(0, 30));
    await s.close();
    await until(() => h.incidents.some((i) => i.error.code === 'COLLECTOR_TRUNCATED_MESSAGE'), 'logged');
    const incident = h.incidents.find((i) => i.error.code === 'COLLECTOR_TRUNCATED_MESSAGE')!;
    expect(incident.bytes).toBe(Buffer.from(update.subarray(0, 30)).toString('hex'));
    expect(incident.action).toBe('closed');
    await until(() => stateOf(h, HOSTILE.address) === BgpState.IDLE, 'hostile idle');
    await check();
  });

  it('rejects OPENs with unexpected parameters, a wrong ASN, a bad hold time or version', async () => {
    const h = await startCollector();
    const check = await bystander(h);
    const { encodeOpen } = await import('../src/bgp/index.js');
    const cases: [Parameters<typeof encodeOpen>[0], number, number, string][] = [
      [
        {
          asn: HOSTILE.asn,
          holdTime: 90,
          bgpId: '10.0.0.5',
          parameters: [{ type: 1, value: Uint8Array.of(0) }],
        },
        2,
        4,
        'COLLECTOR_UNSUPPORTED_PARAMETER',
      ],
      [{ asn: 65099, holdTime: 90, bgpId: '10.0.0.5' }, 2, 2, 'COLLECTOR_BAD_PEER_AS'],
      [{ asn: HOSTILE.asn, holdTime: 1, bgpId: '10.0.0.5' }, 2, 6, 'BGP_BAD_OPEN'],
      [{ asn: HOSTILE.asn, holdTime: 90, bgpId: '10.0.0.5', version: 3 }, 2, 1, 'BGP_BAD_OPEN'],
      [{ asn: HOSTILE.asn, holdTime: 90, bgpId: '192.0.2.1' }, 2, 3, 'COLLECTOR_BAD_BGP_ID'],
    ];
    for (const [open, code, subcode, incidentCode] of cases) {
      h.incidents.length = 0;
      h.logs.length = 0;
      const s = await speaker(h, HOSTILE);
      await s.waitFor('open');
      await s.send(encodeOpen(open));
      await expectReset(h, s, code, subcode, incidentCode);
      await until(() => stateOf(h, HOSTILE.address) === BgpState.IDLE, 'hostile idle');
    }
    await check();
  });

  it('closes a peer that connects and stalls, exactly when the open timeout ends', async () => {
    const h = await startCollector({ openTimeout: 0.3 });
    const check = await bystander(h);
    const s = await speaker(h, HOSTILE);
    // The session has started (its OPEN sent) at virtual time T0.
    await s.waitFor('open');
    h.clock.advance(299);
    expect(h.incidents).toEqual([]);
    expect(stateOf(h, HOSTILE.address)).toBe(BgpState.OPEN_SENT);
    h.clock.advance(1);
    expect(h.incidents.map((i) => i.error.code)).toEqual(['COLLECTOR_OPEN_TIMEOUT']);
    await expectReset(h, s, 4, 0, 'COLLECTOR_OPEN_TIMEOUT');
    await check();
  });

  it('expires the hold timer of a silent established peer after exactly the hold time', async () => {
    const h = await startCollector({ holdTime: 3 });
    const keepalives = (address: string): number => h.keepalives.filter((peer) => peer === address).length;
    const check = await bystander(h);
    const s = await hostileEstablished(h, { holdTime: 3 });
    // Both sessions negotiated 3 s: the collector sends a keepalive every virtual second. The
    // bystander answers each (over loopback, awaited); the hostile peer never does.
    const before = keepalives(GOOD.address);
    for (let second = 1; second <= 2; second++) {
      h.clock.advance(1000);
      await until(
        () => keepalives(GOOD.address) === before + second,
        `bystander's keepalive answer ${second}`,
      );
    }
    h.clock.advance(999);
    expect(h.incidents).toEqual([]);
    expect(stateOf(h, HOSTILE.address)).toBe(BgpState.ESTABLISHED);
    // 3 s after the hostile peer's last KEEPALIVE (at T0), not a millisecond later.
    h.clock.advance(1);
    expect(h.incidents.map((i) => i.error.code)).toEqual(['COLLECTOR_HOLD_TIMER_EXPIRED']);
    expect(stateOf(h, HOSTILE.address)).toBe(BgpState.IDLE);
    await expectReset(h, s, 4, 0, 'COLLECTOR_HOLD_TIMER_EXPIRED');
    // Its OPEN's KEEPALIVE, then one at T0 + 1 s and T0 + 2 s; at T0 + 3 s the hold timer came first.
    expect(s.received.filter((m) => m.type === 'keepalive').length).toBe(3);
    await check();
  });

  it('answers an UPDATE before the OPEN with an FSM error', async () => {
    const h = await startCollector();
    const check = await bystander(h);
    const s = await speaker(h, HOSTILE);
    await s.waitFor('open');
    await s.sendUpdate(announce(['10.0.0.0/8'], [65005], '127.0.0.5'));
    await expectReset(h, s, 5, 1, 'COLLECTOR_UNEXPECTED_MESSAGE');
    await check();
  });

  it('applies RFC 7606: treat-as-withdraw and attribute-discard keep the session, bad NLRI resets it', async () => {
    const h = await startCollector();
    const check = await bystander(h);
    const s = await hostileEstablished(h);
    const { encodeUpdate } = await import('../src/bgp/index.js');

    // ORIGIN value 5: treat-as-withdraw (RFC 7606 7.1).
    const badOrigin = encodeUpdate(announce(['10.5.0.0/16'], [65005], '127.0.0.5'));
    expect(badOrigin[23 + 1]).toBe(1); // ORIGIN is the first attribute
    badOrigin[23 + 3] = 5;
    await s.send(badOrigin);
    // AGGREGATOR of 3 bytes: attribute-discard (RFC 7606 7.7).
    const badAggregator = encodeUpdate({
      ...announce(['10.6.0.0/16'], [65005], '127.0.0.5'),
      attributes: {
        ...announce(['10.6.0.0/16'], [65005], '127.0.0.5').attributes,
        unknown: [{ flags: 0xc0, type: 7, value: Uint8Array.of(1, 2, 3) }],
      },
    });
    await s.send(badAggregator);
    await until(() => h.updates.filter((u) => u.peer.address === HOSTILE.address).length === 2, 'delivered');
    const [first, second] = h.updates.filter((u) => u.peer.address === HOSTILE.address).map((u) => u.message);
    expect(first.outcome).toBe('treat-as-withdraw');
    expect(effectiveUpdate(first).withdrawn[0].prefixes).toEqual([{ prefix: '10.5.0.0/16' }]);
    expect(second.outcome).toBe('attribute-discard');
    expect(second.attributes.aggregator).toBeUndefined();
    expect(second.announced[0].prefixes).toEqual([{ prefix: '10.6.0.0/16' }]);
    expect(h.incidents.map((i) => [i.error.code, i.action])).toEqual([
      ['BGP_ATTR_ORIGIN', 'kept'],
      ['BGP_ATTR_AGGREGATOR', 'kept'],
    ]);
    expect(h.incidents[0].bytes).toBe(Buffer.from(badOrigin).toString('hex'));
    expect(stateOf(h, HOSTILE.address)).toBe(BgpState.ESTABLISHED);

    // A prefix length of 33: the NLRI cannot be parsed, session reset (RFC 7606 5.3).
    const badNlri = encodeUpdate(announce(['10.7.0.0/16'], [65005], '127.0.0.5'));
    badNlri[badNlri.length - 3] = 33;
    await s.send(badNlri);
    await expectReset(h, s, 3, 10, 'BGP_BAD_NLRI');
    expect(h.updates.filter((u) => u.peer.address === HOSTILE.address).length).toBe(2);
    await check();
  });

  it('survives a flood of updates with bounded buffers, losing nothing', async () => {
    const h = await startCollector();
    const check = await bystander(h);
    const s = await hostileEstablished(h);
    const { encodeUpdate } = await import('../src/bgp/index.js');
    const count = 20000;
    const messages: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const prefix = `10.${(i >>> 8) & 0xff}.${i & 0xff}.0/24`;
      messages.push(encodeUpdate(announce([prefix], [65005, 64500 + (i % 100)], '127.0.0.5')));
    }
    // As fast as the socket takes it, in large writes.
    for (let i = 0; i < count; i += 1000) await s.send(Buffer.concat(messages.slice(i, i + 1000)));
    await check();
    await until(() => h.updates.filter((u) => u.peer.address === HOSTILE.address).length === count, 'all in');
    expect(stateOf(h, HOSTILE.address)).toBe(BgpState.ESTABLISHED);
    expect(h.incidents).toEqual([]);
    await s.close();
    await h.collector.stop();
    const files = readdirSync(h.dir).map((f) => join(h.dir, f));
    const elements = await mrtElements(files);
    const flood = elements.filter((e) => e.type === 'A' && e.peerAddress === HOSTILE.address);
    expect(flood.length).toBe(count);
    expect(flood[count - 1].prefix).toBe(`10.${((count - 1) >>> 8) & 0xff}.${(count - 1) & 0xff}.0/24`);
  });

  it('pauses a peer while an async listener catches up, and keeps order', async () => {
    const h = await startCollector();
    const seen: string[] = [];
    h.collector.onMessage(async (_peer, _time, message) => {
      if (message.type !== 'update') return;
      await new Promise((r) => setImmediate(r));
      seen.push(message.announced[0].prefixes[0].prefix);
    });
    const s = await hostileEstablished(h);
    const { encodeUpdate } = await import('../src/bgp/index.js');
    const sent: string[] = [];
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < 500; i++) {
      sent.push(`10.9.${i % 256}.${i >= 256 ? 128 : 0}/25`);
      chunks.push(encodeUpdate(announce([sent[i]], [65005], '127.0.0.5')));
    }
    await s.send(Buffer.concat(chunks));
    await until(() => seen.length === 500, 'all seen');
    expect(seen).toEqual(sent);
    expect(stateOf(h, HOSTILE.address)).toBe(BgpState.ESTABLISHED);
  });
});
