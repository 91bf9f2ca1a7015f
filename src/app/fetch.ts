/**
 * Fetching the public archives (`cairn fetch`, and `cairn ingest --fetch` later): the request in
 * the user's words (source, collectors, an ISO time range, kinds) is planned in the archive's
 * layout and fetched into a local mirror by feeds/; the result lists every file with where it
 * is, whether it was verified and whether it came from the cache, so ingest takes the paths.
 *
 * @example
 * const result = await fetchArchives({ source: 'ris', collectors: ['rrc00'], from: '2015-10-23T00:00Z', to: '2015-10-23T01:00Z' });
 * await ingest(fetchedFilePaths(result)); // verified files, oldest first
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../bgp/index.js';
import { CairnError } from '../errors/index.js';
import {
  ARCHIVE_SOURCES,
  DEFAULT_RETRY,
  MAX_CONCURRENCY,
  MRT_KINDS,
  fetchArchiveFiles,
  planArchiveFiles,
  resolveBaseUrl,
  type FetchedFile,
  type RetryNotice,
} from '../feeds/index.js';
import { ProblemJson } from './problem-schema.js';
import type { WorkHooks } from './progress.js';

export const FetchSource = z.enum(ARCHIVE_SOURCES);
export type FetchSource = z.infer<typeof FetchSource>;
export const FetchKind = z.enum(MRT_KINDS as readonly ['ribs', 'updates']);
export type FetchKind = z.infer<typeof FetchKind>;

export const FetchInput = z.object({
  source: FetchSource,
  /** RIS: rrcNN; RouteViews: route-views2 or route-views.NAME; RIR: afrinic, apnic, arin, lacnic, ripencc. */
  collectors: z.array(z.string()).default([]),
  /** ISO 8601, UTC unless an offset is given; inclusive. Required for RIS and RouteViews. */
  from: z.string().optional(),
  /** ISO 8601; exclusive. */
  to: z.string().optional(),
  kinds: z.array(FetchKind).optional(),
  /** The local mirror (default: $CAIRN_ARCHIVE_DIR, else the user's cache directory). */
  dir: z.string().optional(),
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).optional(),
  /** Replaces the source's base URL (else its environment variable, else the public archive). */
  baseUrl: z.string().optional(),
  /** Retries per file after a failure that may pass (default 5). */
  retries: z.number().int().min(0).max(50).optional(),
  /** Read cached files through again before trusting them. */
  reverify: z.boolean().optional(),
});
export type FetchInput = z.input<typeof FetchInput>;

export const FetchStatusJson = z.enum(['downloaded', 'cached', 'missing', 'failed']);

export const FetchedFileJson = z.object({
  url: z.string(),
  /** Where the file is on disk (where it would be, when missing or failed). */
  path: z.string(),
  source: FetchSource,
  collector: z.string(),
  kind: z.enum(['ribs', 'updates', 'delegated', 'asnames']),
  /** Start of the period the file covers; null for a `-latest` file. */
  time: z.string().nullable(),
  status: FetchStatusJson,
  bytes: z.number(),
  verified: z.boolean(),
  fromCache: z.boolean(),
  compression: z.string().nullable(),
  decompressedBytes: z.number().nullable(),
  attempts: z.number(),
  resumedFrom: z.array(z.number()),
  problem: ProblemJson.optional(),
});
export type FetchedFileJson = z.infer<typeof FetchedFileJson>;

export const FetchResult = z.object({
  source: FetchSource,
  baseUrl: z.string(),
  dir: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  files: z.array(FetchedFileJson),
  summary: z.object({
    planned: z.number(),
    downloaded: z.number(),
    cached: z.number(),
    missing: z.number(),
    failed: z.number(),
    /** Bytes received over the network in this run (resumed and retried bytes included). */
    bytesReceived: z.number(),
    /** Size of the verified files on disk. */
    bytesOnDisk: z.number(),
  }),
});
export type FetchResult = z.infer<typeof FetchResult>;

/** What a test or an embedding replaces: time, jitter, the environment, the back-off scale. */
export interface FetchRuntime {
  clock?: Clock;
  random?: () => number;
  env?: Readonly<Record<string, string | undefined>>;
  homeDir?: string;
  /** Back-off scale (default 1 s doubling up to 60 s). */
  retryDelays?: { baseDelayMs: number; maxDelayMs: number };
  idleTimeoutMs?: number;
}

/** Hooks of a fetch: WorkHooks (files done, bytes received, problems) and each retry. */
export interface FetchHooks extends WorkHooks {
  onRetry?(notice: RetryNotice): void;
}

/** Progress labels: files done of planned, and bytes received (no total known in advance). */
export const FETCH_FILES_LABEL = 'fetch';
export const FETCH_BYTES_LABEL = 'fetch bytes';

/** The local mirror: $CAIRN_ARCHIVE_DIR, else $XDG_CACHE_HOME/cairn/archives, else ~/.cache/cairn/archives. */
export function defaultFetchDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  homeDir: string = os.homedir(),
): string {
  if (env.CAIRN_ARCHIVE_DIR !== undefined && env.CAIRN_ARCHIVE_DIR !== '') return env.CAIRN_ARCHIVE_DIR;
  const cache =
    env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== ''
      ? env.XDG_CACHE_HOME
      : path.join(homeDir, '.cache');
  return path.join(cache, 'cairn', 'archives');
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Unix ms of an ISO 8601 date or time; a time without an offset is UTC (never local time). */
export function parseIsoTime(text: string, field: string): number {
  const trimmed = text.trim();
  const match = ISO_TIME.exec(trimmed);
  if (match === null)
    throw new CairnError(
      'FETCH_BAD_OPTION',
      `--${field} ${JSON.stringify(text)} is not an ISO 8601 date or time`,
      {
        field,
      },
    );
  const hasTime = trimmed.length > 10;
  const utc = hasTime && match[1] === undefined ? `${trimmed.replace(' ', 'T')}Z` : trimmed.replace(' ', 'T');
  const ms = Date.parse(utc);
  if (Number.isNaN(ms))
    throw new CairnError('FETCH_BAD_OPTION', `--${field} ${JSON.stringify(text)} is not a valid time`, {
      field,
    });
  return ms;
}

function fileJson(fetched: FetchedFile): FetchedFileJson {
  const { file } = fetched;
  return {
    url: file.url,
    path: fetched.path,
    source: file.source,
    collector: file.collector,
    kind: file.kind,
    time: file.time === undefined ? null : new Date(file.time).toISOString(),
    status: fetched.status,
    bytes: fetched.bytes,
    verified: fetched.verified,
    fromCache: fetched.fromCache,
    compression: fetched.compression ?? null,
    decompressedBytes: fetched.decompressedBytes ?? null,
    attempts: fetched.attempts,
    resumedFrom: fetched.resumedFrom,
    ...(fetched.problem !== undefined ? { problem: fetched.problem.toJSON() } : {}),
  };
}

/**
 * Plans and fetches the files `input` asks for. Missing (404) and failed files are reported
 * through `hooks.onProblem` and listed in the result; the others are fetched regardless. Throws
 * FETCH_BAD_OPTION when the request cannot be planned.
 */
export async function fetchArchives(
  input: FetchInput,
  hooks: FetchHooks = {},
  runtime: FetchRuntime = {},
): Promise<FetchResult> {
  const parsed = FetchInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CairnError('FETCH_BAD_OPTION', `${issue.path.join('.') || 'input'}: ${issue.message}`, {
      field: issue.path.join('.'),
    });
  }
  const request = parsed.data;
  const env = runtime.env ?? process.env;
  const baseUrl = resolveBaseUrl(request.source, request.baseUrl, env);
  const from = request.from !== undefined ? parseIsoTime(request.from, 'from') : undefined;
  const to = request.to !== undefined ? parseIsoTime(request.to, 'to') : undefined;
  const plan = planArchiveFiles({
    source: request.source,
    collectors: request.collectors,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(request.kinds !== undefined ? { kinds: request.kinds } : {}),
    baseUrl,
  });
  const dir = path.resolve(request.dir ?? defaultFetchDir(env, runtime.homeDir));
  let bytesReceived = 0;
  const fetched = await fetchArchiveFiles(plan, {
    dir,
    ...(request.concurrency !== undefined ? { concurrency: request.concurrency } : {}),
    ...(runtime.clock !== undefined ? { clock: runtime.clock } : {}),
    ...(runtime.random !== undefined ? { random: runtime.random } : {}),
    ...(runtime.idleTimeoutMs !== undefined ? { idleTimeoutMs: runtime.idleTimeoutMs } : {}),
    retry: {
      ...DEFAULT_RETRY,
      ...runtime.retryDelays,
      ...(request.retries !== undefined ? { maxAttempts: request.retries + 1 } : {}),
    },
    reverifyCached: request.reverify === true,
    hooks: {
      onBytes: (delta) => {
        bytesReceived += delta;
        hooks.onProgress?.({ label: FETCH_BYTES_LABEL, done: bytesReceived, unit: 'bytes' });
      },
      onFileDone: (_result, done, total) =>
        hooks.onProgress?.({ label: FETCH_FILES_LABEL, done, total, unit: 'files' }),
      onProblem: (problem) => hooks.onProblem?.(problem),
      ...(hooks.onRetry !== undefined ? { onRetry: hooks.onRetry } : {}),
    },
  });
  hooks.onDone?.(FETCH_BYTES_LABEL);
  hooks.onDone?.(FETCH_FILES_LABEL);
  const files = fetched.map(fileJson);
  const count = (status: FetchedFileJson['status']): number =>
    files.filter((f) => f.status === status).length;
  return {
    source: request.source,
    baseUrl,
    dir,
    from: from === undefined ? null : new Date(from).toISOString(),
    to: to === undefined ? null : new Date(to).toISOString(),
    files,
    summary: {
      planned: files.length,
      downloaded: count('downloaded'),
      cached: count('cached'),
      missing: count('missing'),
      failed: count('failed'),
      bytesReceived,
      bytesOnDisk: files.filter((f) => f.verified).reduce((sum, f) => sum + f.bytes, 0),
    },
  };
}

/**
 * The verified files of a fetch, for ingest: in time order across collectors (a RIB dump before
 * the update files of its time, `-latest` files last), ties by collector name.
 */
export function fetchedFilePaths(result: FetchResult): string[] {
  const rank = (f: FetchedFileJson): number => (f.kind === 'ribs' ? 0 : 1);
  return result.files
    .filter((f) => f.verified)
    .sort(
      (a, b) =>
        (a.time === null ? Infinity : Date.parse(a.time)) -
          (b.time === null ? Infinity : Date.parse(b.time)) ||
        rank(a) - rank(b) ||
        a.collector.localeCompare(b.collector),
    )
    .map((f) => f.path);
}
