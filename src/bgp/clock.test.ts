import { describe, expect, it } from 'vitest';
import { VirtualClock, systemClock, unixTime } from './clock.js';

describe('VirtualClock', () => {
  it('runs timers in due order, each with now() at its due time, and only when advanced', () => {
    const clock = new VirtualClock(1000);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
    const every = clock.setInterval(() => seen.push(`i@${clock.now()}`), 15);
    expect(seen).toEqual([]);
    expect(clock.advance(9)).toBe(0);
    expect(clock.advance(21)).toBe(4);
    expect(seen).toEqual(['a@1010', 'i@1015', 'b@1020', 'i@1030']);
    every.cancel();
    expect(clock.pending).toBe(0);
    expect(clock.advance(100)).toBe(0);
    expect(clock.now()).toBe(1130);
  });

  it('runs timers scheduled by timers when they fall due in the same advance, and honours cancel', () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    const cancelled = clock.setTimeout(() => seen.push(-1), 5);
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 3);
    }, 2);
    cancelled.cancel();
    clock.advanceTo(10);
    expect(seen).toEqual([2, 5]);
    // Never backwards.
    clock.advanceTo(4);
    expect(clock.now()).toBe(10);
  });
});

describe('VirtualClock order', () => {
  it('runs timers due at the same time in the order they were set, whatever their kind', () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.setTimeout(() => seen.push('t1'), 10);
    const every = clock.setInterval(() => seen.push('i'), 10);
    clock.setTimeout(() => seen.push('t2'), 10);
    clock.setTimeout(() => seen.push('t0'), 0);
    expect(clock.advance(10)).toBe(4);
    expect(seen).toEqual(['t0', 't1', 'i', 't2']);
    every.cancel();
  });
});

describe('clock helpers', () => {
  it('splits milliseconds into Unix seconds and microseconds', () => {
    expect(unixTime(1420070400123.25)).toEqual({ seconds: 1420070400, micros: 123250 });
    expect(unixTime(1420070400999.5)).toEqual({ seconds: 1420070400, micros: 999500 });
    expect(unixTime(0)).toEqual({ seconds: 0, micros: 0 });
  });

  it('the system clock reads the real time', () => {
    const before = Date.now();
    const now = systemClock.now();
    // performance's clock and Date agree to well within a second at any moment.
    expect(Math.abs(now - before)).toBeLessThan(1000);
  });
});
