/**
 * One file over HTTP(S) into a `.part` file that survives failures: every attempt continues from
 * the bytes already on disk with a Range request (guarded by If-Range with the validator the
 * first response gave, so a file that changed on the server is fetched again whole), and
 * failures that may pass (connection refused, reset or cut mid-body, timeouts, 408/429/5xx) are
 * retried after an exponential back-off with jitter, waited on the injected clock. What the
 * server declared (Content-Length, Content-Range) is checked against what arrived.
 *
 * @example
 * const result = await downloadFile(url, 'x.gz.part', { clock: systemClock, random: Math.random, retry: DEFAULT_RETRY });
 * result.bytes; // the size of x.gz.part, complete as far as HTTP can tell
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { readFile, rm, stat, truncate } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Clock } from '../../bgp/index.js';
import { CairnError } from '../../errors/index.js';
import { backoffDelay } from '../backoff.js';

export interface RetryPolicy {
  /**
   * Failed attempts in a row before the file is given up (at least 1; 1 means no retry). An
   * attempt that added bytes before failing starts the count again at 1.
   */
  maxAttempts: number;
  /** Back-off before the first retry; it doubles with each failure in a row. */
  baseDelayMs: number;
  /** Longest back-off, Retry-After included. */
  maxDelayMs: number;
}

/** Six tries over about a minute: long enough for a restarting web server, short for a gap. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000 };

/** A connection that sends nothing for this long is dropped and the attempt retried. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** Redirects followed per request (mirrors move files from http to https and between hosts). */
const MAX_REDIRECTS = 5;

/** A retry about to be waited for (for logs and tests). */
export interface RetryNotice {
  url: string;
  /** The attempt that failed, 1-based. */
  attempt: number;
  delayMs: number;
  reason: CairnError;
}

export interface DownloadOptions {
  clock: Clock;
  /** Uniform in [0, 1), for the jitter (tests pass a fixed sequence). */
  random: () => number;
  retry: RetryPolicy;
  idleTimeoutMs?: number;
  /** Bytes written to disk (called per chunk). */
  onBytes?(delta: number): void;
  onRetry?(notice: RetryNotice): void;
  /** A label for error locations (default: the URL). */
  label?: string;
}

export interface DownloadResult {
  /** Size of the complete `.part` file. */
  bytes: number;
  /** The size the server declared, when it did. */
  declaredSize: number | undefined;
  /** Requests made, retries included. */
  attempts: number;
  /** Byte offsets from which an attempt continued a partial file. */
  resumedFrom: number[];
}

/** What the first response said about the file, kept beside the `.part` across runs. */
interface PartMeta {
  url: string;
  size?: number;
  etag?: string;
  lastModified?: string;
}

type AttemptOutcome =
  | { kind: 'complete'; declaredSize: number | undefined }
  | { kind: 'retry'; reason: CairnError; retryAfterMs?: number };

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** The sidecar that keeps the validator and size of a `.part` file. */
export function partMetaPath(partPath: string): string {
  return `${partPath}.json`;
}

/** Back-off before retry `failures` (1-based): exponential, capped, half of it jittered. */
export function retryDelay(failures: number, policy: RetryPolicy, random: () => number): number {
  return backoffDelay(failures - 1, { initialMs: policy.baseDelayMs, maxMs: policy.maxDelayMs }, random);
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw writeFailed(file, error);
  }
}

function writeFailed(file: string, error: unknown): CairnError {
  return new CairnError(
    'FETCH_WRITE_FAILED',
    `cannot write ${file}: ${(error as Error).message}`,
    { file },
    {
      cause: error,
    },
  );
}

async function readMeta(partPath: string, url: string): Promise<PartMeta | undefined> {
  try {
    const meta = JSON.parse(await readFile(partMetaPath(partPath), 'utf8')) as PartMeta;
    return meta.url === url ? meta : undefined;
  } catch {
    return undefined;
  }
}

function wait(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** Seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
function retryAfterMs(response: IncomingMessage, now: number): number | undefined {
  const value = response.headers['retry-after'];
  if (value === undefined) return undefined;
  if (/^[0-9]+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function headerNumber(response: IncomingMessage, name: string): number | undefined {
  const value = response.headers[name];
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** `bytes START-END/TOTAL`, or a star for the range (416) or the total (unknown). */
function contentRange(response: IncomingMessage): { start?: number; total?: number } {
  const value = response.headers['content-range'];
  const match =
    typeof value === 'string' ? /^bytes\s+(?:([0-9]+)-[0-9]+|\*)\/([0-9]+|\*)$/.exec(value.trim()) : null;
  if (match === null) return {};
  return {
    ...(match[1] !== undefined ? { start: Number(match[1]) } : {}),
    ...(match[2] !== '*' ? { total: Number(match[2]) } : {}),
  };
}

function networkError(label: string, error: unknown): CairnError {
  const message = error instanceof Error ? error.message : String(error);
  return new CairnError('FETCH_NETWORK', message, { file: label }, { cause: error });
}

/** One GET, following redirects; resolves with the response whose status is not a redirect. */
function get(
  url: string,
  headers: Record<string, string>,
  idleTimeoutMs: number,
  redirects = 0,
): Promise<{ response: IncomingMessage; url: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
    if (client === undefined) {
      reject(new CairnError('FETCH_BAD_OPTION', `cannot fetch ${url}: not http or https`, { field: 'url' }));
      return;
    }
    const request = client.get(target, { headers });
    request.setTimeout(idleTimeoutMs, () => request.destroy(new Error(`no data for ${idleTimeoutMs} ms`)));
    // on, not once: an error after the response began (a cut body) must not go unhandled.
    request.on('error', reject);
    request.once('response', (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && location !== undefined) {
        response.resume();
        if (redirects >= MAX_REDIRECTS) {
          reject(
            new CairnError('FETCH_HTTP_STATUS', `more than ${MAX_REDIRECTS} redirects`, {
              file: url,
            }),
          );
          return;
        }
        get(new URL(location, target).href, headers, idleTimeoutMs, redirects + 1).then(resolve, reject);
        return;
      }
      resolve({ response, url });
    });
  });
}

async function attempt(
  url: string,
  partPath: string,
  options: DownloadOptions,
  resumedFrom: number[],
): Promise<AttemptOutcome> {
  const label = options.label ?? url;
  const metaPath = partMetaPath(partPath);
  let have = await sizeOf(partPath);
  const meta = await readMeta(partPath, url);
  if (have > 0 && meta?.size !== undefined) {
    if (have === meta.size) return { kind: 'complete', declaredSize: meta.size };
    if (have > meta.size) {
      await truncate(partPath, 0);
      have = 0;
    }
  }
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'cairn-fetch' };
  if (have > 0) {
    headers.range = `bytes=${have}-`;
    // A weak ETag may not guard a range (RFC 9110, 13.1.5); Last-Modified then does.
    const validator =
      meta?.etag !== undefined && !meta.etag.startsWith('W/') ? meta.etag : meta?.lastModified;
    if (validator !== undefined) headers['if-range'] = validator;
  }

  let response: IncomingMessage;
  try {
    ({ response } = await get(url, headers, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS));
  } catch (error) {
    if (error instanceof CairnError) throw error;
    return { kind: 'retry', reason: networkError(label, error) };
  }
  const status = response.statusCode ?? 0;

  if (status === 416) {
    response.resume();
    const { total } = contentRange(response);
    if (total !== undefined && total === have) return { kind: 'complete', declaredSize: total };
    await truncate(partPath, 0);
    return {
      kind: 'retry',
      reason: new CairnError('FETCH_NETWORK', `range from byte ${have} refused; starting again`, {
        file: label,
      }),
    };
  }
  if (status === 404 || status === 410) {
    response.resume();
    throw new CairnError('FETCH_NOT_FOUND', `HTTP ${status} ${response.statusMessage ?? ''}`.trim(), {
      file: label,
    });
  }
  if (status !== 200 && status !== 206) {
    response.resume();
    const error = new CairnError(
      'FETCH_HTTP_STATUS',
      `HTTP ${status} ${response.statusMessage ?? ''}`.trim(),
      {
        file: label,
      },
    );
    if (!RETRYABLE_STATUS.has(status)) throw error;
    const after = retryAfterMs(response, options.clock.now());
    return { kind: 'retry', reason: error, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }

  let append = false;
  let declaredSize: number | undefined;
  if (status === 206) {
    const range = contentRange(response);
    if (range.start !== have) {
      response.resume();
      await truncate(partPath, 0);
      return {
        kind: 'retry',
        reason: new CairnError(
          'FETCH_NETWORK',
          `asked for bytes from ${have}, got a range from ${range.start ?? '?'}; starting again`,
          { file: label },
        ),
      };
    }
    append = true;
    declaredSize = range.total;
    resumedFrom.push(have);
  } else {
    // 200: the whole file (the server ignored the range, or the file changed since the part).
    const length = headerNumber(response, 'content-length');
    declaredSize = response.headers['content-encoding'] === undefined ? length : undefined;
  }
  const etag = response.headers.etag;
  const lastModified = response.headers['last-modified'];
  const newMeta: PartMeta = {
    url,
    ...(declaredSize !== undefined ? { size: declaredSize } : {}),
    ...(etag !== undefined ? { etag } : {}),
    ...(lastModified !== undefined ? { lastModified } : {}),
  };
  try {
    // Synchronous, so no event of the response (a close mid-body) passes before its listeners are on.
    writeFileSync(metaPath, JSON.stringify(newMeta));
  } catch (error) {
    response.resume();
    throw writeFailed(metaPath, error);
  }

  try {
    await writeBody(response, partPath, append, options.onBytes);
  } catch (error) {
    if (error instanceof CairnError) throw error;
    return { kind: 'retry', reason: networkError(label, error) };
  }
  const got = await sizeOf(partPath);
  if (declaredSize !== undefined && got < declaredSize)
    return {
      kind: 'retry',
      reason: new CairnError('FETCH_NETWORK', `connection closed after ${got} of ${declaredSize} bytes`, {
        file: label,
        offset: got,
      }),
    };
  if (declaredSize !== undefined && got > declaredSize) {
    await truncate(partPath, 0);
    return {
      kind: 'retry',
      reason: new CairnError('FETCH_NETWORK', `got ${got} bytes, ${declaredSize} declared; starting again`, {
        file: label,
      }),
    };
  }
  return { kind: 'complete', declaredSize };
}

/**
 * Writes the body into the part file. Unlike a pipeline, a body cut short still ends the file
 * stream normally, so every byte received is on disk for the next attempt to continue from.
 * Rejects with the network error after the file is closed; with FETCH_WRITE_FAILED on a disk error.
 */
function writeBody(
  response: IncomingMessage,
  partPath: string,
  append: boolean,
  onBytes: ((delta: number) => void) | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let networkFailure: unknown;
    let diskFailure: unknown;
    const file = createWriteStream(partPath, { flags: append ? 'a' : 'w' });
    file.once('error', (error) => {
      diskFailure = error;
      response.destroy();
    });
    file.once('close', () => {
      if (diskFailure !== undefined) reject(writeFailed(partPath, diskFailure));
      else if (networkFailure !== undefined) reject(networkFailure);
      else resolve();
    });
    // No back-pressure: a response paused when the connection drops loses the chunks it holds,
    // while the file stream keeps every chunk handed to it (a disk outpaces an archive's link).
    response.on('data', (chunk: Buffer) => {
      onBytes?.(chunk.length);
      file.write(chunk);
    });
    response.once('end', () => file.end());
    response.on('error', (error) => {
      networkFailure ??= error;
    });
    response.once('close', () => {
      if (!response.complete) {
        networkFailure ??= new Error('connection closed before the end of the body');
        file.end();
      }
    });
  });
}

/**
 * Downloads `url` into `partPath` (created or continued). Resolves when the part holds every
 * byte as far as HTTP can tell; throws FETCH_NOT_FOUND (404/410, at once), FETCH_HTTP_STATUS (an
 * unusable status, at once; a retryable one after the last attempt), FETCH_NETWORK (after the
 * last attempt; the bytes received stay in the part) or FETCH_WRITE_FAILED.
 */
export async function downloadFile(
  url: string,
  partPath: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const policy = options.retry;
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  // A server that drops every connection after a few bytes still ends: total attempts are bounded.
  const attemptCap = maxAttempts * 20;
  const resumedFrom: number[] = [];
  let failuresInARow = 0;
  for (let attempts = 1; ; attempts++) {
    const before = await sizeOf(partPath);
    const outcome = await attempt(url, partPath, options, resumedFrom);
    if (outcome.kind === 'complete')
      return { bytes: await sizeOf(partPath), declaredSize: outcome.declaredSize, attempts, resumedFrom };
    const progressed = (await sizeOf(partPath)) > before;
    failuresInARow = progressed ? 1 : failuresInARow + 1;
    if (failuresInARow >= maxAttempts || attempts >= attemptCap) throw outcome.reason;
    let delayMs = retryDelay(failuresInARow, policy, options.random);
    if (outcome.retryAfterMs !== undefined)
      delayMs = Math.min(policy.maxDelayMs, Math.max(delayMs, outcome.retryAfterMs));
    options.onRetry?.({ url, attempt: attempts, delayMs, reason: outcome.reason });
    await wait(options.clock, delayMs);
  }
}

/** Removes a part file and its sidecar (after a verification failure). */
export async function removePart(partPath: string): Promise<void> {
  await rm(partPath, { force: true });
  await rm(partMetaPath(partPath), { force: true });
}
