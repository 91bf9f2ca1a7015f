/**
 * A time-series chart (uPlot) downsampled to its pixel width, with shaded spans drawn under the
 * lines: outage events, alert bands relative to a baseline (warning and critical zones), and
 * "no data" spans hatched and labelled as such, never drawn as a zero or bridged by a line.
 * Charts given the same `syncKey` share their cursor, and the same `xRange` gives them one axis.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { downsample } from '../downsample';
import type { Span } from '../series';

export interface Line {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: number[];
  width?: number;
}

export type { Span } from '../series';

export interface AlertBands {
  /** The baseline per point (null where there is none yet). */
  baseline: (number | null)[];
  /** Fractions of the baseline under which a drop is a warning / critical alert. */
  warning: number;
  critical: number;
}

interface Props {
  title: string;
  /** Unix seconds. */
  x: number[];
  lines: Line[];
  spans?: Span[];
  bands?: AlertBands;
  syncKey?: string;
  xRange?: [number, number];
  height?: number;
  /** Receives the chart's canvas (for PNG downloads). */
  onCanvas?: (canvas: HTMLCanvasElement | undefined) => void;
  yLabel?: string;
}

const COLORS = {
  outage: 'rgba(200, 30, 30, 0.18)',
  warning: 'rgba(230, 160, 0, 0.16)',
  critical: 'rgba(200, 30, 30, 0.14)',
};

function drawSpans(u: uPlot, spans: Span[], bands: AlertBands | undefined, x: number[]): void {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  if (bands !== undefined) {
    // The zones under the baseline where a drop raises a warning (amber) or a critical alert (red).
    for (let i = 0; i + 1 < x.length; i++) {
      const base = bands.baseline[i];
      if (base === null || base === undefined) continue;
      const x0 = u.valToPos(x[i], 'x', true);
      const x1 = u.valToPos(x[i + 1], 'x', true);
      const yBase = u.valToPos(base * bands.warning, 'y', true);
      const yWarn = u.valToPos(base * bands.critical, 'y', true);
      const yZero = u.valToPos(0, 'y', true);
      ctx.fillStyle = COLORS.warning;
      ctx.fillRect(x0, yBase, x1 - x0, yWarn - yBase);
      ctx.fillStyle = COLORS.critical;
      ctx.fillRect(x0, yWarn, x1 - x0, yZero - yWarn);
    }
  }
  const pixelRatio = window.devicePixelRatio || 1;
  ctx.font = `${12 * pixelRatio}px system-ui, sans-serif`;
  for (const span of spans) {
    const x0 = u.valToPos(span.from, 'x', true);
    const x1 = Math.max(x0 + 2 * pixelRatio, u.valToPos(span.to, 'x', true));
    if (span.kind === 'outage') {
      ctx.fillStyle = COLORS.outage;
      ctx.fillRect(x0, top, x1 - x0, height);
      ctx.strokeStyle = 'rgb(170, 20, 20)';
      ctx.lineWidth = pixelRatio;
      ctx.strokeRect(x0, top, x1 - x0, height);
    } else {
      ctx.fillStyle = 'rgba(110, 110, 110, 0.12)';
      ctx.fillRect(x0, top, x1 - x0, height);
      ctx.strokeStyle = 'rgba(90, 90, 90, 0.5)';
      ctx.lineWidth = pixelRatio;
      for (let hx = x0 - height; hx < x1; hx += 8 * pixelRatio) {
        ctx.beginPath();
        ctx.moveTo(Math.max(hx, x0), top + height - Math.max(0, x0 - hx));
        ctx.lineTo(Math.min(hx + height, x1), top + Math.max(0, hx + height - x1));
        ctx.stroke();
      }
    }
    if (span.label !== undefined) {
      ctx.fillStyle = span.kind === 'outage' ? 'rgb(140, 10, 10)' : 'rgb(60, 60, 60)';
      ctx.fillText(span.label, x0 + 3 * pixelRatio, top + 14 * pixelRatio);
    }
  }
  ctx.restore();
}

export function TimeSeries({
  title,
  x,
  lines,
  spans = [],
  bands,
  syncKey,
  xRange,
  height = 260,
  onCanvas,
  yLabel,
}: Props) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (element === null) return;
    const width = Math.max(320, element.clientWidth);
    // One point per pixel column at most (first, min, max, last kept), the baseline with the lines.
    const thinned = downsample(
      { x, ys: [...lines.map((line) => line.values), ...(bands ? [bands.baseline] : [])] },
      width,
    );
    const thinBands = bands ? { ...bands, baseline: thinned.ys[lines.length] } : undefined;
    const options: uPlot.Options = {
      title,
      width,
      height,
      scales: {
        x: { time: true, ...(xRange ? { range: () => xRange } : {}) },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
      },
      series: [
        {},
        ...lines.map((line) => ({
          label: line.label,
          stroke: line.color,
          width: line.width ?? 2,
          dash: line.dash,
          spanGaps: false,
        })),
      ],
      axes: [{}, { label: yLabel, size: 60 }],
      cursor: syncKey ? { sync: { key: syncKey } } : {},
      hooks: { drawClear: [(u: uPlot) => drawSpans(u, spans, thinBands, thinned.x)] },
    };
    const data = [thinned.x, ...thinned.ys.slice(0, lines.length)] as uPlot.AlignedData;
    const plot = new uPlot(options, data, element);
    onCanvas?.(plot.ctx.canvas);
    const observer = new ResizeObserver(() => {
      const next = Math.max(320, element.clientWidth);
      if (Math.abs(next - plot.width) > 40) plot.setSize({ width: next, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      onCanvas?.(undefined);
      plot.destroy();
    };
  }, [title, x, lines, spans, bands, syncKey, xRange?.[0], xRange?.[1], height]);
  const summary = `${title}: ${lines.map((l) => l.label).join(', ')}; ${spans.filter((s) => s.kind === 'outage').length} outage events, ${spans.filter((s) => s.kind === 'nodata').length} spans without data.`;
  return <div class="chart" ref={holder} role="img" aria-label={summary} />;
}
