/**
 * Every download of every view, clicked in Debian's Chromium and read back: each CSV is parsed
 * (RFC 4180) and checked against the API answer the page shows, each JSON is parsed and compared,
 * each PNG has the PNG signature, real dimensions and more than one colour, and each file name
 * names the view and its state. The data is the bundled real data plus the SYNTHETIC December
 * 2014 KP replay (see harness.ts); one SYNTHETIC indicator list with spreadsheet formulas, commas
 * and quotes in its values checks the CSV escaping and the formula guard end to end.
 */
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertJson } from '../../src/app/index.js';
import { importIndicatorList, openPage, startHarness, type Started } from './harness.js';

let harness: Started;

const FORMULA = '=HYPERLINK("http://127.0.0.1/x","a,b")';
const AT_FORMULA = '@SUM(1+1)';

beforeAll(async () => {
  harness = await startHarness();
  // SYNTHETIC: values a spreadsheet would run as formulas, with quotes and a comma inside.
  const csv = [
    'type,value,note,sources',
    `string,"${FORMULA.replaceAll('"', '""')}",SYNTHETIC formula probe,synthetic`,
    `string,${AT_FORMULA},SYNTHETIC formula probe,synthetic`,
  ].join('\n');
  await importIndicatorList(harness, 'synthetic-formula-probe.csv', csv);
});
afterAll(async () => {
  await harness?.close();
});

const WAIT = { timeout: 60_000 };

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${harness.url}/api/v1${path}`);
  expect(response.status, path).toBe(200);
  return ((await response.json()) as { data: T }).data;
}

/** Every page of a list endpoint (the visibility series is longer than one page), as the page reads it. */
async function apiAll<T>(path: string, key: string, query = ''): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const url = `${harness.url}/api/v1${path}?limit=1000${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await fetch(url);
    expect(response.status, url).toBe(200);
    const body = (await response.json()) as {
      data: Record<string, T[]>;
      meta: { page?: { next?: string | null } };
    };
    items.push(...body.data[key]);
    cursor = body.meta.page?.next ?? undefined;
    if (cursor === undefined) return items;
  }
  throw new Error(`${path}: more than 100 pages`);
}

/** RFC 4180: quoted cells may hold commas, doubled quotes and line breaks; rows end in CRLF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  expect(quoted, 'a quoted cell left open').toBe(false);
  expect(cell === '' && row.length === 0, 'the last row ends in CRLF').toBe(true);
  return rows;
}

/** The CSV as records keyed by its header; every row as wide as the header. */
function records(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  expect(header.length).toBeGreaterThan(0);
  for (const row of rows) expect(row.length, `row ${row.join(',')}`).toBe(header.length);
  return rows.map((row) => Object.fromEntries(header.map((key, i) => [key, row[i]])));
}

interface Png {
  width: number;
  height: number;
  bytes: number;
}

/** Checks the PNG signature and IHDR, and that the picture is not one flat colour. */
function readPng(body: Buffer): Png {
  expect([...body.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(body.subarray(12, 16).toString('latin1')).toBe('IHDR');
  const width = body.readUInt32BE(16);
  const height = body.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let at = 8; at < body.length;) {
    const length = body.readUInt32BE(at);
    const type = body.subarray(at + 4, at + 8).toString('latin1');
    if (type === 'IDAT') idat.push(body.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const pixels = inflateSync(Buffer.concat(idat));
  expect(new Set(pixels).size, 'distinct byte values in the picture').toBeGreaterThan(16);
  return { width, height, bytes: body.length };
}

/**
 * Chromium drops, without a word, any download beyond ten a second from one page (a guard
 * against download floods), and a quiet machine clicks faster than that. Each click waits until
 * fewer than ten downloads of its page started in the last 1.2 s: the pace of a fast user, not a
 * wait for something to happen.
 */
const CHROMIUM_DOWNLOADS_PER_SECOND = 10;
const recentDownloads = new WeakMap<Page, number[]>();
async function paceDownload(page: Page): Promise<void> {
  const times = recentDownloads.get(page) ?? [];
  recentDownloads.set(page, times);
  const windowMs = 1200;
  while (times.length > 0 && Date.now() - times[0] >= windowMs) times.shift();
  if (times.length >= CHROMIUM_DOWNLOADS_PER_SECOND - 1) {
    await new Promise((resolve) => setTimeout(resolve, windowMs - (Date.now() - times[0])));
    times.shift();
  }
  times.push(Date.now());
}

interface Saved {
  group: string;
  label: string;
  name: string;
  body: Buffer;
}

/**
 * Clicks every button of every "Downloads" group on the page and reads each file back. Groups and
 * buttons are found by name, not position, so a view that renders another group meanwhile cannot
 * shift a click onto the wrong button; a button disabled while its chart is drawn is waited for.
 */
async function saveAll(page: Page): Promise<Map<string, Saved>> {
  const saved = new Map<string, Saved>();
  const groupNames = await page
    .locator('.downloads[role="group"]')
    .evaluateAll((groups) => groups.map((g) => g.getAttribute('aria-label') ?? ''));
  expect(groupNames.length, 'download groups on the page').toBeGreaterThan(0);
  for (const groupName of groupNames) {
    expect(groupName).toMatch(/^Downloads of ./);
    const group = page.getByRole('group', { name: groupName, exact: true });
    const labels = (await group.getByRole('button').allInnerTexts()).map((label) => label.trim());
    for (const label of labels) {
      const key = `${groupName} / ${label}`;
      const button = group.getByRole('button', { name: label, exact: true });
      await expect
        .poll(() => button.isEnabled(), { ...WAIT, message: `${key} enabled (what it saves is drawn)` })
        .toBe(true);
      await paceDownload(page);
      const download = page.waitForEvent('download', WAIT);
      await button.click();
      const file = await download.catch((error: unknown) => {
        throw new Error(`${key}: no download after its click (${String(error)})`);
      });
      const body = readFileSync((await file.path())!);
      expect(saved.has(key), `one button named ${key}`).toBe(false);
      saved.set(key, { group: groupName, label, name: file.suggestedFilename(), body });
    }
  }
  // Every file: its name names the view, its content is what its extension says.
  const names = [...saved.values()].map((s) => s.name);
  expect(new Set(names).size, `distinct file names: ${names.join(' ')}`).toBe(names.length);
  for (const file of saved.values()) {
    expect(file.name).toMatch(/^cairn-[a-z]+(-[A-Za-z0-9._-]+)*\.(csv|json|png|stix\.json)$/);
    if (file.name.endsWith('.csv')) expect(parseCsv(file.body.toString('utf8')).length).toBeGreaterThan(0);
    else if (file.name.endsWith('.json')) expect(() => JSON.parse(file.body.toString('utf8'))).not.toThrow();
    else {
      const png = readPng(file.body);
      expect(png.width, file.name).toBeGreaterThanOrEqual(300);
      expect(png.height, file.name).toBeGreaterThanOrEqual(150);
      expect(png.bytes, file.name).toBeGreaterThan(3000);
    }
  }
  return saved;
}

function get(saved: Map<string, Saved>, group: string, label: string): Saved {
  const file = saved.get(`Downloads of ${group} / ${label}`);
  expect(file, `download "${label}" of ${group}; have ${[...saved.keys()].join('; ')}`).toBeDefined();
  return file!;
}
const csvOf = (s: Saved) => records(s.body.toString('utf8'));
const jsonOf = <T>(s: Saved) => JSON.parse(s.body.toString('utf8')) as T;

interface CountryAnswer {
  country: string;
  upstreams: { asn: number; name: string; share: number }[];
  dependency: { asn: number; name: string; hegemony: number }[];
  prefixes: { prefix: string; origins: number[] }[];
}

describe('downloads of the routing views', () => {
  it('countries: the ranking as filtered and sorted, the world map as PNG and CSV', async () => {
    const page = await openPage(harness, 'countries?q=KP&sort=upstreams&dir=desc');
    await page.locator('path[data-code="KP"]').waitFor(WAIT);
    const saved = await saveAll(page);
    const csv = get(saved, 'the country ranking', 'Download CSV');
    expect(csv.name).toMatch(
      /^cairn-countries-\d{4}-\d{2}-\d{2}(-\d{4}-\d{2}-\d{2})?-q-KP-sort-upstreams-desc\.csv$/,
    );
    const rows = csvOf(csv);
    const kp = rows.find((r) => r.country === 'KP');
    expect(kp).toEqual({
      country: 'KP',
      top: 'AS1239 SPRINTLINK',
      hegemony: '1',
      upstreams: '1',
      single: 'yes',
      prefixes: '4',
      slash24s: '4',
      chokepoints: expect.stringContaining('AS4837') as unknown as string,
    });
    for (const row of rows) expect(Object.values(row).join(' ')).toContain('KP');
    const json = jsonOf<{ country: string }[]>(get(saved, 'the country ranking', 'Download JSON'));
    expect(json.map((r) => r.country)).toEqual(rows.map((r) => r.country));
    // The map: every shape of the atlas with its band, KP in the top band on AS1239.
    const map = csvOf(get(saved, 'the world map', 'Map CSV'));
    expect(map.length).toBe(177);
    expect(map.find((r) => r.country === 'KP')).toMatchObject({
      name: 'North Korea',
      band: '0.90 – 1.00',
      top_asn: '1239',
      top_name: 'SPRINTLINK',
    });
    // A shape is "no data" exactly when the ranking does not hold its country.
    const ranked = new Set(
      (await api<{ countries: { country: string }[] }>('/countries?limit=1000')).countries.map(
        (c) => c.country,
      ),
    );
    for (const row of map)
      expect(row.band === 'no data', `${row.country} ${row.name}`).toBe(!ranked.has(row.country));
    expect(map.filter((r) => r.band === 'no data').length).toBeGreaterThan(0);
    const png = readPng(get(saved, 'the world map', 'Map PNG').body);
    expect(png.width).toBe(1920);
    expect(png.height).toBe(940);
    await page.close();
  });

  it('country KP: the tables, the dependency graph, the what-if, the series and its history', async () => {
    const answer = await api<CountryAnswer>('/countries/KP');
    const page = await openPage(harness, 'country/KP?remove=AS4837');
    await page.locator('.graph').waitFor(WAIT);
    await page.locator('table.whatif-split').waitFor(WAIT);
    await page.locator('.dependency-history .chart canvas').waitFor(WAIT);
    await expect.poll(() => page.locator('.chart canvas').count(), WAIT).toBe(2);
    const saved = await saveAll(page);
    const country = get(saved, 'country KP', 'Country JSON');
    expect(country.name).toMatch(/^cairn-country-KP-\d{4}-\d{2}-\d{2}(-\d{4}-\d{2}-\d{2})?\.json$/);
    expect(jsonOf<CountryAnswer>(country)).toEqual(answer);
    const upstreams = csvOf(get(saved, 'country KP', 'Upstreams CSV'));
    expect(upstreams).toEqual(
      answer.upstreams.map((u) => expect.objectContaining({ asn: String(u.asn), share: String(u.share) })),
    );
    expect(upstreams[0]).toMatchObject({ asn: '4837', name: 'CHINA169-BACKBONE', share: '1' });
    const dependency = csvOf(get(saved, 'country KP', 'Dependency CSV'));
    expect(dependency.map((d) => Number(d.asn))).toEqual(answer.dependency.map((d) => d.asn));
    expect(dependency.find((d) => d.asn === '4837')?.hegemony).toBe('1');
    const prefixes = csvOf(get(saved, 'country KP', 'Prefixes CSV'));
    expect(prefixes.map((p) => p.prefix).sort()).toEqual(answer.prefixes.map((p) => p.prefix).sort());
    expect(prefixes.every((p) => p.origins === '131279')).toBe(true);
    // The dependency graph: its state (floor, size, expansion) in the name; AS4837 a chokepoint toward KP.
    const graphPng = get(saved, 'the dependency graph of KP', 'Graph PNG');
    expect(graphPng.name).toBe('cairn-country-KP-dependency-graph-minh0.1-n15-expand131279.png');
    // A defined size, whatever the viewport or where the layout put the nodes: 1600 wide, twice the 420 px graph high.
    expect(readPng(graphPng.body)).toMatchObject({ width: 1600, height: 840 });
    const edges = csvOf(get(saved, 'the dependency graph of KP', 'Graph CSV'));
    expect(edges).toContainEqual(
      expect.objectContaining({
        source: 'AS4837 CHINA169-BACKBONE',
        target: 'KP',
        target_kind: 'country',
        weight: '1',
        source_chokepoint: 'true',
      }),
    );
    const graph = jsonOf<{ nodes: { id: string }[]; edges: unknown[] }>(
      get(saved, 'the dependency graph of KP', 'Graph JSON'),
    );
    expect(graph.edges.length).toBe(edges.length);
    expect(graph.nodes.map((n) => n.id)).toContain('as:4837');
    // What if AS4837 stopped carrying KP's traffic: every prefix cut off, no observed path left.
    const whatIf = get(saved, 'what reaches KP without AS4837', 'What-if CSV');
    expect(whatIf.name).toBe('cairn-country-KP-whatif-without-AS4837.csv');
    const fates = csvOf(whatIf);
    expect(fates.map((f) => f.prefix).sort()).toEqual(answer.prefixes.map((p) => p.prefix).sort());
    for (const fate of fates) expect(fate).toMatchObject({ fate: 'cut', surviving: '0' });
    const whatIfJson = jsonOf<{ removed: { asn: number }[] }>(
      get(saved, 'what reaches KP without AS4837', 'What-if JSON'),
    );
    expect(whatIfJson.removed.map((r) => r.asn)).toEqual([4837]);
    // The visible-space series: every bin the API gave, the events, the chart.
    const bins = { bins: await apiAll<{ time: string; value: number }>('/countries/KP/visibility', 'bins') };
    const events = {
      events: await apiAll<{ id: number; classification: string }>('/countries/KP/outages', 'events'),
    };
    const series = get(saved, 'the visible space of KP', 'Series CSV');
    expect(series.name).toMatch(/^cairn-country-KP-visibility-2014-12-\d{2}-2014-12-\d{2}\.csv$/);
    const seriesRows = csvOf(series);
    expect(seriesRows.map((r) => r.time)).toEqual(bins.bins.map((b) => b.time));
    expect(seriesRows.map((r) => Number(r.value))).toEqual(bins.bins.map((b) => b.value));
    const eventRows = csvOf(get(saved, 'the visible space of KP', 'Events CSV'));
    expect(eventRows.length).toBeGreaterThan(0);
    expect(eventRows.map((e) => [Number(e.id), e.classification])).toEqual(
      events.events.map((e) => [e.id, e.classification]),
    );
    const seriesJson = jsonOf<{ bins: unknown[]; events: unknown[] }>(
      get(saved, 'the visible space of KP', 'Series JSON'),
    );
    expect(seriesJson.bins.length).toBe(bins.bins.length);
    expect(seriesJson.events.length).toBe(events.events.length);
    // Dependency over time from the store: one row per AS per snapshot.
    const history = {
      snapshots: await apiAll<{ time: string; dependency: { asn: number }[] }>(
        '/countries/KP/dependency/history',
        'snapshots',
        '&top=20',
      ),
    };
    const historyCsv = get(saved, 'the dependency history of KP', 'Dependency history CSV');
    expect(historyCsv.name).toMatch(/^cairn-country-KP-dependency-history-2014-12-\d{2}-2014-12-\d{2}\.csv$/);
    const historyRows = csvOf(historyCsv);
    expect(historyRows.length).toBe(history.snapshots.reduce((n, s) => n + s.dependency.length, 0));
    expect(historyRows.some((r) => r.asn === '4837' && r.name === 'CHINA169-BACKBONE')).toBe(true);
    const historyJson = jsonOf<{ snapshots: unknown[] }>(
      get(saved, 'the dependency history of KP', 'Dependency history JSON'),
    );
    expect(historyJson.snapshots.length).toBe(history.snapshots.length);
    expect(saved.size).toBe(16);
    await page.close();
  });

  it('the first page: KP and its dependency graph', async () => {
    const page = await openPage(harness, '');
    await page.locator('.graph').first().waitFor(WAIT);
    await expect.poll(() => page.getByTestId('kp-hegemony').textContent(), WAIT).toBe('hegemony 1.00');
    const saved = await saveAll(page);
    const kp = get(saved, 'country KP', 'KP JSON');
    expect(kp.name).toBe('cairn-home-country-KP.json');
    expect(jsonOf<CountryAnswer>(kp)).toEqual(await api<CountryAnswer>('/countries/KP'));
    expect(get(saved, 'the dependency graph of KP', 'Graph PNG').name).toMatch(
      /^cairn-home-KP-dependency-graph-/,
    );
    expect(csvOf(get(saved, 'the dependency graph of KP', 'Graph CSV'))).toContainEqual(
      expect.objectContaining({ source: 'AS4837 CHINA169-BACKBONE', target: 'KP' }),
    );
    // The compact ACH of the Sony case: its ranking as shown, and the whole analysis.
    const ach = await api<{ ranking: string[]; top: string[] }>('/ach/cases/sony-pictures-2014');
    const ranking = get(saved, 'the ranking of sony-pictures-2014', 'Ranking CSV');
    expect(ranking.name).toBe('cairn-home-ach-sony-pictures-2014-ranking.csv');
    const rankRows = csvOf(ranking);
    expect(rankRows.map((r) => r.hypothesis)).toEqual(ach.ranking);
    expect(rankRows.filter((r) => r.top === 'true').map((r) => r.hypothesis)).toEqual(ach.top);
    expect(rankRows[0]).toMatchObject({ rank: '1', hypothesis: 'H1' });
    const analysis = get(saved, 'the ranking of sony-pictures-2014', 'Analysis JSON');
    expect(analysis.name).toBe('cairn-home-ach-sony-pictures-2014.json');
    expect(jsonOf<{ ranking: string[] }>(analysis).ranking).toEqual(ach.ranking);
    await page.close();
  });

  it('AS4837: JSON, prefixes, neighbours, dependency, the neighbour graph', async () => {
    const answer = await api<{
      asn: number;
      prefixes: { prefix: string }[];
      upstreams: unknown[];
      downstreams: { asn: number; paths: number }[];
    }>('/asns/4837');
    const page = await openPage(harness, 'as/4837');
    await page.locator('.graph').waitFor(WAIT);
    const saved = await saveAll(page);
    const json = get(saved, 'AS4837', 'JSON');
    expect(json.name).toMatch(/^cairn-as-4837(-\d{4}-\d{2}-\d{2}){1,2}\.json$/);
    expect(jsonOf(json)).toEqual(answer);
    const prefixes = csvOf(get(saved, 'AS4837', 'Prefixes CSV'));
    expect(prefixes.map((p) => p.prefix)).toEqual(answer.prefixes.map((p) => p.prefix));
    expect(prefixes.length).toBeGreaterThan(100);
    const neighbours = csvOf(get(saved, 'AS4837', 'Neighbours CSV'));
    expect(neighbours.length).toBe(answer.upstreams.length + answer.downstreams.length);
    const kp = answer.downstreams.find((d) => d.asn === 131279)!;
    expect(neighbours).toContainEqual(
      expect.objectContaining({
        direction: 'downstream',
        asn: '131279',
        name: 'STAR-KP',
        paths: String(kp.paths),
      }),
    );
    expect(csvOf(get(saved, 'AS4837', 'Dependency CSV')).length).toBeGreaterThan(0);
    expect(get(saved, 'AS4837', 'Graph PNG').name).toMatch(/^cairn-as-4837-.*neighbours\.png$/);
    expect(saved.size).toBe(5);
    await page.close();
  });

  it('an IP and a prefix: their paths per peer with the chain to the border', async () => {
    for (const [route, view, state] of [
      ['ip/175.45.178.1', 'ip', '175.45.178.1'],
      ['prefix/175.45.176.0%2F24', 'prefix', '175.45.176.0_24'],
    ]) {
      const page = await openPage(harness, route);
      await page
        .locator('table', { has: page.locator('caption', { hasText: 'Paths per peer' }) })
        .waitFor(WAIT);
      const saved = await saveAll(page);
      expect(saved.size).toBe(2);
      const [csv, json] = [...saved.values()];
      expect(csv.name).toMatch(
        new RegExp(`^cairn-${view}-${state.replaceAll('.', '\\.')}(-[\\d-]+)?-paths\\.csv$`),
      );
      const paths = csvOf(csv);
      expect(paths).toContainEqual(
        expect.objectContaining({ as_path: '2914 1239 4837 131279', chain_to_border: 'AS131279 > AS4837' }),
      );
      const answer = await api<{ paths: unknown[] }>(
        view === 'ip' ? '/ips/175.45.178.1' : '/prefixes/175.45.176.0_24',
      );
      expect(paths.length).toBe(answer.paths.length);
      expect(jsonOf<{ paths: unknown[] }>(json).paths).toEqual(answer.paths);
      await page.close();
    }
  });

  it('compare: every series as CSV and JSON, the charts as one PNG, each panel its own', async () => {
    const page = await openPage(harness, 'compare?items=country:KP,as:131279');
    await expect.poll(() => page.locator('.chart canvas').count(), WAIT).toBe(2);
    const kp = { bins: await apiAll<{ time: string }>('/countries/KP/visibility', 'bins') };
    const as = { bins: await apiAll<{ time: string }>('/asns/131279/visibility', 'bins') };
    const saved = await saveAll(page);
    const csv = get(saved, 'every compared series', 'All series CSV');
    expect(csv.name).toMatch(/^cairn-compare-country-KP-as-131279-2014-12-\d{2}-2014-12-\d{2}\.csv$/);
    const rows = csvOf(csv);
    expect(rows.filter((r) => r.series === 'KP').map((r) => r.time)).toEqual(kp.bins.map((b) => b.time));
    expect(rows.filter((r) => r.series === 'AS131279').map((r) => r.time)).toEqual(
      as.bins.map((b) => b.time),
    );
    expect(rows.length).toBe(kp.bins.length + as.bins.length);
    const json = jsonOf<Record<string, { bins: unknown[] }>>(
      get(saved, 'every compared series', 'All series JSON'),
    );
    expect(Object.keys(json)).toEqual(['KP', 'AS131279']);
    expect(json.KP.bins.length).toBe(kp.bins.length);
    // One picture holding both charts, one above the other.
    const one = readPng(get(saved, 'the visible space of KP', 'Chart PNG').body);
    const both = readPng(get(saved, 'every compared series', 'All charts PNG').body);
    expect(both.width).toBe(one.width);
    expect(both.height).toBeGreaterThan(2 * one.height);
    expect(get(saved, 'the visible space of AS131279', 'Series CSV').name).toMatch(
      /^cairn-compare-as-131279-2014-12-/,
    );
    expect(saved.size).toBe(3 + 2 * 4);
    await page.close();
  });

  it('ingest status: the files of the store', async () => {
    const page = await openPage(harness, 'ingest');
    await page
      .locator('table', { has: page.locator('caption', { hasText: 'Files ingested' }) })
      .waitFor(WAIT);
    const status = await harness.store.ingestStatus();
    const saved = await saveAll(page);
    const files = csvOf(get(saved, 'the ingest status', 'Files CSV'));
    expect(files.map((f) => [f.name, Number(f.records)]).sort()).toEqual(
      status.files.map((f) => [f.name, f.records]).sort(),
    );
    expect(jsonOf<{ files: unknown[] }>(get(saved, 'the ingest status', 'Status JSON')).files.length).toBe(
      status.files.length,
    );
    await page.close();
  });
});

describe('downloads of the outage, case and ACH views', () => {
  it('outages: the live list as it arrived over SSE, the history as filtered', async () => {
    const history = await harness.services.outages.history({ country: 'KP' });
    const alerts: AlertJson[] = history.alerts();
    const close = alerts.find(
      (a): a is Extract<AlertJson, { kind: 'outage-close' }> => a.kind === 'outage-close',
    )!;
    const opened = alerts.find((a) => a.kind === 'outage-open' && a.eventId === close.eventId)!;
    const page = await openPage(harness, 'outages?class=sustained-outage');
    await expect.poll(() => page.getByTestId('stream-state').innerText(), WAIT).toBe('connected');
    harness.alerts.publish(opened);
    harness.alerts.publish(close);
    await expect.poll(() => page.getByTestId('live-outages').innerText(), WAIT).toMatch(/^recovered/);
    const table = page.locator('table', { has: page.locator('caption', { hasText: 'Outage events' }) });
    await table.waitFor(WAIT);
    const saved = await saveAll(page);
    const live = csvOf(get(saved, 'the live outages', 'Live CSV'));
    expect(live).toEqual([
      expect.objectContaining({
        selection: 'country KP',
        event: String(close.eventId),
        state: 'recovered',
        updates: '1',
      }),
    ]);
    const liveJson = jsonOf<{ eventId: number; kind: string }[]>(get(saved, 'the live outages', 'Live JSON'));
    expect(liveJson.map((a) => [a.eventId, a.kind])).toEqual([[close.eventId, 'outage-close']]);
    const historyCsv = get(saved, 'the outage history', 'History CSV');
    expect(historyCsv.name).toBe('cairn-outages-history-sustained-outage.csv');
    const rows = csvOf(historyCsv);
    const sustained = history.events().filter((e) => e.classification === 'sustained-outage');
    expect(rows.length).toBe(sustained.length);
    expect(rows.every((r) => r.classification === 'sustained-outage')).toBe(true);
    expect(jsonOf<unknown[]>(get(saved, 'the outage history', 'History JSON')).length).toBe(sustained.length);
    await page.close();
  });

  it('a case: its evidence graph as PNG and CSV, indicators with formulas guarded, actors, STIX', async () => {
    const page = await openPage(harness, 'cases?q=synthetic-formula');
    const list = await saveAll(page);
    const cases = csvOf(get(list, 'the cases', 'Cases CSV'));
    expect(get(list, 'the cases', 'Cases CSV').name).toBe('cairn-cases-q-synthetic-formula.csv');
    expect(cases.map((c) => c.name)).toEqual(['upload:synthetic-formula-probe']);
    await page.getByRole('link', { name: 'upload:synthetic-formula-probe' }).click();
    await page.locator('.graph').waitFor(WAIT);
    await page.getByTestId('ranked-actors').or(page.getByText('Verdict:')).first().waitFor(WAIT);
    const saved = await saveAll(page);
    const group = 'case upload:synthetic-formula-probe';
    // The indicators CSV as a spreadsheet reads it: quotes and the comma kept, formulas shown as text.
    const indicators = get(saved, group, 'Indicators CSV');
    const text = indicators.body.toString('utf8');
    expect(text).toContain(`"'${FORMULA.replaceAll('"', '""')}"`);
    expect(text).toContain(`'${AT_FORMULA}`);
    const values = csvOf(indicators).map((r) => r.value);
    expect(values.sort()).toEqual([`'${AT_FORMULA}`, `'${FORMULA}`].sort());
    const id = (await api<{ cases: { id: string; name: string }[] }>('/intel/cases?q=synthetic-formula'))
      .cases[0].id;
    expect(indicators.name).toBe(`cairn-case-${id}-indicators.csv`);
    const edges = csvOf(get(saved, group, 'Graph CSV'));
    expect(edges.filter((e) => e.source_kind === 'indicator' || e.target_kind === 'indicator').length).toBe(
      2,
    );
    // Three nodes placed by a randomised layout, drawn on the same defined picture as any graph.
    expect(readPng(get(saved, group, 'Graph PNG').body)).toMatchObject({ width: 1600, height: 960 });
    expect(get(saved, group, 'Graph PNG').name).toMatch(
      new RegExp(
        `^cairn-case-${id}-evidence-graph-indicator_infrastructure_technique_actor-minw0-ni40\\.png$`,
      ),
    );
    const json = jsonOf<{ indicators: { value: string }[] }>(get(saved, group, 'Case JSON'));
    expect(json.indicators.map((i) => i.value).sort()).toEqual([AT_FORMULA, FORMULA].sort());
    expect(csvOf(get(saved, group, 'Ranked actors CSV'))).toBeDefined();
    const stix = get(saved, group, 'Export STIX');
    expect(stix.name).toBe(`cairn-case-${id}.stix.json`);
    const bundle = jsonOf<{ type: string; objects: { type: string }[] }>(stix);
    expect(bundle.type).toBe('bundle');
    expect(bundle.objects.filter((o) => o.type === 'indicator').length).toBe(2);
    await page.close();
  });

  it('a case with ranked actors: the actors CSV in the ranking order', async () => {
    const all = await api<{ cases: { id: string }[] }>('/intel/cases?limit=1000');
    let chosen: { id: string; candidates: { actor: string; id: string }[] } | undefined;
    for (const c of all.cases) {
      const attribution = await api<{ candidates: { actor: string; id: string }[] }>(
        `/intel/cases/${encodeURIComponent(c.id)}/attribution`,
      );
      if (attribution.candidates.length >= 2) {
        chosen = { id: c.id, candidates: attribution.candidates };
        break;
      }
    }
    expect(chosen, 'a case of the corpus with two ranked actors').toBeDefined();
    const page = await openPage(harness, `cases/${encodeURIComponent(chosen!.id)}`);
    await expect.poll(() => page.getByTestId('ranked-actors').locator('li').count(), WAIT).toBeGreaterThan(1);
    const saved = await saveAll(page);
    const group = [...saved.values()].find((s) => s.label === 'Ranked actors CSV')!;
    const actors = csvOf(group);
    expect(actors.map((a) => [a.rank, a.id, a.actor])).toEqual(
      chosen!.candidates.map((c, i) => [String(i + 1), c.id, c.actor]),
    );
    await page.close();
  });

  it('ACH: the analysis and the matrix, the as-of date in the name', async () => {
    const answer = await api<{ ranking: string[]; evidence: { id: string }[]; hypotheses: { id: string }[] }>(
      '/ach/cases/sony-pictures-2014',
    );
    const page = await openPage(harness, 'ach/sony-pictures-2014');
    await page.getByTestId('ach-ranking').locator('tbody tr').first().waitFor(WAIT);
    const saved = await saveAll(page);
    const group = 'the analysis of sony-pictures-2014';
    const json = get(saved, group, 'Analysis JSON');
    expect(json.name).toBe('cairn-ach-sony-pictures-2014.json');
    expect(jsonOf<{ ranking: string[] }>(json).ranking).toEqual(answer.ranking);
    const matrix = csvOf(get(saved, group, 'Matrix CSV'));
    expect(matrix.map((r) => r.evidence)).toEqual(answer.evidence.map((e) => e.id));
    for (const h of answer.hypotheses) expect(Object.keys(matrix[0])).toContain(h.id);
    const ranking = get(saved, group, 'Ranking CSV');
    expect(ranking.name).toBe('cairn-ach-sony-pictures-2014-ranking.csv');
    expect(csvOf(ranking).map((r) => r.hypothesis)).toEqual(answer.ranking);
    // As of an earlier date: the state is in the name.
    await page.getByLabel(/^As of/).focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.url()).toMatch(/asOf=\d{4}-\d{2}-\d{2}/);
    const asOf = /asOf=(\d{4}-\d{2}-\d{2})/.exec(page.url())![1];
    await expect.poll(() => page.getByTestId('ach-asof').innerText(), WAIT).toContain('left out');
    await paceDownload(page);
    const download = page.waitForEvent('download', WAIT);
    await page
      .getByRole('group', { name: `Downloads of ${group}` })
      .getByRole('button', { name: 'Matrix CSV' })
      .click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`cairn-ach-sony-pictures-2014-asof-${asOf}-matrix.csv`);
    const earlier = records(readFileSync((await file.path())!, 'utf8'));
    expect(earlier.length).toBeLessThan(matrix.length);
    await page.close();
  });

  it('no page opened a dialog or threw', () => {
    expect(harness.dialogs).toEqual([]);
    expect(harness.errors).toEqual([]);
  });
});
