/**
 * Who may open a connection to the collector, and how much the collector says about those it
 * turns away. Per-source token buckets bound the connections each address may open (so a flood
 * from strangers costs one accept and one close each, and never the configured peers' capacity),
 * and a log limiter bounds the lines a flood writes: a few per window, then one summary line.
 *
 * @example
 * const limits = new SourceRateLimiter({ burst: 10, perSecond: 1 }, clock);
 * if (!limits.take('127.0.0.9')) socket.destroy();
 */
import type { Clock, Timer } from '../clock.js';

/** Sources remembered at most; past this, full (idle) buckets and then the oldest are forgotten. */
const MAX_TRACKED_SOURCES = 4096;

interface Bucket {
  tokens: number;
  /** Clock milliseconds of the last refill. */
  at: number;
}

/** A token bucket per source address. */
export class SourceRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: { burst: number; perSecond: number },
    private readonly clock: Clock,
  ) {}

  /** Takes one token for `source`; false when its bucket is empty (the connection is dropped). */
  take(source: string): boolean {
    const now = this.clock.now();
    let bucket = this.buckets.get(source);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_TRACKED_SOURCES) this.forget(now);
      bucket = { tokens: this.limits.burst, at: now };
      this.buckets.set(source, bucket);
    } else {
      this.refill(bucket, now);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }

  private refill(bucket: Bucket, now: number): void {
    const gained = ((now - bucket.at) / 1000) * this.limits.perSecond;
    bucket.tokens = Math.min(this.limits.burst, bucket.tokens + gained);
    bucket.at = now;
  }

  /** Makes room: drops the buckets that are full again, else the oldest half. */
  private forget(now: number): void {
    for (const [source, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.limits.burst) this.buckets.delete(source);
    }
    if (this.buckets.size < MAX_TRACKED_SOURCES) return;
    let n = this.buckets.size / 2;
    for (const source of this.buckets.keys()) {
      if (n-- <= 0) break;
      this.buckets.delete(source);
    }
  }
}

/** Counts of what a log window suppressed, by kind. */
export type SuppressedCounts = Record<string, number>;

/**
 * At most `lines` log lines per `windowMs`; the rest are counted and reported once, by `summary`,
 * when the window ends (on a timer of the clock, so the summary comes even when the flood stops).
 */
export class LogLimiter {
  private windowStart = -Infinity;
  private used = 0;
  private suppressed: SuppressedCounts = {};
  private timer: Timer | undefined;

  constructor(
    private readonly lines: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
    private readonly summary: (suppressed: SuppressedCounts, total: number) => void,
  ) {}

  /** True when a line of this kind may be logged now; otherwise it is counted. */
  allow(kind: string): boolean {
    const now = this.clock.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used < this.lines) {
      this.used++;
      return true;
    }
    this.suppressed[kind] = (this.suppressed[kind] ?? 0) + 1;
    if (this.timer === undefined) {
      const due = this.windowStart + this.windowMs - now;
      this.timer = this.clock.setTimeout(() => this.flush(), Math.max(1, due), true);
    }
    return false;
  }

  /** Reports what was suppressed so far (the collector's stop calls it too). */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const total = Object.values(this.suppressed).reduce((a, b) => a + b, 0);
    if (total === 0) return;
    const suppressed = this.suppressed;
    this.suppressed = {};
    this.summary(suppressed, total);
  }
}
