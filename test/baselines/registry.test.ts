/**
 * The registry's tfjs flags: a baseline listed as not running on tfjs is run without starting
 * the tfjs runtime (run.ts), so its code must not load tfjs at all; loading it here must leave
 * tfjs out of this process's module cache (each test file runs in a process of its own).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { REGISTRY, listBaselines, runsOnTfjs } from '../../src/baselines/registry.js';

const loadedTfjs = () => Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('@tensorflow'));

describe('baseline registry', () => {
  it('lists every baseline without loading tfjs, and says which ones run on it', () => {
    expect(listBaselines()).toHaveLength(REGISTRY.length);
    expect(runsOnTfjs('inat2018-mini', 'mobilenet-v2')).toBe(true);
    expect(runsOnTfjs('motion-photos-mini', 'visual-l1')).toBe(false);
    expect(runsOnTfjs('inat2018-mini', 'no-such-baseline')).toBe(false);
    expect(loadedTfjs()).toEqual([]);
  });

  it('loads every baseline not flagged tfjs without loading tfjs', async () => {
    const plain = REGISTRY.filter((b) => !b.tfjs);
    expect(plain.length).toBeGreaterThan(0);
    for (const b of plain) {
      const baseline = await b.load();
      expect(baseline.name).toBe(b.name);
      expect(loadedTfjs(), `${b.challenge}/${b.name}`).toEqual([]);
    }
  });

  it('sees tfjs in the module cache once a tfjs baseline is loaded (the check above can fail)', async () => {
    await REGISTRY.find((b) => b.tfjs)!.load();
    expect(loadedTfjs().length).toBeGreaterThan(0);
  });
});
