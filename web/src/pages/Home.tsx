/**
 * The first page: North Korea's dependency on AS4837 (China Unicom's backbone) and the Sony
 * Pictures 2014 case, both shown without a click.
 */
import { useApi } from '../api';
import { AsLink } from '../components/Links';
import { Downloads, Status } from '../components/Status';
import { downloadJson, fileName } from '../download';
import { fixed, percent } from '../format';
import { href, type Route } from '../router';
import type { CountryResult, IntelShowResult } from '../types';
import { AchView } from './Ach';
import { CaseView } from './Cases';
import { CountryOverview, DependencyGraph } from './Country';

export const HOME_COUNTRY = 'KP';
export const HOME_AS = 4837;
export const SONY_ACH_CASE = 'sony-pictures-2014';

function KpDependency({ country, route }: { country: CountryResult; route: Route }) {
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
      <DependencyGraph country={country} route={route} compact />
      <Downloads
        of={`country ${HOME_COUNTRY}`}
        actions={[
          {
            label: 'KP JSON',
            run: () => downloadJson(fileName(['home', 'country', HOME_COUNTRY], 'json'), country),
          },
        ]}
      />
    </div>
  );
}

export function HomePage({ route }: { route: Route }) {
  const kp = useApi<CountryResult>(`/countries/${HOME_COUNTRY}`);
  const sony = useApi<{ cases: IntelShowResult['case'][] }>('/intel/cases', { q: 'sony', limit: 5 });
  return (
    <section>
      <h1>cairn workspace</h1>
      <p class="muted">
        Who is behind a cyber incident, and how a country reaches the Internet. Two examples from the bundled
        real data:
      </p>
      <div class="cards">
        <Status loaded={kp} what="North Korea's dependency">
          {(country) => <KpDependency country={country} route={route} />}
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
        {({ cases }) =>
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
