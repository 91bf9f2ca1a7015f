/**
 * The December 2014 timeline (test/fixtures/synthetic-outage.ts, SYNTHETIC_TIMELINE) turned
 * into a replay schedule for real daemons: each event becomes a "down" step (withdraw its
 * prefixes) and an "up" step (re-announce them), in time order, each at its timeline time. The
 * replay runs in virtual time (the detector's clock is set to a step's time before its commands
 * go out), so the schedule has no wall-clock offsets: how long the daemons take changes how long
 * the run lasts, never the times the detector sees.
 */
import type { ExpectedEvent } from '../fixtures/synthetic-outage.js';

export interface ReplayStep {
  event: ExpectedEvent;
  eventIndex: number;
  kind: 'down' | 'up';
  /** Unix seconds of this step in the timeline. */
  timelineTime: number;
}

export function replaySchedule(timeline: readonly ExpectedEvent[]): ReplayStep[] {
  const events = timeline.map((event, eventIndex) => ({ event, eventIndex }));
  events.sort((a, b) => a.event.down - b.event.down);
  const steps: ReplayStep[] = [];
  let previousUp: number | undefined;
  for (const { event, eventIndex } of events) {
    if (event.up <= event.down) throw new Error(`event "${event.name}" ends before it starts`);
    if (previousUp !== undefined && event.down <= previousUp)
      throw new Error(`event "${event.name}" overlaps the one before it`);
    steps.push({ event, eventIndex, kind: 'down', timelineTime: event.down });
    steps.push({ event, eventIndex, kind: 'up', timelineTime: event.up });
    previousUp = event.up;
  }
  return steps;
}
