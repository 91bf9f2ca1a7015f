/**
 * Answers kept serialised by request URL: a repeated request for an answer the server already gave is
 * sent from the bytes, with no validation, no handler and no serialisation (only `meta.queryMs` is
 * written per request). Every answer carries a weak ETag; a request naming it gets 304 and no body.
 * Each successful write the server answers (an import, an ACH edit) starts a new generation: every
 * kept answer is let go, and an answer computed before the write is not kept after it.
 *
 * @example
 * const cache = new AnswerCache();
 * const generation = cache.generation; // before computing the answer
 * const entry = cache.put(request.url, generation, CountryResult, data, { dataTime, coverage });
 * return sendCached(request, reply, entry, started);
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Meta } from './envelope.js';

/**
 * An answer as text: the envelope before and after the query time, its ETag and its size in bytes.
 * Text, not a Buffer: sent as one string, Node writes the headers and the body in one write.
 */
export interface CachedAnswer {
  readonly head: string;
  readonly tail: string;
  readonly etag: string;
  readonly generation: number;
  /** UTF-8 bytes of head and tail. */
  readonly bytes: number;
}

/** What the cache holds and how often it answered. */
export interface AnswerCacheCounts {
  generation: number;
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  notModified: number;
}

/** The `data` of answers serialised, by answer object: the same answer under another URL is not redone. */
const DATA_JSON = new WeakMap<object, { json: string; digest: string }>();

function dataJson(schema: z.ZodType, data: object): { json: string; digest: string } {
  let known = DATA_JSON.get(data);
  if (known === undefined) {
    const json = JSON.stringify(z.encode(schema, data));
    known = { json, digest: createHash('sha256').update(json).digest('base64url').slice(0, 22) };
    DATA_JSON.set(data, known);
  }
  return known;
}

/** The meta of an answer but its query time, which is written per request. */
export type MetaRest = Omit<Meta, 'queryMs'>;

/**
 * An answer's envelope as its two byte halves around `meta.queryMs`; `data` is checked against its
 * schema and serialised once per answer object. The text equals `JSON.stringify({ data, meta })`.
 */
export function envelopeBytes(
  schema: z.ZodType,
  data: object,
  meta: MetaRest,
): { head: string; tail: string; digest: string } {
  const { json, digest } = dataJson(schema, data);
  const rest = JSON.stringify({
    dataTime: meta.dataTime,
    coverage: meta.coverage,
    ...(meta.page !== undefined ? { page: meta.page } : {}),
  });
  return {
    head: `{"data":${json},"meta":{"queryMs":`,
    tail: `,${rest.slice(1)}}`,
    digest,
  };
}

export class AnswerCache {
  private current = 0;
  private readonly entries = new Map<string, CachedAnswer>();
  private size = 0;
  private hits = 0;
  private misses = 0;
  private notModified = 0;

  /** `maxBytes` bounds what is kept (default 64 MiB); the least recently used answers go first. */
  constructor(private readonly maxBytes = 64 * 2 ** 20) {}

  /** Changes with every write: read it before computing an answer, and hand it to `put`. */
  get generation(): number {
    return this.current;
  }

  /** Lets every kept answer go: what the server holds changed. */
  invalidate(): void {
    this.current++;
    this.entries.clear();
    this.size = 0;
  }

  /** The answer kept for this URL, if any (counted as a hit or a miss). */
  get(url: string): CachedAnswer | undefined {
    const entry = this.entries.get(url);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Most recently used last, so the oldest is the one let go.
    this.entries.delete(url);
    this.entries.set(url, entry);
    return entry;
  }

  /**
   * Keeps an answer computed in `generation` for this URL and returns it; when a write came in
   * the meantime it is returned but not kept (it may predate the write).
   */
  put(url: string, generation: number, schema: z.ZodType, data: object, meta: MetaRest): CachedAnswer {
    const { head, tail, digest } = envelopeBytes(schema, data, meta);
    const size = Buffer.byteLength(head) + Buffer.byteLength(tail);
    const entry: CachedAnswer = { head, tail, etag: `W/"${generation}-${digest}"`, generation, bytes: size };
    const bytes = size + url.length;
    if (generation !== this.current || bytes > this.maxBytes) return entry;
    const old = this.entries.get(url);
    if (old !== undefined) {
      this.entries.delete(url);
      this.size -= old.bytes + url.length;
    }
    while (this.size + bytes > this.maxBytes) {
      const [oldestUrl, oldest] = this.entries.entries().next().value as [string, CachedAnswer];
      this.entries.delete(oldestUrl);
      this.size -= oldest.bytes + oldestUrl.length;
    }
    this.entries.set(url, entry);
    this.size += bytes;
    return entry;
  }

  counts(): AnswerCacheCounts {
    return {
      generation: this.current,
      entries: this.entries.size,
      bytes: this.size,
      hits: this.hits,
      misses: this.misses,
      notModified: this.notModified,
    };
  }

  /** Counts a 304 (sendCached does). */
  countNotModified(): void {
    this.notModified++;
  }
}

/** Whether an If-None-Match header names this ETag (a list, `*`, weak or strong). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare);
}

/**
 * Sends a kept answer: 304 when the request names its ETag, else its bytes with the query time
 * since `started` (`performance.now()` when the request came in).
 */
export function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  entry: CachedAnswer,
  started: number,
  cache?: AnswerCache,
): FastifyReply {
  reply.header('etag', entry.etag).header('cache-control', 'no-cache');
  if (etagMatches(request.headers['if-none-match'], entry.etag)) {
    cache?.countNotModified();
    return reply.code(304).send();
  }
  const queryMs = Math.round((performance.now() - started) * 1000) / 1000;
  return reply.type('application/json; charset=utf-8').send(entry.head + String(queryMs) + entry.tail);
}
