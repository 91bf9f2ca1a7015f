/**
 * An address: its longest announced prefix, the covering prefixes, origins, registry country,
 * and every peer's path with the chain to the border (from the origin to the first AS outside
 * the country).
 */
import { useApi } from '../api';
import { AsLink, CountryLink, PrefixLink } from '../components/Links';
import { Downloads, Meta, Status } from '../components/Status';
import { dataDays, downloadCsv, downloadJson, fileName, type NamePart } from '../download';
import type { Route } from '../router';
import type { IpResult } from '../types';

/** `file`: the view and its state, first in the download names (`ip`, the address, the data's days). */
export function AddressView({ result, file }: { result: IpResult; file: NamePart[] }) {
  return (
    <>
      <p>
        {result.prefix ? (
          <>
            Longest announced prefix <PrefixLink prefix={result.prefix} />
          </>
        ) : (
          <strong>No announced prefix holds this address.</strong>
        )}
        ; registry country <CountryLink code={result.country} /> ({result.registry || 'no registry entry'}).
      </p>
      <p>
        Origins:{' '}
        {result.origins.length === 0
          ? 'none'
          : result.origins.map((o, i) => (
              <span key={o.asn}>
                {i > 0 ? ', ' : ''}
                <AsLink asn={o.asn} name={o.name} /> ({o.country || 'unknown'})
              </span>
            ))}
      </p>
      {result.covering.length > 1 && (
        <p>
          Covering prefixes:{' '}
          {result.covering.map((p, i) => (
            <span key={p}>
              {i > 0 ? ', ' : ''}
              <PrefixLink prefix={p} />
            </span>
          ))}
        </p>
      )}
      <Downloads
        of={`the paths to ${result.address}`}
        actions={[
          {
            label: 'Paths CSV',
            run: () =>
              downloadCsv(
                fileName([...file, 'paths'], 'csv'),
                ['peer_address', 'peer_asn', 'as_path', 'chain_to_border'],
                result.paths.map((p) => [
                  p.peerAddress,
                  p.peerAsn,
                  p.asPath,
                  p.upstreamChain.map((c) => `AS${c.asn}`).join(' > '),
                ]),
              ),
          },
          { label: 'JSON', run: () => downloadJson(fileName(file, 'json'), result) },
        ]}
      />
      <table>
        <caption>Paths per peer ({result.paths.length})</caption>
        <thead>
          <tr>
            <th scope="col">Peer</th>
            <th scope="col">Peer AS</th>
            <th scope="col">AS path</th>
            <th scope="col">Chain to the border</th>
          </tr>
        </thead>
        <tbody>
          {result.paths.map((path, i) => (
            <tr key={i}>
              <td>{path.peerAddress}</td>
              <td>
                <AsLink asn={path.peerAsn} />
              </td>
              <td>
                <code>{path.asPath}</code>
              </td>
              <td>
                {path.upstreamChain.map((hop, j) => (
                  <span key={j}>
                    {j > 0 ? ' > ' : ''}
                    <AsLink asn={hop.asn} /> ({hop.country || '?'})
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function IpPage({ address }: { address: string; route: Route }) {
  const loaded = useApi<IpResult>(`/ips/${encodeURIComponent(address)}`);
  return (
    <section>
      <h1>Address {address}</h1>
      <Status loaded={loaded} what={`address ${address}`}>
        {(result, ready) => (
          <>
            <Meta meta={ready.value.meta} />
            <AddressView result={result} file={['ip', address, ...dataDays(ready.value.meta)]} />
          </>
        )}
      </Status>
    </section>
  );
}
