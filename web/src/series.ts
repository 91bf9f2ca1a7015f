/**
 * The visible-space series as points and spans, without the DOM: bins become points (a missing
 * bin or one without a full-feed peer is null, so the line breaks there) and each stretch without
 * data becomes a "no data" span; outage events become spans from start to end (or to the last bin
 * while open).
 */
import type { OutageBinLine, OutageEventLine, OutageListItem } from './types.js';

/** Where a chart shades: an outage event or a stretch without data. */
export interface Span {
  from: number;
  to: number;
  kind: 'outage' | 'nodata';
  label?: string;
}

/** A selection's series: its bins and its events (the API's visibility and outages lists). */
export interface VisibilityData {
  bins: OutageBinLine[];
  events: (OutageEventLine & { ref?: string })[];
  binSeconds?: number;
}

/** `/countries/:cc/visibility`'s data. */
export type VisibilityAnswer = {
  selection: string;
  binSeconds: number;
  bins: OutageBinLine[];
};

/** The outage lists' data. */
export type EventsAnswer = {
  events: OutageListItem[];
};

/** The bin width: the smallest step between bins (the detector's bins are all one width). */
export function binSecondsOf(bins: readonly OutageBinLine[]): number {
  let step = Infinity;
  for (let i = 1; i < bins.length; i++) {
    const gap = bins[i].start - bins[i - 1].start;
    if (gap > 0 && gap < step) step = gap;
  }
  return Number.isFinite(step) ? step : 300;
}

/** The detector's default thresholds (observatory OUTAGE_DEFAULTS), used when the answer has none. */
export const WARNING = 0.99;
export const CRITICAL = 0.5;

export interface SeriesData {
  x: number[];
  value: (number | null)[];
  baseline: (number | null)[];
  spans: Span[];
}

/** Bins to plot points: a missing bin or one without full-feed peers is null and a "no data" span. */
export function seriesOf(result: VisibilityData): SeriesData {
  const bins = [...result.bins].sort((a, b) => a.start - b.start);
  const x: number[] = [];
  const value: (number | null)[] = [];
  const baseline: (number | null)[] = [];
  const spans: Span[] = [];
  let gapFrom: number | undefined;
  const step = result.binSeconds ?? binSecondsOf(bins);
  for (let i = 0; i < bins.length; i++) {
    const bin = bins[i];
    if (i > 0 && bin.start - bins[i - 1].start > step * 1.5) {
      // Bins missing between two that exist: one null point keeps the line from bridging them.
      const from = bins[i - 1].start + step;
      x.push(from);
      value.push(null);
      baseline.push(null);
      spans.push({ from, to: bin.start, kind: 'nodata', label: 'no data' });
    }
    // The detector's own no-data state (a gap, too few full-feed peers), or no peer at all.
    const empty = bin.noData || bin.fullFeedPeers === 0;
    x.push(bin.start);
    value.push(empty ? null : bin.value);
    baseline.push(bin.baseline ?? null);
    if (empty && gapFrom === undefined) gapFrom = bin.start;
    if (!empty && gapFrom !== undefined) {
      spans.push({ from: gapFrom, to: bin.start, kind: 'nodata', label: 'no data' });
      gapFrom = undefined;
    }
  }
  if (gapFrom !== undefined && x.length > 0)
    spans.push({ from: gapFrom, to: x[x.length - 1] + step, kind: 'nodata', label: 'no data' });
  for (const event of result.events) {
    const to = event.end ?? (x.length > 0 ? x[x.length - 1] + step : event.start + event.duration);
    spans.push({ from: event.start, to, kind: 'outage', label: `#${event.id} ${event.classification}` });
  }
  return { x, value, baseline, spans };
}
