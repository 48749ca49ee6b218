import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

/**
 * The reference page (GET /api/v2/docs) in a real browser: Debian's chromium, driven by playwright-core
 * (no browser download). .ci/run installs chromium when it is missing; elsewhere the test is skipped.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);

let app: TestApp;
let browser: Browser;
beforeAll(async () => {
  if (!available) return;
  app = await startTestApp();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

// Skipped, with this reason, on a machine without Debian's chromium (.ci/run installs it).
describe.skipIf(!available)(available ? 'the API reference page' : `the API reference page (skipped: no ${CHROMIUM})`, () => {
  it('renders the suggestions list operation, with every request on our own origin', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const refused: string[] = [];
    page.on('request', (r) => void requests.push(r.url()));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) refused.push(m.text());
    });
    const response = await page.goto(`${app.url}/api/v2/docs`);
    expect(response?.status()).toBe(200);
    // The sidebar lists the operations by tag; opening one renders its section with its parameters.
    await page.getByText('Open Group - suggestions').click({ timeout: 20_000 });
    await page.getByText('List suggestions').first().click();
    const heading = page.getByRole('heading', { name: 'List suggestions' });
    await heading.waitFor({ state: 'visible', timeout: 20_000 });
    expect(page.url()).toBe(`${app.url}/api/v2/docs#tag/suggestions/GET/api/v2/admin/suggestions`);
    const section = await page.locator('section', { has: heading }).last().innerText();
    for (const text of ['Query Parameters', 'per_page', 'page_token', 'updated_after', 'category_none']) expect(section).toContain(text);
    const origin = new URL(app.url).origin;
    expect(requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
    expect(requests).toContain(`${origin}/api/v2/openapi.json`);
    expect(refused).toEqual([]);
    await page.close();
  }, 60_000);
});
