/**
 * The workspace in Debian's Chromium against the cairn server on 127.0.0.1 (port 0), over the
 * bundled data: the RIS table of October 2015 (North Korea: four /24s, origin AS131279, one
 * upstream AS4837), the evidence corpus in data/intel, the Sony Pictures 2014 ACH case, and the
 * SYNTHETIC replay of North Korea's December 2014 outages (real routes, synthetic peers and
 * timeline: test/fixtures/synthetic-outage.ts) as the outage archive. Each page is asserted on
 * what the data says, its URL holds its state, Tab reaches every control, axe-core reports no
 * critical violation, and a screenshot of each is kept in test/browser/artifacts/.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AchView, AlertJson } from '../../src/app/index.js';
import {
  CORPUS,
  TOKEN,
  controlsNotReachedByTab,
  criticalViolations,
  openPage,
  screenshot,
  startHarness,
  type Started,
} from './harness.js';

let harness: Started;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

const text = (page: Page) => page.locator('main').innerText();
const WAIT = { timeout: 60_000 };

/** Enters the write token once in the header form (it is then kept in sessionStorage). */
async function enterToken(page: Page): Promise<void> {
  await page.getByLabel('Write token').fill(TOKEN);
  await page.getByRole('button', { name: 'Keep for this tab' }).click();
  await page.getByText('Write token set for this tab.').waitFor();
}

async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await controlsNotReachedByTab(page), `controls Tab never reached on ${name}`).toEqual([]);
  expect(await criticalViolations(page), `critical axe violations on ${name}`).toEqual([]);
}

describe('routing pages', () => {
  it('the first page shows North Korea on AS4837 and the Sony 2014 case without a click', async () => {
    const page = await openPage(harness, '');
    await expect.poll(() => page.getByTestId('kp-hegemony').textContent(), WAIT).toBe('hegemony 1.00');
    await expect
      .poll(() => text(page), WAIT)
      .toContain('AS4837 CHINA169-BACKBONE carries 100.0% of the visible space of KP: a chokepoint.');
    await expect
      .poll(() => page.getByTestId('ach-top').innerText(), WAIT)
      .toContain('H1: North Korean state operation');
    expect(await text(page)).toContain('Who attacked Sony Pictures Entertainment in November 2014?');
    await checkPage(page, 'home');
    await page.close();
  });

  it('countries: sortable and searchable, the state in the URL', async () => {
    const page = await openPage(harness, 'countries');
    const kpRow = page.locator('tr', { has: page.getByRole('link', { name: 'KP', exact: true }) });
    await kpRow.waitFor(WAIT);
    expect(await kpRow.innerText()).toMatch(/AS1239 SPRINTLINK\s+1\.000\s+1\s+yes\s+4\s+4/);
    await page.getByLabel('Filter countries by dependency').fill('KP');
    await expect.poll(() => page.url()).toContain('q=KP');
    await page.getByRole('button', { name: 'Upstreams' }).click();
    await page.getByRole('button', { name: 'Upstreams' }).click();
    await expect.poll(() => page.url()).toContain('sort=upstreams&dir=desc');
    // The URL alone brings the same view back.
    const again = await harness.context.newPage();
    await again.goto(page.url());
    await again.locator('tr', { has: again.getByRole('link', { name: 'KP', exact: true }) }).waitFor(WAIT);
    expect(await again.getByLabel('Filter countries by dependency').inputValue()).toBe('KP');
    expect(await again.locator('th[aria-sort="descending"]').innerText()).toContain('Upstreams');
    await again.close();
    await page.getByLabel('Filter countries by dependency').fill('');
    // The world map: North Korea (ISO numeric 408) in the top band, named as text, linking to its page.
    const map = page.getByRole('group', { name: /World map/ });
    const kpShape = map.locator('path[data-code="KP"]');
    await kpShape.waitFor(WAIT);
    expect(await kpShape.getAttribute('data-band')).toBe('0.90 – 1.00');
    expect(await kpShape.locator('title').textContent()).toBe(
      'North Korea (KP): AS1239 SPRINTLINK, hegemony 1.000',
    );
    // Every shape with data is a link; the map draws the atlas's 177 countries.
    expect(await map.locator('path').count()).toBe(177);
    // Every linked shape is a country of the ranking (the bundled registry is APNIC's: its region).
    const ranked = new Set(
      (
        (await (await fetch(`${harness.url}/api/v1/countries?limit=1000`)).json()) as {
          data: { countries: { country: string }[] };
        }
      ).data.countries.map((c) => c.country),
    );
    const linked = await map
      .locator('a path')
      .evaluateAll((paths) => paths.map((p) => p.getAttribute('data-code')));
    expect(linked.length).toBeGreaterThan(20);
    for (const code of linked) expect(ranked.has(code!), `map link ${code}`).toBe(true);
    for (const code of ['KP', 'CN', 'JP', 'AU', 'IN']) expect(linked).toContain(code);
    // A country the ranking does not hold is drawn as "no data" (not as a low dependency) and not linked.
    const shown = await map
      .locator('path[data-code]')
      .evaluateAll((paths) => paths.map((p) => p.getAttribute('data-code') ?? ''));
    const unranked = shown.filter((code) => code !== '' && !ranked.has(code));
    expect(unranked.length).toBeGreaterThan(0);
    for (const code of unranked) {
      const shape = map.locator(`path[data-code="${code}"]`);
      expect(await shape.getAttribute('data-band')).toBe('no data');
      expect(await shape.locator('title').textContent()).toMatch(/: no data$/);
      expect(await map.locator('a', { has: page.locator(`path[data-code="${code}"]`) }).count()).toBe(0);
    }
    // North Korea is small at 1:110m and its neighbours overlap its edge: opened by keyboard.
    await map.locator('a', { has: page.locator('path[data-code="KP"]') }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain('#/country/KP');
    await page.locator('main h1', { hasText: 'Country KP' }).waitFor(WAIT);
    await page.goBack();
    await map.waitFor(WAIT);
    await checkPage(page, 'countries');
    await page.close();
  });

  it('a country: upstreams, origins, chokepoints, the graph expanding on demand, the series with its events', async () => {
    const page = await openPage(harness, 'country/KP');
    await expect.poll(() => text(page), WAIT).toContain('One upstream carries all its routes.');
    const upstreams = page.locator('table', { has: page.locator('caption', { hasText: 'Upstreams of KP' }) });
    expect(await upstreams.innerText()).toMatch(/AS4837 CHINA169-BACKBONE\s+CN\s+100\.0%/);
    const origins = page.locator('table', { has: page.locator('caption', { hasText: 'Origin ASes of KP' }) });
    expect(await origins.innerText()).toMatch(/AS131279 STAR-KP\s+100\.0%/);
    const graphTable = page.locator('table', {
      has: page.locator('caption', { hasText: 'ASes in the graph' }),
    });
    for (const asn of ['AS1239', 'AS2914', 'AS4837'])
      expect(await graphTable.locator('tr', { hasText: asn }).innerText()).toContain('chokepoint');
    // The origin is expanded by default: who carries it is in the graph.
    expect(await graphTable.getByRole('button', { name: 'Collapse AS131279' }).count()).toBe(1);
    const before = await graphTable.locator('tbody tr').count();
    await graphTable.getByRole('button', { name: 'Expand AS4837' }).click();
    await expect.poll(() => page.url()).toContain('expand=131279%2C4837');
    await expect.poll(() => graphTable.locator('tbody tr').count(), WAIT).toBeGreaterThan(before);
    await page.getByLabel(/Hegemony at least/).focus();
    await page.keyboard.press('End');
    await expect.poll(() => page.url()).toContain('minh=1');
    // The visible-space series over the synthetic December 2014 replay, with its events.
    await page.locator('.chart canvas').first().waitFor(WAIT);
    const chart = await page.locator('.chart').first().getAttribute('aria-label');
    expect(chart).toMatch(/Visible space of KP: visible space, baseline; [1-9]\d* outage events/);
    const sustained = page.getByRole('button', { name: /sustained-outage, 2014-12-22T16:1\d/ });
    await sustained.click();
    await expect.poll(() => page.url()).toMatch(/event=\d+/);
    const cycle = page.locator('.card', { hasText: 'Peers that lost it first' });
    await cycle.waitFor(WAIT);
    expect(await cycle.innerText()).toMatch(/Event #\d+: sustained-outage \(full, critical\)/);
    await expect.poll(() => cycle.getByRole('list', { name: 'Phases' }).innerText(), WAIT).toMatch(/^open/);
    expect(await cycle.innerText()).toContain('175.45.176.0/24');
    // What if AS4837 stopped carrying KP's traffic: its top dependency is offered, and every prefix is cut off.
    const dependsOn = page.locator('table', {
      has: page.locator('caption', { hasText: 'ASes KP depends on' }),
    });
    const topDependency = /AS\d+/.exec(await dependsOn.locator('tbody tr').first().innerText())![0];
    expect(await page.getByLabel('Remove ASes').inputValue()).toBe(topDependency);
    await page.getByLabel('Remove ASes').fill('AS4837');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await expect.poll(() => page.url()).toContain('remove=AS4837');
    const split = page.locator('table', {
      has: page.locator('caption', { hasText: 'What would still reach KP' }),
    });
    await split.waitFor(WAIT);
    expect(await split.locator('tr[data-fate="cut"]').innerText()).toMatch(/cut off\s+100\.0%\s+4\s+4/);
    expect(await split.locator('tr[data-fate="observed"]').innerText()).toMatch(/0\.0%\s+0\s+0/);
    const fates = page.locator('table', {
      has: page.locator('caption', { hasText: 'Prefixes of KP without AS4837' }),
    });
    for (const prefix of ['175.45.176.0/24', '175.45.177.0/24', '175.45.178.0/24', '175.45.179.0/24'])
      expect(await fates.locator('tr', { hasText: prefix }).innerText()).toMatch(
        /cut off\s+0 of [1-9]\d*\s+none\s+AS131279 → AS4837 CHINA169-BACKBONE p2c \(removed\)/,
      );
    // An AS no path crosses leaves everything reachable over observed paths.
    await page.getByLabel('Remove ASes').fill('AS64496');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await expect
      .poll(() => split.locator('tr[data-fate="observed"]').innerText(), WAIT)
      .toMatch(/100\.0%\s+4\s+4/);
    // Dependency over time from the store (the SYNTHETIC replay): AS4837's line, and the snapshots counted.
    const history = page.locator('.dependency-history');
    await history.waitFor(WAIT);
    expect(await history.innerText()).toMatch(/\d+ snapshots kept; the latest at 2014-12-/);
    expect(await history.locator('.chart').getAttribute('aria-label')).toMatch(
      /Dependency of KP over time \(hegemony\): .*AS4837 CHINA169-BACKBONE/,
    );
    await checkPage(page, 'country-KP');
    await page.close();
  });

  it('an AS page', async () => {
    const page = await openPage(harness, 'as/4837');
    await expect.poll(() => page.locator('main h1').innerText(), WAIT).toBe('AS4837 CHINA169-BACKBONE');
    const downstreams = page.locator('table', { has: page.locator('caption', { hasText: 'Downstreams' }) });
    expect(await downstreams.innerText()).toContain('AS131279 STAR-KP');
    await checkPage(page, 'as-4837');
    await page.close();
  });

  it('the search box takes an IP and lands on its page with paths and the chain to the border', async () => {
    const page = await openPage(harness, '');
    await page.getByLabel('Search', { exact: true }).fill('175.45.178.1');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toMatch(/#\/ip\/175\.45\.178\.1$/);
    await expect.poll(() => text(page), WAIT).toContain('Longest announced prefix 175.45.178.0/24');
    const paths = page.locator('table', { has: page.locator('caption', { hasText: 'Paths per peer' }) });
    expect(await paths.innerText()).toMatch(/2914 1239 4837 131279\s+AS131279 \(KP\) > AS4837 \(CN\)/);
    await checkPage(page, 'ip');
    // The other kinds of query land on their pages too.
    for (const [query, hash] of [
      ['AS4837', '#/as/4837'],
      ['kp', '#/country/KP'],
      ['175.45.176.0/22', '#/prefix/175.45.176.0%2F22'],
    ]) {
      await page.getByLabel('Search', { exact: true }).fill(query);
      await page.keyboard.press('Enter');
      await expect.poll(() => new URL(page.url()).hash).toBe(hash);
    }
    await page.close();
  });

  it('a prefix page', async () => {
    const page = await openPage(harness, 'prefix/175.45.176.0%2F24');
    await expect.poll(() => text(page), WAIT).toContain('AS131279 STAR-KP');
    expect(await text(page)).toContain('2914 1239 4837 131279');
    await checkPage(page, 'prefix');
    await page.close();
  });

  it('compare: two countries on one time axis with a synchronised cursor', async () => {
    const page = await openPage(harness, 'compare?items=country:KP,country:CN');
    await expect.poll(() => page.locator('.chart canvas').count(), WAIT).toBe(2);
    expect(await page.locator('.card h2').allInnerTexts()).toEqual(['KP', 'CN']);
    const charts = page.locator('.chart');
    const box = (await charts.nth(0).locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    const cursorLeft = (i: number) =>
      charts
        .nth(i)
        .locator('.u-cursor-x')
        .evaluate((el) => (el as HTMLElement).style.transform);
    await expect.poll(() => cursorLeft(1)).not.toBe('');
    expect(await cursorLeft(1)).toBe(await cursorLeft(0));
    await page.getByLabel('Add a country or AS').fill('jp');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.url()).toContain('items=country%3AKP%2Ccountry%3ACN%2Ccountry%3AJP');
    await expect.poll(() => page.locator('.chart canvas').count(), WAIT).toBe(3);
    await page.getByRole('button', { name: 'Remove JP' }).click();
    await expect.poll(() => page.url()).not.toContain('JP');
    // An AS beside the countries, on the same axis: AS131279 (KP's origin) from the same archive.
    await page.getByLabel('Add a country or AS').fill('AS131279');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.url()).toContain('as%3A131279');
    await expect.poll(() => page.locator('.chart canvas').count(), WAIT).toBe(3);
    expect(await page.locator('.card h2').allInnerTexts()).toEqual(['KP', 'CN', 'AS131279']);
    await expect
      .poll(() => charts.nth(2).getAttribute('aria-label'), WAIT)
      .toMatch(/Visible space of AS131279: visible space, baseline; [1-9]\d* outage events/);
    await checkPage(page, 'compare');
    await page.close();
  });
});

describe('ingest status', () => {
  it('lists what the store holds: the SYNTHETIC daily files, totals by kind, rows kept', async () => {
    const page = await openPage(harness, 'ingest');
    const files = page.locator('table', { has: page.locator('caption', { hasText: 'Files ingested' }) });
    await files.waitFor(WAIT);
    const status = await harness.store.ingestStatus();
    expect(status.files.length).toBeGreaterThan(1);
    for (const file of status.files)
      expect(await files.locator('tr', { hasText: file.name }).innerText()).toContain(String(file.records));
    const kinds = page.locator('table', { has: page.locator('caption', { hasText: 'Files by kind' }) });
    expect(await kinds.locator('tr[data-kind="mrt"]').innerText()).toMatch(
      new RegExp(`^mrt\\s+${status.totals.byKind.mrt.files}\\s`),
    );
    expect(await text(page)).toContain(`${status.totals.files} files`);
    expect(await text(page)).toMatch(/Routing data from 2014-12-/);
    await checkPage(page, 'ingest');
    await page.close();
  });
});

describe('outages', () => {
  it('an outage arrives over SSE while the page is open, then its recovery; the history filters', async () => {
    const history = await harness.services.outages.history({ country: 'KP' });
    const alerts: AlertJson[] = history.alerts();
    // The longest event of the replay: its open alert, then its close alert.
    const closes = alerts.filter(
      (a): a is Extract<AlertJson, { kind: 'outage-close' }> => a.kind === 'outage-close',
    );
    expect(closes.length, 'the replay has closed outages').toBeGreaterThan(0);
    const close = closes.reduce((a, b) => (b.duration > a.duration ? b : a));
    const opened = alerts.find((a) => a.kind === 'outage-open' && a.eventId === close.eventId);
    expect(opened, 'the open alert of the longest event').toBeDefined();
    const page = await openPage(harness, 'outages');
    await expect.poll(() => page.getByTestId('stream-state').innerText(), WAIT).toBe('connected');
    const live = page.getByTestId('live-outages');
    expect(await live.locator('li').count()).toBe(0);
    harness.alerts.publish(opened!);
    await expect.poll(() => live.innerText(), WAIT).toContain(`country KP event #${close.eventId}`);
    expect(await live.innerText()).toMatch(/^critical|^warning/);
    harness.alerts.publish(close);
    await expect.poll(() => live.innerText(), WAIT).toMatch(/^recovered country KP/);
    expect(await live.innerText()).toContain('visible again at');
    // History: every event of the replay, then only the sustained ones.
    const table = page.locator('table', { has: page.locator('caption', { hasText: 'Outage events' }) });
    await expect.poll(() => table.locator('tbody tr').count(), WAIT).toBe(history.events().length);
    await page.getByLabel('Class').selectOption('sustained-outage');
    await expect.poll(() => page.url()).toContain('class=sustained-outage');
    const sustained = history.events().filter((e) => e.classification === 'sustained-outage').length;
    expect(sustained).toBeGreaterThan(0);
    await expect.poll(() => table.locator('tbody tr').count()).toBe(sustained);
    await table
      .getByRole('button', { name: /Life cycle of/ })
      .first()
      .click();
    await expect.poll(() => text(page), WAIT).toContain('Peers that lost it first');
    await checkPage(page, 'outages');
    await page.close();
  });
});

describe('cases', () => {
  const sonyFile = path.join(CORPUS, 'intel/cases/sony-pictures-2014-destover.csv');

  it('import the Sony 2014 indicators (a write, with the token), open the case, expand the top actor, export STIX', async () => {
    expect(existsSync(sonyFile), `the corpus file ${sonyFile} (../shared/data or $CAIRN_CORPUS)`).toBe(true);
    const page = await openPage(harness, 'cases');
    await expect
      .poll(
        () =>
          page
            .locator('table', { has: page.locator('caption', { hasText: 'Cases' }) })
            .locator('tbody tr')
            .count(),
        WAIT,
      )
      .toBeGreaterThan(10);
    // Without the token the import is refused and says why.
    await page.getByLabel('File to import').setInputFiles({
      name: 'sony-pictures-2014-destover.csv',
      mimeType: 'text/csv',
      buffer: readFileSync(sonyFile),
    });
    await page.getByLabel('Format').selectOption('indicator-list');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect
      .poll(() => page.getByRole('status').last().innerText())
      .toContain('enter the write token first');
    await enterToken(page);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect
      .poll(() => text(page), WAIT)
      .toContain('Imported sony-pictures-2014-destover.csv: 52 indicator, 1 case, 9 report, 1 source.');
    await page.getByLabel('Filter cases').fill('sony');
    await page.getByRole('link', { name: 'upload:sony-pictures-2014-destover' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/cases\/case--/);
    const actors = page.getByTestId('ranked-actors');
    await expect.poll(() => actors.innerText(), WAIT).toContain('Lazarus Group');
    expect(await text(page)).toContain('Verdict: attributed.');
    await page.getByRole('button', { name: 'Show evidence for Lazarus Group' }).click();
    await expect.poll(() => page.url()).toContain('actor=G0032');
    const evidence = actors.locator('table', { has: page.locator('caption', { hasText: 'Evidence items' }) });
    const row = evidence.locator('tr', { hasText: '6467c6df4ba4526c7f7a7bc950bd47eb' });
    expect(await row.innerText()).toMatch(
      /exact\s+6467c6df4ba4526c7f7a7bc950bd47eb\s+0\.803\s+0\.803\s+md5, in 1 other unit/,
    );
    expect(await row.innerText()).toContain('iocs/eset/nukesped_lazarus/samples.md5 line 209');
    // Filters: without techniques and indicators the graph holds the case and the actors only.
    await page.getByRole('checkbox', { name: 'indicator' }).uncheck();
    await expect.poll(() => page.url()).toContain('show=infrastructure%2Ctechnique%2Cactor');
    // One actor node per ranked candidate (the list above), each tied to the case by one edge.
    const candidates = await actors.locator(':scope > li').count();
    expect(candidates).toBeGreaterThanOrEqual(1);
    await expect
      .poll(() => page.locator('.graph').getAttribute('aria-label'))
      .toMatch(new RegExp(`: ${candidates + 1} nodes, ${candidates} edges$`));
    await page.getByRole('checkbox', { name: 'indicator' }).check();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export STIX' }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).toMatch(/^cairn-case-case--.*\.stix\.json$/);
    const bundle = JSON.parse(readFileSync((await saved.path())!, 'utf8')) as {
      type: string;
      objects: { type: string }[];
    };
    expect(bundle.type).toBe('bundle');
    expect(bundle.objects.filter((o) => o.type === 'indicator').length).toBe(52);
    await checkPage(page, 'case-sony');
    // The first page now shows the imported Sony case too.
    const home = await openPage(harness, '');
    await expect.poll(() => text(home), WAIT).toContain('upload:sony-pictures-2014-destover');
    await screenshot(home, 'home-with-sony-case');
    await home.close();
    await page.close();
  });

  it('the cases list page', async () => {
    const page = await openPage(harness, 'cases');
    await expect.poll(() => text(page), WAIT).toContain('Cases in the corpus');
    await page.locator('table tbody tr').first().waitFor(WAIT);
    await checkPage(page, 'cases');
    await page.close();
  });
});

describe('ACH', () => {
  it('changing a rating updates ranking, diagnosticity and sensitivity; the as-of slider', async () => {
    const api = async (): Promise<AchView> => {
      const response = await fetch(`${harness.url}/api/v1/ach/cases/sony-pictures-2014`);
      return ((await response.json()) as { data: AchView }).data;
    };
    const before = await api();
    // A rerating the analysis says changes the order of the hypotheses.
    const change =
      before.sensitivity.items
        .flatMap((item) => item.reratings.map((r) => ({ ...r, evidence: item.evidence })))
        .find((r) => r.changesTop) ??
      before.sensitivity.items
        .flatMap((item) => item.reratings.map((r) => ({ ...r, evidence: item.evidence })))
        .find((r) => r.changesOrder);
    expect(change, 'a rerating that changes the ranking').toBeDefined();
    const page = await openPage(harness, 'ach/sony-pictures-2014');
    const ranking = page.getByTestId('ach-ranking');
    await expect
      .poll(() => ranking.locator('tbody tr').first().innerText(), WAIT)
      .toContain(`${before.ranking[0]}:`);
    const rows = async () =>
      (await ranking.locator('tbody tr td:nth-child(2)').allInnerTexts()).map((t) => t.split(':')[0]);
    expect(await rows()).toEqual(before.ranking);
    const diagnosticity = await page.getByTestId(`diagnosticity-${change!.evidence}`).innerText();
    await enterToken(page);
    await page
      .getByLabel(`Rating of ${change!.evidence} against ${change!.hypothesis}`)
      .selectOption(change!.to);
    await expect.poll(rows, WAIT).toEqual(change!.order);
    expect(change!.order).not.toEqual(before.ranking);
    expect(await page.getByTestId('ach-top').innerText()).toContain(change!.top.join(', ').split(',')[0]);
    expect(await page.getByTestId(`diagnosticity-${change!.evidence}`).innerText()).not.toBe(diagnosticity);
    const after = await api();
    expect(await page.getByTestId('ach-sensitivity').innerText()).toContain(
      `Margin of the top over the next: ${after.sensitivity.margin.toFixed(2)}`,
    );
    // Put it back, so the other tests see the case as it was read.
    await page
      .getByLabel(`Rating of ${change!.evidence} against ${change!.hypothesis}`)
      .selectOption(change!.from);
    await expect.poll(rows, WAIT).toEqual(before.ranking);
    // As of the earliest dated source, the items not known yet are left out.
    await page.getByLabel(/^As of/).focus();
    await page.keyboard.press('Home');
    await expect.poll(() => page.url()).toMatch(/asOf=\d{4}-\d{2}-\d{2}/);
    await expect
      .poll(() => page.getByTestId('ach-asof').innerText(), WAIT)
      .toMatch(/items not known yet are left out \(E\d+/);
    await page.keyboard.press('End');
    await expect.poll(() => page.url()).not.toContain('asOf=');
    await checkPage(page, 'ach');
    await page.close();
  });

  it('no page opened a dialog or threw', () => {
    expect(harness.dialogs).toEqual([]);
    expect(harness.errors).toEqual([]);
  });
});
