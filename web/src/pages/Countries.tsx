/**
 * Every country's top dependency, upstream count and single-upstream flag, sortable and
 * searchable (sort, direction and filter in the URL), and a world map coloured by dependency
 * (Natural Earth shapes from world-atlas; see web/README.md).
 */
import { useApi } from '../api';
import { AsLink, CountryLink } from '../components/Links';
import { Downloads, Meta, Status } from '../components/Status';
import { Table, sortRows, type Column } from '../components/Table';
import { WorldMap } from '../components/WorldMap';
import { dataDays, downloadCsv, downloadJson, fileName } from '../download';
import { fixed } from '../format';
import { setQuery, type Route } from '../router';
import type { CountriesResult, CountryRank } from '../types';

const COLUMNS: Column<CountryRank>[] = [
  {
    key: 'country',
    label: 'Country',
    value: (r) => r.country,
    render: (r) => <CountryLink code={r.country} />,
  },
  {
    key: 'top',
    label: 'Top dependency',
    value: (r) => (r.top ? `AS${r.top.asn} ${r.top.name}` : undefined),
    render: (r) =>
      r.top ? <AsLink asn={r.top.asn} name={r.top.name} /> : <span class="muted">none crossed</span>,
  },
  {
    key: 'hegemony',
    label: 'Hegemony',
    numeric: true,
    value: (r) => r.top?.hegemony,
    render: (r) => (r.top ? fixed(r.top.hegemony) : ''),
  },
  { key: 'upstreams', label: 'Upstreams', numeric: true, value: (r) => r.upstreamCount },
  {
    key: 'single',
    label: 'Single upstream',
    value: (r) => (r.upstreamCount === 1 ? 'yes' : 'no'),
    render: (r) => (r.upstreamCount === 1 ? <span class="flag">yes</span> : 'no'),
  },
  { key: 'prefixes', label: 'Prefixes', numeric: true, value: (r) => r.prefixes },
  { key: 'slash24s', label: 'Visible /24s', numeric: true, value: (r) => r.visibleIpv4Slash24s },
  { key: 'chokepoints', label: 'Chokepoints', value: (r) => r.chokepoints.map((a) => `AS${a}`).join(' ') },
];

export function CountriesPage({ route }: { route: Route }) {
  const loaded = useApi<CountriesResult>('/countries', { limit: 1000 });
  const state = {
    sort: route.query.get('sort') ?? undefined,
    dir: route.query.get('dir') ?? undefined,
    search: route.query.get('q') ?? undefined,
  };
  return (
    <section>
      <h1>Countries</h1>
      <p class="muted">
        Each country's largest AS dependency (AS hegemony), how many upstreams carry its space, and whether
        one upstream carries it all.
      </p>
      <Status loaded={loaded} what="the country ranking">
        {(data, ready) => {
          const rows = data.countries;
          const shown = () => sortRows(rows, COLUMNS, state);
          const days = dataDays(ready.value.meta);
          // The filter and the sort are the table's state: they name its files.
          const file = [
            'countries',
            ...days,
            state.search && `q-${state.search}`,
            state.sort && `sort-${state.sort}-${state.dir ?? 'asc'}`,
          ];
          return (
            <>
              <Meta meta={ready.value.meta} />
              <p>
                {rows.length} countries; {rows.filter((r) => r.upstreamCount === 1).length} reach the Internet
                through a single upstream.
              </p>
              <WorldMap rows={rows} file={['world-map', ...days]} />
              <Downloads
                of="the country ranking"
                actions={[
                  {
                    label: 'Download CSV',
                    run: () =>
                      downloadCsv(
                        fileName(file, 'csv'),
                        COLUMNS.map((c) => c.key),
                        shown().map((r) => COLUMNS.map((c) => c.value(r))),
                      ),
                  },
                  { label: 'Download JSON', run: () => downloadJson(fileName(file, 'json'), shown()) },
                ]}
              />
              <Table
                caption="Countries by dependency"
                columns={COLUMNS}
                rows={rows}
                rowKey={(r) => r.country}
                state={state}
                searchable
                onState={(next) => setQuery({ sort: next.sort, dir: next.dir, q: next.search })}
              />
            </>
          );
        }}
      </Status>
    </section>
  );
}
