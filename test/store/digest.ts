/**
 * Everything a store answers about a routing history, as one comparable value: two stores that
 * hold the same files and the same records give the same digest (ingest times left out).
 */
import type { CairnStore } from '../../src/store/index.js';

export async function storeDigest(
  store: CairnStore,
  countries: readonly string[] = ['KP'],
): Promise<unknown> {
  const files = (await store.files()).map(({ ingestedAt: _ingestedAt, ...rest }) => rest);
  const range = await store.timeRange();
  const from = range?.first ?? 0;
  const to = range?.last ?? 0;
  const perCountry = [];
  for (const country of countries)
    perCountry.push({
      country,
      visibility: await store.visibilitySeries('country', country, from, to),
      dependency: await store.dependencySeries(country, 0, 1e12),
    });
  return {
    files,
    counts: await store.counts(),
    range,
    perCountry,
    outages: await store.outages(),
    changes: await store.prefixChanges(),
    resets: await store.sessionResets(0, 1e12),
  };
}
