/**
 * A country: prefixes, origins and upstreams with shares; the dependency graph of ASes toward it
 * (edge weight = hegemony, chokepoints marked), filtered by a hegemony floor and expanded on
 * demand (an expanded AS brings in its own upstreams); the visible-space series with its outage
 * events; dependency over time (from the store) and a what-if panel (remove ASes, see what
 * still reaches the country). Filters, expansions, the open event and the ASes removed live in the URL.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiGet, useApi, useApiList } from '../api';
import { DependencyTable, UpstreamTable, asColumn, shareColumn } from '../components/AsTables';
import { DependencyHistory } from '../components/DependencyHistory';
import { Graph, type GraphEdge, type GraphNode } from '../components/Graph';
import { WhatIfPanel } from '../components/WhatIf';
import { AsLink, PrefixLink } from '../components/Links';
import { Downloads, Meta, NOT_DRAWN, Status, useDrawn } from '../components/Status';
import { Table, type Column } from '../components/Table';
import { Visibility, type EventsAnswer, type VisibilityAnswer } from '../components/Visibility';
import { dataDays, downloadPicture, downloadCsv, downloadJson, fileName, type NamePart } from '../download';
import { fixed, percent } from '../format';
import { href, hrefWith, setQuery, type Route } from '../router';
import type { AsResult, CountryResult } from '../types';

export interface DependencyGraphOptions {
  minHegemony: number;
  limit: number;
}

/** Nodes and edges of the dependency graph: ASes toward the country, then expanded neighbours. */
export function dependencyGraph(
  country: CountryResult,
  expanded: Map<number, AsResult>,
  options: DependencyGraphOptions,
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const chokepoints = new Set(country.chokepoints);
  const origins = new Set(country.origins.map((o) => o.asn));
  const upstreams = new Set(country.upstreams.map((u) => u.asn));
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const root = `cc:${country.country}`;
  nodes.set(root, { id: root, label: country.country, kind: 'country' });
  const asNode = (asn: number, name: string) => {
    const id = `as:${asn}`;
    if (!nodes.has(id))
      nodes.set(id, {
        id,
        label: `AS${asn} ${name}`.trim(),
        kind: origins.has(asn) ? 'origin' : upstreams.has(asn) ? 'upstream' : 'transit',
        marked: chokepoints.has(asn),
      });
    return id;
  };
  for (const origin of country.origins.slice(0, options.limit)) {
    const id = asNode(origin.asn, origin.name);
    edges.set(`${id}>${root}`, {
      id: `${id}>${root}`,
      source: id,
      target: root,
      weight: origin.share,
      label: `origin ${percent(origin.share, 0)}`,
    });
  }
  const crossed = country.dependency.filter((d) => d.hegemony >= options.minHegemony).slice(0, options.limit);
  for (const dependency of crossed) {
    const id = asNode(dependency.asn, dependency.name);
    edges.set(`${id}>${root}`, {
      id: `${id}>${root}`,
      source: id,
      target: root,
      weight: dependency.hegemony,
      label: fixed(dependency.hegemony, 2),
    });
  }
  for (const [asn, view] of expanded) {
    const target = asNode(asn, view.name);
    for (const upstream of view.upstreams.slice(0, options.limit)) {
      const source = asNode(upstream.asn, upstream.name);
      edges.set(`${source}>${target}`, {
        id: `${source}>${target}`,
        source,
        target,
        weight: upstream.share,
        label: percent(upstream.share, 0),
      });
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

const PREFIX_COLUMNS: Column<CountryResult['prefixes'][number]>[] = [
  { key: 'prefix', label: 'Prefix', value: (p) => p.prefix, render: (p) => <PrefixLink prefix={p.prefix} /> },
  {
    key: 'origins',
    label: 'Origins',
    value: (p) => p.origins.map((a) => `AS${a}`).join(' '),
    render: (p) =>
      p.origins.map((a, i) => (
        <span key={a}>
          {i > 0 ? ' ' : ''}
          <AsLink asn={a} />
        </span>
      )),
  },
];

/** Without an `expand` in the URL, a country with few origins shows who carries each of them. */
export function defaultExpansion(country: CountryResult): string {
  return country.origins.length <= 5 ? country.origins.map((o) => o.asn).join(',') : '';
}

export function DependencyGraph({
  country,
  route,
  compact = false,
}: {
  country: CountryResult;
  route: Route;
  compact?: boolean;
}) {
  const minHegemony = Number(route.query.get('minh') ?? '0.1');
  const limit = Number(route.query.get('n') ?? '15');
  const expandText = route.query.get('expand') ?? defaultExpansion(country);
  const expandList = useMemo(
    () =>
      expandText
        .split(',')
        .filter((s) => /^\d+$/.test(s))
        .map(Number),
    [expandText],
  );
  const [expanded, setExpanded] = useState(new Map<number, AsResult>());
  const [problem, setProblem] = useState('');
  const png = useDrawn<() => Promise<Blob>>();
  // The graph's state in its file names: the view it sits on, the hegemony floor, the size, the expansions.
  const file: NamePart[] = [
    compact ? 'home' : 'country',
    country.country,
    'dependency-graph',
    `minh${minHegemony}`,
    `n${limit}`,
    expandList.length > 0 && `expand${expandList.join('_')}`,
  ];
  useEffect(() => {
    let live = true;
    const missing = expandList.filter((asn) => !expanded.has(asn));
    if (missing.length === 0 && expanded.size === expandList.length) return;
    Promise.all(
      missing.map((asn) => apiGet<AsResult>(`/asns/${asn}`).then((answer) => [asn, answer.data] as const)),
    ).then(
      (loaded) => {
        if (!live) return;
        const next = new Map<number, AsResult>();
        for (const asn of expandList) {
          const view = expanded.get(asn) ?? loaded.find(([a]) => a === asn)?.[1];
          if (view) next.set(asn, view);
        }
        setExpanded(next);
      },
      (error: Error) => live && setProblem(error.message),
    );
    return () => {
      live = false;
    };
  }, [expandList.join(',')]);
  const graph = useMemo(
    () => dependencyGraph(country, expanded, { minHegemony, limit }),
    [country, expanded, minHegemony, limit],
  );
  const toggle = (asn: number) => {
    const next = expandList.includes(asn) ? expandList.filter((a) => a !== asn) : [...expandList, asn];
    setQuery({ expand: next.join(',') });
  };
  return (
    <div>
      {!compact && (
        <div class="filters">
          <label for="minh">
            Hegemony at least <output>{minHegemony.toFixed(2)}</output>
          </label>
          <input
            id="minh"
            type="range"
            min="0"
            max="1"
            step="0.05"
            value={minHegemony}
            onInput={(e) => setQuery({ minh: e.currentTarget.value })}
          />
          <label for="limit">Most ASes shown</label>
          <select id="limit" value={String(limit)} onChange={(e) => setQuery({ n: e.currentTarget.value })}>
            {[5, 15, 30, 60, 120].map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </div>
      )}
      <Graph
        label={`Dependency graph of ${country.country}`}
        nodes={graph.nodes}
        edges={graph.edges}
        layout="breadthfirst"
        roots={graph.nodes.filter((n) => !graph.edges.some((e) => e.target === n.id)).map((n) => n.id)}
        height={compact ? 320 : 420}
        onSelect={(id) => id.startsWith('as:') && toggle(Number(id.slice(3)))}
        onPng={png.set}
      />
      <div class="legend">
        <span>
          <span class="swatch" style={{ background: '#1f4e79' }} />
          country
        </span>
        <span>
          <span class="swatch" style={{ background: '#2e7d32' }} />
          origin
        </span>
        <span>
          <span class="swatch" style={{ background: '#b26a00' }} />
          upstream (first AS outside)
        </span>
        <span>
          <span class="swatch" style={{ background: '#6a1b9a' }} />
          transit
        </span>
        <span>
          <span class="swatch" style={{ background: '#fff', border: '3px solid #d50000' }} />
          chokepoint (diamond, hegemony ≥ 0.99)
        </span>
        <span>Edge width: hegemony toward the country, or an expanded AS's upstream share.</span>
      </div>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <Downloads
        of={`the dependency graph of ${country.country}`}
        actions={[
          {
            label: 'Graph PNG',
            run: () => {
              const make = png.get();
              if (make !== undefined) downloadPicture(fileName(file, 'png'), make());
            },
            unavailable: png.drawn ? undefined : NOT_DRAWN,
          },
          {
            label: 'Graph CSV',
            run: () => {
              const labels = new Map(graph.nodes.map((n) => [n.id, n]));
              downloadCsv(
                fileName(file, 'csv'),
                ['source', 'source_kind', 'target', 'target_kind', 'weight', 'label', 'source_chokepoint'],
                graph.edges.map((e) => [
                  labels.get(e.source)?.label,
                  labels.get(e.source)?.kind,
                  labels.get(e.target)?.label,
                  labels.get(e.target)?.kind,
                  e.weight,
                  e.label,
                  labels.get(e.source)?.marked === true,
                ]),
              );
            },
          },
          { label: 'Graph JSON', run: () => downloadJson(fileName(file, 'json'), graph) },
        ]}
      />
      {!compact && (
        <table>
          <caption>ASes in the graph (expand one to bring in its upstreams)</caption>
          <thead>
            <tr>
              <th scope="col">AS</th>
              <th scope="col">Role</th>
              <th scope="col">Chokepoint</th>
              <th scope="col">Expand</th>
            </tr>
          </thead>
          <tbody>
            {graph.nodes
              .filter((n) => n.id.startsWith('as:'))
              .map((n) => {
                const asn = Number(n.id.slice(3));
                return (
                  <tr key={n.id}>
                    <td>
                      <a href={href('as', asn)}>{n.label}</a>
                    </td>
                    <td>{n.kind}</td>
                    <td>{n.marked ? <span class="flag">chokepoint</span> : ''}</td>
                    <td>
                      <button
                        type="button"
                        aria-pressed={expandList.includes(asn)}
                        onClick={() => toggle(asn)}
                      >
                        {expandList.includes(asn) ? 'Collapse' : 'Expand'} AS{asn}
                      </button>
                    </td>
                  </tr>
                );
              })}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function CountryOverview({ country }: { country: CountryResult }) {
  const top = country.dependency[0];
  return (
    <p>
      {country.prefixes.length} announced prefixes; {country.space.visible.ipv4Slash24s} of{' '}
      {country.space.registered.ipv4Slash24s} registered IPv4 /24s visible; seen from{' '}
      {country.vantagePoints.peers} peers in {country.vantagePoints.peerAses} ASes.{' '}
      {country.upstreamCount === 1 ? (
        <strong class="flag">One upstream carries all its routes.</strong>
      ) : (
        `${country.upstreamCount} upstreams.`
      )}{' '}
      {top && (
        <>
          Largest dependency: <AsLink asn={top.asn} name={top.name} /> (hegemony {fixed(top.hegemony)}).
        </>
      )}
    </p>
  );
}

export function CountryPage({ code, route }: { code: string; route: Route }) {
  const loaded = useApi<CountryResult>(`/countries/${encodeURIComponent(code)}`);
  const range = { from: route.query.get('from') ?? undefined, to: route.query.get('to') ?? undefined };
  const bins = useApiList<VisibilityAnswer>(`/countries/${encodeURIComponent(code)}/visibility`, 'bins', {
    ...range,
    limit: 1000,
  });
  const events = useApiList<EventsAnswer>(`/countries/${encodeURIComponent(code)}/outages`, 'events', {
    ...range,
    limit: 1000,
  });
  const selected = route.query.get('event');
  return (
    <section>
      <h1>Country {code}</h1>
      <p>
        <a href={hrefWith(['compare'], { items: `country:${code}` })}>Compare with other countries or ASes</a>
      </p>
      <Status loaded={loaded} what={`country ${code}`}>
        {(country, ready) => (
          <>
            <Meta meta={ready.value.meta} />
            <CountryOverview country={country} />
            <Downloads
              of={`country ${code}`}
              actions={[
                {
                  label: 'Country JSON',
                  run: () =>
                    downloadJson(fileName(['country', code, ...dataDays(ready.value.meta)], 'json'), country),
                },
                {
                  label: 'Upstreams CSV',
                  run: () =>
                    downloadCsv(
                      fileName(['country', code, ...dataDays(ready.value.meta), 'upstreams'], 'csv'),
                      ['asn', 'name', 'country', 'share'],
                      country.upstreams.map((u) => [u.asn, u.name, u.country, u.share]),
                    ),
                },
                {
                  label: 'Dependency CSV',
                  run: () =>
                    downloadCsv(
                      fileName(['country', code, ...dataDays(ready.value.meta), 'dependency'], 'csv'),
                      ['asn', 'name', 'hegemony', 'ipv4', 'ipv6'],
                      country.dependency.map((d) => [d.asn, d.name, d.hegemony, d.ipv4, d.ipv6]),
                    ),
                },
                {
                  label: 'Prefixes CSV',
                  run: () =>
                    downloadCsv(
                      fileName(['country', code, ...dataDays(ready.value.meta), 'prefixes'], 'csv'),
                      ['prefix', 'origins'],
                      country.prefixes.map((p) => [p.prefix, p.origins.join(' ')]),
                    ),
                },
              ]}
            />
            <div class="two">
              <div>
                <h2>Upstreams</h2>
                <UpstreamTable
                  caption={`Upstreams of ${code} (first AS outside the country)`}
                  rows={country.upstreams}
                />
                <h2>Origins</h2>
                <Table
                  caption={`Origin ASes of ${code}`}
                  columns={[asColumn(), shareColumn()]}
                  rows={country.origins}
                  rowKey={(o) => String(o.asn)}
                />
              </div>
              <div>
                <h2>Dependency (AS hegemony)</h2>
                <DependencyTable
                  caption={`ASes ${code} depends on`}
                  rows={country.dependency}
                  chokepoints={country.chokepoints}
                />
              </div>
            </div>
            <h2>Dependency graph</h2>
            <DependencyGraph country={country} route={route} />
            <h2>What if an AS stopped carrying {code}'s traffic</h2>
            <WhatIfPanel
              code={code}
              remove={route.query.get('remove') ?? ''}
              suggested={country.dependency[0]?.asn}
            />
            <h2>Prefixes</h2>
            <Table
              caption={`Prefixes announced in ${code}`}
              columns={PREFIX_COLUMNS}
              rows={country.prefixes}
              rowKey={(p) => p.prefix}
              limit={100}
            />
          </>
        )}
      </Status>
      <h2>Visible space over time</h2>
      <Status loaded={bins} what={`the visibility series of ${code}`}>
        {(binList) => (
          <Status loaded={events} what={`the outages of ${code}`}>
            {(eventList) => (
              <Visibility
                result={{ bins: binList.bins, binSeconds: binList.binSeconds, events: eventList.events }}
                name={code}
                file={['country', code, 'visibility']}
                selected={selected === null ? undefined : Number(selected)}
                onSelect={(id) => setQuery({ event: id === undefined ? undefined : String(id) })}
              />
            )}
          </Status>
        )}
      </Status>
      <h2>Dependency over time</h2>
      <DependencyHistory code={code} />
    </section>
  );
}
