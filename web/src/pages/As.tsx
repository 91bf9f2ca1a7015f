/** An AS: what it originates, its neighbours both ways, and the dependency of its space. */
import { useApi } from '../api';
import { DependencyTable, UpstreamTable, asColumn } from '../components/AsTables';
import { Graph, type GraphEdge, type GraphNode } from '../components/Graph';
import { CountryLink, PrefixLink } from '../components/Links';
import { Downloads, Meta, NOT_DRAWN, Status, useDrawn } from '../components/Status';
import { Table } from '../components/Table';
import { dataDays, downloadCsv, downloadPicture, downloadJson, fileName } from '../download';
import { percent } from '../format';
import { hrefWith, type Route } from '../router';
import type { AsResult } from '../types';

function neighbourGraph(view: AsResult): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const self = `as:${view.asn}`;
  const nodes: GraphNode[] = [
    { id: self, label: `AS${view.asn} ${view.name}`, kind: 'origin', marked: false },
  ];
  const edges: GraphEdge[] = [];
  for (const u of view.upstreams.slice(0, 20)) {
    nodes.push({ id: `as:${u.asn}`, label: `AS${u.asn} ${u.name}`, kind: 'upstream' });
    edges.push({
      id: `u${u.asn}`,
      source: `as:${u.asn}`,
      target: self,
      weight: u.share,
      label: percent(u.share, 0),
    });
  }
  const most = Math.max(1, ...view.downstreams.map((d) => d.paths));
  for (const d of view.downstreams.slice(0, 20)) {
    if (nodes.some((n) => n.id === `as:${d.asn}`)) continue;
    nodes.push({ id: `as:${d.asn}`, label: `AS${d.asn} ${d.name}`, kind: 'transit' });
    edges.push({
      id: `d${d.asn}`,
      source: self,
      target: `as:${d.asn}`,
      weight: d.paths / most,
      label: String(d.paths),
    });
  }
  return { nodes, edges };
}

export function AsPage({ asn }: { asn: string; route: Route }) {
  const number = asn.replace(/^AS/i, '');
  const loaded = useApi<AsResult>(`/asns/${encodeURIComponent(number)}`);
  const png = useDrawn<() => Promise<Blob>>();
  return (
    <section>
      <Status loaded={loaded} what={`AS${number}`}>
        {(view, ready) => {
          const graph = neighbourGraph(view);
          const file = ['as', view.asn, ...dataDays(ready.value.meta)];
          return (
            <>
              <h1>
                AS{view.asn} {view.name}
              </h1>
              <Meta meta={ready.value.meta} />
              <p>
                Registered in <CountryLink code={view.country} />; originates {view.prefixes.length} prefixes
                ({view.space.ipv4Slash24s} IPv4 /24s, {view.space.ipv6Prefixes} IPv6 prefixes).{' '}
                <a href={hrefWith(['compare'], { items: `as:${view.asn}` })}>Compare</a>
              </p>
              <Downloads
                of={`AS${view.asn}`}
                actions={[
                  { label: 'JSON', run: () => downloadJson(fileName(file, 'json'), view) },
                  {
                    label: 'Prefixes CSV',
                    run: () =>
                      downloadCsv(
                        fileName([...file, 'prefixes'], 'csv'),
                        ['prefix', 'country'],
                        view.prefixes.map((p) => [p.prefix, p.country]),
                      ),
                  },
                  {
                    label: 'Neighbours CSV',
                    run: () =>
                      downloadCsv(
                        fileName([...file, 'neighbours'], 'csv'),
                        ['direction', 'asn', 'name', 'country', 'share', 'paths'],
                        [
                          ...view.upstreams.map((u) => [
                            'upstream',
                            u.asn,
                            u.name,
                            u.country,
                            u.share,
                            undefined,
                          ]),
                          ...view.downstreams.map((d) => [
                            'downstream',
                            d.asn,
                            d.name,
                            d.country,
                            undefined,
                            d.paths,
                          ]),
                        ],
                      ),
                  },
                  {
                    label: 'Dependency CSV',
                    run: () =>
                      downloadCsv(
                        fileName([...file, 'dependency'], 'csv'),
                        ['asn', 'name', 'hegemony'],
                        view.dependency.map((d) => [d.asn, d.name, d.hegemony]),
                      ),
                  },
                  {
                    label: 'Graph PNG',
                    run: () => {
                      const make = png.get();
                      if (make !== undefined)
                        downloadPicture(fileName([...file, 'neighbours'], 'png'), make());
                    },
                    unavailable: png.drawn ? undefined : NOT_DRAWN,
                  },
                ]}
              />
              <h2>Neighbours</h2>
              <Graph
                label={`Neighbours of AS${view.asn}`}
                nodes={graph.nodes}
                edges={graph.edges}
                onPng={png.set}
                height={340}
              />
              <div class="two">
                <UpstreamTable caption="Upstreams (toward the vantage points)" rows={view.upstreams} />
                <Table
                  caption="Downstreams"
                  columns={[
                    asColumn(),
                    { key: 'paths', label: 'Paths', numeric: true, value: (d) => d.paths },
                  ]}
                  rows={view.downstreams}
                  rowKey={(d) => String(d.asn)}
                  limit={50}
                />
              </div>
              <DependencyTable caption="Dependency of its space (AS hegemony)" rows={view.dependency} />
              <Table
                caption="Prefixes"
                columns={[
                  {
                    key: 'prefix',
                    label: 'Prefix',
                    value: (p) => p.prefix,
                    render: (p) => <PrefixLink prefix={p.prefix} />,
                  },
                  { key: 'country', label: 'Country', value: (p) => p.country },
                ]}
                rows={view.prefixes}
                rowKey={(p) => p.prefix}
                limit={100}
              />
            </>
          );
        }}
      </Status>
    </section>
  );
}
