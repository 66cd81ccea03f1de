/**
 * End to end through the built CLI (dist/cli.js): `podium data make` at a small scale, each
 * generated set scored with its sample submission by `podium evaluate --challenge`, importer
 * outputs scored the same way, and `podium demo --no-serve` recording on a fresh database.
 * Everything is written under a temporary data root (PODIUM_DATA), never into data/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, podium, repoRoot } from '../helpers/cli.js';
import { readTree, tempRoot } from './tmp.js';

const tmp = tempRoot('cli');
const data = path.join(tmp, 'data');
const challenges = path.join(tmp, 'challenges');
const env = { PODIUM_DATA: data, CI: '1' };
const MINI = ['inat2018-mini', 'voc2012-seg-mini', 'detection-mini', 'separation-mini', 'isl-mini'] as const;
const PRIMARY: Record<(typeof MINI)[number], string> = { 'inat2018-mini': 'top3_error', 'voc2012-seg-mini': 'miou', 'detection-mini': 'AP', 'separation-mini': 'sdri', 'isl-mini': 'mean_pearson' };

/** The repository's challenge definitions, with truth and sample paths moved to the temp data root. */
function writeChallenges(): void {
  for (const id of MINI) {
    const yaml = fs.readFileSync(path.join(repoRoot, 'challenges', id, 'challenge.yaml'), 'utf8');
    fs.mkdirSync(path.join(challenges, id), { recursive: true });
    fs.writeFileSync(path.join(challenges, id, 'challenge.yaml'), yaml.replaceAll('../../data/', `${data}/`));
  }
}

describe('podium data make', () => {
  it('makes all the sets, keeps them on a second run, refuses another seed without --force', () => {
    const first = podium(['data', 'make', 'all', '--scale', '0.02'], { env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const id of MINI) expect(fs.existsSync(path.join(data, id, '.podium-data.json'))).toBe(true);
    const again = podium(['data', 'make', 'inat2018-mini', '--scale', '0.02'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already made');
    const other = podium(['data', 'make', 'inat2018-mini', '--scale', '0.02', '--seed', '5'], { env });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('--force');
    writeChallenges();
  }, 120_000);

  it('writes the same bytes when made again with --force', () => {
    const before = readTree(path.join(data, 'detection-mini'));
    const r = podium(['data', 'make', 'detection-mini', '--scale', '0.02', '--force'], { env });
    expect(r.code).toBe(0);
    const after = readTree(path.join(data, 'detection-mini'));
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [k, v] of before) expect(Buffer.from(after.get(k)!).equals(Buffer.from(v)), k).toBe(true);
  }, 60_000);

  it('explains a bad command in one line', () => {
    const r = podium(['data', 'make', 'mnist'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^podium: data make: unknown challenge "mnist"/);
    expect(podium(['data', 'import', 'kitti', 'a', 'b'], { env }).stderr).toContain('unknown format "kitti"');
  });

  it.each(MINI)('%s scores with its sample submission through evaluate --challenge', (id) => {
    const yaml = fs.readFileSync(path.join(challenges, id, 'challenge.yaml'), 'utf8');
    const sample = /sample_submission: (.*)/.exec(yaml)![1]!.trim();
    const r = podium(['evaluate', '--challenge', path.join(challenges, id), '--submission', sample, '--json'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const primary = out.metrics[PRIMARY[id]];
    expect(typeof primary).toBe('number');
    expect(out.splits.public).toBeDefined();
    expect(out.splits.private).toBeDefined();
    // The sample submissions are uninformed guesses: no better than chance on any task.
    if (id === 'separation-mini') expect(primary).toBe(0); // the mixture itself: improvement 0 by definition
    if (id === 'inat2018-mini') expect(primary).toBeGreaterThan(0); // 3 guesses among 5 classes at this scale
    if (id === 'voc2012-seg-mini') expect(primary).toBeLessThan(0.2);
    if (id === 'detection-mini') expect(primary).toBeLessThan(0.05);
    if (id === 'isl-mini') expect(Math.abs(primary)).toBeLessThan(0.9); // the z-stack's mean as every label
  }, 60_000);
});

describe('podium data import', () => {
  const cases: [string, string, string][] = [
    ['inat2018', fixture('datasets', 'inat2018'), 'sample_submission.csv'],
    ['coco', fixture('datasets', 'coco'), 'sample_submission.csv'],
    ['voc-detection', fixture('datasets', 'VOCdevkit'), 'sample_submission.csv'],
    ['voc-segmentation', fixture('datasets', 'VOCdevkit'), 'sample_submission.zip'],
    ['librimix', fixture('datasets', 'Libri2Mix', 'wav8k', 'min', 'test'), 'sample_submission.zip'],
  ];
  it.each(cases)('%s: the imported folder is a challenge its sample submission scores on', (format, src, sample) => {
    const dest = path.join(tmp, 'imported', `${format}-challenge`);
    const r = podium(['data', 'import', format, src, dest, '--seed', '3'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`imported ${format}`);
    const e = podium(['evaluate', '--challenge', dest, '--submission', path.join(dest, sample), '--json'], { env });
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(JSON.parse(e.stdout).splits.private).toBeDefined();
  }, 60_000);

  it('rejects a broken source with every problem named, exit 2', () => {
    const r = podium(['data', 'import', 'coco', fixture('datasets', 'coco', 'bad_instances.json'), path.join(tmp, 'bad')], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad_instances\.json, column images\[2\]\.id: duplicate image id 397133 \(and 3 more problems\)/);
  });
});

describe('podium demo --no-serve', () => {
  it('records sample submissions and every baseline on a fresh database, then again without duplicates', async () => {
    writeChallenges(); // also when this test runs alone
    const db = path.join(tmp, 'demo.sqlite');
    const args = ['demo', '--no-serve', '--challenges', challenges, '--db', db, '--max-steps', '1', '--scale', '0.02', '--baselines', 'mobilenet-v2,class-prior,all-background'];
    const r = podium(args, { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('== ready');
    expect(r.stdout).not.toContain('FAILED');
    const Database = (await import('better-sqlite3')).default;
    const count = () => {
      const conn = new Database(db, { readonly: true });
      try {
        return {
          challenges: (conn.prepare('SELECT id FROM challenges ORDER BY id').all() as { id: string }[]).map((x) => x.id),
          scored: (conn.prepare("SELECT COUNT(*) AS n FROM submissions WHERE status = 'scored'").get() as { n: number }).n,
          all: (conn.prepare('SELECT COUNT(*) AS n FROM submissions').get() as { n: number }).n,
        };
      } finally {
        conn.close();
      }
    };
    const first = count();
    expect(first.challenges).toEqual([...MINI].sort());
    expect(r.stdout).toMatch(/inat2018-mini \/ mobilenet-v2: top3_error = [\d.]+ \(trained 1 epochs/);
    expect(r.stdout).toMatch(/voc2012-seg-mini \/ all-background: miou = /);
    expect(first.scored).toBe(MINI.length + 3); // the sample submissions and the three baselines
    expect(first.scored).toBe(first.all);
    // The classifier is exported to ONNX (inat2018-mini's model.reference) and timed in both runtimes.
    expect(fs.existsSync(path.join(data, 'inat2018-mini', 'baselines', 'mobilenet-v2', 'model.onnx'))).toBe(true);
    const conn = new Database(db, { readonly: true });
    const latency = JSON.parse((conn.prepare(`SELECT s.latency_json FROM submissions s JOIN teams t ON t.id = s.team_id
      WHERE t.name = 'mobilenet-v2'`).get() as { latency_json: string }).latency_json) as Record<string, unknown>;
    conn.close();
    expect(latency.backend).toMatch(/^wasm/);
    expect(latency.onnx_runtime).toMatch(/^onnxruntime-node/);
    expect(latency.onnx_p50_ms).toBeGreaterThan(0);
    expect(latency.onnx_vs_tfjs).toBeGreaterThan(0);
    // The file's own counts, as a track job counts an entry's: the tfjs network's plus the log prior (one per class).
    expect(latency.onnx_params).toBeGreaterThan(latency.params as number);
    expect(latency.onnx_madds).toBe(latency.madds);
    // Each figure with the warm-up it had (the demo's quick settings: a fixed count).
    expect(latency).toMatchObject({ warmup_stop: 'fixed', onnx_warmup: { stop: 'fixed' }, onnx_vs_tfjs_warmup: { onnx: { stop: 'fixed' }, tfjs: { stop: 'fixed' } } });
    const again = podium(args, { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already recorded');
    expect(again.stdout).toContain('mobilenet-v2: top3_error');
    // Nothing changed: every baseline comes from the demo's result cache, none is run again.
    expect(again.stdout).toMatch(/inat2018-mini \/ mobilenet-v2: top3_error = [\d.]+ \(unchanged since the last demo: cached result\)/);
    expect(again.stdout).not.toMatch(/trained \d+ epochs|cached weights/);
    expect(count()).toEqual(first);
    // Changed data content (same names, same stamp) is seen: the classifier trains again instead
    // of reusing its weights, and the other challenges' results stay cached.
    const categories = path.join(data, 'inat2018-mini', 'categories.json');
    fs.appendFileSync(categories, '\n');
    const third = podium(args, { env });
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/inat2018-mini \/ mobilenet-v2: top3_error = [\d.]+ \(trained 1 epochs/);
    expect(third.stdout).toMatch(/voc2012-seg-mini \/ all-background: miou = [\d.]+ \(unchanged since the last demo: cached result\)/);
    // Three demo runs; the first also makes all six data sets (motion-photos-mini renders its
    // clips) and trains every baseline, which on two cores shared with other work has taken over 240 s.
  }, 600_000);
});
