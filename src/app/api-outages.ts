/**
 * Outage history kept by a long-running face: an archive (MRT files) replayed once per selection
 * through `replayOutages`, its events with their life cycles (every phase, as the detector saw
 * it) and the binned visibility series, filtered by time on request. The same replay is an alert
 * source: each phase becomes the `AlertJson` a live collector would publish for it.
 *
 * @example
 * const archive = new OutageArchive({ mrt: ['synthetic.mrt'] });
 * const history = await archive.history({ country: 'KP' });
 * history.events({ from: '2014-12-22T00:00:00Z' });
 */
import { z } from 'zod';
import { CairnError } from '../errors/index.js';
import { alertState, outageAlertFields, outageRecoveryAlerts } from '../observatory/index.js';
import { AlertJson } from './live.js';
import {
  OutageBinLine,
  OutageEventLine,
  replayOutages,
  selectionLabel,
  type OutagesResult,
  type SelectionInput,
} from './outages.js';
import type { WorkHooks } from './progress.js';

/** An event in a list: the event line with the selection it belongs to and a reference to it. */
export const OutageListItem = OutageEventLine.extend({
  selection: z.string(),
  /** `<selection key>.<event id>`, for `OutageHistory.lifeCycle` and the API's /outages/:ref. */
  ref: z.string(),
});
export type OutageListItem = z.infer<typeof OutageListItem>;

/** One event with every phase it went through and the bins it spans (with a margin). */
export const OutageLifeCycle = z.object({
  event: OutageListItem,
  phases: z.array(OutageEventLine),
  bins: z.array(OutageBinLine),
});
export type OutageLifeCycle = z.infer<typeof OutageLifeCycle>;

/** Bins shown before and after an event in its life cycle. */
const LIFE_CYCLE_MARGIN_BINS = 12;

/** Selections replayed and kept at once (each holds its events and bins). */
const MAX_KEPT_SELECTIONS = 32;

/** A selection's key in references: `country-KP`, `AS131279`, `prefix-175.45.176.0_24`. */
export function selectionKey(label: string): string {
  return label
    .replace(/^country /, 'country-')
    .replace(/\//g, '_')
    .replace(/ /g, '+');
}

export interface TimeFilter {
  from?: string;
  to?: string;
}

const secondsOf = (iso: string | undefined, fallback: number): number =>
  iso === undefined ? fallback : Date.parse(iso) / 1000;

/** The replay of one selection: events, phases and bins. */
export class OutageHistory {
  constructor(
    readonly result: OutagesResult,
    private readonly phases: readonly OutageEventLine[],
  ) {}

  get key(): string {
    return selectionKey(this.result.selection);
  }

  private item(line: OutageEventLine): OutageListItem {
    return { ...line, selection: this.result.selection, ref: `${this.key}.${line.id}` };
  }

  /** Events overlapping [from, to], oldest first. */
  events(filter: TimeFilter = {}): OutageListItem[] {
    const from = secondsOf(filter.from, -Infinity);
    const to = secondsOf(filter.to, Infinity);
    return this.result.events
      .filter((e) => e.start <= to && (e.end ?? Infinity) >= from)
      .map((e) => this.item(e));
  }

  /** Bins starting in [from, to]. */
  bins(filter: TimeFilter = {}): OutageBinLine[] {
    const from = secondsOf(filter.from, -Infinity);
    const to = secondsOf(filter.to, Infinity);
    return this.result.bins.filter((b) => b.start >= from && b.start <= to);
  }

  /** An event with its phases and the bins around it; undefined when there is no such id. */
  lifeCycle(id: number): OutageLifeCycle | undefined {
    const event = this.result.events.find((e) => e.id === id);
    if (event === undefined) return undefined;
    // startBin and endBin are bin start times (seconds), like each bin's `start`.
    const margin = LIFE_CYCLE_MARGIN_BINS * this.result.binSeconds;
    const first = event.startBin - margin;
    const last = (event.endBin ?? Infinity) + margin;
    return {
      event: this.item(event),
      phases: this.phases.filter((p) => p.id === id),
      bins: this.result.bins.filter((b) => b.start >= first && b.start <= last),
    };
  }

  /**
   * Each phase as the alert a live collector publishes for it, in the order they happened: built
   * by the live detection's own definitions (observatory's outageAlertFields, outageRecoveryAlerts).
   */
  alerts(): AlertJson[] {
    const previous = new Map<number, OutageEventLine>();
    const out: AlertJson[] = [];
    const selection = this.result.selection;
    for (const line of this.phases) {
      const before = previous.get(line.id);
      if (line.phase === 'open')
        out.push(AlertJson.parse({ kind: 'outage-open', ...outageAlertFields(line, line.start, selection) }));
      else if (
        (line.phase === 'update' || line.phase === 'escalate' || line.phase === 'de-escalate') &&
        before !== undefined
      )
        out.push(
          AlertJson.parse({
            kind:
              line.phase === 'update'
                ? 'outage-update'
                : line.phase === 'escalate'
                  ? 'outage-escalated'
                  : 'outage-de-escalated',
            ...outageAlertFields(line, line.start + line.duration, selection),
            previous: alertState(before),
          }),
        );
      else if (line.phase === 'close' && line.end !== undefined && line.endReason === 'recovered')
        for (const alert of outageRecoveryAlerts(line, selection)) out.push(AlertJson.parse(alert));
      previous.set(line.id, line);
    }
    return out;
  }
}

export interface OutageArchiveInput {
  /** The archive: MRT files replayed in time order. */
  mrt: readonly string[];
  /** RIR delegated files for country selections (default: the bundled APNIC file). */
  registry?: readonly string[];
  /** Detector parameters (OUTAGE_DEFAULTS for what is left out). */
  detector?: Parameters<typeof replayOutages>[0]['detector'];
}

/** An archive replayed once per selection asked for; the replays are kept (a bounded number). */
export class OutageArchive {
  private readonly kept = new Map<string, Promise<OutageHistory>>();

  constructor(
    readonly input: OutageArchiveInput,
    private readonly hooks: WorkHooks = {},
  ) {}

  /** The history of a selection (replayed on first request, then kept). */
  history(selection: SelectionInput): Promise<OutageHistory> {
    const full = {
      ...selection,
      ...(this.input.registry !== undefined ? { registry: this.input.registry } : {}),
    };
    const label = selectionLabel(full);
    if (label === undefined)
      throw new CairnError('CLI_BAD_OPTION', 'give exactly one of country, asn, prefix', {
        field: 'selection',
      });
    let found = this.kept.get(label);
    if (found === undefined) {
      const phases: OutageEventLine[] = [];
      found = replayOutages(
        { mrt: this.input.mrt, selection: full, detector: this.input.detector },
        { ...this.hooks, onPhase: (line) => phases.push(line) },
      ).then((result) => new OutageHistory(result, phases));
      found.catch(() => this.kept.delete(label));
      if (this.kept.size >= MAX_KEPT_SELECTIONS) this.kept.delete(this.kept.keys().next().value as string);
      this.kept.set(label, found);
    }
    return found;
  }
}
