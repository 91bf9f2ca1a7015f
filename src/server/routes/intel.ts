/**
 * Threat intelligence: the cases (list with a time range and pages, one case), import (a write),
 * similar cases and actors, attribution with its evidence, the evidence tying two cases, STIX
 * export, and a country's incidents (cases whose IP indicators sit in its registered space).
 */
import { z } from 'zod';
import {
  INTEL_IMPORT_FORMATS,
  IntelAttributeResult,
  IntelCase,
  IntelCorrelateResult,
  IntelImportResult,
  IntelShowResult,
  IntelSimilarResult,
  IntelStixBundle,
  IntelWorkspace,
} from '../../app/index.js';
import { metaOf, paginate, spanOf } from '../answer.js';
import {
  PROBLEM_RESPONSES,
  Pagination,
  TimeRange,
  WRITE_PROBLEM_RESPONSES,
  envelope,
  type Meta,
} from '../envelope.js';
import type { RouteContext, ZodApp } from '../server.js';
import { CountryParams } from './routing.js';

const CaseList = z.object({ cases: z.array(IntelCase) });
const CaseParams = z.object({ id: z.string().min(1).max(300) });
const ImportAnswer = IntelImportResult.extend({ cases: z.array(z.string()) });

export async function intelRoutes(api: ZodApp, context: RouteContext): Promise<void> {
  const intelMeta = (cases: readonly IntelCase[] = []): Pick<Meta, 'coverage' | 'dataTime'> => ({
    coverage: {
      peers: context.workspace.coverage.peers,
      files: context.intel.files.length + context.intel.imported.length,
      sources: [
        ...new Set(context.intel.files.filter((f) => f.includes('/')).map((f) => f.split('/')[0])),
      ].concat(context.intel.imported),
    },
    dataTime: spanOf(cases.map((c) => IntelWorkspace.dateOf(c))),
  });
  const inRange = (c: IntelCase, query: { from?: string; to?: string }): boolean => {
    const date = IntelWorkspace.dateOf(c);
    if (query.from === undefined && query.to === undefined) return true;
    if (date === undefined) return false;
    const t = Date.parse(date);
    return (
      (query.from === undefined || t >= Date.parse(query.from)) &&
      (query.to === undefined || t <= Date.parse(query.to))
    );
  };

  api.get(
    '/intel/cases',
    {
      schema: {
        summary: 'The cases of the corpus (and imports), newest first',
        tags: ['intel'],
        querystring: Pagination.extend(TimeRange.shape).extend({
          q: z.string().max(200).optional().describe('keep cases whose name or an alias contains this'),
        }),
        response: { 200: envelope(CaseList), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const needle = request.query.q?.toLowerCase();
      const cases = context.intel
        .cases()
        .filter((c) => inRange(c, request.query))
        .filter(
          (c) =>
            needle === undefined ||
            c.name.toLowerCase().includes(needle) ||
            c.aliases.some((a) => a.toLowerCase().includes(needle)),
        );
      const { items, page } = paginate(cases, request.query);
      return { data: { cases: items }, meta: metaOf(context, started, page, intelMeta(items)) };
    },
  );

  api.get(
    '/intel/cases/:id',
    {
      schema: {
        summary: 'A case: its indicators (IPs placed on the routing map) and insider signals',
        tags: ['intel'],
        params: CaseParams,
        response: { 200: envelope(IntelShowResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const data = context.intel.show(request.params.id);
      return { data, meta: metaOf(context, started, undefined, intelMeta([data.case])) };
    },
  );

  api.get(
    '/intel/cases/:id/similar',
    {
      schema: {
        summary: 'The cases, ATT&CK units and actors most similar to a case, each score with its evidence',
        tags: ['intel'],
        params: CaseParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(5) }),
        response: { 200: envelope(IntelSimilarResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const data = context.intel.similar(request.params.id, request.query.limit);
      return { data, meta: metaOf(context, started, undefined, intelMeta()) };
    },
  );

  api.get(
    '/intel/cases/:id/attribution',
    {
      schema: {
        summary: 'Who is behind a case: the verdict and ranked actors with confidence and evidence',
        tags: ['intel'],
        params: CaseParams,
        querystring: z.object({
          ignoreLabels: z
            .enum(['true', 'false'])
            .default('false')
            .describe("leave the case's stated actor out"),
        }),
        response: { 200: envelope(IntelAttributeResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const data = context.intel.attribute(request.params.id, request.query.ignoreLabels === 'true');
      return { data, meta: metaOf(context, started, undefined, intelMeta()) };
    },
  );

  api.get(
    '/intel/cases/:id/correlate/:other',
    {
      schema: {
        summary: 'The evidence tying one case to another, with each item weight and source',
        tags: ['intel'],
        params: z.object({ id: z.string().min(1).max(300), other: z.string().min(1).max(300) }),
        response: { 200: envelope(IntelCorrelateResult), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const data = context.intel.correlate(request.params.id, request.params.other);
      return { data, meta: metaOf(context, started, undefined, intelMeta()) };
    },
  );

  api.get(
    '/intel/cases/:id/stix',
    {
      schema: {
        summary: 'A case as a STIX 2.1 bundle',
        tags: ['intel'],
        params: CaseParams,
        response: { 200: envelope(IntelStixBundle), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const data = context.intel.exportStix(request.params.id);
      return { data, meta: metaOf(context, started, undefined, intelMeta()) };
    },
  );

  api.post(
    '/intel/import',
    {
      schema: {
        summary: 'Import a STIX 2.1 bundle, MISP event or CSV indicator list (needs the bearer token)',
        tags: ['intel'],
        security: [{ bearer: [] }],
        querystring: z.object({
          name: z
            .string()
            .regex(/^[A-Za-z0-9._-]{1,100}$/, 'a file name of letters, digits, dot, dash, underscore')
            .default('upload.json'),
          format: z.enum(INTEL_IMPORT_FORMATS).optional(),
        }),
        body: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
        response: { 200: envelope(ImportAnswer), ...WRITE_PROBLEM_RESPONSES },
      },
      preValidation: async (request) => context.requireToken(request),
    },
    async (request) => {
      const started = performance.now();
      const bytes = Buffer.from(
        typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
      );
      const data = context.intel.import(request.query.name, bytes, request.query.format);
      return { data, meta: metaOf(context, started, undefined, intelMeta()) };
    },
  );

  api.get(
    '/countries/:cc/incidents',
    {
      schema: {
        summary: "Cases with an IP indicator in a country's registered space, newest first",
        tags: ['intel'],
        params: CountryParams,
        querystring: Pagination.extend(TimeRange.shape),
        response: { 200: envelope(CaseList), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const cases = context.intel.casesInCountry(request.params.cc).filter((c) => inRange(c, request.query));
      const { items, page } = paginate(cases, request.query);
      return { data: { cases: items }, meta: metaOf(context, started, page, intelMeta(items)) };
    },
  );
}
