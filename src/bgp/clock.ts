/**
 * Injected time (issue #21): one interface for reading the time and scheduling timers, shared by
 * the collector, its MRT archive and live outage detection, so that tests run hold timers,
 * keepalives, file rotation and detector ticks in virtual time and assert exact outcomes instead
 * of waiting on the wall clock. It does no networking, so it sits on bgp's main surface.
 *
 * @example
 * const clock = new VirtualClock(Date.UTC(2015, 0, 1));
 * const collector = new BgpCollector(config, { archive: false, clock });
 * clock.advance(90_000); // the hold timer of a silent peer expires here, not a millisecond later
 */
import { performance } from 'node:perf_hooks';

/** A scheduled timer; `cancel` is clearTimeout / clearInterval. */
export interface Timer {
  cancel(): void;
}

/**
 * The time (`now`, Unix milliseconds, with a fraction where the clock has one) and timers.
 * `background` timers do not keep the process alive (Node's `unref`).
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number, background?: boolean): Timer;
  setInterval(callback: () => void, ms: number, background?: boolean): Timer;
}

/** Unix seconds and the microseconds within them, as MRT's extended timestamps carry them. */
export interface UnixTime {
  seconds: number;
  micros: number;
}

export function unixTime(ms: number): UnixTime {
  const seconds = Math.floor(ms / 1000);
  return { seconds, micros: Math.min(999999, Math.floor((ms - seconds * 1000) * 1000)) };
}

function nodeTimer(
  handle: NodeJS.Timeout,
  background: boolean | undefined,
  clear: (h: NodeJS.Timeout) => void,
): Timer {
  if (background === true) handle.unref();
  return { cancel: () => clear(handle) };
}

/** The real time: performance's clock (microseconds) and Node's timers. */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, ms, background) => nodeTimer(setTimeout(callback, ms), background, clearTimeout),
  setInterval: (callback, ms, background) => nodeTimer(setInterval(callback, ms), background, clearInterval),
};

interface VirtualTimer {
  id: number;
  due: number;
  every: number | undefined;
  callback: () => void;
}

/**
 * A clock that moves only when told to (`advance`, `advanceTo`), running the timers that fall
 * due on the way in order of due time (timers due together in the order they were set), each
 * with `now()` equal to its due time. `background` has no meaning here: nothing keeps a process
 * alive, so a slow machine changes when a run finishes, never what it computes.
 */
export class VirtualClock implements Clock {
  private time: number;
  private nextId = 0;
  private readonly timers = new Map<number, VirtualTimer>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    return this.add(callback, ms, undefined);
  }

  setInterval(callback: () => void, ms: number): Timer {
    // A zero period would never let time move on.
    return this.add(callback, ms, Math.max(1, ms));
  }

  /** Timers scheduled and not yet run or cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves the time forward by `ms`, running the timers due up to then; returns how many ran. */
  advance(ms: number): number {
    return this.advanceTo(this.time + ms);
  }

  /** Moves the time to `target` (never backwards), running the timers due up to then. */
  advanceTo(target: number): number {
    let ran = 0;
    for (;;) {
      let next: VirtualTimer | undefined;
      for (const t of this.timers.values()) {
        if (
          t.due <= target &&
          (next === undefined || t.due < next.due || (t.due === next.due && t.id < next.id))
        )
          next = t;
      }
      if (next === undefined) break;
      this.time = Math.max(this.time, next.due);
      if (next.every === undefined) this.timers.delete(next.id);
      else next.due += next.every;
      ran++;
      next.callback();
    }
    this.time = Math.max(this.time, target);
    return ran;
  }

  private add(callback: () => void, ms: number, every: number | undefined): Timer {
    const id = this.nextId++;
    const timer: VirtualTimer = { id, due: this.time + Math.max(0, ms), every, callback };
    this.timers.set(id, timer);
    return { cancel: () => void this.timers.delete(id) };
  }
}
