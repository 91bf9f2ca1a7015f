/** An announced prefix: origins, paths per peer and the chain to the border. */
import { useApi } from '../api';
import { Meta, Status } from '../components/Status';
import type { Route } from '../router';
import type { IpResult } from '../types';
import { AddressView } from './Ip';

/** The prefix page's answer: the address view's fields with the prefix itself. */
type PrefixAnswer = Omit<IpResult, 'address'> & { address?: string };

export function PrefixPage({ prefix }: { prefix: string; route: Route }) {
  // `_` stands for `/` in the path segment (the API takes either).
  const loaded = useApi<PrefixAnswer>(`/prefixes/${encodeURIComponent(prefix.replace('/', '_'))}`);
  return (
    <section>
      <h1>Prefix {prefix}</h1>
      <Status loaded={loaded} what={`prefix ${prefix}`}>
        {(result, ready) => (
          <>
            <Meta meta={ready.value.meta} />
            <AddressView
              result={{ ...result, address: result.address ?? prefix }}
              name={prefix.replace('/', '_')}
            />
          </>
        )}
      </Status>
    </section>
  );
}
