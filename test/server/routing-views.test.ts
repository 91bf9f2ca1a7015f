/**
 * The routing answers kept in the store (app `RoutingViewStore`, `RoutingAnswers`): over the
 * bundled data (the RIS table of October 2015, the APNIC registry, the AS names), every answer
 * read back from a DuckDB store equals, field by field, the one computed from the files; and a
 * server whose world never finishes loading answers the country routes from the store alone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AchWorkspace,
  AsResult,
  CountriesResult,
  CountryResult,
  IpResult,
  PrefixResult,
  RoutingAnswers,
  RoutingViewStore,
  StoreWorkspace,
  WhatIfResult,
  Workspace,
  workspaceWhatIf,
} from '../../src/app/index.js';
import { CairnError } from '../../src/errors/index.js';
import { buildServer, envelope } from '../../src/server/index.js';
import { DuckDbStore } from '../../src/store/index.js';

const OTHER_MRT = fileURLToPath(
  new URL('../../data/mrt/ripe-bgpdump/updates.20070211.0141.gz', import.meta.url),
);
const TOKEN = 'test-token-' + 'v'.repeat(32);
/** A world that never loads: whatever is answered came from the store. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

let dir: string;
let file: string;
let workspace: Workspace;

/**
 * Every field of `stored` equals the same field of `live` as the API sends it (JSON, where a field
 * holding undefined is absent), with the field named on failure.
 */
function expectSameFields(stored: object, live: object, what: string): void {
  const sent = JSON.parse(JSON.stringify(live)) as Record<string, unknown>;
  const read = stored as Record<string, unknown>;
  expect(Object.keys(read).sort(), `${what}: fields`).toEqual(Object.keys(sent).sort());
  for (const field of Object.keys(sent)) expect(read[field], `${what}.${field}`).toStrictEqual(sent[field]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-routing-views-'));
  file = join(dir, 'store.duckdb');
  workspace = await Workspace.load();
  // A first start: the store keeps nothing of this world, so the views are written from it.
  const store = await DuckDbStore.open(file);
  try {
    const views = await RoutingViewStore.open(store);
    expect(views.kept).toBe(false);
    await views.keep(workspace);
    expect(views.kept).toBe(true);
    // Answers computed from the world are remembered as they are given.
    const answers = new RoutingAnswers(workspace, views);
    expect((await answers.ip('175.45.176.1')).from).toBe('world');
    await answers.asn('AS4837');
    await answers.prefix('175.45.176.0/24');
    await answers.whatIf({ remove: ['AS4837'], countries: ['KP'] });
    await views.flush();
  } finally {
    await store.close();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('routing views kept in the store', () => {
  it('reads back the ranking and every ranked country view equal, field by field, to the files', async () => {
    const store = await DuckDbStore.open(file);
    try {
      const views = await RoutingViewStore.open(store);
      expect(views.kept).toBe(true);
      expect(views.coverage).toEqual(workspace.coverage);
      expect(views.dataTime).toEqual(workspace.dataTime);
      const ranking = await views.read('countries', '', CountriesResult);
      const live = workspace.countries();
      expect(ranking?.countries.length).toBe(live.countries.length);
      expect(live.countries.length).toBeGreaterThan(50);
      live.countries.forEach((row, i) =>
        expectSameFields(ranking?.countries[i] ?? {}, row, `countries[${i}] ${row.country}`),
      );
      for (const row of live.countries) {
        const stored = await views.read('country', row.country, CountryResult);
        expect(stored, `country ${row.country} kept`).toBeDefined();
        expectSameFields(stored ?? {}, workspace.country(row.country), `country ${row.country}`);
      }
    } finally {
      await store.close();
    }
  });

  it('answers from the store alone while the world loads, the same as the files', async () => {
    const store = await DuckDbStore.open(file);
    try {
      const answers = new RoutingAnswers(never<Workspace>(), RoutingViewStore.open(store));
      const kp = await answers.country('kp');
      expect(kp.from).toBe('store');
      expectSameFields(kp.data, workspace.country('KP'), 'country KP');
      expect(kp.data.upstreams[0]?.asn).toBe(4837);
      expect(kp.coverage).toEqual(workspace.coverage);
      expect(kp.dataTime).toEqual(workspace.dataTime);
      expectSameFields((await answers.countries()).data, workspace.countries(), 'countries');
      // The remembered answers, keyed by the normalised question.
      const ip = await answers.ip('175.45.176.1');
      expect(ip.from).toBe('store');
      expectSameFields(ip.data, workspace.ip('175.45.176.1'), 'ip 175.45.176.1');
      const asn = await answers.asn(4837);
      expect(asn.from).toBe('store');
      expectSameFields(asn.data, workspace.asn(4837), 'asn 4837');
      const prefix = await answers.prefix('175.45.176.0/24');
      expectSameFields(prefix.data, workspace.prefix('175.45.176.0/24'), 'prefix 175.45.176.0/24');
      const whatIf = await answers.whatIf({ remove: [4837], countries: ['kp'] });
      expectSameFields(
        whatIf.data,
        workspaceWhatIf(workspace, { remove: ['AS4837'], countries: ['KP'] }),
        'whatif AS4837 KP',
      );
      // Bad input is refused at once, with the error the world's question gives.
      await expect(answers.country('K1')).rejects.toBeInstanceOf(CairnError);
      await expect(answers.ip('not an address')).rejects.toBeInstanceOf(CairnError);
    } finally {
      await store.close();
    }
  });

  it('keeps the views of another world apart', async () => {
    const store = await DuckDbStore.open(file);
    try {
      const other = await RoutingViewStore.open(store, { mrt: [OTHER_MRT] });
      expect(other.kept).toBe(false);
      expect(other.world).not.toBe((await RoutingViewStore.open(store)).world);
    } finally {
      await store.close();
    }
  });

  it('serves the country routes from the store while the world never loads', async () => {
    const store = await DuckDbStore.open(file);
    const app = await buildServer({
      workspace: never(),
      intel: never(),
      ach: await AchWorkspace.load(),
      outages: never(),
      store: StoreWorkspace.over(store),
      routingViews: RoutingViewStore.open(store),
      token: TOKEN,
      webRoot: null,
      rateLimit: false,
    });
    try {
      const kp = await app.inject({ url: '/api/v1/countries/KP' });
      expect(kp.statusCode).toBe(200);
      const body = envelope(CountryResult).parse(kp.json());
      expectSameFields(body.data, workspace.country('KP'), 'GET /countries/KP');
      expect(body.meta.coverage).toEqual(workspace.coverage);
      expect(body.meta.dataTime).toEqual(workspace.dataTime);
      const list = envelope(CountriesResult).parse(
        (await app.inject({ url: '/api/v1/countries?limit=1000' })).json(),
      );
      expect(list.data.countries).toEqual(workspace.countries().countries);
      const ip = envelope(IpResult).parse((await app.inject({ url: '/api/v1/ips/175.45.176.1' })).json());
      expect(ip.data).toEqual(workspace.ip('175.45.176.1'));
      const asn = envelope(AsResult).parse((await app.inject({ url: '/api/v1/asns/AS4837' })).json());
      expect(asn.data).toEqual(workspace.asn(4837));
      const prefix = envelope(PrefixResult).parse(
        (await app.inject({ url: '/api/v1/prefixes/175.45.176.0_24' })).json(),
      );
      expect(prefix.data).toEqual(workspace.prefix('175.45.176.0/24'));
      const whatIf = envelope(WhatIfResult).parse(
        (await app.inject({ url: '/api/v1/whatif?remove=AS4837&country=KP' })).json(),
      );
      expect(whatIf.data).toEqual(workspaceWhatIf(workspace, { remove: ['AS4837'], countries: ['KP'] }));
      const bad = await app.inject({ url: '/api/v1/countries/K1' });
      expect(bad.statusCode).toBe(400);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
