/**
 * The visible-space series of a selection (country, AS, prefixes) from a replay's bins: the value
 * against its baseline with the warning and critical bands under it, outage events drawn as
 * spans, and every stretch without bins (or without a full-feed peer) drawn as "no data". Each
 * event opens its life cycle: phases, cause and the peers and upstreams that lost it first.
 */
import { useMemo } from 'preact/hooks';
import { day, downloadCanvas, downloadCsv, downloadJson, fileName, type NamePart } from '../download';
import { duration, isoTime, percent } from '../format';
import { href } from '../router';
import { useApi } from '../api';
import { AsLink } from './Links';
import { Downloads, NOT_DRAWN, Status, useDrawn } from './Status';
import { TimeSeries, type AlertBands, type Line } from './TimeSeries';
import { seriesOf, CRITICAL, WARNING, type VisibilityData } from '../series';
import type { OutageEventLine, OutageLifeCycle } from '../types';

/** The phases an event went through (open, updates, close), from /outages/:ref. */
function Phases({ reference }: { reference: string }) {
  const loaded = useApi<OutageLifeCycle>(`/outages/${encodeURIComponent(reference)}`);
  return (
    <Status loaded={loaded} what="the life cycle">
      {(cycle) => (
        <ol aria-label="Phases">
          {cycle.phases.map((phase, i) => (
            <li key={i}>
              {phase.phase} ({phase.classification}, {phase.extent}, {phase.level}): lost{' '}
              {percent(phase.lostShare)}, {phase.prefixes.length} prefixes, cause {phase.cause}
              {phase.endTime ? `, ended ${isoTime(phase.endTime)}` : ''}
            </li>
          ))}
        </ol>
      )}
    </Status>
  );
}

export function EventLifeCycle({ event }: { event: OutageEventLine & { ref?: string } }) {
  return (
    <div class="card">
      <h3>
        Event #{event.id}: {event.classification} ({event.extent}, {event.level})
      </h3>
      <p>
        From {isoTime(event.startTime)} {event.endTime ? `to ${isoTime(event.endTime)}` : '(still open)'},{' '}
        {duration(event.duration)}; lost {percent(event.lostShare)} of a baseline of{' '}
        {event.baseline.toFixed(0)} ({event.unit}); trough {event.minimum.toFixed(0)}; severity{' '}
        {event.severity.toFixed(0)}.
      </p>
      <p>
        Cause: <strong>{event.cause}</strong>. {event.causeEvidence}
      </p>
      {event.ref !== undefined && <Phases reference={event.ref} />}
      <p>
        Prefixes: {event.prefixes.slice(0, 20).join(', ')}
        {event.prefixes.length > 20 ? ` and ${event.prefixes.length - 20} more` : ''}. Origins:{' '}
        {event.origins.map((asn, i) => (
          <span key={asn}>
            {i > 0 ? ', ' : ''}
            <AsLink asn={asn} />
          </span>
        ))}
        .
      </p>
      <table>
        <caption>Upstreams that lost routes</caption>
        <thead>
          <tr>
            <th scope="col">Upstream</th>
            <th scope="col" class="num">
              Routes lost
            </th>
          </tr>
        </thead>
        <tbody>
          {event.upstreams.map((u) => (
            <tr key={u.asn}>
              <td>
                <AsLink asn={u.asn} />
              </td>
              <td class="num">{u.routesLost}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <caption>Peers that lost it first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Peer</th>
            <th scope="col">Prefix</th>
            <th scope="col">Upstream</th>
            <th scope="col">By session down</th>
          </tr>
        </thead>
        <tbody>
          {event.firstLost.slice(0, 50).map((f, i) => (
            <tr key={i}>
              <td>{isoTime(f.time)}</td>
              <td>
                {f.peerAddress} (<AsLink asn={f.peerAsn} />)
              </td>
              <td>
                <a href={href('prefix', f.prefix)}>{f.prefix}</a>
              </td>
              <td>{f.upstream >= 0 ? <AsLink asn={f.upstream} /> : <span class="muted">none</span>}</td>
              <td>{f.byPeerDown ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface Props {
  result: VisibilityData;
  name: string;
  selected?: number;
  onSelect: (id: number | undefined) => void;
  syncKey?: string;
  xRange?: [number, number];
  /** The view and its state, first in the download names (default: `visibility` and the name). */
  file?: NamePart[];
  /** Receives the chart's canvas (the Compare view saves its charts as one picture). */
  onCanvas?: (canvas: HTMLCanvasElement | undefined) => void;
}

export type { EventsAnswer, VisibilityAnswer, VisibilityData } from '../series';

export function Visibility({ result, name, selected, onSelect, syncKey, xRange, file, onCanvas }: Props) {
  const canvas = useDrawn<HTMLCanvasElement>();
  const base = [
    ...(file ?? ['visibility', name]),
    day(result.bins[0]?.time),
    day(result.bins[result.bins.length - 1]?.time),
  ];
  const series = useMemo(() => seriesOf(result), [result.bins, result.events]);
  const lines = useMemo<Line[]>(
    () => [
      { label: 'visible space', values: series.value, color: '#0b5394' },
      { label: 'baseline', values: series.baseline, color: '#555555', dash: [6, 4], width: 1.5 },
    ],
    [series],
  );
  const bands = useMemo<AlertBands>(
    () => ({ baseline: series.baseline, warning: WARNING, critical: CRITICAL }),
    [series],
  );
  const event = result.events.find((e) => e.id === selected);
  const unit = result.bins[0]?.ipv4Slash24s !== undefined ? 'IPv4 /24s (or IPv6 /48s)' : '';
  return (
    <div>
      {result.bins.length === 0 ? (
        <p class="muted">No data: no bins for {name} in this range.</p>
      ) : (
        <TimeSeries
          title={`Visible space of ${name}`}
          x={series.x}
          lines={lines}
          spans={series.spans}
          bands={bands}
          syncKey={syncKey}
          xRange={xRange}
          onCanvas={(c) => {
            canvas.set(c);
            onCanvas?.(c);
          }}
          yLabel={unit}
        />
      )}
      <div class="legend" aria-label="Chart legend">
        <span>
          <span class="swatch" style={{ background: '#0b5394' }} />
          visible space
        </span>
        <span>
          <span class="swatch" style={{ background: '#555' }} />
          baseline (dashed)
        </span>
        <span>
          <span class="swatch" style={{ background: 'rgba(230,160,0,0.5)' }} />
          warning band (below {percent(WARNING, 0)} of baseline)
        </span>
        <span>
          <span class="swatch" style={{ background: 'rgba(200,30,30,0.4)' }} />
          critical band (below {percent(CRITICAL, 0)})
        </span>
        <span>
          <span class="swatch" style={{ background: 'rgba(200,30,30,0.3)', border: '1px solid #a00' }} />
          outage event
        </span>
        <span>
          <span class="swatch" style={{ background: 'rgba(110,110,110,0.3)' }} />
          no data (hatched)
        </span>
      </div>
      <Downloads
        of={`the visible space of ${name}`}
        actions={[
          {
            label: 'Series CSV',
            run: () =>
              downloadCsv(
                fileName(base, 'csv'),
                [
                  'time',
                  'value',
                  'baseline',
                  'minimum',
                  'ipv4_slash24s',
                  'ipv6_slash48s',
                  'full_feed_peers',
                  'in_event',
                ],
                result.bins.map((b) => [
                  b.time,
                  b.value,
                  b.baseline,
                  b.minimum,
                  b.ipv4Slash24s,
                  b.ipv6Slash48s,
                  b.fullFeedPeers,
                  b.inEvent,
                ]),
              ),
          },
          {
            label: 'Events CSV',
            run: () =>
              downloadCsv(
                fileName([...base, 'events'], 'csv'),
                [
                  'id',
                  'classification',
                  'level',
                  'start_time',
                  'end_time',
                  'duration_s',
                  'lost_share',
                  'cause',
                ],
                result.events.map((e) => [
                  e.id,
                  e.classification,
                  e.level,
                  e.startTime,
                  e.endTime,
                  e.duration,
                  e.lostShare,
                  e.cause,
                ]),
              ),
          },
          { label: 'Series JSON', run: () => downloadJson(fileName(base, 'json'), result) },
          {
            label: 'Chart PNG',
            run: () => {
              const drawn = canvas.get();
              if (drawn !== undefined) downloadCanvas(fileName(base, 'png'), drawn);
            },
            unavailable:
              result.bins.length === 0
                ? `no data: no bins for ${name} in this range to draw`
                : canvas.drawn
                  ? undefined
                  : NOT_DRAWN,
          },
        ]}
      />
      <h3>Outage events ({result.events.length})</h3>
      {result.events.length === 0 ? (
        <p>No outage event in this range.</p>
      ) : (
        <ul>
          {result.events.map((e) => (
            <li key={e.id}>
              <button
                type="button"
                aria-expanded={selected === e.id}
                onClick={() => onSelect(selected === e.id ? undefined : e.id)}
              >
                #{e.id} {e.classification}, {isoTime(e.startTime)}, {duration(e.duration)}, lost{' '}
                {percent(e.lostShare)}
              </button>
            </li>
          ))}
        </ul>
      )}
      {event && <EventLifeCycle event={event} />}
    </div>
  );
}
