/**
 * Warm-up until the latency stops falling. MLPerf Inference's LoadGen lets a submitter warm a
 * system up for as long as it likes before the timed run (the rules only forbid timing the
 * warm-up); a fixed count is not enough for every backend: tfjs on wasm keeps getting faster
 * over more than 10 queries (DeepLab-v3+ mini: the first timed phase of a process 5-20 % slower
 * than later ones; bench/latency/README.md), so a phase timed after 10 queries reads high.
 *
 * The rule: after the fixed `warmup` queries, run blocks of at least `block` queries and at
 * least `blockMs`, and take each block's median. Warm-up is over once `patience` blocks in a row
 * each failed to beat the best median before them by more than `tolerance` (a fraction); or at
 * `maxQueries` warm-up queries, or after `maxMs`, whichever comes first. The medians, not the
 * means, so one slow query (a page fault, a scheduler pause) does not restart the wait. Blocks
 * last a minimum time because the speed-up comes in steps over time, not queries: from a cold
 * start tfjs-wasm's DeepLab-v3+ mini ran 8.6 ms, then 4.9-4.5 ms for about 0.4 s, then 3.1-3.3 ms
 * from about 1.2 s on (bench/latency/README.md); blocks of 8 queries (40 ms) called the 4.9 ms
 * plateau steady.
 */

export interface SteadyWarmupRule {
  /** Queries and milliseconds a block lasts at least; blocks' medians are compared. */
  block: number;
  blockMs: number;
  /** A block "improves" when its median is below (1 - tolerance) x the best median before it. */
  tolerance: number;
  /** Blocks in a row without such an improvement that end the warm-up. */
  patience: number;
  /** Caps on the adaptive part (the fixed `warmup` queries come on top). */
  maxQueries: number;
  maxMs: number;
}

/** Blocks of at least 8 queries and 250 ms, 3 %, three blocks in a row; at most 20,000 queries or 20 s. */
export const STEADY_WARMUP: SteadyWarmupRule = { block: 8, blockMs: 250, tolerance: 0.03, patience: 3, maxQueries: 20_000, maxMs: 20_000 };

/** Why the warm-up ended: the latency was steady, or a cap was reached first. */
export const WARMUP_STOPS = ['fixed', 'steady', 'query cap', 'time cap'] as const;
export type WarmupStop = (typeof WARMUP_STOPS)[number];

export interface WarmupUsed {
  /** Every untimed warm-up query run, the fixed ones included. */
  queries: number;
  /** Wall time of the adaptive part, ms (0 for a fixed warm-up). */
  ms: number;
  stop: WarmupStop;
}

/** True once the last `patience` block medians each failed to improve on the best before them by more than `tolerance`. */
export function warmupSettled(blockMedians: readonly number[], rule: Pick<SteadyWarmupRule, 'tolerance' | 'patience'>): boolean {
  if (blockMedians.length < rule.patience + 1) return false;
  for (let j = blockMedians.length - rule.patience; j < blockMedians.length; j++) {
    const bestBefore = Math.min(...blockMedians.slice(0, j));
    if (blockMedians[j] < (1 - rule.tolerance) * bestBefore) return false;
  }
  return true;
}

/** How a warm-up ended, for people: "until steady, 1.8 s", "fixed count", "stopped at the query cap, 20.0 s". */
export function warmupHow(w: WarmupUsed): string {
  if (w.stop === 'fixed') return 'fixed count';
  return `${w.stop === 'steady' ? 'until steady' : `stopped at the ${w.stop}`}, ${(w.ms / 1000).toFixed(1)} s`;
}

/** "417 warm-up queries (until steady, 1.8 s)": how many ran and why the warm-up ended. */
export function describeWarmup(w: WarmupUsed): string {
  return `${w.queries} warm-up quer${w.queries === 1 ? 'y' : 'ies'} (${warmupHow(w)})`;
}

/**
 * The rule in words: "blocks of at least 8 queries and 0.25 s until 3 in a row are not more than
 * 3 % faster than the best block before them, at most 20,000 queries or 20 s".
 */
export function describeSteadyRule(rule: SteadyWarmupRule): string {
  return `blocks of at least ${rule.block} queries and ${rule.blockMs / 1000} s until ${rule.patience} in a row are not ` +
    `more than ${+(rule.tolerance * 100).toFixed(2)} % faster than the best block before them, at most ${rule.maxQueries.toLocaleString('en-US')} queries or ${rule.maxMs / 1000} s`;
}
