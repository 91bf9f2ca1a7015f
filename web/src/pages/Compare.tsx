/**
 * Two to four countries or ASes side by side: one visible-space chart each, on one shared time
 * axis (the union of their ranges) with a synchronised cursor. The items are in the URL:
 * `#/compare?items=country:KP,country:SY,as:4837`.
 */
import { useMemo, useState } from 'preact/hooks';
import { useApiList } from '../api';
import { Downloads, NOT_DRAWN, Status } from '../components/Status';
import {
  Visibility,
  type EventsAnswer,
  type VisibilityAnswer,
  type VisibilityData,
} from '../components/Visibility';
import { day, downloadCanvases, downloadCsv, downloadJson, fileName } from '../download';
import { setQuery, type Route } from '../router';

export interface CompareItem {
  kind: 'country' | 'as';
  id: string;
}

export function parseItems(text: string | null): CompareItem[] {
  return (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part): CompareItem | undefined => {
      const [kind, id = ''] = part.split(':');
      if (kind === 'country' && /^[A-Za-z]{2}$/.test(id)) return { kind, id: id.toUpperCase() };
      if (kind === 'as' && /^\d{1,10}$/.test(id)) return { kind, id };
      return undefined;
    })
    .filter((item): item is CompareItem => item !== undefined)
    .slice(0, 4);
}

const pathOf = (item: CompareItem) =>
  item.kind === 'country' ? `/countries/${item.id}` : `/asns/${item.id}`;
const nameOf = (item: CompareItem) => (item.kind === 'country' ? item.id : `AS${item.id}`);

function useSeries(item: CompareItem) {
  const bins = useApiList<VisibilityAnswer>(`${pathOf(item)}/visibility`, 'bins');
  const events = useApiList<EventsAnswer>(`${pathOf(item)}/outages`, 'events');
  return { bins, events };
}

function Panel({
  item,
  range,
  onData,
  selected,
  onSelect,
  onCanvas,
}: {
  item: CompareItem;
  range?: [number, number];
  onData: (name: string, data: VisibilityData) => void;
  selected?: number;
  onSelect: (id?: number) => void;
  onCanvas: (canvas: HTMLCanvasElement | undefined) => void;
}) {
  const { bins, events } = useSeries(item);
  return (
    <div class="card">
      <h2>{nameOf(item)}</h2>
      <Status loaded={bins} what={`the series of ${nameOf(item)}`}>
        {(binList) => (
          <Status loaded={events} what={`the outages of ${nameOf(item)}`}>
            {(eventList) => {
              const data = { bins: binList.bins, binSeconds: binList.binSeconds, events: eventList.events };
              onData(nameOf(item), data);
              return (
                <Visibility
                  result={data}
                  name={nameOf(item)}
                  syncKey="compare"
                  xRange={range}
                  selected={selected}
                  onSelect={onSelect}
                  file={['compare', `${item.kind}-${item.id}`]}
                  onCanvas={onCanvas}
                />
              );
            }}
          </Status>
        )}
      </Status>
    </div>
  );
}

export function ComparePage({ route }: { route: Route }) {
  const items = useMemo(() => parseItems(route.query.get('items')), [route.query.get('items')]);
  const [loaded] = useState(() => new Map<string, VisibilityData>());
  const [canvases] = useState(() => new Map<string, HTMLCanvasElement>());
  const [, setVersion] = useState(0);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState('');
  const range = useMemo<[number, number] | undefined>(() => {
    let from = Infinity;
    let to = -Infinity;
    for (const item of items) {
      const data = loaded.get(nameOf(item));
      for (const bin of data?.bins ?? []) {
        from = Math.min(from, bin.start);
        to = Math.max(to, bin.start);
      }
    }
    return Number.isFinite(from) && to > from ? [from, to] : undefined;
  }, [items, loaded.size]);
  // The series of the items compared now, in their order (a removed item's data stays loaded).
  const shown = () =>
    items.flatMap((item) => {
      const data = loaded.get(nameOf(item));
      return data === undefined ? [] : [[nameOf(item), data] as const];
    });
  const file = () => [
    'compare',
    ...items.map((item) => `${item.kind}-${item.id}`),
    range && day(range[0]),
    range && day(range[1]),
  ];
  const add = (event: Event) => {
    event.preventDefault();
    const value = text.trim();
    const item = /^[A-Za-z]{2}$/.test(value)
      ? `country:${value.toUpperCase()}`
      : /^(AS)?\d{1,10}$/i.test(value)
        ? `as:${value.replace(/^AS/i, '')}`
        : undefined;
    if (item === undefined) return setProblem('Give a two-letter country code or an AS number.');
    if (items.length >= 4) return setProblem('At most four at once.');
    setProblem('');
    setText('');
    setQuery({ items: [...items.map((i) => `${i.kind}:${i.id}`), item].join(',') });
  };
  return (
    <section>
      <h1>Compare</h1>
      <p class="muted">
        Two to four countries or ASes on one shared time axis; the cursor moves on all charts at once.
      </p>
      <form class="filters" onSubmit={add}>
        <label for="compare-add">Add a country or AS</label>
        <input
          id="compare-add"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder="KP or AS4837"
        />
        <button type="submit">Add</button>
        {problem && (
          <span class="error" role="alert">
            {problem}
          </span>
        )}
      </form>
      <ul class="legend" aria-label="Compared">
        {items.map((item) => (
          <li key={`${item.kind}:${item.id}`}>
            {nameOf(item)}{' '}
            <button
              type="button"
              onClick={() =>
                setQuery({
                  items: items
                    .filter((i) => i !== item)
                    .map((i) => `${i.kind}:${i.id}`)
                    .join(','),
                })
              }
            >
              Remove {nameOf(item)}
            </button>
          </li>
        ))}
      </ul>
      {items.length < 2 && <p>Add {2 - items.length} more to compare.</p>}
      <Downloads
        of="every compared series"
        actions={[
          {
            label: 'All series CSV',
            run: () =>
              downloadCsv(
                fileName(file(), 'csv'),
                ['series', 'time', 'value', 'baseline', 'minimum', 'full_feed_peers', 'in_event'],
                shown().flatMap(([name, data]) =>
                  data.bins.map((b) => [
                    name,
                    b.time,
                    b.value,
                    b.baseline,
                    b.minimum,
                    b.fullFeedPeers,
                    b.inEvent,
                  ]),
                ),
              ),
          },
          {
            label: 'All series JSON',
            run: () => downloadJson(fileName(file(), 'json'), Object.fromEntries(shown())),
          },
          {
            label: 'All charts PNG',
            run: () =>
              downloadCanvases(
                fileName(file(), 'png'),
                items.flatMap((item) => {
                  const canvas = canvases.get(nameOf(item));
                  return canvas === undefined ? [] : [{ title: `Visible space of ${nameOf(item)}`, canvas }];
                }),
              ),
            unavailable:
              items.length === 0 ? 'nothing to compare yet' : canvases.size === 0 ? NOT_DRAWN : undefined,
          },
        ]}
      />
      {items.map((item) => (
        <Panel
          key={`${item.kind}:${item.id}`}
          item={item}
          range={range}
          onData={(name, data) => {
            if (loaded.get(name) !== data && !loaded.has(name)) {
              loaded.set(name, data);
              queueMicrotask(() => setVersion((v) => v + 1));
            }
          }}
          selected={
            route.query.get(`event-${item.kind}-${item.id}`)
              ? Number(route.query.get(`event-${item.kind}-${item.id}`))
              : undefined
          }
          onSelect={(id) =>
            setQuery({ [`event-${item.kind}-${item.id}`]: id === undefined ? undefined : String(id) })
          }
          onCanvas={(canvas) => {
            const had = canvases.has(nameOf(item));
            if (canvas === undefined) canvases.delete(nameOf(item));
            else canvases.set(nameOf(item), canvas);
            // The "All charts PNG" button is enabled once a chart is drawn: render when that changes.
            if (had !== (canvas !== undefined)) queueMicrotask(() => setVersion((v) => v + 1));
          }}
        />
      ))}
    </section>
  );
}
