/**
 * Outages: the live list fed by Server-Sent Events (an event opens, updates, and on recovery is
 * shown as recovered with its end and severity), and the history of the replayed archives with
 * filters in the URL (country, classification, cause, time range).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { API, useApi } from '../api';
import { AsLink } from '../components/Links';
import { Downloads, Meta, Status } from '../components/Status';
import { Table, type Column } from '../components/Table';
import { EventLifeCycle } from '../components/Visibility';
import { downloadCsv, downloadJson, fileName } from '../download';
import { duration, isoTime, percent } from '../format';
import { setQuery, type Route } from '../router';
import type { AlertJson, OutageListItem } from '../types';

type OutageAlert = Extract<AlertJson, { kind: 'outage-open' | 'outage-update' | 'outage-close' }>;

export interface LiveOutage {
  key: string;
  alert: OutageAlert;
  recovered: boolean;
  updates: number;
}

const ALERT_KINDS = [
  'outage-open',
  'outage-update',
  'outage-close',
  'outage-detector-ready',
  'outage-detector-warming-up',
  'session-reset',
  'session-restored',
  'peer-up',
  'peer-down',
  'peer-reset',
];

/** Folds one alert into the live list: keyed by selection and event id, newest first. */
export function foldAlert(list: LiveOutage[], alert: AlertJson): LiveOutage[] {
  if (alert.kind !== 'outage-open' && alert.kind !== 'outage-update' && alert.kind !== 'outage-close')
    return list;
  const key = `${alert.selection ?? ''}#${alert.eventId}`;
  const previous = list.find((item) => item.key === key);
  const next: LiveOutage = {
    key,
    alert,
    recovered: alert.kind === 'outage-close',
    updates: (previous?.updates ?? -1) + 1,
  };
  return [next, ...list.filter((item) => item.key !== key)];
}

function useLiveAlerts() {
  const [outages, setOutages] = useState<LiveOutage[]>([]);
  const [other, setOther] = useState<AlertJson[]>([]);
  const [state, setState] = useState('connecting');
  useEffect(() => {
    const source = new EventSource(`${API}/outages/stream`);
    const receive = (event: MessageEvent<string>) => {
      let alert: AlertJson;
      try {
        alert = JSON.parse(event.data) as AlertJson;
      } catch {
        return;
      }
      if (typeof alert !== 'object' || alert === null || typeof alert.kind !== 'string') return;
      if (alert.kind.startsWith('outage-') && 'eventId' in alert)
        setOutages((list) => foldAlert(list, alert));
      else setOther((list) => [alert, ...list].slice(0, 50));
    };
    source.onopen = () => setState('connected');
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    source.onmessage = receive;
    for (const kind of ALERT_KINDS) source.addEventListener(kind, receive as EventListener);
    return () => source.close();
  }, []);
  return { outages, other, state };
}

function LiveList() {
  const { outages, other, state } = useLiveAlerts();
  return (
    <div>
      <p>
        Live stream: <strong data-testid="stream-state">{state}</strong>.{' '}
        <span aria-live="polite">
          {outages.length === 0
            ? 'No live outage so far.'
            : `${outages.length} outage events (${outages.filter((o) => !o.recovered).length} ongoing).`}
        </span>
      </p>
      <Downloads
        of="the live outages"
        actions={[
          {
            label: 'Live CSV',
            run: () =>
              downloadCsv(
                fileName(
                  ['outages', 'live', new Date().toISOString().slice(0, 19).replaceAll(':', '')],
                  'csv',
                ),
                [
                  'selection',
                  'event',
                  'state',
                  'classification',
                  'extent',
                  'lost_share',
                  'baseline',
                  'start',
                  'end',
                  'cause',
                  'updates',
                ],
                outages.map(({ alert, recovered, updates }) => [
                  alert.selection,
                  alert.eventId,
                  recovered ? 'recovered' : alert.level,
                  alert.classification,
                  alert.extent,
                  alert.lostShare,
                  alert.baseline,
                  isoTime(alert.start),
                  alert.kind === 'outage-close' ? isoTime(alert.end) : undefined,
                  alert.cause,
                  updates,
                ]),
              ),
          },
          {
            label: 'Live JSON',
            run: () =>
              downloadJson(
                fileName(
                  ['outages', 'live', new Date().toISOString().slice(0, 19).replaceAll(':', '')],
                  'json',
                ),
                outages.map(({ alert, recovered, updates }) => ({ ...alert, recovered, updates })),
              ),
          },
        ]}
      />
      <ul aria-label="Live outages" data-testid="live-outages">
        {outages.map(({ key, alert, recovered, updates }) => (
          <li key={key}>
            <span class={`pill ${recovered ? 'recovered' : alert.level}`}>
              {recovered ? 'recovered' : alert.level}
            </span>{' '}
            <strong>{alert.selection ?? 'selection'}</strong> event #{alert.eventId}: {alert.classification},{' '}
            {alert.extent}, lost {percent(alert.lostShare)} of {alert.baseline.toFixed(0)} since{' '}
            {isoTime(alert.start)}
            {recovered && alert.kind === 'outage-close'
              ? `; visible again at ${isoTime(alert.end)} after ${duration(alert.duration)} (severity ${alert.severity.toFixed(0)})`
              : ''}
            . Cause: {alert.cause}. {alert.causeEvidence}
            {updates > 0 ? ` (${updates} updates)` : ''}
            {alert.upstreams.length > 0 && (
              <>
                {' '}
                Upstreams losing routes:{' '}
                {alert.upstreams.map((u, i) => (
                  <span key={u.asn}>
                    {i > 0 ? ', ' : ''}
                    <AsLink asn={u.asn} /> ({u.routesLost})
                  </span>
                ))}
              </>
            )}
          </li>
        ))}
      </ul>
      {other.length > 0 && (
        <details>
          <summary>Other alerts ({other.length})</summary>
          <ul>
            {other.map((alert, i) => (
              <li key={i}>
                {isoTime(alert.time)} {alert.kind}
                {'peer' in alert ? ` peer ${alert.peer}` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

const HISTORY_COLUMNS: Column<OutageListItem>[] = [
  { key: 'selection', label: 'Selection', value: (e) => e.selection },
  { key: 'id', label: 'Event', numeric: true, value: (e) => e.id },
  { key: 'start', label: 'Start', value: (e) => e.startTime, render: (e) => isoTime(e.startTime) },
  {
    key: 'end',
    label: 'End',
    value: (e) => e.endTime ?? '',
    render: (e) => (e.endTime ? isoTime(e.endTime) : 'open'),
  },
  {
    key: 'duration',
    label: 'Duration',
    numeric: true,
    value: (e) => e.duration,
    render: (e) => duration(e.duration),
  },
  { key: 'classification', label: 'Class', value: (e) => e.classification },
  { key: 'extent', label: 'Extent', value: (e) => e.extent },
  {
    key: 'lost',
    label: 'Lost',
    numeric: true,
    value: (e) => e.lostShare,
    render: (e) => percent(e.lostShare),
  },
  { key: 'cause', label: 'Cause', value: (e) => e.cause },
  { key: 'origins', label: 'Origins', value: (e) => e.origins.map((a) => `AS${a}`).join(' ') },
];

function History({ route }: { route: Route }) {
  const q = route.query;
  const country = q.get('country') ?? '';
  const from = q.get('from') ?? '';
  const to = q.get('to') ?? '';
  const classification = q.get('class') ?? '';
  const cause = q.get('cause') ?? '';
  const path = /^[A-Z]{2}$/.test(country) ? `/countries/${country}/outages` : '/outages';
  const asIso = (text: string) => (text === '' ? undefined : text.length === 10 ? `${text}T00:00:00Z` : text);
  const loaded = useApi<{ events: OutageListItem[] }>(path, {
    from: asIso(from),
    to: asIso(to),
    limit: 1000,
  });
  const selected = q.get('event');
  // The filters are the history's state: they name its files.
  const file = [
    'outages',
    'history',
    country,
    from && `from-${from}`,
    to && `to-${to}`,
    classification,
    cause,
  ];
  const filter = useMemo(
    () => (events: OutageListItem[]) =>
      events.filter(
        (e) =>
          (classification === '' || e.classification === classification) &&
          (cause === '' || e.cause === cause),
      ),
    [classification, cause],
  );
  return (
    <div>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="History filters">
        <label for="f-country">Country</label>
        <input
          id="f-country"
          size={3}
          maxLength={2}
          value={country}
          onChange={(e) => setQuery({ country: e.currentTarget.value.toUpperCase() })}
        />
        <label for="f-from">From</label>
        <input
          id="f-from"
          type="date"
          value={from.slice(0, 10)}
          onChange={(e) => setQuery({ from: e.currentTarget.value })}
        />
        <label for="f-to">To</label>
        <input
          id="f-to"
          type="date"
          value={to.slice(0, 10)}
          onChange={(e) => setQuery({ to: e.currentTarget.value })}
        />
        <label for="f-class">Class</label>
        <select
          id="f-class"
          value={classification}
          onChange={(e) => setQuery({ class: e.currentTarget.value })}
        >
          <option value="">any</option>
          <option value="blip">blip</option>
          <option value="outage">outage</option>
          <option value="sustained-outage">sustained outage</option>
        </select>
        <label for="f-cause">Cause</label>
        <select id="f-cause" value={cause} onChange={(e) => setQuery({ cause: e.currentTarget.value })}>
          <option value="">any</option>
          <option value="origin-withdrawal">origin withdrawal</option>
          <option value="upstream-path-loss">upstream path loss</option>
          <option value="peer-sessions-down">peer sessions down</option>
          <option value="unknown">unknown</option>
        </select>
      </form>
      <Status loaded={loaded} what="the outage history">
        {(answer, ready) => {
          const shown = filter(answer.events);
          const event = shown.find((e) => e.ref === selected);
          return (
            <>
              <Meta meta={ready.value.meta} />
              <Downloads
                of="the outage history"
                actions={[
                  {
                    label: 'History CSV',
                    run: () =>
                      downloadCsv(
                        fileName(file, 'csv'),
                        HISTORY_COLUMNS.map((c) => c.key),
                        shown.map((e) => HISTORY_COLUMNS.map((c) => c.value(e))),
                      ),
                  },
                  { label: 'History JSON', run: () => downloadJson(fileName(file, 'json'), shown) },
                ]}
              />
              <Table
                caption={`Outage events (${shown.length})`}
                columns={[
                  ...HISTORY_COLUMNS,
                  {
                    key: 'open',
                    label: 'Life cycle',
                    value: () => '',
                    render: (e) => (
                      <button
                        type="button"
                        aria-expanded={e.ref === selected}
                        onClick={() => setQuery({ event: e.ref === selected ? undefined : e.ref })}
                      >
                        Life cycle of #{e.id}
                      </button>
                    ),
                  },
                ]}
                rows={shown}
                rowKey={(e) => e.ref}
              />
              {event && <EventLifeCycle event={event} />}
            </>
          );
        }}
      </Status>
    </div>
  );
}

export function OutagesPage({ route }: { route: Route }) {
  return (
    <section>
      <h1>Outages</h1>
      <h2>Live</h2>
      <LiveList />
      <h2>History</h2>
      <History route={route} />
    </section>
  );
}
