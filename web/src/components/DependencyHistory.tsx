/**
 * A country's dependency over time: the hegemony of its largest ASes at every snapshot the store
 * kept (`/countries/:cc/dependency/history`), one line per AS, and the latest snapshot's changes as
 * a table. A server without a store says so instead of drawing nothing.
 */
import { useMemo } from 'preact/hooks';
import { useApiList } from '../api';
import { day, downloadCanvas, downloadCsv, downloadJson, fileName } from '../download';
import type { HistoryDependencyResult } from '../types';
import { DependencyTable } from './AsTables';
import { Downloads, Meta, NOT_DRAWN, Status, useDrawn } from './Status';
import { TimeSeries } from './TimeSeries';

const PALETTE = ['#b2182b', '#2166ac', '#1b7837', '#762a83', '#e08214', '#4d4d4d'];
const TOP = 5;

export function dependencyLines(result: HistoryDependencyResult): {
  x: number[];
  lines: { asn: number; name: string; values: number[] }[];
} {
  const snapshots = result.snapshots;
  // The ASes with the largest hegemony at any time: a country cut off at the last snapshot
  // depends on nothing then, and its lines still show what it lost.
  const most = new Map<number, { asn: number; name: string; hegemony: number }>();
  for (const s of snapshots)
    for (const d of s.dependency) if ((most.get(d.asn)?.hegemony ?? -1) < d.hegemony) most.set(d.asn, d);
  const chosen = [...most.values()].sort((a, b) => b.hegemony - a.hegemony || a.asn - b.asn).slice(0, TOP);
  return {
    x: snapshots.map((s) => s.at),
    lines: chosen.map((d) => ({
      asn: d.asn,
      name: d.name,
      values: snapshots.map((s) => s.dependency.find((e) => e.asn === d.asn)?.hegemony ?? 0),
    })),
  };
}

export function DependencyHistory({ code }: { code: string }) {
  const loaded = useApiList<HistoryDependencyResult>(
    `/countries/${encodeURIComponent(code)}/dependency/history`,
    'snapshots',
    { top: 20 },
  );
  const canvas = useDrawn<HTMLCanvasElement>();
  // The chart's lines made once per answer: made in render, new arrays would redraw it every time.
  const answer = loaded.state === 'ready' ? loaded.value.data : undefined;
  const drawing = useMemo(() => {
    if (answer === undefined) return undefined;
    const { x, lines } = dependencyLines(answer);
    return {
      x,
      lines: lines.map((l, i) => ({
        label: `AS${l.asn} ${l.name}`,
        values: l.values,
        color: PALETTE[i % PALETTE.length],
      })),
    };
  }, [answer]);
  if (loaded.state === 'error' && (loaded.error as { code?: string }).code === 'API_NO_STORE')
    return (
      <p class="muted" role="status">
        No store: dependency over time is read from the store, and this server was started without one (cairn
        serve opens one).
      </p>
    );
  return (
    <Status loaded={loaded} what={`the dependency history of ${code}`}>
      {(result, ready) => {
        const latest = result.snapshots.at(-1);
        const file = [
          'country',
          code,
          'dependency-history',
          day(result.snapshots[0]?.time),
          day(latest?.time),
        ];
        if (latest === undefined)
          return <p class="muted">The store holds no dependency snapshot of {code}.</p>;
        return (
          <div class="dependency-history">
            <Meta meta={ready.value.meta} />
            <p>
              {result.snapshots.length} snapshot{result.snapshots.length === 1 ? '' : 's'} kept; the latest at{' '}
              <time dateTime={latest.time}>{latest.time}</time> from {latest.peers} peers.
            </p>
            <TimeSeries
              title={`Dependency of ${code} over time (hegemony)`}
              x={drawing?.x ?? []}
              lines={drawing?.lines ?? []}
              height={220}
              yLabel="hegemony"
              onCanvas={canvas.set}
            />
            <Downloads
              of={`the dependency history of ${code}`}
              actions={[
                {
                  label: 'Dependency history CSV',
                  run: () =>
                    downloadCsv(
                      fileName(file, 'csv'),
                      ['time', 'asn', 'name', 'hegemony', 'change'],
                      result.snapshots.flatMap((s) =>
                        s.dependency.map((d) => [s.time, d.asn, d.name, d.hegemony, d.change]),
                      ),
                    ),
                },
                { label: 'Dependency history JSON', run: () => downloadJson(fileName(file, 'json'), result) },
                {
                  label: 'Dependency history PNG',
                  run: () => {
                    const drawn = canvas.get();
                    if (drawn !== undefined) downloadCanvas(fileName(file, 'png'), drawn);
                  },
                  unavailable: canvas.drawn ? undefined : NOT_DRAWN,
                },
              ]}
            />
            <DependencyTable
              caption={`Dependency of ${code} at the latest snapshot`}
              rows={latest.dependency}
              limit={10}
            />
          </div>
        );
      }}
    </Status>
  );
}
