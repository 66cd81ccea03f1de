import { describe, expect, it } from 'vitest';
import { scoreChart } from '../../src/leaderboard/views/chart.js';

const point = (iso: string, score: number) => ({ t: Date.parse(iso), score, team: 't', baseline: false });
const axis = (html: string) => [...html.match(/<div class="chart-x">(.*?)<\/div>/)![1]!.matchAll(/<span>(.*?)<\/span>/g)].map((m) => m[1]);

describe('score chart axes', () => {
  it('labels its ends by date when the history spans days', () => {
    const html = String(scoreChart([point('2026-11-02T09:15:00Z', 0.4), point('2026-12-03T05:55:00Z', 0.5)], true, 'miou'));
    expect(axis(html)).toEqual(['2026-11-02', '2026-12-03']);
  });

  it('adds the minutes when the whole history is within one day', () => {
    const html = String(scoreChart([point('2026-12-03T05:52:10Z', 0.4), point('2026-12-03T07:40:00Z', 0.5)], true, 'miou'));
    expect(axis(html)).toEqual(['2026-12-03 05:52 UTC', '2026-12-03 07:40 UTC']);
  });

  it('adds the seconds when the whole history is within one minute', () => {
    const html = String(scoreChart([point('2026-12-03T06:02:10Z', 0.4), point('2026-12-03T06:02:41Z', 0.5)], true, 'miou'));
    expect(axis(html)).toEqual(['2026-12-03 06:02:10 UTC', '2026-12-03 06:02:41 UTC']);
  });

  it('labels the score axis so that its two ends read differently when the scores are nearly equal', () => {
    const html = String(scoreChart([point('2026-11-02T09:15:00Z', 0.75681469), point('2026-12-03T05:55:00Z', 0.75681472)], true, 'mean_pearson'));
    const ends = [...html.match(/<div class="chart-y">(.*?)<\/div>/)![1]!.matchAll(/<span>(.*?)<\/span>/g)].map((m) => m[1]);
    expect(ends).toEqual(['0.75681472', '0.75681469']);
  });

  it('keeps the score axis near the score when every score is the same (AP never below 0)', () => {
    const html = String(scoreChart([point('2026-11-02T09:15:00Z', 0.0421), point('2026-12-03T05:55:00Z', 0.0421)], true, 'AP'));
    const ends = [...html.match(/<div class="chart-y">(.*?)<\/div>/)![1]!.matchAll(/<span>(.*?)<\/span>/g)].map((m) => m[1]);
    expect(ends).toEqual(['0.04631', '0.03789']);
  });
});

