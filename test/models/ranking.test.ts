// Ranking rules of the model track, and the composite formula language, on hand-made entries.
import { describe, expect, it } from 'vitest';
import { parseFormula } from '../../src/models/formula.js';
import { describeRule, parseRankingRule, rankEntries, type RankInput } from '../../src/models/ranking.js';
import { parseModelTrack } from '../../src/challenges/model-track.js';
import { STEADY_WARMUP } from '../../src/evaluators/steady-warmup.js';

const entries: RankInput[] = [
  { id: 'fast-bad', accuracy: 0.5, latency_ms: 1, relative: 0.1 },
  { id: 'slow-good', accuracy: 0.80, latency_ms: 20, relative: 2 },
  { id: 'mid', accuracy: 0.795, latency_ms: 8, relative: 0.8 },
  { id: 'untimed', accuracy: 0.9, latency_ms: null },
];
const ref = { accuracy: 0.8, latency_ms: 10 };

describe('ranking rules', () => {
  it('accuracy gate (MLPerf 99 %): qualified entries by latency, the rest after by accuracy', () => {
    const r = rankEntries({ rule: 'accuracy-gate', gate: 0.99 }, entries, ref, true);
    expect(r.map((x) => [x.id, x.rank])).toEqual([['mid', 1], ['slow-good', 2], ['untimed', null], ['fast-bad', null]]);
    expect(r[3].note).toMatch(/below the accuracy gate \(99 %/);
  });

  it('an error metric enters the gate as 1 - error', () => {
    const errors: RankInput[] = [{ id: 'a', accuracy: 0.21, latency_ms: 1 }, { id: 'b', accuracy: 0.25, latency_ms: 1 }];
    // reference error 0.2 → accuracy 0.8; gate 0.98 → accuracy >= 0.784, i.e. error <= 0.216
    const r = rankEntries({ rule: 'accuracy-gate', gate: 0.98 }, errors, { accuracy: 0.2, latency_ms: 1 }, false);
    expect(r.map((x) => [x.id, x.qualified])).toEqual([['a', true], ['b', false]]); // 0.79 >= 0.784; 0.75 < 0.784
  });

  it('latency budget: in ms, or as a multiple of the reference (relative latency when timed alongside)', () => {
    const ms = rankEntries({ rule: 'latency-budget', budget_ms: 10 }, entries, ref, true);
    expect(ms.filter((x) => x.qualified).map((x) => x.id)).toEqual(['mid', 'fast-bad']);
    const x = rankEntries({ rule: 'latency-budget', budget_x: 2 }, entries, ref, true);
    expect(x.filter((e) => e.qualified).map((e) => [e.id, e.rank])).toEqual([['slow-good', 1], ['mid', 2], ['fast-bad', 3]]);
  });

  it('composite formula, declared in yaml', () => {
    const rule = parseRankingRule({ rule: 'composite', formula: 'accuracy - 0.1 * log2(relative)' });
    const r = rankEntries(rule, entries, ref, true);
    expect(r[0]).toMatchObject({ id: 'fast-bad', rank: 1 });
    expect(r[0].score).toBeCloseTo(0.5 - 0.1 * Math.log2(0.1), 12);
    expect(describeRule(rule)).toBe('composite score accuracy - 0.1 * log2(relative) (higher is better)');
  });

  it('ties share a rank', () => {
    const r = rankEntries({ rule: 'latency-budget', budget_ms: 100 }, [
      { id: 1, accuracy: 0.5, latency_ms: 1 }, { id: 2, accuracy: 0.5, latency_ms: 2 }, { id: 3, accuracy: 0.4, latency_ms: 1 },
    ], ref, true);
    expect(r.map((x) => x.rank)).toEqual([1, 1, 3]);
  });

  it('names what is wrong in a rule', () => {
    expect(() => parseRankingRule({ rule: 'fastest' })).toThrow(/rule must be accuracy-gate, latency-budget or composite/);
    expect(() => parseRankingRule({ rule: 'accuracy-gate', gate: 1.5 })).toThrow(/gate must be a number above 0 and at most 1/);
    expect(() => parseRankingRule({ rule: 'latency-budget' })).toThrow(/budget_ms or budget_x/);
    expect(() => parseRankingRule({ rule: 'composite', formula: 'accuracy + process.exit()' })).toThrow(/unknown name process|unexpected/);
  });
});

describe('formula', () => {
  it('follows precedence, powers and functions', () => {
    const f = parseFormula('-2^2 + 3 * (1 + 1) / 2 - max(1, sqrt(16), abs(-3))', ['x']);
    expect(f.evaluate({})).toBe(-4 + 3 - 4);
    expect(parseFormula('x ** 2 + 1e-3', ['x']).evaluate({ x: 3 })).toBeCloseTo(9.001, 12);
  });

  it('refuses unknown names, functions and stray characters', () => {
    expect(() => parseFormula('y + 1', ['x'])).toThrow(/unknown name y; expected x/);
    expect(() => parseFormula('eval(1)', ['x'])).toThrow(/unknown function eval/);
    expect(() => parseFormula('x; 1', ['x'])).toThrow(/unexpected character/);
    expect(() => parseFormula('(x + 1', ['x'])).toThrow(/expected "\)"/);
  });
});

describe('model track in challenge.yaml', () => {
  const parse = (raw: unknown) => {
    const problems: string[] = [];
    const track = parseModelTrack(raw, '/c', (col, msg) => problems.push(`${col}: ${msg}`));
    return { track, problems };
  };

  it('fills LoadGen defaults and resolves paths', () => {
    const { track, problems } = parse({ inputs: 'test.json', reference: 'ref.onnx' });
    expect(problems).toEqual([]);
    expect(track).toMatchObject({ inputs: '/c/test.json', reference: '/c/ref.onnx', threads: 1, ranking: { rule: 'accuracy-gate', gate: 0.99 } });
    expect(track!.latency).toMatchObject({ warmup: 10, steadyWarmup: STEADY_WARMUP, minQueries: 1024, minDurationMs: 60000 });
    expect(track!.allowUnsandboxed).toBe(false);
  });

  it('warms up until steady unless the yaml gives a fixed count', () => {
    expect(parse({ inputs: 'x', latency: { warmup: 'steady', min_queries: 50 } }).track!.latency).toMatchObject({ warmup: 10, steadyWarmup: STEADY_WARMUP, minQueries: 50 });
    const fixed = parse({ inputs: 'x', latency: { min_queries: 50, warmup: 25 } });
    expect(fixed.problems).toEqual([]);
    expect(fixed.track!.latency).toMatchObject({ warmup: 25, minQueries: 50 });
    expect(fixed.track!.latency.steadyWarmup).toBeUndefined();
    expect(parse({ inputs: 'x', latency: { warmup: 0 } }).track!.latency).toMatchObject({ warmup: 0 });
    for (const bad of ['until done', -1, 2.5, null]) {
      expect(parse({ inputs: 'x', latency: { warmup: bad } }).problems)
        .toEqual(['model.latency.warmup: must be steady (until the latency stops falling) or a non-negative integer (a fixed count of queries)']);
    }
  });

  it('names every wrong field', () => {
    const { problems } = parse({ inputs: 3, latency: { min_queries: -1, speed: 2 }, threads: 0, ranking: { rule: 'x' }, sandbox: { memory_mb: 'lots', allow_unsandboxed: 'yes' }, extra: 1 });
    expect(problems).toEqual(expect.arrayContaining([
      'model.extra: unknown field; expected inputs, input, feeds, reference, threads, latency, ranking, sandbox, max_model_mb',
      'model.inputs: must be the path of the hidden inputs',
      'model.latency.min_queries: must be a non-negative integer',
      expect.stringMatching(/^model\.latency\.speed: unknown setting/),
      'model.threads: must be an integer from 1 to 64',
      expect.stringMatching(/^model\.ranking: rule must be/),
      'model.sandbox.allow_unsandboxed: must be true or false',
      'model.sandbox: sandbox limit memory_mb must be a positive number',
    ]));
  });
});
