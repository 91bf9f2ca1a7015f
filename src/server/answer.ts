/** Building answers: the meta (query time, data time, coverage, page) and one page of a list. */
import { ParseError } from '../errors/index.js';
import { decodeCursor, encodeCursor, type Coverage, type Meta, type Page } from './envelope.js';
import type { RouteContext } from './server.js';

/** The meta of an answer; coverage and data time default to the routing workspace's. */
export function metaOf(
  context: RouteContext,
  started: number,
  page?: Page,
  over?: { coverage?: Coverage; dataTime?: Meta['dataTime'] },
): Meta {
  return {
    queryMs: Math.round((performance.now() - started) * 1000) / 1000,
    dataTime: over?.dataTime !== undefined ? over.dataTime : context.workspace.dataTime,
    coverage: over?.coverage ?? context.workspace.coverage,
    ...(page !== undefined ? { page } : {}),
  };
}

/** One page of `items` from the query's cursor; a cursor this server did not give is a 400. */
export function paginate<T>(
  items: readonly T[],
  query: { limit: number; cursor?: string },
): { items: T[]; page: Page } {
  const offset = decodeCursor(query.cursor);
  if (offset === undefined)
    throw new ParseError('API_BAD_REQUEST', 'cursor: not a cursor this server gave', {
      field: 'query.cursor',
    });
  const slice = items.slice(offset, offset + query.limit);
  const next = offset + slice.length < items.length ? encodeCursor(offset + slice.length) : null;
  return { items: slice, page: { limit: query.limit, total: items.length, next } };
}

/** The span of ISO times in a list, or null when it has none. */
export function spanOf(times: Iterable<string | undefined | null>): Meta['dataTime'] {
  let from: string | undefined;
  let to: string | undefined;
  for (const t of times) {
    if (t === undefined || t === null || t === '') continue;
    if (from === undefined || t < from) from = t;
    if (to === undefined || t > to) to = t;
  }
  return from === undefined || to === undefined ? null : { from, to };
}

/** Cells for CSV: quoted when needed, and a leading formula character neutralised for spreadsheets. */
export function csvCell(value: string | number | boolean | undefined | null): string {
  const text = value === undefined || value === null ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
