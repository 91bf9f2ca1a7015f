/**
 * The life cycle of outage events as steps a person or a subscriber reads: the detector's phases
 * (outages.ts) gathered while one input is handled and told once it is: an UPDATE withdrawing
 * four prefixes opens one event as it ends up, not one event escalated three times. The live
 * pipeline (live.ts) turns the steps into alerts, the archive replay (app/outages.ts) into JSON
 * lines; both call `flush` when an input has been handled (live: after each message or tick;
 * replay: when the clock moves on), so both tell the same steps.
 *
 * Steps: `opened`; `escalated` / `de-escalated` when the current level or extent got worse /
 * better; `updated` for any other change (classification grew, cause, prefixes); `recovered` (the
 * space came back, exact end); `ended-without-data` (it came back with the data: the end is in a
 * gap); `input-ended` / `collector-stopped` (still down when the input stopped); `no-data` and
 * `data-restored` (with the open event if any, else none): never an outage, never a recovery.
 *
 * @example
 * const lifecycle = new OutageLifecycle(detector);
 * lifecycle.onStep((step) => print(step));
 * detector.tracker.onClock(() => lifecycle.flush());
 */
import type {
  NoDataPeriod,
  OutageCause,
  OutageClassification,
  OutageDetector,
  OutageEvent,
  OutageExtent,
  OutageLevel,
  OutagePhase,
} from './outages.js';

/** What was said of an event last (the `previous` of an escalation or update). */
export interface OutageAlertState {
  classification: OutageClassification;
  level: OutageLevel;
  extent: OutageExtent;
  cause: OutageCause;
  prefixCount: number;
  currentLevel: OutageLevel;
  currentExtent: OutageExtent;
}

export type OutageLifecycleStep =
  | 'opened'
  | 'escalated'
  | 'de-escalated'
  | 'updated'
  | 'recovered'
  | 'ended-without-data'
  | 'input-ended'
  | 'collector-stopped'
  | 'no-data'
  | 'data-restored';

export interface OutageLifecycleEntry {
  step: OutageLifecycleStep;
  /** Data time of the step: the start when opened, the end when recovered. */
  time: number;
  /** The event (live: read it during the call), when the step is an event's or one was open. */
  event: Readonly<OutageEvent> | undefined;
  /** What the last step of the event said (escalated, de-escalated, updated). */
  previous: OutageAlertState | undefined;
  /** For no-data and data-restored: the period. */
  noData: Readonly<NoDataPeriod> | undefined;
}

export type OutageLifecycleListener = (entry: OutageLifecycleEntry) => void;

export function alertState(
  event: Readonly<Pick<OutageEvent, keyof Omit<OutageAlertState, 'prefixCount'> | 'prefixes'>>,
): OutageAlertState {
  return {
    classification: event.classification,
    level: event.level,
    extent: event.extent,
    cause: event.cause,
    prefixCount: event.prefixes.length,
    currentLevel: event.currentLevel,
    currentExtent: event.currentExtent,
  };
}

function sameState(a: OutageAlertState, b: OutageAlertState): boolean {
  return (
    a.classification === b.classification &&
    a.level === b.level &&
    a.extent === b.extent &&
    a.cause === b.cause &&
    a.prefixCount === b.prefixCount &&
    a.currentLevel === b.currentLevel &&
    a.currentExtent === b.currentExtent
  );
}

const LEVEL_RANK: Record<OutageLevel, number> = { warning: 0, critical: 1 };
const EXTENT_RANK: Record<OutageExtent, number> = { partial: 0, full: 1 };
const rank = (s: OutageAlertState): number => LEVEL_RANK[s.currentLevel] + EXTENT_RANK[s.currentExtent];

interface Pending {
  event: Readonly<OutageEvent>;
  phases: Set<OutagePhase>;
  /** Data time of the latest phase. */
  time: number;
}

export class OutageLifecycle {
  private readonly listeners: OutageLifecycleListener[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly published = new Map<number, OutageAlertState>();

  constructor(detector: OutageDetector) {
    detector.onEvent((event, phase) => {
      // Data lost and back are told by the no-data listener (with the event).
      if (phase === 'no-data' || phase === 'data-restored') return;
      const entry = this.pending.get(event.id);
      const time = detector.time;
      if (entry === undefined) this.pending.set(event.id, { event, phases: new Set([phase]), time });
      else {
        entry.phases.add(phase);
        entry.time = time;
      }
    });
    detector.onNoData((period, phase) => {
      this.flush();
      this.tell({
        step: phase === 'start' ? 'no-data' : 'data-restored',
        time: phase === 'start' ? period.from : (period.to ?? period.from),
        event: detector.openEvent,
        previous: undefined,
        noData: period,
      });
    });
  }

  onStep(listener: OutageLifecycleListener): void {
    this.listeners.push(listener);
  }

  /** Tells the steps of everything that happened since the last flush. */
  flush(): void {
    if (this.pending.size === 0) return;
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const { event, phases, time } of entries) {
      const previous = this.published.get(event.id);
      const now = alertState(event);
      if (phases.has('open'))
        this.tell({ step: 'opened', time: event.start, event, previous: undefined, noData: undefined });
      else if (previous !== undefined && event.endReason === undefined && !sameState(previous, now)) {
        const step =
          rank(now) > rank(previous) ? 'escalated' : rank(now) < rank(previous) ? 'de-escalated' : 'updated';
        this.tell({ step, time, event, previous, noData: undefined });
      }
      this.published.set(event.id, now);
      if (event.endReason === undefined) continue;
      this.published.delete(event.id);
      const step: OutageLifecycleStep =
        event.endReason === 'recovered'
          ? 'recovered'
          : event.endReason === 'no-data'
            ? 'ended-without-data'
            : event.endReason;
      this.tell({
        step,
        time: event.end ?? (event.endReason === 'no-data' ? (event.endWindow?.to ?? time) : event.knownUntil),
        event,
        previous: undefined,
        noData: undefined,
      });
    }
  }

  private tell(entry: OutageLifecycleEntry): void {
    for (const listener of this.listeners) listener(entry);
  }
}
