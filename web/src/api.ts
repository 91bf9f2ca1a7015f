/**
 * The HTTP API's client: every answer is the envelope `{ data, meta }` (src/server/README.md);
 * errors are 4xx/5xx with a JSON body naming the code and, for bad input, the field. Writes carry
 * the bearer token the analyst entered once, kept in sessionStorage for the tab's life only.
 */
import { useEffect, useState } from 'preact/hooks';

export const API = '/api/v1';

export interface Meta {
  queryTime?: string;
  dataTime?: { from?: string | null; to?: string | null } | null;
  coverage?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Envelope<T> {
  data: T;
  meta: Meta;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'cairn.token';

export function getToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function setToken(token: string | undefined): void {
  if (token === undefined || token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

export type Query = Record<string, string | number | boolean | undefined>;

export function apiUrl(path: string, query: Query = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return API + path + (text === '' ? '' : '?' + text);
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || 'request failed';
  let field: string | undefined;
  try {
    const body = (await response.json()) as Record<string, unknown>;
    const error = (typeof body.error === 'object' && body.error !== null ? body.error : body) as Record<
      string,
      unknown
    >;
    if (typeof error.code === 'string') code = error.code;
    if (typeof error.message === 'string') message = error.message;
    if (typeof error.field === 'string') field = error.field;
  } catch {
    // a body that is not JSON: the status line says enough
  }
  return new ApiError(response.status, code, message, field);
}

export async function apiGet<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<Envelope<T>> {
  const response = await fetch(apiUrl(path, query), { headers: { accept: 'application/json' }, signal });
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as Envelope<T>;
}

/** A write: the body as JSON (or raw text with its content type) and the bearer token. */
export async function apiWrite<T>(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body: unknown,
  options: { contentType?: string; query?: Query } = {},
): Promise<Envelope<T>> {
  const token = getToken();
  if (token === undefined) throw new ApiError(401, 'NO_TOKEN', 'enter the write token first');
  const contentType = options.contentType ?? 'application/json';
  const response = await fetch(apiUrl(path, options.query), {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/json' },
    body: contentType === 'application/json' ? JSON.stringify(body) : (body as string),
  });
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as Envelope<T>;
}

/** Pages followed by `useApiList` at most (a bound, not a goal: 20 pages of 1,000). */
export const MAX_PAGES = 20;

/** Every page of a list answer, `data[key]` concatenated (meta of the first page). */
export async function apiGetAll<T extends Record<string, unknown>>(
  path: string,
  key: keyof T & string,
  query: Query = {},
  signal?: AbortSignal,
): Promise<Envelope<T>> {
  const first = await apiGet<T>(path, { ...query, limit: 1000 }, signal);
  const items = [...((first.data[key] as unknown[]) ?? [])];
  let next = (first.meta.page as { next?: string | null } | undefined)?.next;
  for (let page = 1; page < MAX_PAGES && next; page++) {
    const more = await apiGet<T>(path, { ...query, limit: 1000, cursor: next }, signal);
    items.push(...((more.data[key] as unknown[]) ?? []));
    next = (more.meta.page as { next?: string | null } | undefined)?.next;
  }
  return { data: { ...first.data, [key]: items }, meta: first.meta };
}

export type Loaded<T> =
  { state: 'loading' } | { state: 'error'; error: ApiError | Error } | { state: 'ready'; value: Envelope<T> };

/** GETs `path` whenever it or the query changes; `undefined` path loads nothing. */
export function useApi<T>(path: string | undefined, query: Query = {}, reload = 0): Loaded<T> {
  return useLoaded<T>(path, query, reload, (signal) => apiGet<T>(path!, query, signal));
}

/** `useApi` for a list: every page of `data[key]` (the visibility series is longer than one page). */
export function useApiList<T extends Record<string, unknown>>(
  path: string | undefined,
  key: keyof T & string,
  query: Query = {},
  reload = 0,
): Loaded<T> {
  return useLoaded<T>(path, query, reload, (signal) => apiGetAll<T>(path!, key, query, signal));
}

function useLoaded<T>(
  path: string | undefined,
  query: Query,
  reload: number,
  load: (signal: AbortSignal) => Promise<Envelope<T>>,
): Loaded<T> {
  const key = path === undefined ? '' : apiUrl(path, query);
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    if (path === undefined) return;
    const controller = new AbortController();
    // A view already shown stays while its next answer loads (a slider keeps its focus).
    setLoaded((previous) => (previous.state === 'ready' ? previous : { state: 'loading' }));
    load(controller.signal).then(
      (value) => setLoaded({ state: 'ready', value }),
      (error: unknown) => {
        if (!controller.signal.aborted)
          setLoaded({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => controller.abort();
    // the key holds path and query
  }, [key, reload]);
  return loaded;
}
