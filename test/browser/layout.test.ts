/**
 * Every page fits the screen in a real browser (Debian's chromium through playwright-core): at
 * 1280 and 390 px, `document.documentElement.scrollWidth` never exceeds the viewport; wide
 * leaderboards (eight latency columns) scroll inside their own box. A second challenge takes
 * models: its reference model's run is a baseline entry, and two ONNX models uploaded by the
 * participant are scored and timed in the sandbox, so the models page shows its
 * accuracy-vs-latency chart. With PODIUM_SCREENSHOTS=DIR a full-page screenshot of every page at
 * both widths is written there, to look at.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBaseline } from '../../src/leaderboard/baselines.js';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register, submissionCsv, waitFor } from '../leaderboard/helpers.js';
import { loadChallenge } from '../../src/challenges/definition.js';
import { evaluateModel } from '../../src/models/evaluate-model.js';
import { makeModels, tinyClassificationChallenge } from '../models/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WIDTHS = [1280, 390];
const SHOTS = process.env.PODIUM_SCREENSHOTS;

describe.skipIf(!haveChromium)(haveChromium ? 'pages fit the screen' : `pages fit the screen (skipped: ${CHROMIUM} is not installed)`, () => {
  const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
  let server: RunningServer;
  let browser: Browser;
  let token: string;
  let submissionId: number;

  beforeAll(async () => {
    fs.writeFileSync(path.join(world.challengesRoot, 'toy', 'rules.md'), '## Data\n\nTrain on the files of the Data page; a long unbroken name such as `an_extremely_long_identifier_that_could_push_the_page_wider_than_a_phone` wraps.\n');
    // A published file, so the Data page shows its size and sha256.
    fs.writeFileSync(path.join(world.challengesRoot, 'toy', 'sample.csv'), submissionCsv(() => false));
    fs.appendFileSync(path.join(world.challengesRoot, 'toy', 'challenge.yaml'), 'sample_submission: sample.csv\n');
    // A baseline with every latency column: the widest board there is.
    const file = path.join(world.root, 'baseline.csv');
    fs.writeFileSync(file, submissionCsv((i) => i % 3 === 0));
    await recordBaseline({
      dbPath: world.dbPath, challengesRoot: world.challengesRoot, challengeId: 'toy', name: 'MobileNetV2 (width 0.35, 32 px)', file, bootstrapSamples: 20,
      latency: { p50_ms: 1.1312, p90_ms: 1.34, p99_ms: 169.2, offline_per_s: 2411.3, params: 58788, madds: 1.3e9, backend: 'tfjs-wasm simd', machine: 'AMD EPYC 7B13, 2 cores' },
    });
    // The model challenge: the reference model's own run recorded as its baseline entry.
    const models = path.join(world.root, 'models');
    makeModels(models, 32, 10);
    // Kept where a baseline's export is (baselines/<name>/model.onnx): the board takes that baseline's entry as the reference.
    const reference = path.join(world.root, 'baselines', 'mean-colour-classifier', 'model.onnx');
    fs.mkdirSync(path.dirname(reference), { recursive: true });
    fs.copyFileSync(path.join(models, 'classifier.onnx'), reference);
    // Warmed up until steady, as a challenge is by default, so the board shows what that ran.
    const tiny = tinyClassificationChallenge(world.root, {
      reference, sandbox: { wall_s: 120 },
      latency: { warmup: 'steady', min_queries: 20, min_duration_ms: 0, offline_samples: 8, offline_batch: 4, samples: 4, seed: 1 },
    });
    const ref = await evaluateModel(await loadChallenge(tiny.dir, { requireTruth: true }), reference, { workDir: path.join(world.root, 'reference-run') });
    const timed = ref.latency!.entry;
    await recordBaseline({
      dbPath: world.dbPath, challengesRoot: world.challengesRoot, challengeId: 'inat-tiny', name: 'mean-colour-classifier', file: ref.submission, bootstrapSamples: 20,
      latency: {
        p50_ms: timed.p50_ms, p90_ms: timed.p90_ms, p99_ms: timed.p99_ms, warmup: timed.warmup, warmup_stop: timed.warmup_stop, warmup_ms: timed.warmup_ms,
        params: ref.cost.params, madds: ref.cost.madds, backend: ref.environment.runtime, machine: ref.environment.machine,
      },
    });
    server = await startServer({ dbPath: world.dbPath, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, adminToken: 'an-admin-token-of-thirty-two-chars', log: () => undefined });
    token = await register(server.url, 'A participant with a rather long team name');
    await api(server.url, 'POST', '/api/challenges/toy/rules/accept', { token, json: {} });
    const r = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % 2 === 0)) });
    submissionId = r.body.id;
    await waitFor(server.url, token, submissionId);
    // Two models through the upload API, from two teams (a board shows a team's best entry), run
    // in the sandbox by the server's worker.
    const second = await register(server.url, 'convnets');
    for (const [name, by] of [['classifier.onnx', token], ['convnet-16.onnx', second]] as const) {
      const form = new FormData();
      form.append('file', new Blob([fs.readFileSync(path.join(models, name))], { type: 'application/octet-stream' }), name);
      const up = await api(server.url, 'POST', '/api/challenges/inat-tiny/submissions', { token: by, form });
      expect(up.status, up.text).toBe(202);
      let done: any = await api(server.url, 'GET', `/api/submissions/${up.body.id}`, { token: by });
      for (let i = 0; i < 2400 && !['scored', 'failed'].includes(done.body?.status); i++) {
        await new Promise((res) => setTimeout(res, 100));
        done = await api(server.url, 'GET', `/api/submissions/${up.body.id}`, { token: by });
      }
      done = done.body;
      expect(done.status, done.error).toBe('scored');
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    world.cleanup();
  });

  it('no page is wider than the viewport at 1280 and 390 px', async () => {
    const pages = ['/', '/challenges/toy', '/challenges/toy?split=private', '/challenges/toy/data', '/challenges/toy/evaluation',
      '/challenges/toy/rules', '/challenges/toy/submit', '/challenges/toy/submissions', `/challenges/toy/submissions/${submissionId}`, '/challenges/toy/team', '/account', '/admin', '/login', '/register', '/no/such/page',
      '/challenges/inat-tiny', '/challenges/inat-tiny/models', '/challenges/inat-tiny/submit'];
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
    const tooWide: string[] = [];
    for (const width of WIDTHS) {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      // Signed in through the form, as a participant is.
      await page.goto(`${server.url}/login`);
      await page.fill('#token', token);
      await Promise.all([page.waitForURL(`${server.url}/`), page.click('form.stack button[type=submit]')]);
      // And the admin page, through its form.
      await page.goto(`${server.url}/admin`);
      await page.fill('#admin-token', 'an-admin-token-of-thirty-two-chars');
      await Promise.all([page.waitForURL(`${server.url}/admin`), page.click('#admin-login button[type=submit]')]);
      for (const p of pages) {
        await page.goto(server.url + p);
        const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
        if (scrollWidth > width) tooWide.push(`${p} at ${width} px: ${scrollWidth} px wide`);
        if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${width}${p.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
      }
      // The wide board scrolls inside its own box rather than the page.
      await page.goto(`${server.url}/challenges/toy`);
      const box = (await page.evaluate("(() => { const el = document.querySelector('.table-scroll'); return { client: el.clientWidth, scroll: el.scrollWidth }; })()")) as { client: number; scroll: number };
      expect(box.scroll).toBeGreaterThan(box.client);
      // The models page: the chart holds the reference and both timed models, and fits.
      await page.goto(`${server.url}/challenges/inat-tiny/models`);
      expect(await page.locator('svg.chart path:is(.d, .p, .b)').count()).toBe(3);
      expect(await page.locator('svg.chart path.b').count()).toBe(1); // the reference
      // Each entry's warm-up as run (steady or stopped at a cap, never the fixed count alone); the
      // reference's p90 is the median of its runs beside the entries, which have a warm-up each.
      expect(await page.locator('table.board td.note', { hasText: /^[\d,]+ \((until steady|stopped at the (query|time) cap), \d+\.\d s\)$/ }).count()).toBe(2);
      expect(await page.locator('p', { hasText: "mean-colour-classifier's p90 is the median of the 2 measured interleaved with the entries" }).count()).toBe(1);
      const chart = (await page.evaluate("(() => { const r = document.querySelector('figure.chart').getBoundingClientRect(); return { left: r.left, right: r.right }; })()")) as { left: number; right: number };
      expect(chart.left).toBeGreaterThanOrEqual(0);
      expect(chart.right).toBeLessThanOrEqual(width);
      // The 404 page has the site's layout (header and stylesheet).
      await page.goto(`${server.url}/no/such/page`);
      expect(await page.locator('header .brand').count()).toBe(1);
      await context.close();
    }
    expect(tooWide).toEqual([]);
  }, 300_000);
});
