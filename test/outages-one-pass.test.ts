/**
 * The one-pass detector of every country (observatory's CountryOutageDetectors) against one
 * OutageDetector per country, each attached to the table on its own: the same events, phase by
 * phase and in the same order across countries, the same bins, session resets and no-data
 * periods. Inputs: the SYNTHETIC December 2014 replay (test/fixtures/synthetic-outage.ts: the real
 * KP routes and real background of data/mrt/ripe-bgpdump/updates.et-header.2015.gz, synthetic
 * peers and timeline; data/ holds no MRT capture of December 2014), and real RIPE files of data/
 * (a RIB dump after update files, and RIS update files with a session reset), every country of the
 * bundled APNIC registry of 2014-10-09 watched.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegistryFiles } from '../src/app/index.js';
import { readElements, scanMrt, scanMrtBuffer, type MrtElement } from '../src/mrt/index.js';
import {
  CountryOutageDetectors,
  OutageDetector,
  selectCountry,
  type OutageOptions,
} from '../src/observatory/index.js';
import { parseAddress } from '../src/net/index.js';
import type { Registry } from '../src/registry/index.js';
import { RoutingTable } from '../src/routing/index.js';
import { buildSyntheticOutage, loadRealRoutes, SYNTHETIC_END } from './fixtures/synthetic-outage.js';

const data = (name: string): string => fileURLToPath(new URL(`../data/${name}`, import.meta.url));

let registry: Registry;
let countries: string[];
beforeAll(async () => {
  registry = (await loadRegistryFiles([data('registry/delegated-apnic-20141009.gz')])).registry;
  countries = [...registry.countries()].sort();
});

interface Output {
  /** Every listener call, in order: country, phase and the event as it was then. */
  phases: unknown[];
  perCountry: unknown[];
}

type Feed = (table: RoutingTable) => Promise<number>;

async function run(feed: Feed, oneP: boolean, options: OutageOptions): Promise<Output> {
  const table = new RoutingTable();
  const router = oneP ? new CountryOutageDetectors(table, registry, countries, options) : undefined;
  const detectors = countries.map(
    (country, i) =>
      router?.detectors[i].detector ??
      new OutageDetector(table, { ...options, select: selectCountry(registry, country) }),
  );
  const phases: unknown[] = [];
  detectors.forEach((detector, i) => {
    detector.onEvent((event, phase) => phases.push([countries[i], phase, structuredClone(event)]));
    detector.onNoData((period, phase) => phases.push([countries[i], `no-data ${phase}`, { ...period }]));
  });
  const last = await feed(table);
  for (const detector of detectors) detector.finish(last);
  const perCountry = detectors.map((d, i) => ({
    country: countries[i],
    events: d.events,
    bins: d.bins,
    resets: d.sessionResets,
    noData: d.noDataPeriods,
    rebases: d.rebases,
    tracked: d.tracker.trackedCount,
    series: d.tracker.series,
  }));
  if (router !== undefined) router.close();
  else for (const d of detectors) d.close();
  return { phases, perCountry: structuredClone(perCountry) };
}

async function compare(feed: Feed, options: OutageOptions): Promise<Output> {
  const reference = await run(feed, false, options);
  const onePass = await run(feed, true, options);
  expect(onePass.phases.length).toBe(reference.phases.length);
  onePass.phases.forEach((entry, i) => expect(entry, `listener call ${i}`).toEqual(reference.phases[i]));
  onePass.perCountry.forEach((entry, i) => expect(entry).toEqual(reference.perCountry[i]));
  return reference;
}

const lastTimeOf = (table: RoutingTable): (() => number) => {
  let last = 0;
  table.onEvent((event) => {
    last = Math.max(last, event.time);
  });
  return () => last;
};

describe('one-pass detection of every country = one detector per country', () => {
  it('on the synthetic December 2014 replay (real routes)', async () => {
    const routes = await loadRealRoutes(data('mrt/ripe-bgpdump/updates.et-header.2015.gz'), 300);
    const bytes = buildSyntheticOutage(routes, { churnSeconds: 900 });
    const reference = await compare(async (table) => {
      await scanMrtBuffer('synthetic-outage.mrt', bytes, table.visitor());
      return SYNTHETIC_END;
    }, {});
    // The replay holds outages and a session reset: the comparison is not of empty outputs.
    expect(reference.phases.filter((p) => (p as string[])[1] === 'open').length).toBeGreaterThan(3);
    const kp = reference.perCountry[countries.indexOf('KP')] as { resets: unknown[] };
    expect(kp.resets.length).toBeGreaterThan(0);
  }, 120_000);

  it('closes a session reset at its peer announcing in the second another peer moved the clocks to', async () => {
    // Real rrc15 routes, then a scripted end: peer P goes down, another peer announces at T (the
    // clocks move to T), P announces at T too (no clock moves: the reset must close then, not at
    // P's next announcement at T + 60).
    const file = data('mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz');
    const elements: MrtElement[] = [];
    for await (const element of readElements(file)) elements.push(element);
    const announced = elements.filter((e) => e.type === 'A' && e.prefix !== undefined);
    const reset = announced[announced.length - 1];
    const other = announced.findLast((e) => e.peerAddress !== reset.peerAddress) as MrtElement;
    const second = announced.findLast(
      (e) => e.peerAddress === reset.peerAddress && e.prefix !== reset.prefix,
    );
    const at = Math.floor(Math.max(...elements.map((e) => e.timestamp))) + 10;
    const reference = await compare(
      async (table) => {
        for (const element of elements) table.applyElement(element);
        table.peerDown(table.peerIdOf(parseAddress(reset.peerAddress), reset.peerAsn), at - 5);
        table.applyElement({ ...other, timestamp: at });
        table.applyElement({ ...reset, timestamp: at });
        if (second !== undefined) table.applyElement({ ...second, timestamp: at + 60 });
        return at + 60;
      },
      { binSeconds: 30, minHistorySeconds: 60 },
    );
    const ends = (reference.perCountry as Array<{ resets: Array<{ time: number; end?: number }> }>)
      .flatMap((c) => c.resets)
      .filter((r) => r.time === at - 5)
      .map((r) => r.end);
    expect(ends.length).toBeGreaterThan(0);
    expect(new Set(ends)).toEqual(new Set([at]));
  }, 120_000);

  for (const [name, files] of Object.entries({
    'real RIPE updates and a RIB dump (2002)': [
      'mrt/ripe-bgpdump/updates.20020722.2238.gz',
      'mrt/ripe-bgpdump/bview.20020722.2337.gz',
    ],
    'real RIS update files (rrc15, 2010)': [
      'mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz',
      'mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1610.gz',
    ],
    'real RIPE updates (2016)': ['mrt/ripe-bgpdump/updates.20160811.1600.gz'],
  }))
    it(`on ${name}, short bins so that detection is armed`, async () => {
      const reference = await compare(
        async (table) => {
          const last = lastTimeOf(table);
          for (const file of files) await scanMrt(data(file), table.visitor());
          return last();
        },
        { binSeconds: 30, minHistorySeconds: 60 },
      );
      const bins = (reference.perCountry as Array<{ bins: unknown[] }>).reduce(
        (n, c) => n + c.bins.length,
        0,
      );
      expect(bins).toBeGreaterThan(0);
    }, 120_000);
});
