/**
 * The routing questions: every country ranked, one country, an AS, a prefix, an address. Each
 * answers the app result schema of the same question inside the envelope.
 */
import { z } from 'zod';
import { AsResult, CountriesResult, CountryRank, CountryResult, IpResult } from '../../app/index.js';
import { ParseError } from '../../errors/index.js';
import { PROBLEM_RESPONSES, Pagination, decodeCursor, encodeCursor, envelope, type Meta, type Page } from '../envelope.js';
import type { RouteContext, ZodApp } from '../server.js';

/** The meta of an answer read from the workspace. */
export function metaOf(context: RouteContext, started: number, page?: Page): Meta {
  return {
    queryMs: Math.round((performance.now() - started) * 1000) / 1000,
    dataTime: context.workspace.dataTime,
    coverage: context.workspace.coverage,
    ...(page !== undefined ? { page } : {}),
  };
}

/** One page of `items` from the query's cursor; a cursor this server did not give is a 400. */
export function paginate<T>(items: readonly T[], query: { limit: number; cursor?: string }): { items: T[]; page: Page } {
  const offset = decodeCursor(query.cursor);
  if (offset === undefined)
    throw new ParseError('API_BAD_REQUEST', 'cursor: not a cursor this server gave', { field: 'query.cursor' });
  const slice = items.slice(offset, offset + query.limit);
  const next = offset + slice.length < items.length ? encodeCursor(offset + slice.length) : null;
  return { items: slice, page: { limit: query.limit, total: items.length, next } };
}

const csvCell = (value: string | number | boolean | undefined): string => {
  const text = value === undefined ? '' : String(value);
  // A leading = + - @ would be a formula in a spreadsheet: quoted with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The country ranking as CSV, one row per country. */
export function countriesCsv(rows: readonly CountryRank[]): string {
  const lines = ['country,prefixes,visible_ipv4_slash24s,upstream_count,top_asn,top_name,top_hegemony,chokepoints'];
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

const CountryParams = z.object({
  cc: z.string().regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as KP'),
});

export async function routingRoutes(api: ZodApp, context: RouteContext): Promise<void> {
  const { workspace } = context;

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
      const { q, format } = request.query;
      let rows = workspace.countries().countries;
      if (q !== undefined) {
        const needle = q.toLowerCase();
        rows = rows.filter(
          (r) => r.country.toLowerCase().includes(needle) || (r.top?.name.toLowerCase().includes(needle) ?? false),
        );
      }
      if (format === 'csv') {
        return reply
          .type('text/csv')
          .header('content-disposition', 'attachment; filename="countries.csv"')
          .send(countriesCsv(rows));
      }
      const { items, page } = paginate(rows, request.query);
      return reply.type('application/json').send({ data: { countries: items }, meta: metaOf(context, started, page) });
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
    async (request) => {
      const started = performance.now();
      const data = workspace.country(request.params.cc);
      return { data, meta: metaOf(context, started) };
    },
  );

  api.get(
    '/asns/:asn',
    {
      schema: {
        summary: 'An AS: what it originates, its neighbours, the dependency of its space',
        tags: ['routing'],
        params: z.object({
          asn: z.string().regex(/^(AS)?\d{1,10}$/i, 'an AS number such as 4837 or AS4837'),
        }),
        response: { 200: envelope(AsResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      return { data: workspace.asn(request.params.asn), meta: metaOf(context, started) };
    },
  );

  api.get(
    '/ips/:address',
    {
      schema: {
        summary: 'An address: matching prefix, origins, registry country, every peer path and the chain to the border',
        tags: ['routing'],
        params: z.object({ address: z.string().min(2).max(64) }),
        response: { 200: envelope(IpResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      return { data: workspace.ip(request.params.address), meta: metaOf(context, started) };
    },
  );
}
