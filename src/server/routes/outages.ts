/**
 * Outages: the events of the watched selections replayed from the archive (list with a time
 * range and pages, one event with its life cycle), a country's events and visibility series, and
 * the live alert stream (Server-Sent Events with Last-Event-ID replay).
 */
import path from 'node:path';
import { z } from 'zod';
import {
  OutageBinLine,
  OutageLifeCycle,
  OutageListItem,
  outageBinsCsv,
  type OutageHistory,
  type SelectionInput,
} from '../../app/index.js';
import { CairnError, ParseError } from '../../errors/index.js';
import { metaOf, paginate, spanOf } from '../answer.js';
import { PROBLEM_RESPONSES, Pagination, TimeRange, envelope, type Meta } from '../envelope.js';
import type { RouteContext, ZodApp } from '../server.js';
import { AsnParams, CountryParams } from './routing.js';

const EventList = z.object({ events: z.array(OutageListItem) });
const BinList = z.object({ selection: z.string(), binSeconds: z.number(), bins: z.array(OutageBinLine) });

function historyMeta(
  context: RouteContext,
  histories: readonly OutageHistory[],
): Pick<Meta, 'coverage' | 'dataTime'> {
  const files = context.outages.input.mrt;
  const bins = histories.flatMap((h) => [h.result.bins[0]?.time, h.result.bins.at(-1)?.time]);
  return {
    coverage: {
      peers: Math.max(0, ...histories.map((h) => h.result.fullFeedPeers)),
      files: files.length,
      sources: files.map((f) => path.basename(f)),
    },
    dataTime: spanOf(bins),
  };
}

function checkRange(query: { from?: string; to?: string }): void {
  if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) > Date.parse(query.to))
    throw new ParseError('API_BAD_REQUEST', 'from is after to', { field: 'query.from' });
}

export async function outageRoutes(api: ZodApp, context: RouteContext): Promise<void> {
  const { hub } = context;
  const watched = (): Promise<OutageHistory[]> =>
    Promise.all(context.watch.map((s) => context.outages.history(s)));

  api.get(
    '/outages',
    {
      schema: {
        summary: 'Outage events of the watched selections, replayed from the archive, oldest first',
        tags: ['outages'],
        querystring: Pagination.extend(TimeRange.shape),
        response: { 200: envelope(EventList), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      checkRange(request.query);
      const histories = await watched();
      const events = histories
        .flatMap((h) => h.events(request.query))
        .sort((a, b) => a.start - b.start || a.ref.localeCompare(b.ref));
      const { items, page } = paginate(events, request.query);
      return {
        data: { events: items },
        meta: metaOf(context, started, page, historyMeta(context, histories)),
      };
    },
  );

  api.get(
    '/outages/stream',
    {
      schema: {
        summary:
          'Live alerts as Server-Sent Events (id, event = alert kind, data = AlertJson); Last-Event-ID replays what was missed',
        tags: ['outages'],
        headers: z.object({
          'last-event-id': z
            .string()
            .regex(/^\d{1,15}$/)
            .optional(),
        }),
        querystring: z.object({
          lastEventId: z
            .string()
            .regex(/^\d{1,15}$/)
            .optional(),
        }),
        response: {
          200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
          ...PROBLEM_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      if (hub.full)
        throw new CairnError('API_RATE_LIMITED', 'too many alert-stream subscribers; retry later', {
          field: 'subscribers',
        });
      const text = request.headers['last-event-id'] ?? request.query.lastEventId;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(reply.getHeaders()))
        if (typeof value === 'string' || typeof value === 'number') headers[name] = String(value);
      reply.hijack();
      hub.subscribe(reply.raw, headers, text === undefined ? undefined : Number(text));
    },
  );

  api.get(
    '/outages/:ref',
    {
      schema: {
        summary: 'One outage event with its life cycle (every phase) and the bins around it',
        tags: ['outages'],
        params: z.object({
          ref: z
            .string()
            .regex(/^[A-Za-z0-9+_.:-]{1,120}\.\d{1,9}$/, 'an event reference such as country-KP.3'),
        }),
        response: { 200: envelope(OutageLifeCycle), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const at = request.params.ref.lastIndexOf('.');
      const key = request.params.ref.slice(0, at);
      const id = Number(request.params.ref.slice(at + 1));
      const histories = await watched();
      const history = histories.find((h) => h.key === key);
      const found = history?.lifeCycle(id);
      if (history === undefined || found === undefined)
        throw new CairnError('API_NOT_FOUND', `no outage event ${request.params.ref}`, { field: 'ref' });
      return { data: found, meta: metaOf(context, started, undefined, historyMeta(context, [history])) };
    },
  );

  // The same two answers for a country and for an AS: the selection is what differs.
  const selections = [
    {
      path: '/countries/:cc',
      noun: 'A country',
      params: CountryParams,
      selection: (params: { cc?: string; asn?: string }): SelectionInput => ({ country: params.cc ?? '' }),
      file: (params: { cc?: string; asn?: string }) => (params.cc ?? '').toUpperCase(),
    },
    {
      path: '/asns/:asn',
      noun: 'An AS',
      params: AsnParams,
      selection: (params: { cc?: string; asn?: string }): SelectionInput => ({
        asn: (params.asn ?? '').replace(/^AS/i, ''),
      }),
      file: (params: { cc?: string; asn?: string }) => `AS${(params.asn ?? '').replace(/^AS/i, '')}`,
    },
  ];
  for (const target of selections) {
    api.get(
      `${target.path}/outages`,
      {
        schema: {
          summary: `${target.noun}'s outage events replayed from the archive, oldest first`,
          tags: ['outages'],
          params: target.params,
          querystring: Pagination.extend(TimeRange.shape),
          response: { 200: envelope(EventList), ...PROBLEM_RESPONSES },
        },
      },
      async (request) => {
        const started = performance.now();
        checkRange(request.query);
        const history = await context.outages.history(target.selection(request.params));
        const { items, page } = paginate(history.events(request.query), request.query);
        return {
          data: { events: items },
          meta: metaOf(context, started, page, historyMeta(context, [history])),
        };
      },
    );

    api.get(
      `${target.path}/visibility`,
      {
        schema: {
          summary: `${target.noun}'s visible space in time bins, with the baseline and whether a bin is in an event`,
          tags: ['outages'],
          params: target.params,
          querystring: Pagination.extend(TimeRange.shape).extend({
            limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
            format: z.enum(['json', 'csv']).default('json'),
          }),
          response: {
            200: {
              description: 'The series (a page of it), or all of it as CSV with format=csv',
              content: {
                'application/json': { schema: envelope(BinList) },
                'text/csv': { schema: z.string() },
              },
            },
            ...PROBLEM_RESPONSES,
          },
        },
      },
      async (request, reply) => {
        const started = performance.now();
        checkRange(request.query);
        const history = await context.outages.history(target.selection(request.params));
        const bins = history.bins(request.query);
        if (request.query.format === 'csv')
          return reply
            .type('text/csv')
            .header(
              'content-disposition',
              `attachment; filename="visibility-${target.file(request.params)}.csv"`,
            )
            .send(outageBinsCsv(bins));
        const { items, page } = paginate(bins, request.query);
        return reply.type('application/json').send({
          data: { selection: history.result.selection, binSeconds: history.result.binSeconds, bins: items },
          meta: metaOf(context, started, page, historyMeta(context, [history])),
        });
      },
    );
  }
}
