/**
 * What if some ASes stopped carrying a country's traffic (`/whatif`, issue #19): the country's
 * space split into reachable over observed paths / only over valley-free alternatives / cut off,
 * each prefix with its fate, the vantage points whose paths survive, the alternative path when
 * there is one and the inferred links it rests on. The ASes removed live in the URL (`remove`).
 */
import { useState } from 'preact/hooks';
import { useApi } from '../api';
import { downloadCsv, downloadJson, fileName } from '../download';
import { percent } from '../format';
import { setQuery } from '../router';
import type { WhatIfResult } from '../types';
import { AsLink, PrefixLink } from './Links';
import { Downloads, Meta, Status } from './Status';
import { Table } from './Table';

type Prefix = WhatIfResult['countries'][number]['prefixes'][number];

const FATE_TEXT: Record<Prefix['fate'], string> = {
  observed: 'reachable over observed paths',
  alternative: 'only over a valley-free alternative',
  cut: 'cut off',
};

function AsPath({ path }: { path: readonly number[] }) {
  return (
    <span class="as-path">
      {path.map((asn, i) => (
        <span key={`${i}-${asn}`}>
          {i > 0 ? ' → ' : ''}
          <AsLink asn={asn} />
        </span>
      ))}
    </span>
  );
}

export function WhatIfPanel({
  code,
  remove,
  suggested,
}: {
  code: string;
  remove: string;
  suggested?: number;
}) {
  const [text, setText] = useState(remove !== '' ? remove : suggested !== undefined ? `AS${suggested}` : '');
  const asked = remove
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .join(',');
  const loaded = useApi<WhatIfResult>(asked === '' ? undefined : '/whatif', { remove: asked, country: code });
  const whatIfFile = ['country', code, 'whatif', 'without', ...asked.split(',').map((a) => a.toUpperCase())];
  return (
    <div class="whatif">
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setQuery({ remove: text.trim() === '' ? undefined : text.trim() });
        }}
      >
        <label for="whatif-remove">Remove ASes</label>
        <input
          id="whatif-remove"
          value={text}
          placeholder="AS4837, AS9929"
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit">Simulate</button>
      </form>
      {asked === '' ? (
        <p class="muted">Name one or more ASes to see what would still reach {code} without them.</p>
      ) : (
        <Status loaded={loaded} what={`what reaches ${code} without ${asked}`}>
          {(result, ready) => {
            const country = result.countries[0];
            if (country === undefined) return <p class="muted">No answer for {code}.</p>;
            return (
              <>
                <Meta meta={ready.value.meta} />
                <p>
                  Without{' '}
                  {result.removed.map((r, i) => (
                    <span key={r.asn}>
                      {i > 0 ? ', ' : ''}
                      <AsLink asn={r.asn} name={r.name} />
                    </span>
                  ))}
                  , {code}'s space ({country.unit === 'ipv4' ? 'IPv4 addresses' : 'IPv6 prefixes'}):
                </p>
                <table class="whatif-split">
                  <caption>What would still reach {code}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Fate</th>
                      <th scope="col">Share</th>
                      <th scope="col">Prefixes</th>
                      <th scope="col">IPv4 /24s</th>
                    </tr>
                  </thead>
                  <tbody>
                    {(['observed', 'alternative', 'cut'] as const).map((fate) => (
                      <tr key={fate} data-fate={fate}>
                        <th scope="row">{FATE_TEXT[fate]}</th>
                        <td>{percent(country.share[fate])}</td>
                        <td>{country.space[fate].prefixes}</td>
                        <td>{country.space[fate].ipv4Slash24s}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <Downloads
                  of={`what reaches ${code} without ${asked}`}
                  actions={[
                    {
                      label: 'What-if CSV',
                      run: () =>
                        downloadCsv(
                          fileName(whatIfFile, 'csv'),
                          [
                            'prefix',
                            'fate',
                            'vantage_points',
                            'surviving',
                            'alternative_path',
                            'origin_links',
                          ],
                          country.prefixes.map((p) => [
                            p.prefix,
                            p.fate,
                            p.vantagePoints.length,
                            p.vantagePoints.filter((v) => v.survives).length,
                            p.alternative?.path.join(' '),
                            p.originLinks
                              .map((l) => `${l.from}-${l.to} ${l.type}${l.removed ? ' removed' : ''}`)
                              .join('; '),
                          ]),
                        ),
                    },
                    { label: 'What-if JSON', run: () => downloadJson(fileName(whatIfFile, 'json'), result) },
                  ]}
                />
                <Table
                  caption={`Prefixes of ${code} without ${result.removed.map((r) => `AS${r.asn}`).join(', ')}`}
                  columns={[
                    {
                      key: 'prefix',
                      label: 'Prefix',
                      value: (p: Prefix) => p.prefix,
                      render: (p: Prefix) => <PrefixLink prefix={p.prefix} />,
                    },
                    { key: 'fate', label: 'Fate', value: (p: Prefix) => FATE_TEXT[p.fate] },
                    {
                      key: 'vps',
                      label: 'Observed paths surviving',
                      value: (p: Prefix) =>
                        `${p.vantagePoints.filter((v) => v.survives).length} of ${p.vantagePoints.length}`,
                    },
                    {
                      key: 'alternative',
                      label: 'Alternative path',
                      value: (p: Prefix) => p.alternative?.path.join(' ') ?? '',
                      render: (p: Prefix) =>
                        p.alternative ? (
                          <AsPath path={p.alternative.path} />
                        ) : (
                          <span class="muted">none</span>
                        ),
                    },
                    {
                      key: 'evidence',
                      label: 'Origin links (inferred)',
                      value: (p: Prefix) => p.originLinks.map((l) => `${l.from}-${l.to} ${l.type}`).join(' '),
                      render: (p: Prefix) =>
                        p.originLinks.slice(0, 4).map((l) => (
                          <div key={`${l.from}-${l.to}`}>
                            AS{l.from} → <AsLink asn={l.to} name={l.toName} /> {l.type}
                            {l.removed ? ' (removed)' : ''}, {l.paths} paths
                            {l.evidence[0] !== undefined ? `, e.g. ${l.evidence[0]}` : ''}
                          </div>
                        )),
                    },
                  ]}
                  rows={country.prefixes}
                  rowKey={(p: Prefix) => p.prefix}
                  limit={100}
                />
                <details>
                  <summary>Limits of this answer</summary>
                  <ul>
                    {result.limits.map((limit) => (
                      <li key={limit}>{limit}</li>
                    ))}
                  </ul>
                  <p class="muted">Method: {result.method}</p>
                </details>
              </>
            );
          }}
        </Status>
      )}
    </div>
  );
}
