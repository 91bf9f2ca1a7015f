/**
 * The OpenAPI document as @fastify/swagger generates it from the zod schemas: an OpenAPI 3
 * document, every API route present with its parameters and answers, every schema reference
 * resolving, and the docs page served.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, loadServices } from '../../src/server/index.js';

let app: FastifyInstance;

beforeAll(async () => {
  const services = await loadServices();
  app = await buildServer({ ...services, token: 'openapi-test-token-' + 'o'.repeat(30), webRoot: null });
});
afterAll(() => app?.close());

type Json = Record<string, unknown>;

/** Every `$ref` in `node`, resolved against `doc`; throws on one that does not resolve. */
function checkRefs(doc: Json, node: unknown, where: string): number {
  if (Array.isArray(node))
    return node.reduce((n: number, item, i) => n + checkRefs(doc, item, `${where}[${i}]`), 0);
  if (node === null || typeof node !== 'object') return 0;
  let count = 0;
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === '$ref') {
      expect(typeof value, where).toBe('string');
      const parts = String(value).replace(/^#\//, '').split('/');
      let target: unknown = doc;
      for (const part of parts) target = (target as Json | undefined)?.[part];
      expect(target, `${where}: ${String(value)} does not resolve`).toBeDefined();
      count++;
    } else count += checkRefs(doc, value, `${where}.${key}`);
  }
  return count;
}

it('is an OpenAPI 3 document with every route, its parameters and its answers', async () => {
  const answer = await app.inject({ url: '/api/v1/openapi.json' });
  expect(answer.statusCode).toBe(200);
  const doc = answer.json() as Json;
  expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
  expect((doc.info as Json).title).toBe('cairn API');
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const expected: Array<[string, string]> = [
    ['get', '/api/v1/countries'],
    ['get', '/api/v1/countries/{cc}'],
    ['get', '/api/v1/countries/{cc}/visibility'],
    ['get', '/api/v1/countries/{cc}/outages'],
    ['get', '/api/v1/countries/{cc}/incidents'],
    ['get', '/api/v1/asns/{asn}'],
    ['get', '/api/v1/asns/{asn}/visibility'],
    ['get', '/api/v1/asns/{asn}/outages'],
    ['get', '/api/v1/whatif'],
    ['get', '/api/v1/prefixes/{prefix}'],
    ['get', '/api/v1/ips/{address}'],
    ['get', '/api/v1/outages'],
    ['get', '/api/v1/outages/stream'],
    ['get', '/api/v1/outages/{ref}'],
    ['get', '/api/v1/intel/cases'],
    ['get', '/api/v1/intel/cases/{id}'],
    ['get', '/api/v1/intel/cases/{id}/similar'],
    ['get', '/api/v1/intel/cases/{id}/attribution'],
    ['get', '/api/v1/intel/cases/{id}/correlate/{other}'],
    ['get', '/api/v1/intel/cases/{id}/stix'],
    ['post', '/api/v1/intel/import'],
    ['get', '/api/v1/ach/cases'],
    ['get', '/api/v1/ach/cases/{id}'],
    ['put', '/api/v1/ach/cases/{id}/ratings/{evidence}/{hypothesis}'],
    ['get', '/api/v1/ingest/status'],
    ['get', '/api/v1/health'],
    ['get', '/api/v1/countries/{cc}/dependency/history'],
    ['get', '/api/v1/history/outages'],
    ['get', '/api/v1/countries/{cc}/changes'],
  ];
  const documented = Object.entries(paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method} ${path}`),
  );
  expect(documented.sort()).toEqual(expected.map(([m, p]) => `${m} ${p}`).sort());

  for (const [method, path] of expected) {
    const operation = paths[path][method];
    const where = `${method} ${path}`;
    expect(operation.summary, where).toBeTruthy();
    const responses = operation.responses as Record<string, Json>;
    const ok = responses['200'].content as Record<string, { schema: Json }>;
    const schemas = Object.values(ok).map((c) => c.schema);
    expect(schemas.length, where).toBeGreaterThan(0);
    const json = ok['application/json']?.schema;
    if (json !== undefined) {
      // The envelope: data (the app result schema) and meta.
      expect(json.type, where).toBe('object');
      expect(Object.keys(json.properties as Json).sort(), where).toEqual(['data', 'meta']);
      expect((json.required as string[]).sort(), where).toEqual(['data', 'meta']);
      const meta = (json.properties as Record<string, Json>).meta;
      expect(Object.keys(meta.properties as Json), where).toEqual(
        expect.arrayContaining(['queryMs', 'dataTime', 'coverage']),
      );
    }
    const problem = (responses['400'].content as Record<string, { schema: Json }>)['application/json'].schema;
    expect(Object.keys(problem.properties as Json), where).toEqual(
      expect.arrayContaining(['code', 'message', 'field', 'status']),
    );
    // Path parameters are declared.
    const declared = ((operation.parameters as Json[] | undefined) ?? []).filter((p) => p.in === 'path');
    const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    expect(declared.map((p) => p.name).sort(), where).toEqual(inPath.sort());
  }
  // Writes name the bearer scheme, and the scheme is defined.
  expect(paths['/api/v1/intel/import'].post.security).toEqual([{ bearer: [] }]);
  expect(((doc.components as Json).securitySchemes as Json).bearer).toEqual({
    type: 'http',
    scheme: 'bearer',
  });
  // The country answer describes CountryResult's fields inside data.
  const country = (
    (paths['/api/v1/countries/{cc}'].get.responses as Record<string, Json>)['200'].content as Record<
      string,
      { schema: Json }
    >
  )['application/json'].schema;
  const data = (country.properties as Record<string, Json>).data;
  expect(Object.keys(data.properties as Json)).toEqual(
    expect.arrayContaining(['country', 'prefixes', 'origins', 'upstreams', 'dependency', 'chokepoints']),
  );
  checkRefs(doc, doc.paths, 'paths');
});

it('documents only routes Fastify really answers', async () => {
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Json> };
  for (const [path, methods] of Object.entries(doc.paths))
    for (const method of Object.keys(methods)) {
      const url = path.replace(/\{(\w+)\}/g, ':$1');
      expect(app.hasRoute({ method: method.toUpperCase() as 'GET', url }), `${method} ${path}`).toBe(true);
    }
});

it('serves the docs page', async () => {
  const page = await app.inject({ url: '/api/docs/' });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.body).toMatch(/swagger/i);
  expect(page.body).not.toMatch(/<script>(?!\s*<\/script>)/);
});
