/** The phase rules live in one module (phases.ts): no other source file compares a time with a phase's dates. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextPhase, phaseAt, phaseState, selectionsOpen, type PhasedChallenge } from '../../src/leaderboard/phases.js';

/** `x < p.end_at`, `p.start_at >= now` and the like; an arrow (`=>`) is not a comparison. */
const COMPARES_A_PHASE_DATE = /(?<!=)[<>]=?\s*[\w.]*\b(start_at|end_at)\b|\b(start_at|end_at)\s*[<>]/;

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []);
}

describe('the phase rules', () => {
  it('are only in phases.ts', () => {
    const src = path.resolve('src');
    const rules = path.join(src, 'leaderboard', 'phases.ts');
    const offenders = files(src)
      .filter((f) => f !== rules)
      .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').flatMap((line, i) => (COMPARES_A_PHASE_DATE.test(line) ? [`${path.relative(src, f)}:${i + 1}: ${line.trim()}`] : [])));
    expect(offenders).toEqual([]);
    // And the check can fail: the rules themselves compare times with phase dates.
    expect(COMPARES_A_PHASE_DATE.test(fs.readFileSync(rules, 'utf8'))).toBe(true);
  });

  it('say which phase is open, which opens next, and when final selections close', () => {
    const c: PhasedChallenge = {
      id: 'two-phases', start_at: 100, end_at: 400,
      phases: [{ id: 'one', start_at: 100, end_at: 200 }, { id: 'two', start_at: 300, end_at: 400 }],
    };
    const at = (now: number) => [phaseState(c, now), phaseAt(c, now)?.id, nextPhase(c, now)?.id, selectionsOpen(c, now)];
    expect(at(99)).toEqual(['upcoming', undefined, 'one', true]);
    expect(at(100)).toEqual(['open', 'one', 'two', true]);
    expect(at(250)).toEqual(['open', undefined, 'two', true]);
    expect(at(399)).toEqual(['open', 'two', undefined, true]);
    expect(at(400)).toEqual(['ended', undefined, undefined, false]);
  });
});
