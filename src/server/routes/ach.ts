/**
 * Analysis of competing hypotheses: the cases held, one case's analysis (matrix, ranking,
 * diagnosticity, sensitivity), as of a date, and changing one rating (a write).
 */
import { z } from 'zod';
import { AchCaseSummary, AchRatingValue, AchView } from '../../app/index.js';
import { metaOf, paginate } from '../answer.js';
import { PROBLEM_RESPONSES, Pagination, WRITE_PROBLEM_RESPONSES, envelope, type Meta } from '../envelope.js';
import type { RouteContext, ZodApp } from '../server.js';

const Id = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'an id of letters, digits, dot, dash, underscore');
const CaseList = z.object({ cases: z.array(AchCaseSummary) });

export async function achRoutes(api: ZodApp, context: RouteContext): Promise<void> {
  const achMeta = (view?: AchView): Pick<Meta, 'coverage' | 'dataTime'> => {
    const dates = (view?.evidence ?? [])
      .flatMap((e) => e.sources.map((s) => s.date))
      .filter((d) => d !== undefined);
    dates.sort();
    return {
      coverage: {
        peers: 0,
        files: context.ach.list().length,
        sources: context.ach.list().map((c) => `${c.id}.json`),
      },
      dataTime: dates.length === 0 ? null : { from: dates[0], to: dates[dates.length - 1] },
    };
  };

  api.get(
    '/ach/cases',
    {
      schema: {
        summary: 'The ACH cases held',
        tags: ['ach'],
        querystring: Pagination,
        response: { 200: envelope(CaseList), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const { items, page } = paginate(context.ach.list(), request.query);
      return { data: { cases: items }, meta: metaOf(context, started, page, achMeta()) };
    },
  );

  api.get(
    '/ach/cases/:id',
    {
      schema: {
        summary:
          'A case analysed: matrix, weighted-inconsistency ranking, diagnosticity, sensitivity; asOf keeps the items known by a date',
        tags: ['ach'],
        params: z.object({ id: Id }),
        querystring: z.object({ asOf: z.iso.date().optional().describe('YYYY-MM-DD') }),
        response: { 200: envelope(AchView), ...PROBLEM_RESPONSES },
      },
    },
    async (request) => {
      const started = performance.now();
      const data = context.ach.analyze(request.params.id, request.query.asOf);
      return { data, meta: metaOf(context, started, undefined, achMeta(data)) };
    },
  );

  api.put(
    '/ach/cases/:id/ratings/:evidence/:hypothesis',
    {
      schema: {
        summary: 'Change one rating (needs the bearer token); answers the new analysis',
        tags: ['ach'],
        security: [{ bearer: [] }],
        params: z.object({ id: Id, evidence: Id, hypothesis: Id }),
        body: z.object({ rating: AchRatingValue }),
        response: { 200: envelope(AchView), ...WRITE_PROBLEM_RESPONSES },
      },
      preValidation: async (request) => context.requireToken(request),
    },
    async (request) => {
      const started = performance.now();
      const { id, evidence, hypothesis } = request.params;
      const data = await context.ach.rateAndRecord(id, evidence, hypothesis, request.body.rating);
      return { data, meta: metaOf(context, started, undefined, achMeta(data)) };
    },
  );
}
