/**
 * The routing questions: every country ranked, one country, an AS, a prefix, an address. Each
 * answers the app result schema of the same question inside the envelope.
 */
import { z } from 'zod';
import {
  AsResult,
  CountriesResult,
  CountryRank,
  CountryResult,
  IpResult,
  PrefixResult,
  WhatIfResult,
  type RoutingAnswer,
} from '../../app/index.js';
import { csvCell, paginate } from '../answer.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendCached, type MetaRest } from '../cache.js';
import { PROBLEM_RESPONSES, Pagination, envelope, type Page } from '../envelope.js';
import type { RouteContext, ZodApp } from '../server.js';

/** The country ranking as CSV, one row per country. */
export function countriesCsv(rows: readonly CountryRank[]): string {
  const lines = [
    'country,prefixes,visible_ipv4_slash24s,upstream_count,top_asn,top_name,top_hegemony,chokepoints',
  ];
  for (const r of rows)
    lines.push(
      [
        r.country,
        r.prefixes,
        r.visibleIpv4Slash24s,
        r.upstreamCount,
        r.top?.asn,
        r.top?.name,
        r.top?.hegemony,
        r.chokepoints.join(' '),
      ]
        .map(csvCell)
        .join(','),
    );
  return lines.join('\n') + '\n';
}

/** The meta of a routing answer but its query time: what the world it came from (loaded or kept) rests on. */
function metaOfAnswer(answer: RoutingAnswer<unknown>, page?: Page): MetaRest {
  return { dataTime: answer.dataTime, coverage: answer.coverage, ...(page !== undefined ? { page } : {}) };
}

/**
 * Sends a routing answer and keeps its bytes for the request's URL: routing answers never change
 * for a world, so the next request for the URL is answered from the bytes (the group's hook).
 */
function sendAnswer(
  context: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  started: number,
  generation: number,
  schema: z.ZodType,
  data: object,
  meta: MetaRest,
): FastifyReply {
  const entry = context.answers.put(request.url, generation, schema, data, meta);
  return sendCached(request, reply, entry, started, context.answers);
}

export const CountryParams = z.object({
  cc: z.string().regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as KP'),
});

export const AsnParams = z.object({
  asn: z.string().regex(/^(AS)?\d{1,10}$/i, 'an AS number such as 4837 or AS4837'),
});

export async function routingRoutes(api: ZodApp, context: RouteContext): Promise<void> {
  // An answer already given for this URL is sent from its bytes, before validation and handler
  // (after the rate limit and the security headers, which run on request).
  // (A callback hook: no promise per request; answering early means not calling `done`.)
  api.addHook('preValidation', (request, reply, done) => {
    if (request.method === 'GET') {
      const started = performance.now();
      const entry = context.answers.get(request.url);
      if (entry !== undefined) {
        sendCached(request, reply, entry, started, context.answers);
        return;
      }
    }
    done();
  });
  api.get(
    '/countries',
    {
      schema: {
        summary: 'Every country ranked by its largest dependency, single-upstream countries first',
        tags: ['routing'],
        querystring: Pagination.extend({
          q: z.string().max(64).optional().describe('keep countries whose code or top AS name contains this'),
          format: z.enum(['json', 'csv']).default('json'),
        }),
        response: {
          200: {
            description: 'The ranking (a page of it), or the whole ranking as CSV with format=csv',
            content: {
              'application/json': { schema: envelope(CountriesResult) },
              'text/csv': { schema: z.string() },
            },
          },
          ...PROBLEM_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const generation = context.answers.generation;
      const { q, format } = request.query;
      const answer = await context.routing.countries();
      let rows = answer.data.countries;
      if (q !== undefined) {
        const needle = q.toLowerCase();
        rows = rows.filter(
          (r) =>
            r.country.toLowerCase().includes(needle) || (r.top?.name.toLowerCase().includes(needle) ?? false),
        );
      }
      if (format === 'csv') {
        return reply
          .type('text/csv')
          .header('content-disposition', 'attachment; filename="countries.csv"')
          .send(countriesCsv(rows));
      }
      const { items, page } = paginate(rows, request.query);
      return sendAnswer(
        context,
        request,
        reply as FastifyReply,
        started,
        generation,
        CountriesResult,
        { countries: items },
        metaOfAnswer(answer, page),
      );
    },
  );

  api.get(
    '/countries/:cc',
    {
      schema: {
        summary: 'How a country reaches the Internet: prefixes, origins, upstreams, dependency, chokepoints',
        tags: ['routing'],
        params: CountryParams,
        response: { 200: envelope(CountryResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const generation = context.answers.generation;
      const answer = await context.routing.country(request.params.cc);
      return sendAnswer(
        context,
        request,
        reply as FastifyReply,
        started,
        generation,
        CountryResult,
        answer.data,
        metaOfAnswer(answer),
      );
    },
  );

  api.get(
    '/asns/:asn',
    {
      schema: {
        summary: 'An AS: what it originates, its neighbours, the dependency of its space',
        tags: ['routing'],
        params: AsnParams,
        response: { 200: envelope(AsResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const generation = context.answers.generation;
      const answer = await context.routing.asn(request.params.asn);
      return sendAnswer(
        context,
        request,
        reply as FastifyReply,
        started,
        generation,
        AsResult,
        answer.data,
        metaOfAnswer(answer),
      );
    },
  );

  api.get(
    '/ips/:address',
    {
      schema: {
        summary:
          'An address: matching prefix, origins, registry country, every peer path and the chain to the border',
        tags: ['routing'],
        params: z.object({ address: z.string().min(2).max(64) }),
        response: { 200: envelope(IpResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const generation = context.answers.generation;
      const answer = await context.routing.ip(request.params.address);
      return sendAnswer(
        context,
        request,
        reply as FastifyReply,
        started,
        generation,
        IpResult,
        answer.data,
        metaOfAnswer(answer),
      );
    },
  );

  api.get(
    '/prefixes/:prefix',
    {
      schema: {
        summary:
          'A prefix: origins, paths per peer and the chain to the border (write the slash as %2F or _)',
        tags: ['routing'],
        params: z.object({
          prefix: z
            .string()
            .max(64)
            .regex(/^[0-9A-Fa-f.:]+[/_]\d{1,3}$/, 'a prefix such as 175.45.176.0/24 (or 175.45.176.0_24)'),
        }),
        response: { 200: envelope(PrefixResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const generation = context.answers.generation;
      const text = request.params.prefix.replace('_', '/');
      const answer = await context.routing.prefix(text);
      return sendAnswer(
        context,
        request,
        reply as FastifyReply,
        started,
        generation,
        PrefixResult,
        answer.data,
        metaOfAnswer(answer),
      );
    },
  );

  // A list in a query: repeated (`remove=1&remove=2`) or comma-separated (`remove=1,2`).
  const listOf = (item: z.ZodString, most: number, what: string) =>
    z
      .union([z.string(), z.array(z.string())])
      .transform((value) =>
        (Array.isArray(value) ? value : [value])
          .flatMap((v) => v.split(','))
          .map((v) => v.trim())
          .filter((v) => v !== ''),
      )
      .pipe(z.array(item).min(1, `at least one ${what}`).max(most, `at most ${most} of ${what}`));

  api.get(
    '/whatif',
    {
      schema: {
        summary:
          'What if these ASes stopped carrying traffic: each prefix of the countries asked reachable over observed paths, only over valley-free alternatives (with the path), or cut off',
        tags: ['routing'],
        querystring: z.object({
          remove: listOf(
            z.string().regex(/^(AS)?\d{1,10}$/i, 'an AS number such as 4837 or AS4837'),
            20,
            'AS numbers',
          ),
          country: listOf(
            z.string().regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as KP'),
            10,
            'country codes',
          ),
        }),
        response: { 200: envelope(WhatIfResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const generation = context.answers.generation;
      const answer = await context.routing.whatIf({
        remove: request.query.remove,
        countries: request.query.country,
      });
      return sendAnswer(
        context,
        request,
        reply as FastifyReply,
        started,
        generation,
        WhatIfResult,
        answer.data,
        metaOfAnswer(answer),
      );
    },
  );
}
