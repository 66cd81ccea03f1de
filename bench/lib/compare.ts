/**
 * Comparing podium with a reference implementation in the same run: every command runs once a
 * round, the order reversed every other round so that neither side always runs with warmer
 * caches or a quieter machine; then a markdown table of wall (best, median), CPU (median) and
 * peak RSS, with the reference's time over each other row's (speed-up), and the largest
 * difference between their scores.
 */
import { summarize, type Run, type Summary } from './measure.js';

/** One command of a comparison. */
export interface Contender {
  /** Its row in the tables, e.g. 'podium evaluate (end to end)'. */
  name: string;
  run(): Run;
  /** Rounds (from 0) it sits out, e.g. a slow reference every other round; none by default. */
  skips?(round: number): boolean;
}

/**
 * Runs each contender once a round for `rounds` rounds (reversing the order every other
 * round) and prints a line a round: `run 3: podium 1.234 s (cpu 2.10 s), numpy ...`.
 */
export function alternate(contenders: Contender[], rounds: number, digits = 2): Map<Contender, Run[]> {
  const runs = new Map<Contender, Run[]>(contenders.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    const now = new Map<Contender, Run>();
    for (const c of order) {
      if (c.skips?.(r)) continue;
      const run = c.run();
      now.set(c, run);
      runs.get(c)!.push(run);
    }
    const parts = contenders.filter((c) => now.has(c)).map((c) => {
      const x = now.get(c)!;
      return `${c.name} ${x.wallSeconds.toFixed(digits)} s (cpu ${x.cpuSeconds.toFixed(2)} s, ${x.peakRssMb.toFixed(0)} MB)`;
    });
    console.log(`run ${r + 1}: ${parts.join(', ')}`);
  }
  return runs;
}

/**
 * The largest |ours[k] - theirs[k]| over the reference's keys; a key podium lacks or gives as a
 * non-number counts as infinitely far.
 */
export function largestDifference(ours: Record<string, unknown>, theirs: Record<string, number>): number {
  let worst = 0;
  for (const [k, v] of Object.entries(theirs)) {
    const o = ours[k];
    worst = Math.max(worst, typeof o === 'number' ? Math.abs(o - v) : Infinity);
  }
  return worst;
}

/**
 * Prints the comparison table: a row per contender (wall best and median, CPU median, peak RSS,
 * runs), then the speed-up of each non-reference row (reference time / its time).
 */
export function printComparison(title: string, runs: Map<Contender, Run[]>, reference: Contender | undefined, digits = 2): Map<Contender, Summary> {
  const summaries = new Map([...runs].filter(([, r]) => r.length > 0).map(([c, r]) => [c, summarize(r)]));
  console.log('');
  console.log(`| ${title} | wall best | wall median | CPU median | peak RSS | runs |`);
  console.log('|---|---|---|---|---|---|');
  for (const [c, s] of summaries) {
    console.log(`| ${c.name} | ${s.best.toFixed(digits)} s | ${s.median.toFixed(digits)} s | ${s.cpu.toFixed(2)} s | ${s.peakRssMb.toFixed(0)} MB | ${s.runs} |`);
  }
  const ref = reference && summaries.get(reference);
  if (ref) {
    for (const [c, s] of summaries) {
      if (c === reference) continue;
      const label = summaries.size > 2 ? `speed-up of ${c.name}` : 'speed-up';
      console.log(`| ${label} (${reference!.name.split(' ')[0]} / podium) | ${(ref.best / s.best).toFixed(2)}x | ${(ref.median / s.median).toFixed(2)}x | ${(ref.cpu / s.cpu).toFixed(2)}x | | |`);
    }
  }
  return summaries;
}
