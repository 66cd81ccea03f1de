/**
 * The pages in a real browser (Debian's chromium through playwright-core): register, upload a
 * file with the form, see its status turn to scored, and find the team on the leaderboard.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { makeWorld, submissionCsv } from '../leaderboard/helpers.js';
import { fileOracle, skipWithout } from '../helpers/oracle.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = skipWithout(fileOracle('chromium', CHROMIUM));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(skip)('leaderboard pages in chromium', () => {
  const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
  let server: RunningServer;
  let browser: Browser;
  const outside: string[] = [];

  beforeAll(async () => {
    server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 50, log: () => undefined });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    world.cleanup();
  });

  it('registers, uploads through the form, shows the status and the leaderboard', async () => {
    const page = await browser.newPage();
    // Every request must stay on the podium server.
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) outside.push(r.url());
    });
    await page.goto(`${server.url}/register`);
    await page.fill('#name', 'Browser <Team>');
    await page.fill('#email', 'b@example.org');
    await page.click('form.stack button[type=submit]');
    await expect.poll(() => page.textContent('#token')).toMatch(/^pdm_/);

    await page.goto(`${server.url}/challenges/toy/submit`);
    const file = path.join(world.root, 'browser.csv');
    fs.writeFileSync(file, submissionCsv((i) => i % 2 === 0));
    await page.setInputFiles('#file', file);
    await page.fill('#description', 'from chromium');
    await Promise.all([page.waitForURL(/\/challenges\/toy\/submissions\?new=\d+$/), page.click('#upload')]);
    // The page refreshes itself while the submission is queued or scoring.
    const status = page.locator('table.mine tbody tr').first().locator('td').nth(3);
    await expect.poll(async () => (await status.textContent())?.trim(), { timeout: 30_000 }).toBe('scored');
    expect(await page.locator('table.mine tbody tr').first().locator('td').nth(2).textContent()).toContain('from chromium');

    await page.goto(`${server.url}/challenges/toy`);
    const row = page.locator('table.board tbody tr').first();
    expect(await row.locator('td').nth(0).textContent()).toContain('1');
    expect(await row.locator('td').nth(1).textContent()).toBe('Browser <Team>');
    expect(await row.locator('td').nth(2).textContent()).toBe('0.5000');
    expect(await page.locator('svg.chart circle').count()).toBe(1);
    // The stylesheet (served by podium) applied: the header has its border.
    const css = await page.evaluate("getComputedStyle(document.querySelector('header')).borderBottomStyle");
    expect(css).toBe('solid');
    expect(outside).toEqual([]);
  });
});
