/**
 * The store's answers: what has been ingested, a country's dependency over time, the outages
 * kept by ingest, and what changed for a country between two times. Each calls the held store
 * (app StoreWorkspace), so the answers are those of `cairn history` on the same store.
 */
import { z } from 'zod';
import {
  HistoryCountryChangesResult,
  HistoryDependencyResult,
  HistoryOutagesResult,
  IngestStatusResult,
  type StoreWorkspace,
} from '../../app/index.js';
import { CairnError } from '../../errors/index.js';
import { metaOf, paginate } from '../answer.js';
import { PROBLEM_RESPONSES, Pagination, TimeRange, envelope, type Meta } from '../envelope.js';
import type { RouteContext, ZodApp } from '../server.js';
import { CountryParams } from './routing.js';

/** The held store, or a 503 naming what is missing. */
function storeOf(context: RouteContext): StoreWorkspace {
  if (context.store === undefined)
    throw new CairnError('API_NO_STORE', 'this server was started without a store', { field: 'store' });
  return context.store;
}

/** Coverage and data time of the store's answers; `peers` when the answer knows them. */
async function storeMeta(store: StoreWorkspace, peers = 0): Promise<Pick<Meta, 'coverage' | 'dataTime'>> {
  const coverage = await store.coverage();
  return {
    coverage: { peers, files: coverage.files, sources: coverage.sources },
    dataTime: coverage.dataTime,
  };
}

/** `true`/`false` in a query string. */
const QueryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

export async function storeRoutes(api: ZodApp, context: RouteContext): Promise<void> {
  api.get(
    '/ingest/status',
    {
      schema: {
        summary:
          'What the store holds: every file ingested (name, hash, size, time range, problems), totals, row counts',
        tags: ['store'],
        querystring: Pagination,
        response: { 200: envelope(IngestStatusResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const store = storeOf(context);
      const status = await store.ingestStatus();
      const { items, page } = paginate(status.files, request.query);
      return {
        data: { ...status, files: items },
        meta: metaOf(context, started, page, await storeMeta(store)),
      };
    },
  );

  api.get(
    '/countries/:cc/dependency/history',
    {
      schema: {
        summary:
          "A country's dependency snapshots over time (from the store), each AS with its change against the previous snapshot",
        tags: ['store'],
        params: CountryParams,
        querystring: Pagination.extend(TimeRange.shape).extend({
          top: z.coerce.number().int().min(1).max(1000).default(10),
        }),
        response: { 200: envelope(HistoryDependencyResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const store = storeOf(context);
      const { from, to, top } = request.query;
      const result = await store.dependencyHistory({
        country: request.params.cc,
        top,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      });
      const { items, page } = paginate(result.snapshots, request.query);
      const peers = Math.max(0, ...items.map((s) => s.peers));
      return {
        data: { ...result, snapshots: items },
        meta: metaOf(context, started, page, await storeMeta(store, peers)),
      };
    },
  );

  api.get(
    '/history/outages',
    {
      schema: {
        summary: 'Outage events kept by ingest (latest state of each, with its phases), filtered',
        tags: ['store'],
        querystring: Pagination.extend(TimeRange.shape).extend({
          country: CountryParams.shape.cc.optional(),
          /** A selection as detectors name it (`country KP`). */
          selection: z.string().min(1).max(200).optional(),
          open: QueryBoolean.optional(),
        }),
        response: { 200: envelope(HistoryOutagesResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const store = storeOf(context);
      const { from, to, country, selection, open } = request.query;
      const result = await store.outages({
        ...(country !== undefined ? { country } : {}),
        ...(selection !== undefined ? { selection } : {}),
        ...(open !== undefined ? { open } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      });
      const { items, page } = paginate(result.outages, request.query);
      return {
        data: { outages: items },
        meta: metaOf(context, started, page, await storeMeta(store)),
      };
    },
  );

  api.get(
    '/countries/:cc/changes',
    {
      schema: {
        summary:
          'What changed for a country between two times (from the store): upstreams gained or lost, dependency moved by more than a threshold',
        tags: ['store'],
        params: CountryParams,
        querystring: TimeRange.extend({
          threshold: z.coerce.number().min(0).max(1).default(0.1),
        }),
        response: { 200: envelope(HistoryCountryChangesResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const store = storeOf(context);
      const { from, to, threshold } = request.query;
      const data = await store.countryChanges({
        country: request.params.cc,
        threshold,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      });
      return { data, meta: metaOf(context, started, undefined, await storeMeta(store)) };
    },
  );
}
