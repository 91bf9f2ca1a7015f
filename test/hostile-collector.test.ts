/**
 * The collector under connection floods and slow-drip OPENs (issue 18, point 1): configured peers
 * are served first, strangers are closed at once and never count against the peers, each source
 * is rate limited, refusals and drops are counted and logged (a few lines, then a summary), and
 * the open timeout counts from the connection, not from the last byte.
 *
 * Everything runs on loopback: Linux routes all of 127.0.0.0/8 to lo, so flood sockets bind
 * 127.0.1.x source addresses. The collector's clock is virtual: it moves only when a test says.
 */
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { BgpMessage } from '../src/bgp/index.js';
import {
  BgpCollector,
  BgpState,
  BgpTestSpeaker,
  VirtualClock,
  parseCollectorConfig,
  type CollectorConfigInput,
  type CollectorIncident,
} from '../src/bgp/collector/index.js';

const LOCAL_ASN = 65000;
const GOOD = { address: '127.0.0.2', asn: 65001 };
const T0 = Date.UTC(2015, 0, 1);

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Harness {
  collector: BgpCollector;
  clock: VirtualClock;
  port: number;
  logs: Record<string, unknown>[];
  incidents: CollectorIncident[];
  updates: string[];
}

async function startCollector(extra: Partial<CollectorConfigInput> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-hostile-collector-'));
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const config = parseCollectorConfig({
    listenPort: 0,
    localAsn: LOCAL_ASN,
    bgpId: '192.0.2.1',
    peers: [GOOD],
    outputDirectory: dir,
    ...extra,
  });
  const clock = new VirtualClock(T0);
  const collector = new BgpCollector(config, { logger, archive: false, clock });
  const h: Harness = { collector, clock, port: 0, logs, incidents: [], updates: [] };
  collector.onIncident((i) => h.incidents.push(i));
  collector.onMessage((_peer, _time, message) => {
    if (message.type === 'update')
      for (const family of message.announced) for (const p of family.prefixes) h.updates.push(p.prefix);
  });
  h.port = (await collector.start()).port;
  cleanup.push(async () => {
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return h;
}

async function until(test: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function stateOf(h: Harness, address: string): number {
  return h.collector.peerStates().find((p) => p.address === address)!.state;
}

/**
 * Connections from stranger addresses (127.0.1.1 ..) that send nothing and never close their own
 * side, each counted when the collector closes its side.
 */
class Flood {
  opened = 0;
  closed = 0;
  failed = 0;
  private readonly sockets = new Set<Socket>();
  private next = 0;

  constructor(
    private readonly port: number,
    private readonly sources: number,
  ) {}

  open(): void {
    const localAddress = `127.0.1.${(this.next++ % this.sources) + 1}`;
    // Half-open allowed: a stranger that never closes its side must still be closed by the collector.
    const socket = connect({ host: '127.0.0.1', port: this.port, localAddress, allowHalfOpen: true });
    this.opened++;
    this.sockets.add(socket);
    socket.on('error', () => this.failed++);
    socket.on('data', () => {}); // read the NOTIFICATION, if one comes
    // The collector's FIN (or a reset) ends it; the stranger's own side stays open.
    let counted = false;
    const ended = (): void => {
      if (counted) return;
      counted = true;
      this.closed++;
    };
    socket.once('end', ended);
    socket.once('close', () => {
      ended();
      this.sockets.delete(socket);
    });
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

describe('collector under a connection flood', () => {
  it('serves a configured peer through 1,000 connections at once and 200 a second from strangers', async () => {
    const h = await startCollector();
    const flood = new Flood(h.port, 200);
    cleanup.push(() => flood.destroyAll());
    // 1,000 at once, then 200 a second until the peer is done.
    for (let i = 0; i < 1000; i++) flood.open();
    const pacer = setInterval(() => flood.open(), 5);
    cleanup.push(() => clearInterval(pacer));

    const peer = await BgpTestSpeaker.connect({
      host: '127.0.0.1',
      port: h.port,
      localAddress: GOOD.address,
      asn: GOOD.asn,
      bgpId: '10.0.0.2',
      answerKeepalives: true,
    });
    cleanup.push(async () => {
      peer.socket.destroy();
      await peer.closed;
    });
    await peer.establish();
    await until(() => stateOf(h, GOOD.address) === BgpState.ESTABLISHED, 'the configured peer established');
    const prefixes = Array.from({ length: 100 }, (_, i) => `198.18.${i}.0/24`);
    for (const prefix of prefixes)
      await peer.sendUpdate({
        announced: [{ afi: 1, safi: 1, prefixes: [{ prefix }] }],
        attributes: {
          origin: 'IGP',
          asPath: [{ kind: 'sequence', asns: [GOOD.asn] }],
          nextHop: GOOD.address,
        },
      });
    await until(() => h.updates.length === prefixes.length, 'the peer’s 100 routes delivered');
    clearInterval(pacer);
    expect(h.updates).toEqual(prefixes);
    expect(peer.isClosed).toBe(false);
    expect(peer.notification()).toBeUndefined();

    // Every stranger was closed by the collector, each counted as refused or dropped.
    await until(() => flood.closed === flood.opened, 'the collector closed every flood connection');
    const { refused, dropped, connections } = h.collector.stats;
    expect(flood.opened).toBeGreaterThanOrEqual(1000);
    expect(refused + dropped).toBe(flood.opened);
    expect(connections).toBe(flood.opened + 1);
    expect(refused).toBeGreaterThan(0);
    expect(h.incidents.filter((i) => i.error.code === 'COLLECTOR_UNKNOWN_PEER')).toHaveLength(refused);

    // Logged: at most 10 lines in the (virtual, unmoved) window, then one summary when it ends.
    const oneByOne = (): number =>
      h.logs.filter((l) => l.code === 'COLLECTOR_UNKNOWN_PEER' || l.code === 'COLLECTOR_CONNECTION_RATE')
        .length;
    expect(oneByOne()).toBe(10);
    expect(h.logs.some((l) => l.total !== undefined)).toBe(false);
    h.clock.advance(10_000);
    const summary = h.logs.find((l) => l.total !== undefined);
    expect(summary).toMatchObject({ level: 40, total: flood.opened - 10, refused, dropped });
  }, 120_000);

  it('limits the connections of each source: a burst, then dropped unanswered, then refilled', async () => {
    const h = await startCollector({ connectionBurst: 5, connectionsPerSecond: 1 });
    const once = async (): Promise<'notification' | 'silent'> => {
      const socket = connect({ host: '127.0.0.1', port: h.port, localAddress: '127.0.2.1' });
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      return chunks.length > 0 ? 'notification' : 'silent';
    };
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) outcomes.push(await once());
    expect(outcomes).toEqual([...Array(5).fill('notification'), ...Array(3).fill('silent')]);
    expect(h.collector.stats).toMatchObject({ refused: 5, dropped: 3 });
    // One second of the collector's time gives the source one connection back.
    h.clock.advance(1000);
    expect(await once()).toBe('notification');
    expect(await once()).toBe('silent');
    expect(h.collector.stats).toMatchObject({ refused: 6, dropped: 4 });
    const dropLine = h.logs.find((l) => l.code === 'COLLECTOR_CONNECTION_RATE');
    expect(dropLine).toMatchObject({ peer: '127.0.2.1', action: 'dropped' });
    // The configured peer has a bucket of its own: it still gets in.
    const peer = await BgpTestSpeaker.connect({
      host: '127.0.0.1',
      port: h.port,
      localAddress: GOOD.address,
      asn: GOOD.asn,
      bgpId: '10.0.0.2',
    });
    cleanup.push(async () => {
      peer.socket.destroy();
      await peer.closed;
    });
    await peer.establish();
    await until(() => stateOf(h, GOOD.address) === BgpState.ESTABLISHED, 'the configured peer established');
  }, 60_000);
});

describe('collector against a slow-drip OPEN', () => {
  it('closes the connection at the open timeout even though a byte arrives every second', async () => {
    const h = await startCollector({ openTimeout: 20 });
    const s = await BgpTestSpeaker.connect({
      host: '127.0.0.1',
      port: h.port,
      localAddress: GOOD.address,
      asn: GOOD.asn,
      bgpId: '10.0.0.2',
    });
    cleanup.push(async () => {
      s.socket.destroy();
      await s.closed;
    });
    // The session started (our OPEN sent) at virtual T0; its OPEN is longer than 20 bytes.
    await s.waitFor('open');
    const open = s.openMessage();
    expect(open.length).toBeGreaterThan(21);
    for (let i = 0; i < 20; i++) {
      await s.send(open.subarray(i, i + 1));
      await until(() => h.collector.stats.bytes === i + 1, `byte ${i + 1} of the OPEN received`);
      h.clock.advance(i < 19 ? 1000 : 999);
    }
    // 19.999 s after the connection: still waiting for the rest of the OPEN.
    expect(h.incidents).toEqual([]);
    expect(stateOf(h, GOOD.address)).toBe(BgpState.OPEN_SENT);
    h.clock.advance(1);
    expect(h.incidents.map((i) => i.error.code)).toEqual(['COLLECTOR_OPEN_TIMEOUT']);
    const n = (await s.waitFor('notification')) as Extract<BgpMessage, { type: 'notification' }>;
    expect([n.code, n.subcode]).toEqual([4, 0]);
    await s.closed;
    expect(stateOf(h, GOOD.address)).toBe(BgpState.IDLE);
  }, 60_000);
});
