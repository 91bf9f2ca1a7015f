/**
 * The workspace's pure series code, without a browser: "no data" stays a gap (a null point and a
 * labelled span, never a zero or a bridged line), events become spans, and downsampling to a
 * plot's width keeps every dip and every gap. Bins here are SYNTHETIC, shaped as the API's.
 */
import { describe, expect, it } from 'vitest';
import { downsample } from '../../web/src/downsample.js';
import { seriesOf } from '../../web/src/series.js';
import type { OutageBinLine, OutageEventLine } from '../../src/app/index.js';

const bin = (start: number, value: number, fullFeedPeers = 5): OutageBinLine => ({
  type: 'bin',
  time: new Date(start * 1000).toISOString(),
  start,
  value,
  minimum: value,
  ipv4Slash24s: value,
  ipv6Slash48s: 0,
  visiblePrefixes: value,
  fullFeedPeers,
  baseline: 4,
  inEvent: false,
  noData: fullFeedPeers === 0,
});

describe('seriesOf', () => {
  it('draws missing bins and bins without a full-feed peer as "no data", not as zero', () => {
    const bins = [bin(0, 4), bin(300, 4), bin(1500, 4), bin(1800, 0, 0), bin(2100, 4)];
    const series = seriesOf({ bins, events: [], binSeconds: 300 });
    expect(series.x).toEqual([0, 300, 600, 1500, 1800, 2100]);
    expect(series.value).toEqual([4, 4, null, 4, null, 4]);
    expect(series.spans).toEqual([
      { from: 600, to: 1500, kind: 'nodata', label: 'no data' },
      { from: 1800, to: 2100, kind: 'nodata', label: 'no data' },
    ]);
  });

  it('an event is a span from its start to its end, or to the last bin while open', () => {
    const bins = [0, 300, 600, 900].map((t) => bin(t, t === 600 ? 0 : 4));
    const event = { id: 7, start: 600, duration: 300, classification: 'blip' } as OutageEventLine;
    const open = seriesOf({ bins, events: [event], binSeconds: 300 }).spans;
    expect(open).toEqual([{ from: 600, to: 1200, kind: 'outage', label: '#7 blip' }]);
    const closed = seriesOf({ bins, events: [{ ...event, end: 900 }], binSeconds: 300 }).spans;
    expect(closed[0].to).toBe(900);
  });
});

describe('downsample', () => {
  it('keeps at most four points per pixel column, with every dip and gap', () => {
    const x = Array.from({ length: 100_000 }, (_, i) => i);
    const y: (number | null)[] = x.map((i) => 1000 + (i % 7));
    y[31_337] = 3;
    y[77_777] = null;
    const thin = downsample({ x, ys: [y] }, 800);
    expect(thin.x.length).toBeLessThanOrEqual(800 * 5);
    expect(thin.x.length).toBeGreaterThan(800);
    expect(thin.ys[0]).toContain(3);
    expect(thin.ys[0]).toContain(null);
    expect(Math.max(...(thin.ys[0].filter((v) => v !== null) as number[]))).toBe(1006);
    expect(thin.x).toEqual([...thin.x].sort((a, b) => a - b));
  });

  it('leaves a series that already fits alone', () => {
    const series = { x: [1, 2, 3], ys: [[1, null, 3]] };
    expect(downsample(series, 800)).toBe(series);
  });
});
