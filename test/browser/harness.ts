/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The browser suite's harness: the cairn server on 127.0.0.1 port 0 serving the built workspace
 * (web/dist) over a loaded Workspace, and Debian's Chromium driven by playwright-core. Every page
 * is watched for dialogs, uncaught errors and console errors, so a test can assert that none
 * happened; screenshots go to test/browser/artifacts/ (kept by CI, ignored by git).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  AchWorkspace,
  IntelWorkspace,
  OutageArchive,
  StoreWorkspace,
  Workspace,
  ingest,
} from '../../src/app/index.js';
import { AlertFeed, startServer, type LoadedServices } from '../../src/server/index.js';
import { buildSyntheticOutage, loadRealRoutes } from '../fixtures/synthetic-outage.js';
import { writeSyntheticFiles } from '../store/synthetic-files.js';

export const WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
export const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
export const TOKEN = 'browser-suite-token-'.padEnd(43, 'x');

export interface Harness {
  url: string;
  app: FastifyInstance;
  browser: Browser;
  context: BrowserContext;
  /** Dialogs opened (alert, confirm, prompt) by any page of the context. */
  dialogs: string[];
  /** Uncaught page errors and console errors. */
  errors: string[];
  close(): Promise<void>;
}

export const RIS_FILE = fileURLToPath(
  new URL('../../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url),
);

/** The project corpus (../shared/data or $CAIRN_CORPUS), for files the repository does not carry. */
export const CORPUS =
  process.env.CAIRN_CORPUS ?? fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export interface HarnessOptions {
  /** AS names file (default: the bundled one). */
  asnames?: string;
}

export interface Started extends Harness {
  /** The server's alert source: what a test publishes reaches every /outages/stream. */
  alerts: AlertFeed;
  services: LoadedServices;
  /** The store the history and ingest-status routes read: the SYNTHETIC December 2014 replay ingested. */
  store: StoreWorkspace;
}

/**
 * The SYNTHETIC replay of North Korea's December 2014 outages (test/fixtures/synthetic-outage.ts:
 * real routes, synthetic peers and timeline), written to a temporary MRT file for the archive.
 */
async function syntheticOutageFile(folder: string): Promise<string> {
  const file = path.join(folder, 'synthetic-kp-outages-2014-12.mrt');
  writeFileSync(file, buildSyntheticOutage(await loadRealRoutes(RIS_FILE)));
  return file;
}

/**
 * Imports an indicator list (CSV: type,value,note,sources) through the API, with the write token,
 * as an analyst's upload would; fails the calling test on anything but 200.
 */
export async function importIndicatorList(harness: Harness, name: string, csv: string): Promise<void> {
  const response = await fetch(
    `${harness.url}/api/v1/intel/import?name=${encodeURIComponent(name)}&format=indicator-list`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
      body: csv,
    },
  );
  if (response.status !== 200)
    throw new Error(`import of ${name}: HTTP ${response.status} ${await response.text()}`);
}

export async function startHarness(options: HarnessOptions = {}): Promise<Started> {
  if (!existsSync(`${WEB_ROOT}index.html`))
    throw new Error('web/dist is not built: run node scripts/build-web.mjs first');
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CAIRN_CHROMIUM)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const folder = mkdtempSync(path.join(tmpdir(), 'cairn-browser-'));
  // The services as the server's loadServices composes them, with the AS names of the test's choosing.
  const workspace = await Workspace.load(options.asnames !== undefined ? { asnames: options.asnames } : {});
  const services: LoadedServices = {
    workspace,
    intel: await IntelWorkspace.load(workspace.world),
    ach: await AchWorkspace.load(),
    outages: new OutageArchive({
      mrt: [await syntheticOutageFile(folder)],
      registry: workspace.sources.registry,
    }),
  };
  // The store as `cairn ingest` fills it: the SYNTHETIC December 2014 replay in daily files
  // (test/store/synthetic-files.ts), so dependency over time has many snapshots to draw.
  const db = path.join(folder, 'store.duckdb');
  await writeSyntheticFiles(path.join(folder, 'mrt'));
  await ingest({ mrt: [path.join(folder, 'mrt')], db, outageCountries: ['KP'] });
  const store = await StoreWorkspace.open(db);
  const alerts = new AlertFeed();
  const { app, url } = await startServer({
    ...services,
    store,
    alerts,
    token: TOKEN,
    webRoot: WEB_ROOT,
    host: '127.0.0.1',
    port: 0,
    rateLimit: false,
  });
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const dialogs: string[] = [];
  const errors: string[] = [];
  context.on('page', (page) => watch(page, dialogs, errors));
  return {
    url,
    app,
    alerts,
    services,
    store,
    browser,
    context,
    dialogs,
    errors,
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await app.close();
      await store.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

function watch(page: Page, dialogs: string[], errors: string[]): void {
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
}

/** The list of screenshots CI keeps: artifacts/manifest.json, one entry per name, the latest kept. */
export const MANIFEST = `${ARTIFACTS}manifest.json`;

export interface ScreenshotEntry {
  name: string;
  file: string;
  /** The workspace route shown (the part after `#/`). */
  route: string;
  title: string;
  takenAt: string;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  const file = `${name}.png`;
  await page.screenshot({ path: `${ARTIFACTS}${file}`, fullPage: true });
  const entry: ScreenshotEntry = {
    name,
    file,
    route: new URL(page.url()).hash.replace(/^#\/?/, ''),
    title: (await page.locator('main h1').first().textContent()) ?? '',
    takenAt: new Date().toISOString(),
  };
  let entries: ScreenshotEntry[] = [];
  try {
    entries = (JSON.parse(readFileSync(MANIFEST, 'utf8')) as { screenshots: ScreenshotEntry[] }).screenshots;
  } catch {
    // no manifest yet (or a damaged one): this run writes it anew
  }
  entries = [...entries.filter((e) => e.name !== name), entry].sort((a, b) => a.name.localeCompare(b.name));
  writeFileSync(MANIFEST, JSON.stringify({ screenshots: entries }, null, 2) + '\n');
}

/** Opens a hash route of the workspace in a new page and waits for its first heading. */
export async function openPage(harness: Harness, route: string): Promise<Page> {
  const page = await harness.context.newPage();
  await page.goto(`${harness.url}/#/${route}`);
  await page.locator('main h1').first().waitFor();
  return page;
}

/**
 * Presses Tab from the top of the page until focus comes back round, and returns the controls
 * (links, buttons, inputs, selects, anything with tabindex >= 0 that is visible and enabled) that
 * it never reached, each described by its tag and text.
 */
export async function controlsNotReachedByTab(page: Page, maxPresses = 2000): Promise<string[]> {
  const total = await page.evaluate(() => {
    const selector = 'a[href], button, input, select, textarea, summary, [tabindex]';
    let n = 0;
    for (const element of document.querySelectorAll<HTMLElement>(selector)) {
      const style = getComputedStyle(element);
      const hidden = element.getClientRects().length === 0 || style.visibility === 'hidden';
      const disabled = (element as HTMLButtonElement).disabled === true || element.tabIndex < 0;
      if (hidden || disabled) continue;
      element.dataset.kb = String(n++);
    }
    (document.activeElement as HTMLElement | null)?.blur();
    return n;
  });
  const reached = new Set<string>();
  for (let i = 0; i < Math.min(maxPresses, total * 4 + 20); i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.kb ?? null);
    if (id !== null) reached.add(id);
    if (reached.size === total) break;
  }
  return page.evaluate(
    (seen) => {
      const missing: string[] = [];
      for (const element of document.querySelectorAll<HTMLElement>('[data-kb]'))
        if (!seen.includes(element.dataset.kb!))
          missing.push(
            `${element.tagName.toLowerCase()} "${(element.textContent ?? '').trim().slice(0, 40)}"`,
          );
      return missing;
    },
    [...reached],
  );
}

/** axe-core's critical violations on the page as it is now (rule id and the first target). */
export async function criticalViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.nodes
          .map((node) => node.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
}
