/// <reference lib="dom" />
/**
 * The workspace over the cluster (issue 17 point 5) in a real browser: the built `cairn serve`
 * runs twice, over a DuckDB file (`--db`) and over a 2-shard ClickHouse cluster on loopback
 * (`--store clickhouse://...`), each ingesting the bundled data on its first start (RIS table of
 * October 2015, APNIC's delegated file, the evidence corpus: real). Debian's Chromium, driven by
 * playwright-core as the browser suite drives it (test/browser/harness.ts), loads the country, IP,
 * case list and case pages from both; each page must show the same text over the cluster as over
 * DuckDB, with no dialog, page error or console error.
 *
 * It lives in the live project, not the browser one: it needs clickhouse-server and the built CLI,
 * and the two first starts ingest for minutes, beyond the browser project's time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, WEB_ROOT } from '../../browser/harness.js';
import { waitFor } from '../harness.js';
import { ClickHouseCluster } from './cluster.js';
import { CLI, startServe, stopServes, type Served } from './served.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-workspace-cluster-'));
let cluster: ClickHouseCluster | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
const problems: string[] = [];
const servers: Served[] = [];

async function serve(storeArgs: string[], name: string): Promise<Served> {
  const server = await startServe(dir, storeArgs, name, 800_000, servers);
  let lastError = '';
  // The pages read services that load after the server starts: wait until the API has them.
  await waitFor(
    `${server.url} to have loaded its services`,
    600_000,
    async () => {
      // A connection reset while the first start ingests is retried; the last one is reported.
      try {
        return (await fetch(`${server.url}/api/v1/countries/KP`)).status === 200;
      } catch (error) {
        lastError = `last probe: ${(error as Error).message} (${String((error as Error).cause)})`;
        return false;
      }
    },
    () => `${lastError}\n${server.output()}`,
    500,
  );
  return server;
}

beforeAll(async () => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  if (!fs.existsSync(path.join(WEB_ROOT, 'index.html')))
    throw new Error('web/dist is not built: run npm run build (or node scripts/build-web.mjs) first');
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CAIRN_CHROMIUM)`);
  cluster = await ClickHouseCluster.start(2);
  await Promise.all([
    serve(['--db', path.join(dir, 'store.duckdb')], 'duckdb'),
    serve(['--store', cluster.freshUrl('workspace')], 'cluster'),
  ]);
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.on('page', (page) => {
    page.on('dialog', (dialog) => {
      problems.push(`dialog ${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
  });
}, 1_500_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stopServes(servers);
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const mainText = (page: Page): Promise<string> => page.locator('main').innerText();

/**
 * Opens `route` on `server` and returns the page's main text once it shows `marker`, has nothing
 * left loading and stays the same over two reads 500 ms apart.
 */
async function settledText(server: Served, route: string, marker: string | RegExp): Promise<string> {
  const page = await context!.newPage();
  try {
    await page.goto(`${server.url}/#/${route}`);
    await page.locator('main h1').first().waitFor({ timeout: 60_000 });
    let previous = '';
    return await waitFor(
      `#/${route} on ${server.url} to show ${String(marker)} and settle`,
      120_000,
      async () => {
        const text = await mainText(page);
        const ready =
          (typeof marker === 'string' ? text.includes(marker) : marker.test(text)) &&
          !/\bLoading\b/i.test(text) &&
          text === previous;
        previous = text;
        return ready ? text : undefined;
      },
      async () => `last text:\n${await mainText(page).catch(() => '(page gone)')}`,
      500,
    );
  } finally {
    await page.close();
  }
}

/** The page's text from both servers: the same, and showing `marker`. */
async function samePage(route: string, marker: string | RegExp): Promise<string> {
  const [duck, click] = await Promise.all(servers.map((s) => settledText(s, route, marker)));
  expect(click, `#/${route}`).toBe(duck);
  return duck;
}

describe('the workspace over the cluster and over DuckDB', () => {
  it('shows the same country, IP and case pages', async () => {
    const country = await samePage('country/KP', 'One upstream carries all its routes.');
    expect(country).toMatch(/AS4837 CHINA169-BACKBONE\s+CN\s+100\.0%/);
    expect(country).toMatch(/AS131279 STAR-KP\s+100\.0%/);

    const ip = await samePage('ip/175.45.178.1', 'Longest announced prefix 175.45.178.0/24');
    expect(ip).toContain('AS131279');

    const cases = (await (await fetch(`${servers[0].url}/api/v1/intel/cases`)).json()) as {
      data: { cases: Array<{ id: string; name: string }> };
    };
    expect(cases.data.cases.length).toBeGreaterThan(10);
    // The list names each case (its id is in the link); a case's page has its name as heading.
    const list = await samePage('cases', cases.data.cases[0].name);
    for (const c of cases.data.cases.slice(0, 10)) expect(list).toContain(c.name);
    for (const c of cases.data.cases.slice(0, 3)) {
      const page = await samePage(`cases/${encodeURIComponent(c.id)}`, c.name);
      expect(page.length).toBeGreaterThan(c.name.length);
    }
    expect(problems).toEqual([]);
  }, 900_000);
});
