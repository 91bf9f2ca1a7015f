/**
 * The browser suite's harness: the cairn server on 127.0.0.1 port 0 serving the built workspace
 * (web/dist) over a loaded Workspace, and Debian's Chromium driven by playwright-core. Every page
 * is watched for dialogs, uncaught errors and console errors, so a test can assert that none
 * happened; screenshots go to test/browser/artifacts/ (kept by CI, ignored by git).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AchWorkspace, IntelWorkspace, OutageArchive, Workspace } from '../../src/app/index.js';
import { AlertFeed, startServer, type ServerServices } from '../../src/server/index.js';
import { buildSyntheticOutage, loadRealRoutes } from '../fixtures/synthetic-outage.js';

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

export type ExtraServerOptions = Partial<
  Omit<StartOptions, 'workspace' | 'token' | 'webRoot' | 'port' | 'host'>
>;

export async function startHarness(
  sources: WorkspaceSources = {},
  extra: ExtraServerOptions = {},
): Promise<Harness> {
  if (!existsSync(`${WEB_ROOT}index.html`))
    throw new Error('web/dist is not built: run node scripts/build-web.mjs first');
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CAIRN_CHROMIUM)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const workspace = await Workspace.load(sources);
  const { app, url } = await startServer({
    ...extra,
    workspace,
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
    browser,
    context,
    dialogs,
    errors,
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await app.close();
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

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** Opens a hash route of the workspace in a new page and waits for its first heading. */
export async function openPage(harness: Harness, route: string): Promise<Page> {
  const page = await harness.context.newPage();
  await page.goto(`${harness.url}/#/${route}`);
  await page.locator('main h1').first().waitFor();
  return page;
}
