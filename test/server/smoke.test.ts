import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer, loadServices } from '../../src/server/index.js';

let app: FastifyInstance;
beforeAll(async () => {
  let t = Date.now();
  const services = await loadServices();
  console.log('load', Date.now() - t);
  app = await buildServer({ ...services, token: 'x'.repeat(43), webRoot: null });
});
afterAll(() => app.close());

it('answers', async () => {
  const cases = JSON.parse((await app.inject({ url: '/api/v1/intel/cases?limit=500' })).body);
  console.log(
    cases.meta,
    cases.data.cases.length,
    cases.data.cases
      .map((c: { id: string; name: string }) => c.id + ' ' + c.name)
      .filter((x: string) => /sony|lazarus|3cx/i.test(x))
      .slice(0, 20),
  );
  for (const url of [
    '/api/v1/prefixes/175.45.176.0_24',
    '/api/v1/countries/KP/outages',
    '/api/v1/countries/KP/visibility?limit=3',
    '/api/v1/outages',
    '/api/v1/countries/KP/incidents',
    '/api/v1/ach/cases',
    '/api/v1/ach/cases/sony-pictures-2014?asOf=2014-12-20',
    '/api/v1/countries?limit=1&cursor=zzz',
  ]) {
    const t = Date.now();
    const r = await app.inject({ url });
    console.log(url, r.statusCode, Date.now() - t, r.body.slice(0, 600));
  }
  expect(1).toBe(1);
});
