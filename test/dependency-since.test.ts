/**
 * observatory's `allCountriesSince` recomputes only the country views that can have moved since its
 * last call (countries of the prefixes whose routes changed, countries whose prefixes' weights
 * moved) and keeps the others. Its views must be those `allCountries` computes from scratch, after
 * every step of a replay of real RIPE update files of data/ (one with a session reset), cut into
 * steps of a few thousand elements so that most steps move few countries; every country of the
 * bundled APNIC registry of 2014-10-09.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegistryFiles } from '../src/app/index.js';
import { scanMrt } from '../src/mrt/index.js';
import { Observatory, type CountryView } from '../src/observatory/index.js';
import type { Registry } from '../src/registry/index.js';
import { RoutingTable } from '../src/routing/index.js';

const data = (name: string): string => fileURLToPath(new URL(`../data/${name}`, import.meta.url));

let registry: Registry;
beforeAll(async () => {
  registry = (await loadRegistryFiles([data('registry/delegated-apnic-20141009.gz')])).registry;
});

describe('dependency views kept between snapshots = views recomputed', () => {
  // The files, then the elements per step.
  for (const [name, inputs] of Object.entries({
    'real RIPE updates (2002)': ['mrt/ripe-bgpdump/updates.20020722.2238.gz', 300],
    'real RIS update files with a session reset (rrc15, 2010)': [
      'mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz',
      'mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1610.gz',
      5000,
    ],
  }))
    it(`on ${name}, step by step`, async () => {
      const files = inputs.slice(0, -1) as string[];
      const step = inputs[inputs.length - 1] as number;
      const table = new RoutingTable();
      const kept = new Observatory(table, registry);
      let changed = new Set<number>();
      let all = true;
      table.onEvent((event) => {
        if (event.kind === 'peer-down') all = true;
        else changed.add(event.prefixId);
      });
      let steps = 0;
      let keptViews = 0;
      let previous = new Map<string, CountryView>();
      const compare = (): void => {
        kept.refresh();
        const before = kept.allCountriesSince(all ? undefined : changed);
        const fresh = new Observatory(table, registry).allCountries();
        // A country with no route left keeps an empty view in `kept`; the fresh observatory never saw it.
        const present = new Set(fresh.map((v) => v.country));
        const comparable = (views: CountryView[]): CountryView[] =>
          views.filter((v) => present.has(v.country) || v.dependency.length > 0);
        expect(comparable(before)).toEqual(fresh);
        // Views handed back unchanged are the very objects of the previous call.
        for (const view of before) if (previous.get(view.country) === view) keptViews++;
        previous = new Map(before.map((v) => [v.country, v]));
        changed = new Set();
        all = false;
        steps++;
      };
      let elements = 0;
      for (const file of files) {
        await scanMrt(data(file), (cursor, decoder) => {
          table.ingest(cursor, decoder);
          if (++elements % step === 0) compare();
        });
        compare();
      }
      expect(steps).toBeGreaterThan(5);
      expect(keptViews).toBeGreaterThan(0);
    }, 600_000);
});
