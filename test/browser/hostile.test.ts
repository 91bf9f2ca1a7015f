/**
 * Strings from data are rendered as text and run nothing. The AS names file is the bundled one
 * with two names replaced by SYNTHETIC hostile markup (AS131279, North Korea's origin, and AS4837),
 * and a SYNTHETIC indicator list whose value is `<img src=x onerror=alert(1)>` is imported; every
 * page showing them must show the markup as visible text, open no dialog, create no element from
 * it and set no global from it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importIndicatorList, openPage, screenshot, startHarness, type Started } from './harness.js';

const ASNAMES = fileURLToPath(new URL('../../data/registry/asnames.json.gz', import.meta.url));
// cairn shows an AS's handle (the first word of its registry name), so the markup is in the handle.
const HOSTILE_ORIGIN = '<script>window.__cairnXss=1;alert(1)</script>STAR-KP';
const HOSTILE_UPSTREAM = '<img/src=x/onerror=window.__cairnXss=2;alert(2)>CHINA169';
const HOSTILE_INDICATOR = '<img src=x onerror=alert(1)>';
const HOSTILE_NOTE = 'SYNTHETIC probe <script>alert(3)</script>';

let harness: Started;
let folder: string;

beforeAll(async () => {
  folder = mkdtempSync(path.join(tmpdir(), 'cairn-hostile-'));
  const names = JSON.parse(gunzipSync(readFileSync(ASNAMES)).toString('utf8')) as Record<string, string>;
  names['131279'] = `${HOSTILE_ORIGIN} Ryugyong-dong, KP`;
  names['4837'] = `${HOSTILE_UPSTREAM} China Unicom Backbone, CN`;
  const file = path.join(folder, 'synthetic-hostile-asnames.json');
  writeFileSync(file, JSON.stringify(names));
  harness = await startHarness({ asnames: file });
  const csv = [
    'type,value,note,sources',
    `string,${HOSTILE_INDICATOR},${HOSTILE_NOTE},synthetic`,
    'ipv4,175.45.178.1,SYNTHETIC: an address in North Korea,synthetic',
  ].join('\n');
  await importIndicatorList(harness, 'synthetic-xss-probe.csv', csv);
});

afterAll(async () => {
  await harness?.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Nothing ran: no dialog, no global set by the markup, no element made from it. */
async function ranNothing(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  expect(harness.dialogs).toEqual([]);
  expect(
    await page.evaluate(() => (window as unknown as { __cairnXss?: number }).__cairnXss),
  ).toBeUndefined();
  expect(await page.locator('main img').count()).toBe(0);
  expect(await page.locator('body script').count()).toBe(0);
}

it('a country page shows hostile AS names as text', async () => {
  const page = await openPage(harness, 'country/KP');
  const origins = page.locator('table', { has: page.locator('caption', { hasText: 'Origin ASes of KP' }) });
  await origins.getByText(`AS131279 ${HOSTILE_ORIGIN}`, { exact: true }).waitFor({ timeout: 60_000 });
  await page.getByText(`AS4837 ${HOSTILE_UPSTREAM}`, { exact: true }).first().waitFor();
  expect(await page.getByText(`AS4837 ${HOSTILE_UPSTREAM}`, { exact: true }).first().isVisible()).toBe(true);
  await ranNothing(page);
  await screenshot(page, 'hostile-country');
  await page.close();
});

it('the AS, IP and first pages show them as text', async () => {
  for (const [route, expected] of [
    ['as/131279', `AS131279 ${HOSTILE_ORIGIN}`],
    ['as/4837', `AS4837 ${HOSTILE_UPSTREAM}`],
    ['ip/175.45.178.1', `AS131279 ${HOSTILE_ORIGIN}`],
    ['', `AS4837 ${HOSTILE_UPSTREAM}`],
  ]) {
    const page = await openPage(harness, route);
    await page.getByText(expected, { exact: true }).first().waitFor({ timeout: 60_000 });
    expect(await page.getByText(expected, { exact: true }).first().isVisible()).toBe(true);
    await ranNothing(page);
    await page.close();
  }
});

it('a hostile indicator value and note render as text in the case, its graph and its evidence', async () => {
  const page = await openPage(harness, 'cases?q=synthetic-xss');
  await page.getByRole('link', { name: 'upload:synthetic-xss-probe' }).click();
  const indicators = page.locator('table', { has: page.locator('caption', { hasText: 'Indicators (2)' }) });
  await indicators.waitFor({ timeout: 60_000 });
  const cell = indicators.getByText(HOSTILE_INDICATOR, { exact: true });
  expect(await cell.isVisible()).toBe(true);
  // The address is placed on the routing map: North Korea's prefix and its (hostile-named) origin.
  expect(await indicators.locator('tr', { hasText: '175.45.178.1' }).innerText()).toMatch(
    /175\.45\.178\.0\/24\s+AS131279\s+KP/,
  );
  await ranNothing(page);
  await screenshot(page, 'hostile-case');
  await page.close();
});
