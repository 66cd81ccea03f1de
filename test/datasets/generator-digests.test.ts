/**
 * Every mini-challenge generator's files, small sizes, one seed: a digest of the whole tree
 * (each file's path and bytes, in name order) against the digest the generators gave before
 * their hot loops were rewritten for speed. A speed change must keep every byte; a deliberate
 * change of a generator's output updates its digest here with the reason in its commit (and
 * bumps GENERATOR_VERSION in mini-challenges.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeChallenge, type MakeOptions, type MiniChallenge } from '../../src/datasets/mini-challenges.js';
import { espeakVersion } from '../../src/datasets/espeak.js';
import { tempRoot } from './tmp.js';

const tmp = tempRoot('digests');

function treeDigest(dir: string): string {
  const h = crypto.createHash('sha256');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(`${path.relative(dir, p)}\0`).update(fs.readFileSync(p)).update('\0');
    }
  };
  walk(dir);
  return h.digest('hex');
}

const CASES: { challenge: MiniChallenge; opts: MakeOptions; digest: string; espeak?: string }[] = [
  { challenge: 'inat2018-mini', opts: { seed: 7, sizes: { classes: 8, trainImages: 60, valPerClass: 1, testPerClass: 2 } }, digest: 'fc3266dd9f805c5ed4c4bcf2eab0f1f2f26b5eb562df2208d219e662ecdcf07a' },
  { challenge: 'voc2012-seg-mini', opts: { seed: 7, sizes: { trainImages: 6, valImages: 5 } }, digest: '55f96ee8d31a92061f9e2538ba9e2e25cb576ae63474390b17b88156cbf33350' },
  { challenge: 'detection-mini', opts: { seed: 7, sizes: { trainImages: 10, testImages: 8 } }, digest: '34d209b6ab56df60f5f2e5d976273cb3638c7212de39126dd0e65901b068e761' },
  { challenge: 'separation-mini', opts: { seed: 7, sizes: { trainMixtures: 6, testMixtures: 4 }, synthesizer: 'built-in' }, digest: '64228372a3a99af814870e97a2d8772e5f9ca824f13dfdfd99afa16127f68eb2' },
  // espeak-ng's speech differs between its versions: this digest holds for 1.51 only.
  { challenge: 'separation-mini', opts: { seed: 7, sizes: { trainMixtures: 6, testMixtures: 4 }, synthesizer: 'espeak-ng' }, digest: '6497a01433f75248b48ff32793249a20694b5fb6052c39dde186d484cdb9618c', espeak: '1.51' },
  { challenge: 'isl-mini', opts: { seed: 7, sizes: { trainExamples: 6, testExamples: 4 } }, digest: 'cec14fc06b2f7b3f6739f53005eaa88f3026859495d48800e44dd19cd1a003cb' },
  { challenge: 'motion-photos-mini', opts: { seed: 7, sizes: { clipsPerCategory: 1, frames: 12 } }, digest: 'b4083d6eb8986c6aed933a085b33e26b8d60211fc44bde7c1ecadca689238ddb' },
];

describe('generator output digests', () => {
  for (const [i, c] of CASES.entries()) {
    const name = `${c.challenge}${c.opts.synthesizer ? ` (${c.opts.synthesizer})` : ''} writes the same bytes as before`;
    it.skipIf(c.espeak !== undefined && espeakVersion() !== c.espeak)(name, async () => {
      const dir = path.join(tmp, String(i));
      await makeChallenge(c.challenge, dir, c.opts);
      expect(treeDigest(dir)).toBe(c.digest);
    });
  }
});
