/** The one back-off of feeds: reconnections (RIS Live) and retries (archive downloads). */

export interface BackoffOptions {
  /** Delay before the first retry, ms (default 1000). */
  initialMs?: number;
  /** Largest delay, ms (default 60000). */
  maxMs?: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
  /** Share of the delay taken off at random, 0..1 (default 0.5), so clients do not return in step. */
  jitter?: number;
}

/** Delay before retry `failures` (0-based): exponential, capped, with jitter. */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number): number {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 60_000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.5;
  const full = Math.min(max, initial * factor ** Math.min(Math.max(0, failures), 64));
  return Math.max(0, Math.round(full * (1 - jitter * random())));
}
