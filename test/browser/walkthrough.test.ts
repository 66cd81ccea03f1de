/**
 * A participant's first visit, in a real browser (Debian's chromium through playwright-core), at
 * 1280 and 390 px: register, accept the rules, download the sample submission from the Data
 * page, upload it, wait for its score and find the team ranked on the leaderboard. On every page
 * `document.documentElement.scrollWidth` stays within the viewport.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { makeWorld, submissionCsv } from '../leaderboard/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'];

describe.skipIf(!haveChromium)(haveChromium ? 'a first visit' : `a first visit (skipped: ${CHROMIUM} is not installed)`, () => {
  const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
  let server: RunningServer;
  let browser: Browser;
  const sample = submissionCsv((i) => i % 4 === 0);

  beforeAll(async () => {
    const dir = path.join(world.challengesRoot, 'toy');
    fs.writeFileSync(path.join(dir, 'sample.csv'), sample);
    fs.appendFileSync(path.join(dir, 'challenge.yaml'), 'sample_submission: sample.csv\n');
    fs.writeFileSync(path.join(dir, 'rules.md'), '## Data\n\nOnly the files of the Data page.\n');
    server = await startServer({ dbPath: world.dbPath, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, log: () => undefined });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    world.cleanup();
  });

  for (const width of [1280, 390]) {
    it(`registers, accepts the rules, downloads the sample, submits and is ranked at ${width} px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 800 }, acceptDownloads: true });
      const page = await context.newPage();
      const tooWide: string[] = [];
      const fits = async (p: Page) => {
        const w = Number(await p.evaluate('document.documentElement.scrollWidth'));
        if (w > width) tooWide.push(`${new URL(p.url()).pathname} at ${width} px: ${w} px wide`);
      };

      await page.goto(`${server.url}/register`);
      await fits(page);
      await page.fill('#name', `Walker ${width}`);
      await page.fill('#email', `walker${width}@example.org`);
      await page.click('form.stack button[type=submit]');
      const token = (await page.textContent('#token'))!.trim();
      expect(token).toMatch(/^pdm_/);
      expect(await page.textContent('main')).toContain(`export PODIUM_TOKEN=${token}`);
      await fits(page);

      // Submitting first asks for the rules; accept them from there.
      await page.goto(`${server.url}/challenges/toy/submit`);
      await fits(page);
      await Promise.all([page.waitForURL(`${server.url}/challenges/toy/submit`), page.click('#accept-rules button')]);
      expect(await page.locator('#upload').count()).toBe(1);

      await page.goto(`${server.url}/challenges/toy/data`);
      await fits(page);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('li[data-file="sample.csv"] h2 a')]);
      const saved = path.join(world.root, `sample-${width}.csv`);
      await download.saveAs(saved);
      expect(fs.readFileSync(saved, 'utf8')).toBe(sample);

      await page.goto(`${server.url}/challenges/toy/submit`);
      expect(await page.textContent('#remaining')).toContain('5 of 5 submissions left today');
      await page.setInputFiles('#file', saved);
      await Promise.all([page.waitForURL(/\/challenges\/toy\/submissions\?new=\d+$/), page.click('#upload')]);
      // The page refreshes itself until the submission is scored.
      await page.waitForSelector('#just-submitted.ok', { timeout: 60_000 });
      await fits(page);
      await page.click('#just-submitted a');
      expect(await page.textContent('.submitted-by')).toBe(`Walker ${width}`);
      await fits(page);

      await page.goto(`${server.url}/challenges/toy`);
      await fits(page);
      const row = page.locator('table.board tr', { hasText: `Walker ${width}` });
      expect(await row.count()).toBe(1);
      expect(Number.parseInt((await row.locator('td').first().textContent())!.trim(), 10)).toBeGreaterThanOrEqual(1);
      // The signed-in team is highlighted (a style rule for its row).
      const teamId = await row.getAttribute('data-team');
      const background = await page.evaluate(`getComputedStyle(document.querySelector('table.board tr[data-team="${teamId}"] td')).backgroundColor`);
      expect(background).toBe('rgb(255, 244, 194)');
      await context.close();
      expect(tooWide).toEqual([]);
    }, 180_000);
  }
});
