/**
 * The listener `cairn serve` starts before it builds the server (server/listen.ts), over a real
 * listen on 127.0.0.1 port 0: while the start goes on /health says so, the API answers 503
 * API_NOT_READY and other paths a page without script, each with the safe headers; once a server
 * is built over it, the server answers on the same address, and closing the server closes it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AchWorkspace } from '../../src/app/index.js';
import { Health, Problem, buildServer, envelope } from '../../src/server/index.js';
import { listenEarly, type EarlyListener } from '../../src/server/listen.js';

const TOKEN = 'test-token-' + 'e'.repeat(32);
/** Never settles: the server is asked only for its health. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

let open: EarlyListener | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

function expectSafeHeaders(headers: Headers): void {
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe('DENY');
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toMatch(/script-src|unsafe-inline/);
}

describe('listenEarly', () => {
  it('says the start is going on: /health loading, 503 API_NOT_READY, a page without script', async () => {
    open = await listenEarly({ host: '127.0.0.1', port: 0, label: 'starting: loading the server' });
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(`${open.url}/api/v1/health`);
    expect(health.status).toBe(200);
    expectSafeHeaders(health.headers);
    const data = envelope(Health).parse(await health.json()).data;
    expect(data.ready).toBe(false);
    expect(data.startup).toEqual({
      label: 'starting: loading the server',
      state: 'loading',
      done: 0,
      total: null,
      unit: 'steps',
    });
    expect(Object.values(data.services)).toEqual(['loading', 'loading', 'loading', 'loading']);
    // No connection kept idle across the start.
    expect(health.headers.get('connection')).toBe('close');

    open.step('starting: opening the store');
    const api = await fetch(`${open.url}/api/v1/countries/KP?limit=1`);
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toBe('1');
    expectSafeHeaders(api.headers);
    const problem = Problem.parse(await api.json());
    expect(problem).toMatchObject({ code: 'API_NOT_READY', status: 503 });
    expect(problem.message).toMatch(/^starting: opening the store; ask again in a moment/);
    // A write is refused the same way, its body unread.
    const write = await fetch(`${open.url}/api/v1/intel/import`, {
      method: 'POST',
      body: 'x'.repeat(10_000),
    });
    expect(write.status).toBe(503);
    expect(Problem.parse(await write.json()).code).toBe('API_NOT_READY');

    const page = await fetch(`${open.url}/countries/KP`);
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expectSafeHeaders(page.headers);
    const html = await page.text();
    expect(html).toContain('<meta http-equiv="refresh" content="1">');
    expect(html).not.toMatch(/<script/i);
  });

  it('hands every request to the server built over it, which closes it', async () => {
    const early = await listenEarly({ host: '127.0.0.1', port: 0 });
    open = early;
    const app = await buildServer({
      workspace: never(),
      intel: never(),
      ach: await AchWorkspace.load(),
      outages: never(),
      token: TOKEN,
      webRoot: null,
      listener: early,
    });
    // Before the server is ready the listener still answers.
    expect((await (await fetch(`${early.url}/api/v1/health`)).json()).data.startup?.label).toBe(
      'starting the server',
    );
    await app.ready();
    expect(app.server).toBe(early.server);
    const health = await fetch(`${early.url}/api/v1/health`);
    expect(health.status).toBe(200);
    // The server's own answer: its security headers, no start-up work, the ACH cases loaded.
    expect(health.headers.get('content-security-policy')).toContain("script-src 'self'");
    const data = envelope(Health).parse(await health.json()).data;
    expect(data.startup).toBeNull();
    expect(data.services).toMatchObject({ ach: 'ready', workspace: 'loading' });
    const cases = await fetch(`${early.url}/api/v1/ach/cases`);
    expect(cases.status).toBe(200);
    await app.close();
    expect(early.server.listening).toBe(false);
  });
});
