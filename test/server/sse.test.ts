/**
 * The live alert stream over a real listen on 127.0.0.1 (port 0): alerts from a replayed archive
 * (the SYNTHETIC December 2014 outages of test/fixtures/synthetic-outage.ts, through app's outage
 * replay) are fed into the server, reach a subscriber as Server-Sent Events, are replayed after
 * `Last-Event-ID`, and a subscriber that stops reading is dropped once its bounded queue fills.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AlertJson } from '../../src/app/index.js';
import { AlertFeed, buildServer, loadServices, type LoadedServices } from '../../src/server/index.js';
import { buildSyntheticOutage, loadRealRoutes } from '../fixtures/synthetic-outage.js';

const DEMO = fileURLToPath(new URL('../../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url));
const RING = 40;

let dir: string;
let services: LoadedServices;
let app: FastifyInstance;
let base: string;
let alerts: AlertJson[];
const feed = new AlertFeed();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-sse-'));
  const archive = join(dir, 'synthetic-outage-201412.mrt');
  await writeFile(archive, buildSyntheticOutage(await loadRealRoutes(DEMO)));
  services = await loadServices({ outageMrt: [archive] });
  alerts = (await services.outages.history({ country: 'KP' })).alerts();
  app = await buildServer({
    ...services,
    token: 'sse-test-token-' + 's'.repeat(30),
    webRoot: null,
    alerts: feed,
    sse: { ringSize: RING, queueSize: 4, heartbeatMs: 0 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Polls `condition` until it holds, for at most 10 s, failing with what was waited for. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error(`waited 10 s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Frame {
  id?: string;
  event?: string;
  data?: string;
}

/** An open event stream: frames as they arrive, and a bounded wait for a number of them. */
function subscribe(headers: Record<string, string> = {}): Promise<{
  status: number;
  contentType: string;
  frames: Frame[];
  waitFor(count: number, what: string): Promise<Frame[]>;
  close(): void;
}> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${base}/api/v1/outages/stream`, { headers }, (response) => {
      const frames: Frame[] = [];
      let buffer = '';
      const waiters: Array<() => void> = [];
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: Frame = {};
          for (const line of block.split('\n')) {
            const at = line.indexOf(': ');
            if (line.startsWith(':') || at < 0) continue;
            const key = line.slice(0, at) as keyof Frame;
            if (key === 'id' || key === 'event' || key === 'data') frame[key] = line.slice(at + 2);
          }
          if (frame.event !== undefined) frames.push(frame);
        }
        for (const wake of waiters.splice(0)) wake();
      });
      // The first comment says the subscription is in place.
      response.once('data', () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers['content-type']),
          frames,
          waitFor(count, what) {
            return new Promise((done, fail) => {
              const timer = setTimeout(
                () => fail(new Error(`waited 30 s for ${what}: ${frames.length} of ${count} events`)),
                30_000,
              );
              const check = (): void => {
                if (frames.length >= count) {
                  clearTimeout(timer);
                  done(frames.slice(0, count));
                } else waiters.push(check);
              };
              check();
            });
          },
          close: () => request.destroy(),
        }),
      );
    });
    request.on('error', reject);
  });
}

it('delivers alerts of a replayed archive as events, and replays them after Last-Event-ID', async () => {
  expect(alerts.length).toBeGreaterThan(12);
  expect(alerts.map((a) => a.kind)).toContain('outage-close');

  const first = await subscribe();
  expect(first.status).toBe(200);
  expect(first.contentType).toMatch(/^text\/event-stream/);
  for (const alert of alerts.slice(0, 5)) feed.publish(alert);
  const received = await first.waitFor(5, 'the first five alerts');
  expect(received.map((f) => f.id)).toEqual(['1', '2', '3', '4', '5']);
  expect(received.map((f) => f.event)).toEqual(alerts.slice(0, 5).map((a) => a.kind));
  expect(received.map((f) => AlertJson.parse(JSON.parse(f.data!)))).toEqual(alerts.slice(0, 5));
  first.close();

  // Missed while disconnected: 6..12, replayed from the ring on reconnection.
  for (const alert of alerts.slice(5, 12)) feed.publish(alert);
  const again = await subscribe({ 'last-event-id': '5' });
  const replayed = await again.waitFor(7, 'the replay after event 5');
  expect(replayed.map((f) => f.id)).toEqual(['6', '7', '8', '9', '10', '11', '12']);
  expect(replayed.map((f) => JSON.parse(f.data!))).toEqual(alerts.slice(5, 12));
  feed.publish(alerts[12]);
  const live = await again.waitFor(8, 'a live alert after the replay');
  expect(live[7].id).toBe('13');
  again.close();
});

it('tells a subscriber further back than the ring that alerts were lost', async () => {
  for (let i = 0; i < RING; i++) feed.publish(alerts[i % alerts.length]);
  const late = await subscribe({ 'last-event-id': '1' });
  const frames = await late.waitFor(1 + RING, 'the gap and the ring');
  expect(frames[0].event).toBe('gap');
  const published = app.alertHub.counts().published;
  expect(JSON.parse(frames[0].data!)).toEqual({ after: 1, resumedAt: published - RING + 1 });
  expect(Number(frames[RING].id)).toBe(published);
  late.close();
});

it('drops a subscriber that stops reading once its queue is full, and counts it', async () => {
  await until(() => app.alertHub.counts().subscribers === 0, 'the earlier subscribers to be gone');
  const before = app.alertHub.counts();
  // The client stops reading as soon as the answer starts: the socket's buffers fill, then the queue.
  const stalled = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.get(`${base}/api/v1/outages/stream`, (response) => {
      response.pause();
      resolve(response);
    });
    request.on('error', reject);
  });
  expect(app.alertHub.counts().subscribers).toBe(before.subscribers + 1);
  const big = { ...alerts[0], causeEvidence: 'x'.repeat(16_000) } as AlertJson;
  let published = 0;
  while (app.alertHub.counts().dropped === before.dropped && published < 20_000) {
    feed.publish(big);
    published++;
    if (published % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  expect(app.alertHub.counts().dropped).toBe(before.dropped + 1);
  expect(published).toBeLessThan(20_000);
  stalled.destroy();
});
