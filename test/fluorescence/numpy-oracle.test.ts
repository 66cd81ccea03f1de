import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../src/formats/png.js';
import { definition } from '../../src/tasks/fluorescence/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';

const task = taskFromDefinition(definition);

// Oracle: numpy float64 + Pillow (Debian's python3-numpy / python3-pil under /usr/bin/python3,
// installed by .ci/run) on PNGs written here: 8- and 16-bit mixed, sizes differing between
// examples, intensities near saturation (a large mean, where raw sums of squares cancel).
const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import numpy, PIL; print(numpy.__version__)'], { encoding: 'utf8' });
const numpy = probe.status === 0 ? probe.stdout.trim() : undefined;
if (!numpy) console.warn(`fluorescence numpy oracle test SKIPPED: ${PYTHON} cannot import numpy and PIL`);

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isl-oracle-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ORACLE = `
import sys, os, json, csv, numpy as np
from PIL import Image
truth, sub, channels = sys.argv[1], sys.argv[2], sys.argv[3].split(',')
def load(p):
    a = np.array(Image.open(p))
    return a.astype(np.float64) / (255.0 if Image.open(p).mode == 'L' else 65535.0)
rows = list(csv.DictReader(open(os.path.join(truth, 'examples.csv'))))
out = {}
for c in channels:
    xs, ys = [], []
    for r in rows:
        t = os.path.join(truth, 'targets', r['id'], c + '.png')
        if not os.path.exists(t): continue
        xs.append(load(t).ravel()); ys.append(load(os.path.join(sub, r['id'], c + '.png')).ravel())
    x = np.concatenate(xs); y = np.concatenate(ys)
    dx = x - x.mean(); dy = y - y.mean()
    out['pearson_' + c] = float(np.sum(dx * dy) / np.sqrt(np.sum(dx * dx) * np.sum(dy * dy)))
    out['mae_' + c] = float(np.mean(np.abs(x - y)))
print(json.dumps(out))
`;

describe.skipIf(!numpy)(`pooled Pearson r and MAE against numpy ${numpy ?? ''}`, () => {
  it('8/16-bit mixed, uneven sizes, a bright offset (to 1e-12)', async () => {
    const rand = lcg(7);
    const channels = ['DAPI', 'MAP2', 'DEAD'];
    const truth = path.join(tmp, 'truth');
    const sub = path.join(tmp, 'sub');
    const ids = Array.from({ length: 9 }, (_, i) => `ex${i}`);
    fs.mkdirSync(path.join(truth, 'targets'), { recursive: true });
    fs.writeFileSync(path.join(truth, 'examples.csv'), `id,condition\n${ids.map((id, i) => `${id},${i % 2 ? 'rat' : 'human'}`).join('\n')}\n`);
    ids.forEach((id, i) => {
      const width = 20 + 7 * i;
      const height = 11 + 3 * i;
      fs.mkdirSync(path.join(truth, 'targets', id), { recursive: true });
      fs.mkdirSync(path.join(sub, id), { recursive: true });
      channels.forEach((channel, k) => {
        const n = width * height;
        const sixteen = (i + k) % 3 !== 0;
        const base = k === 2 ? 0.93 : 0.2; // DEAD: near saturation, tiny variance
        const spread = k === 2 ? 0.05 : 0.6;
        const t = new Float64Array(n).map(() => base + spread * rand());
        const p = t.map((v) => Math.min(1, Math.max(0, 0.7 * v + 0.3 * (base + spread * rand()))));
        const quantise = (v: Float64Array, bits16: boolean) => (bits16 ? Uint16Array.from(v, (x) => Math.round(x * 65535)) : Uint8Array.from(v, (x) => Math.round(x * 255)));
        if ((i + k) % 4 !== 1) fs.writeFileSync(path.join(truth, 'targets', id, `${channel}.png`), encodePng({ width, height, colorType: 'gray', data: quantise(t, sixteen) }, { filter: 'adaptive' }));
        fs.writeFileSync(path.join(sub, id, `${channel}.png`), encodePng({ width, height, colorType: 'gray', data: quantise(p, (i + k) % 2 === 0) }, { filter: 'cycle' }));
      });
    });
    const run = spawnSync(PYTHON, ['-c', ORACLE, truth, sub, channels.join(',')], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const want = JSON.parse(run.stdout) as Record<string, number>;
    const { report } = await task.evaluate(truth, sub, { options: { channels } });
    for (const [name, v] of Object.entries(want)) expect(Math.abs(report.metrics[name]! - v), name).toBeLessThan(1e-12);
    expect(Object.keys(report.per_condition as object)).toEqual(['human', 'rat']);
  });
});
