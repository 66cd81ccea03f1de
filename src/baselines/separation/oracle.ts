/**
 * Separation references without learning:
 * - ideal ratio mask (oracle upper bound, needs the true sources): M_k = |S_k| / (|S_1| + |S_2|)
 *   applied to the mixture's STFT (Wang et al., "On training targets for supervised speech
 *   separation", 2014), resynthesised with the mixture's phase;
 * - the mixture itself as every source: SDRi and SI-SDRi are 0 by definition.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Baseline } from '../baseline.js';
import { loadMixture, mixtureIds } from './data.js';
import { applyMask, istft, magnitude, stft } from './stft.js';
import { writeSourcesZip } from './write-sources.js';

export const idealRatioMask: Baseline = {
  name: 'ideal-ratio-mask',
  challenge: 'separation-mini',
  description: 'oracle: ideal ratio mask from the true sources (upper bound for STFT masking)',
  kind: 'oracle',
  async run(ctx) {
    const test = path.join(ctx.dataDir, 'test');
    const estimates = mixtureIds(test).map((id) => {
      const m = loadMixture(test, id, true);
      const mags = m.sources!.map((s) => magnitude(stft(s)));
      const sources = mags.map((mag, k) => {
        const other = mags[1 - k];
        const mask = Float32Array.from(mag, (v, i) => (v + other[i] > 1e-9 ? v / (v + other[i]) : 0.5));
        return istft(applyMask(m.spec, mask), m.samples);
      });
      return { id, sampleRate: m.sampleRate, sources };
    });
    fs.mkdirSync(ctx.workDir, { recursive: true });
    const submission = path.join(ctx.workDir, 'submission.zip');
    await writeSourcesZip(submission, estimates);
    return { submission };
  },
};

export const mixtureAsEstimate: Baseline = {
  name: 'mixture',
  challenge: 'separation-mini',
  description: 'the mixture itself as both sources (SDRi 0 by definition)',
  kind: 'trivial',
  async run(ctx) {
    const test = path.join(ctx.dataDir, 'test');
    const estimates = mixtureIds(test).map((id) => {
      const m = loadMixture(test, id, false);
      return { id, sampleRate: m.sampleRate, sources: [m.mix, m.mix] };
    });
    fs.mkdirSync(ctx.workDir, { recursive: true });
    const submission = path.join(ctx.workDir, 'submission.zip');
    await writeSourcesZip(submission, estimates);
    return { submission };
  },
};
