import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../src/formats/png.js';
import { PYTHON, pythonOracle, skipWithout } from '../helpers/oracle.js';

// Oracle: Pillow (Debian's python3-pil under /usr/bin/python3, installed by .ci/run) reads the
// 16-bit PNGs podium writes. Skipped, saying so, where it is not importable; a failure in CI.
const oracle = pythonOracle('Pillow', ['PIL', 'numpy'], 'PIL.__version__');
const skip = skipWithout(oracle);
const pillow = oracle.version;

describe.skipIf(skip)(`Pillow ${pillow ?? ''} reads podium's 16-bit PNGs`, () => {
  it('every filter, full 16-bit range, odd width', () => {
    const width = 29;
    const height = 17;
    const samples = new Uint16Array(width * height).map((_, i) => (i % 7 === 0 ? 65535 : (i * 40503) % 65536));
    samples[3] = 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'png16-'));
    try {
      const filters = [0, 1, 2, 3, 4, 'cycle', 'adaptive'] as const;
      for (const filter of filters) fs.writeFileSync(path.join(dir, `${filter}.png`), encodePng({ width, height, colorType: 'gray', data: samples }, { filter }));
      const script = `
import sys, json, numpy as np
from PIL import Image
out = {}
for name in sys.argv[2:]:
    im = Image.open(sys.argv[1] + '/' + name + '.png')
    out[name] = [im.mode, np.array(im).astype(np.int64).ravel().tolist()]
print(json.dumps(out))`;
      const run = spawnSync(PYTHON, ['-c', script, dir, ...filters.map(String)], { encoding: 'utf8', maxBuffer: 16 << 20 });
      expect(run.status, run.stderr).toBe(0);
      const read = JSON.parse(run.stdout) as Record<string, [string, number[]]>;
      for (const filter of filters) {
        expect(read[String(filter)]![0]).toMatch(/^I(;16)?$/); // Pillow 9 opens 16-bit grey as 'I', later versions as 'I;16'
        expect(Uint16Array.from(read[String(filter)]![1])).toEqual(samples);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
