/**
 * The one envelope of every answer: `data` (an app result schema, as it is) and `meta` (how long
 * the query took, the time span of the data, and what the data covers), plus a page for lists.
 *
 * @example
 * schema: { response: { 200: envelope(CountryResult) } }
 */
import { z } from 'zod';
import { ProblemJson } from '../app/index.js';

export const DataTime = z.object({ from: z.string(), to: z.string() });

export const Coverage = z.object({
  /** Vantage points (BGP peers) the routing data was seen from. */
  peers: z.number().int(),
  /** Files the answer rests on. */
  files: z.number().int(),
  /** Their names (never a server path). */
  sources: z.array(z.string()),
});
export type Coverage = z.infer<typeof Coverage>;

/** Where a list page sits: `next` is the cursor of the following page, null on the last one. */
export const Page = z.object({
  limit: z.number().int(),
  total: z.number().int(),
  next: z.string().nullable(),
});
export type Page = z.infer<typeof Page>;

export const Meta = z.object({
  queryMs: z.number(),
  dataTime: DataTime.nullable(),
  coverage: Coverage,
  page: Page.optional(),
});
export type Meta = z.infer<typeof Meta>;

/** `{ data, meta }` around an app result schema. */
export function envelope<T extends z.ZodType>(data: T): z.ZodObject<{ data: T; meta: typeof Meta }> {
  return z.object({ data, meta: Meta });
}

/** Every error answer: app's problem shape with the HTTP status. */
export const Problem = ProblemJson.extend({ status: z.number().int() });
export type Problem = z.infer<typeof Problem>;

/** Problem answers a route documents besides its 200. */
export const PROBLEM_RESPONSES = {
  400: Problem,
  404: Problem,
  422: Problem,
  429: Problem,
  500: Problem,
} as const;

/** Problem answers of a write route (401 without the token, 413 for a large body). */
export const WRITE_PROBLEM_RESPONSES = { ...PROBLEM_RESPONSES, 401: Problem, 413: Problem } as const;

// ---- query pieces shared by the lists ----------------------------------------------------------

export const MAX_LIMIT = 1000;

/** `limit` and `cursor`: every list has them. The cursor is opaque (an offset today). */
export const Pagination = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(100),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,16}$/, 'not a cursor this server gave')
    .optional(),
});

/** `from` and `to` (ISO 8601): every list of things in time has them. */
export const TimeRange = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export function encodeCursor(offset: number): string {
  return Buffer.from(`o${offset}`).toString('base64url');
}

/** The offset of a cursor; undefined when it is not one this server gave. */
export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return 0;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^o(\d{1,9})$/.exec(text);
  return match === null ? undefined : Number(match[1]);
}
