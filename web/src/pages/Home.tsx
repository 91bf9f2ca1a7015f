/**
 * The first page: North Korea's dependency on AS4837 (China Unicom's backbone) and the Sony
 * Pictures 2014 case, both shown without a click.
 */
import { useMemo, useRef } from 'preact/hooks';
import { useApi } from '../api';
import { Graph } from '../components/Graph';
import { AsLink } from '../components/Links';
import { Downloads, Status } from '../components/Status';
import { downloadBlob, downloadJson } from '../download';
import { fixed, percent } from '../format';
import { href, type Route } from '../router';
import type { CountryResult, IntelShowResult } from '../types';
import { AchView } from './Ach';
import { CaseView } from './Cases';
import { CountryOverview, dependencyGraph } from './Country';

export const HOME_COUNTRY = 'KP';
export const HOME_AS = 4837;
export const SONY_ACH_CASE = 'sony-pictures-2014';

function KpDependency({ country }: { country: CountryResult }) {
  const graph = useMemo(() => dependencyGraph(country, new Map(), { minHegemony: 0, limit: 15 }), [country]);
  const png = useRef<(() => Blob) | undefined>(undefined);
  const dependency = country.dependency.find((d) => d.asn === HOME_AS);
  const upstream = country.upstreams.find((u) => u.asn === HOME_AS);
  return (
    <div class="card">
      <h2>North Korea's Internet runs through AS{HOME_AS}</h2>
      <p class="big" data-testid="kp-hegemony">
        {dependency ? `hegemony ${fixed(dependency.hegemony, 2)}` : `AS${HOME_AS} not crossed`}
      </p>
      <p>
        <AsLink asn={HOME_AS} name={dependency?.name ?? upstream?.name} /> carries{' '}
        {upstream ? percent(upstream.share) : 'none'} of the visible space of{' '}
        <a href={href('country', HOME_COUNTRY)}>KP</a>
        {country.chokepoints.includes(HOME_AS) ? ': a chokepoint.' : '.'}
      </p>
      <CountryOverview country={country} />
      <Graph
        label="Dependency graph of KP"
        nodes={graph.nodes}
        edges={graph.edges}
        layout="breadthfirst"
        height={300}
        onPng={(f) => (png.current = f)}
      />
      <Downloads
        actions={[
          { label: 'KP JSON', run: () => downloadJson('country-KP.json', country) },
          { label: 'Graph PNG', run: () => png.current && downloadBlob('dependency-KP.png', png.current()) },
        ]}
      />
    </div>
  );
}

export function HomePage() {
  const kp = useApi<CountryResult>(`/countries/${HOME_COUNTRY}`);
  const sony = useApi<IntelShowResult['case'][]>('/intel/cases', { q: 'sony', limit: 5 });
  const route: Route = { parts: [], query: new URLSearchParams() };
  return (
    <section>
      <h1>cairn workspace</h1>
      <p class="muted">
        Who is behind a cyber incident, and how a country reaches the Internet. Two examples from the bundled
        real data:
      </p>
      <div class="cards">
        <Status loaded={kp} what="North Korea's dependency">
          {(country) => <KpDependency country={country} />}
        </Status>
        <div class="card">
          <h2>Sony Pictures, November 2014</h2>
          <AchView id={SONY_ACH_CASE} route={route} compact />
          <p>
            <a href={href('ach', SONY_ACH_CASE)}>Open the full analysis of competing hypotheses</a>
          </p>
        </div>
      </div>
      <Status loaded={sony} what="the Sony case">
        {(cases) =>
          cases.length === 0 ? (
            <p class="muted">No Sony incident in the evidence corpus.</p>
          ) : (
            <div class="card">
              <CaseView id={cases[0].id} route={route} compact />
              <p>
                <a href={href('cases', cases[0].id)}>Open the case</a>
              </p>
            </div>
          )
        }
      </Status>
    </section>
  );
}
