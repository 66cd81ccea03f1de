/**
 * Top-k error for any k, against sklearn's `top_k_accuracy_score` (Debian's python3-sklearn):
 * its documented example (k=2, with tied scores) and seeded random cases. Each row's predicted
 * labels are the classes in sklearn's own order (`argsort(y_score, kind='mergesort')[:, ::-1]`,
 * so ties rank the higher class index first); podium's top-k error is 1 - sklearn's accuracy.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTask } from '../../src/tasks/registry.js';
import { PYTHON, pythonOracle, skipWithout } from '../helpers/oracle.js';

const oracle = pythonOracle('sklearn', ['sklearn', 'numpy'], 'sklearn.__version__');
const skip = skipWithout(oracle);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-topk-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SCRIPT = `
import json, sys
import numpy as np
from sklearn.metrics import top_k_accuracy_score
cases = []
def add(name, y_true, y_score, ks):
    y_true = np.asarray(y_true); y_score = np.asarray(y_score, dtype=float)
    order = np.argsort(y_score, axis=1, kind='mergesort')[:, ::-1]
    cases.append({'name': name, 'truth': [int(v) for v in y_true], 'ranked': order.tolist(),
                  'accuracy': {str(k): float(top_k_accuracy_score(y_true, y_score, k=k, labels=np.arange(y_score.shape[1]))) for k in ks}})
# The example in sklearn's documentation of top_k_accuracy_score (k=2 gives 0.75).
add('sklearn docs example', [0, 1, 2, 2], [[0.5, 0.2, 0.2], [0.3, 0.4, 0.2], [0.2, 0.4, 0.3], [0.7, 0.2, 0.1]], [1, 2, 3])
rng = np.random.default_rng(7)
for n, c in [(50, 4), (200, 7), (97, 12)]:
    y_true = rng.integers(0, c, n); y_true[:c] = np.arange(c)  # every class occurs
    y_score = rng.random((n, c)) + 0.8 * np.eye(c)[y_true] * rng.random((n, 1))
    y_score = np.round(y_score, 1)  # ties on purpose
    add(f'random {n} rows, {c} classes', y_true, y_score, list(range(1, c + 1)))
json.dump(cases, sys.stdout)
`;

describe.skipIf(skip)(`top-k error for any k against sklearn ${oracle.version ?? ''} top_k_accuracy_score`, () => {
  const cases = skip ? [] : (JSON.parse(spawnSync(PYTHON, ['-c', SCRIPT], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout) as Array<{
    name: string; truth: number[]; ranked: number[][]; accuracy: Record<string, number>;
  }>);
  it('has the cases', () => expect(cases.length).toBe(4));
  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      const truth = path.join(tmp, `truth${i}.csv`);
      const sub = path.join(tmp, `sub${i}.csv`);
      fs.writeFileSync(truth, ['id,expected', ...c.truth.map((t, r) => `r${r},c${t}`)].join('\n') + '\n');
      fs.writeFileSync(sub, ['id,predicted', ...c.ranked.map((labels, r) => `r${r},${labels.map((l) => `c${l}`).join(' ')}`)].join('\n') + '\n');
      const ks = Object.keys(c.accuracy).map(Number);
      const task = await loadTask('classification');
      const { report } = await task.evaluate(truth, sub, { options: { top_k: ks } });
      expect(Object.keys(report.metrics)).toEqual([...ks.map((k) => `top${k}_error`), 'mean_class_accuracy']);
      for (const k of ks) expect(Math.abs(report.metrics[`top${k}_error`]! - (1 - c.accuracy[String(k)]!)), `k=${k}`).toBeLessThan(1e-12);
    });
  }
});

describe('top_k option', () => {
  it('is checked against predictions and refused when malformed', async () => {
    const task = await loadTask('classification');
    const truth = path.join(tmp, 'small.csv');
    const sub = path.join(tmp, 'small-sub.csv');
    fs.writeFileSync(truth, 'id,expected\na,1\nb,2\nc,3\n');
    fs.writeFileSync(sub, 'id,predicted\na,2 1\nb,2 3\nc,1 2\n');
    const { report } = await task.evaluate(truth, sub, { options: { top_k: 2 } });
    expect(report.metrics).toEqual({ top2_error: 1 / 3, mean_class_accuracy: 1 / 3 });
    await expect(task.evaluate(truth, sub, { options: { top_k: 3 } })).rejects.toThrow(/expected at least 3 space-separated labels, found 2/);
    await expect(task.evaluate(truth, sub, { options: { top_k: 4, predictions: 3 } })).rejects.toThrow(/option "top_k" must be at most predictions \(3\)/);
    for (const bad of [0, 1.5, [], ['2'], 1001]) {
      await expect(task.evaluate(truth, sub, { options: { top_k: bad } })).rejects.toThrow(/option "top_k" must be a k or a list of k/);
    }
  });
});
