import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Workspace } from '../../src/app/index.js';
import { buildServer } from '../../src/server/index.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildServer({ workspace: await Workspace.load(), token: 'x'.repeat(43), webRoot: null });
});
afterAll(() => app.close());

it('answers', async () => {
  for (const url of ['/api/v1/countries?limit=2', '/api/v1/countries/KP', '/api/v1/countries?format=csv', '/api/v1/countries/zz1', '/api/v1/asns/4837', '/api/v1/ips/175.45.176.1', '/api/v1/nope', '/', '/foo', '/api/v1/openapi.json']) {
    const r = await app.inject({ url });
    console.log(url, r.statusCode, r.headers['content-type'], r.body.slice(0, 400));
  }
  expect(1).toBe(1);
});
