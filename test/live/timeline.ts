/**
 * The December 2014 timeline (test/fixtures/synthetic-outage.ts, SYNTHETIC_TIMELINE) turned
 * into a replay schedule for real daemons: each event becomes a "down" step (withdraw its
 * prefixes) and an "up" step (re-announce them), at wall-clock offsets from the replay start.
 *
 * Time scale: `timeScale` timeline seconds per wall-clock second (the meaning of the detector's
 * `timeScale` / `cairn collect --time-scale`: 3600 is one hour per second); event durations are
 * scaled exactly, so a detector configured with the same scale sees the same blips, outages and
 * sustained outages. The quiet stretches between events (up to 102 h in the real week) are
 * shortened to at most `maxGapHours` of timeline each, so the replay fits in a CI job; the
 * schedule keeps each step's real timeline time (`timelineTime`) for reference.
 */
import type { ExpectedEvent } from '../fixtures/synthetic-outage.js';

export interface ReplayOptions {
  /** Timeline seconds per wall-clock second. */
  timeScale: number;
  /** Quiet timeline before the first event (a detector needs history before it detects). */
  leadInHours: number;
  /** Longest quiet stretch kept between two events, in timeline hours. */
  maxGapHours: number;
}

export interface ReplayStep {
  event: ExpectedEvent;
  eventIndex: number;
  kind: 'down' | 'up';
  /** Wall-clock milliseconds from the replay start. */
  at: number;
  /** Unix seconds of this step in the real timeline. */
  timelineTime: number;
}

export function replaySchedule(timeline: readonly ExpectedEvent[], options: ReplayOptions): ReplayStep[] {
  const msPerSecond = 1000 / options.timeScale;
  const events = timeline.map((event, eventIndex) => ({ event, eventIndex }));
  events.sort((a, b) => a.event.down - b.event.down);
  const steps: ReplayStep[] = [];
  let cursor = options.leadInHours * 3600 * msPerSecond;
  let previousUp: number | undefined;
  for (const { event, eventIndex } of events) {
    if (event.up <= event.down) throw new Error(`event "${event.name}" ends before it starts`);
    if (previousUp !== undefined) {
      const gap = event.down - previousUp;
      if (gap <= 0) throw new Error(`event "${event.name}" overlaps the one before it`);
      cursor += Math.min(gap, options.maxGapHours * 3600) * msPerSecond;
    }
    steps.push({ event, eventIndex, kind: 'down', at: cursor, timelineTime: event.down });
    cursor += (event.up - event.down) * msPerSecond;
    steps.push({ event, eventIndex, kind: 'up', at: cursor, timelineTime: event.up });
    previousUp = event.up;
  }
  return steps;
}
