/**
 * The RIS Live client against a local server on 127.0.0.1 that misbehaves: it drops the
 * connection (the client reconnects after the back-off, in virtual time, and subscribes again),
 * sends garbage and unknown types (counted, reported with their position, the stream goes on),
 * floods (the queue stays bounded, the drops are counted and reported), and goes silent (the
 * keepalive notices and reconnects). Timers run on a VirtualClock; only socket I/O is real.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../bgp/index.js';
import type { CairnError } from '../../errors/index.js';
import { RisLiveTestServer, waitFor } from '../../../test/fixtures/ris-live-server.js';
import { RisLiveClient, backoffDelay, risLiveUrl, type RisLiveItem, type RisLiveStatus } from './index.js';

const update = (n: number): object => ({
  type: 'ris_message',
  data: {
    timestamp: 1_553_627_987 + n,
    peer: '192.0.2.1',
    peer_asn: '64496',
    id: `generated-${n}`,
    host: 'rrc00',
    type: 'UPDATE',
    path: [64496, 4837, 131279],
    origin: 'igp',
    announcements: [{ next_hop: '192.0.2.1', prefixes: ['175.45.176.0/24'] }],
  },
});

let server: RisLiveTestServer;
let client: RisLiveClient | undefined;

beforeEach(async () => {
  server = await RisLiveTestServer.start();
});

afterEach(async () => {
  await client?.stop();
  client = undefined;
  await server.close();
});

interface Harness {
  client: RisLiveClient;
  clock: VirtualClock;
  problems: CairnError[];
  statuses: RisLiveStatus[];
  items: RisLiveItem[];
  /** Pulls messages into `items` until the client stops. */
  consuming: Promise<void>;
}

function connect(options: ConstructorParameters<typeof RisLiveClient>[0] = {}, consume = true): Harness {
  const clock = new VirtualClock(1_000_000);
  const c = new RisLiveClient({ url: server.url, clock, random: () => 0.5, ...options });
  client = c;
  const problems: CairnError[] = [];
  const statuses: RisLiveStatus[] = [];
  const items: RisLiveItem[] = [];
  c.onProblem((error) => problems.push(error));
  c.onStatus((status) => statuses.push(status));
  c.start();
  const consuming = consume
    ? (async () => {
        for await (const item of c) items.push(item);
      })()
    : Promise.resolve();
  return { client: c, clock, problems, statuses, items, consuming };
}

describe('RisLiveClient', () => {
  it('subscribes, delivers ris_message payloads in order and answers to pong and subscribe_ok', async () => {
    const h = connect({
      subscriptions: [{ host: 'rrc00', type: 'UPDATE' }, { type: 'RIS_PEER_STATE' }],
      socketOptions: { acknowledge: true },
    });
    await waitFor('two subscriptions at the server', () => server.connections[0]?.received.length === 2);
    expect(server.subscriptionsOf(0)).toEqual([
      { host: 'rrc00', type: 'UPDATE', socketOptions: { acknowledge: true } },
      { type: 'RIS_PEER_STATE' },
    ]);
    await waitFor('the subscription acknowledgement', () => h.client.stats.subscribeOks === 1);
    await server.send([update(1), update(2), update(3)]);
    await waitFor('three messages delivered', () => h.items.length === 3);
    expect(h.items.map((i) => i.data.id)).toEqual(['generated-1', 'generated-2', 'generated-3']);
    expect(h.items.map((i) => i.position)).toEqual([
      { connection: 1, index: 2, sequence: 2 },
      { connection: 1, index: 3, sequence: 3 },
      { connection: 1, index: 4, sequence: 4 },
    ]);
    expect(h.items[0].data).toMatchObject({ peer_asn: 64496, type: 'UPDATE' });
    // The keepalive: a ping every interval on the virtual clock, answered by a pong.
    h.clock.advance(30_000);
    await waitFor('the pong', () => h.client.stats.pongs === 1);
    expect(server.connections[0].received.at(-1)).toEqual({ type: 'ping', data: null });
    expect(h.problems).toEqual([]);
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:/);
    expect(h.client.url).toBe(`${server.url}?client=cairn`);
  });

  it('reconnects after a drop with exponential back-off and jitter, and subscribes again', async () => {
    const h = connect({
      subscriptions: [{ host: 'rrc00', prefix: ['175.45.176.0/22'], moreSpecific: true }],
      backoff: { initialMs: 1000, factor: 2, maxMs: 5000, jitter: 0.5 },
    });
    await waitFor('the first subscription', () => server.subscriptionsOf(0).length === 1);
    await server.send([update(1)]);
    await waitFor('the first message', () => h.items.length === 1);
    server.drop('close', 1011);
    await waitFor('the client to see the close', () => h.statuses.some((s) => s.state === 'closed'));
    // random() = 0.5 and jitter 0.5 take a quarter off: 1000 ms -> 750 ms.
    expect(h.statuses.find((s) => s.state === 'closed')).toMatchObject({ code: 1011, reconnectInMs: 750 });
    h.clock.advance(749);
    expect(server.connections).toHaveLength(1);
    h.clock.advance(1);
    await waitFor('the second connection and its subscription', () => server.subscriptionsOf(1).length === 1);
    expect(server.subscriptionsOf(1)).toEqual(server.subscriptionsOf(0));
    // A reset before any message: the back-off grows (2000 ms -> 1500 ms), then (4000 -> 3000).
    server.drop('reset');
    await waitFor('the second close', () => h.statuses.filter((s) => s.state === 'closed').length === 2);
    expect(h.statuses.filter((s) => s.state === 'closed').at(-1)).toMatchObject({ reconnectInMs: 1500 });
    h.clock.advance(1500);
    await waitFor('the third connection', () => server.subscriptionsOf(2).length === 1);
    server.drop('close', 1001);
    await waitFor('the third close', () => h.statuses.filter((s) => s.state === 'closed').length === 3);
    expect(h.statuses.filter((s) => s.state === 'closed').at(-1)).toMatchObject({ reconnectInMs: 3000 });
    h.clock.advance(3000);
    await waitFor('the fourth connection', () => server.subscriptionsOf(3).length === 1);
    // A message resets the back-off.
    await server.send([update(2)]);
    await waitFor('the message after reconnecting', () => h.items.length === 2);
    expect(h.items[1].position).toEqual({ connection: 4, index: 1, sequence: 2 });
    server.drop('close', 1011);
    await waitFor('the fourth close', () => h.statuses.filter((s) => s.state === 'closed').length === 4);
    expect(h.statuses.filter((s) => s.state === 'closed').at(-1)).toMatchObject({ reconnectInMs: 750 });
    expect(h.client.stats).toMatchObject({ connections: 4, reconnects: 3, messages: 2, delivered: 2 });
    expect(h.problems.map((p) => p.code)).toEqual([
      'RIS_LIVE_DISCONNECTED',
      'RIS_LIVE_DISCONNECTED',
      'RIS_LIVE_DISCONNECTED',
      'RIS_LIVE_DISCONNECTED',
    ]);
  });

  it('keeps going past garbage, unknown types, bad fields and server errors, each counted with its position', async () => {
    const h = connect();
    await waitFor('the subscription', () => server.subscriptionsOf(0).length === 1);
    await server.send([
      update(1),
      '{"type": "ris_message", "data": {"timestamp": 1',
      'not json at all',
      { type: 'ris_future_thing', data: {} },
      { type: 'ris_message', data: { ...(update(0) as { data: object }).data, type: 'ROUTE_REFRESH' } },
      { type: 'ris_message', data: { ...(update(0) as { data: object }).data, peer_asn: 'AS64496' } },
      { type: 'ris_message', data: { ...(update(0) as { data: object }).data, withdrawals: [7] } },
      { type: 'ris_error', data: { message: 'this is a test error message' } },
      [1, 2, 3],
      update(2),
    ]);
    await waitFor('the message after the garbage', () => h.items.length === 2);
    expect(h.client.stats).toMatchObject({
      frames: 10,
      messages: 2,
      malformed: 2,
      unknownTypes: 2,
      invalid: 3,
      serverErrors: 1,
    });
    expect(h.problems.map((p) => ({ code: p.code, line: p.location.line, path: p.location.path }))).toEqual([
      { code: 'RIS_LIVE_BAD_JSON', line: 2, path: undefined },
      { code: 'RIS_LIVE_BAD_JSON', line: 3, path: undefined },
      { code: 'RIS_LIVE_UNKNOWN_TYPE', line: 4, path: '$.type' },
      { code: 'RIS_LIVE_UNKNOWN_TYPE', line: 5, path: '$.data.type' },
      { code: 'RIS_LIVE_BAD_MESSAGE', line: 6, path: '$.data.peer_asn' },
      { code: 'RIS_LIVE_BAD_MESSAGE', line: 7, path: '$.data.withdrawals[0]' },
      { code: 'RIS_LIVE_SERVER_ERROR', line: 8, path: undefined },
      { code: 'RIS_LIVE_BAD_MESSAGE', line: 9, path: '$' },
    ]);
    expect(h.problems[0].describe()).toMatch(/connection 1, message 2/);
    expect(h.problems[6].message).toMatch(/this is a test error message/);
  });

  it('bounds the queue under a flood, counts and reports what it dropped', async () => {
    const h = connect({ maxQueue: 50 }, false);
    await waitFor('the subscription', () => server.subscriptionsOf(0).length === 1);
    const flood = Array.from({ length: 2000 }, (_, i) => update(i));
    await server.send(flood);
    await waitFor('every frame of the flood', () => h.client.stats.frames === 2000);
    expect(h.client.stats).toMatchObject({ messages: 50, dropped: 1950, queued: 50, queuePeak: 50 });
    expect(h.problems).toEqual([]);
    // No acknowledgement asked: frame 1 is the first message, so frame 51 is the first dropped.
    // The consumer takes what was kept, in order; the next message ends the episode and reports it.
    const kept: RisLiveItem[] = [];
    for (let i = 0; i < 50; i++) kept.push((await h.client.next()) as RisLiveItem);
    expect(kept.map((k) => k.data.id)).toEqual(flood.slice(0, 50).map((_, i) => `generated-${i}`));
    await server.send([update(5000)]);
    await waitFor('the message after the flood', () => h.client.stats.messages === 51);
    expect(h.problems.map((p) => [p.code, p.location.line])).toEqual([['RIS_LIVE_QUEUE_FULL', 51]]);
    expect(h.problems[0].message).toMatch(/1950 dropped from message 51/);
    expect((await h.client.next())?.data.id).toBe('generated-5000');
  });

  it('drops a silent connection after the idle bound and reconnects', async () => {
    const h = connect({ pingIntervalMs: 1000, idleTimeoutMs: 2500, backoff: { initialMs: 100, jitter: 0 } });
    await waitFor('the subscription', () => server.subscriptionsOf(0).length === 1);
    server.answerPings = false;
    h.clock.advance(2000);
    await waitFor('two pings at the server', () => server.connections[0].received.length === 3);
    h.clock.advance(1000);
    await waitFor('the close after the idle bound', () => h.statuses.some((s) => s.state === 'closed'));
    expect(h.client.stats.pingTimeouts).toBe(1);
    expect(h.problems.map((p) => p.code)).toEqual(['RIS_LIVE_PING_TIMEOUT', 'RIS_LIVE_DISCONNECTED']);
    server.answerPings = true;
    h.clock.advance(100);
    await waitFor('the reconnection', () => server.subscriptionsOf(1).length === 1);
  });

  it('ends the iteration on stop and gives up after maxReconnects', async () => {
    const h = connect({ maxReconnects: 1, backoff: { initialMs: 10, jitter: 0 } });
    await waitFor('the subscription', () => server.subscriptionsOf(0).length === 1);
    server.drop('reset');
    await waitFor('the first close', () => h.statuses.some((s) => s.state === 'closed'));
    h.clock.advance(10);
    await waitFor('the reconnection', () => server.subscriptionsOf(1).length === 1);
    server.drop('reset');
    await waitFor('stopped', () => h.statuses.some((s) => s.state === 'stopped'));
    await h.consuming;
    expect(h.statuses.filter((s) => s.state === 'closed').at(-1)).toMatchObject({ reconnectInMs: undefined });
    expect(h.problems.at(-1)?.message).toMatch(/giving up/);
  });

  it('reports a connection refused and retries', async () => {
    const url = server.url;
    await server.close();
    const clock = new VirtualClock(0);
    const c = new RisLiveClient({ url, clock, backoff: { initialMs: 10, jitter: 0 } });
    client = c;
    const problems: CairnError[] = [];
    c.onProblem((error) => problems.push(error));
    c.start();
    await waitFor('the refusal', () => problems.length === 1);
    expect(problems[0]).toMatchObject({ code: 'RIS_LIVE_DISCONNECTED' });
    expect(problems[0].message).toMatch(/cannot connect: .*ECONNREFUSED.*reconnecting in 10 ms/);
    server = await RisLiveTestServer.start();
  });
});

describe('options', () => {
  it('checks the URL and the bounds', () => {
    expect(() => risLiveUrl('http://127.0.0.1/')).toThrow(/ws:\/\/ or wss:\/\//);
    expect(() => risLiveUrl('not a url')).toThrow(/not a URL/);
    expect(risLiveUrl('ws://127.0.0.1:1/v1/ws/?client=me')).toBe('ws://127.0.0.1:1/v1/ws/?client=me');
    expect(() => new RisLiveClient({ maxQueue: 0 })).toThrow(/maxQueue/);
    expect(() => new RisLiveClient({ backoff: { jitter: 2 } })).toThrow(/jitter/);
    expect(() => new RisLiveClient({ subscriptions: [] })).toThrow(/subscription/);
  });

  it('grows the back-off exponentially up to the cap, jitter taking off a random share', () => {
    const options = { initialMs: 1000, factor: 2, maxMs: 10_000, jitter: 0.5 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, options, () => 0))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    expect([0, 1, 2].map((n) => backoffDelay(n, options, () => 0.999999))).toEqual([500, 1000, 2000]);
  });
});
