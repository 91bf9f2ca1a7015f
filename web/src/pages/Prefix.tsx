/** An announced prefix: origins, paths per peer and the chain to the border. */
import { useApi } from '../api';
import { Meta, Status } from '../components/Status';
import type { Route } from '../router';
import { dataDays } from '../download';
import { AddressView } from './Ip';

import type { PrefixResult } from '../types';

export function PrefixPage({ prefix }: { prefix: string; route: Route }) {
  // `_` stands for `/` in the path segment (the API takes either).
  const loaded = useApi<PrefixResult>(`/prefixes/${encodeURIComponent(prefix.replace('/', '_'))}`);
  return (
    <section>
      <h1>Prefix {prefix}</h1>
      <Status loaded={loaded} what={`prefix ${prefix}`}>
        {(result, ready) => (
          <>
            <Meta meta={ready.value.meta} />
            {!result.exact && (
              <p>{prefix} is not announced as such; the nearest announced prefix holding it is shown.</p>
            )}
            <AddressView
              result={{ ...result, address: result.query }}
              file={['prefix', prefix, ...dataDays(ready.value.meta)]}
            />
          </>
        )}
      </Status>
    </section>
  );
}
