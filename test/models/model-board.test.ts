// The model board says which warm-up the track asks for and, per entry, the warm-up its stored
// record says was run (models/score-model.ts latencyRecord; a baseline's LatencyReport has the
// same `warmup`, `warmup_stop`, `warmup_ms`), not the settings' count.
import { describe, expect, it } from 'vitest';
import { parseModelTrack } from '../../src/challenges/model-track.js';
import { modelBoardHtml } from '../../src/leaderboard/views/model-board.js';
import type { Board, BoardEntry } from '../../src/leaderboard/board.js';
import type { ChallengeRecord } from '../../src/leaderboard/store.js';

const challenge = { id: 'c', title: 'C', primary_metric: 'top1_error', higher_is_better: false } as ChallengeRecord;

function entry(id: number, team: string, score: number, latency: Record<string, unknown>, baseline = false): BoardEntry {
  return {
    rank: baseline ? null : id, tied: false, team, team_id: id, baseline, score, ci: null, submission_id: id, submitted_at: '2026-12-02T00:00:00Z',
    entries: 1, metrics: { top1_error: score }, evaluator_version: '1', latency: { backend: 'onnxruntime-node', machine: 'cpu', ...latency },
  };
}

function board(entries: BoardEntry[]): Board {
  return { challenge: 'c', split: 'public', primary_metric: 'top1_error', higher_is_better: false, entries, latency_columns: [], metric_columns: [] };
}

function track(latency?: Record<string, unknown>) {
  const problems: string[] = [];
  const t = parseModelTrack({ inputs: 'x.json', ...(latency ? { latency } : {}) }, '/c', (col, msg) => problems.push(`${col}: ${msg}`));
  expect(problems).toEqual([]);
  return t!;
}

/** The page's text, tags dropped and white space collapsed. */
const text = (h: { toString(): string }) => h.toString().replace(/<[^>]+>/g, ' ').replace(/&quot;/g, '"').replace(/\s+/g, ' ');

describe('the model board and the warm-up', () => {
  const entries = [
    entry(1, 'fast', 0.2, { p90_ms: 1.5, relative: 0.5, warmup: 417, warmup_stop: 'steady', warmup_ms: 1812 }),
    entry(2, 'capped', 0.25, { p90_ms: 2.5, relative: 0.8, warmup: 20_010, warmup_stop: 'query cap', warmup_ms: 1240 }),
    entry(3, 'reference', 0.22, { p90_ms: 3, warmup: 10, warmup_stop: 'fixed', warmup_ms: 0 }, true),
    entry(4, 'older record', 0.3, { p90_ms: 4, relative: 1.3, warmup: 10 }),
  ];

  it('gives each entry the warm-up it ran, and the steady rule in words', () => {
    const page = text(modelBoardHtml(challenge, board(entries), track()));
    expect(page).toContain('each model warmed up until its latency is steady (10 queries, then blocks of at least 8 queries and 0.25 s until 3 in a row are not more than 3 % faster than the best block before them, at most 20,000 queries or 20 s), then at least 1024 queries and 60 s');
    expect(page).toContain('"warm-up" is the warm-up each model actually ran');
    expect(page).toContain('417 (until steady, 1.8 s)');
    expect(page).toContain('20010 (stopped at the query cap, 1.2 s)');
    expect(page).toContain('10 (fixed count)');
    // A record from before the warm-up's end was stored: its count only.
    expect(page).toContain('older record 0.3000 4.00 1.300 10 below the accuracy gate');
  });

  it('with a fixed count in the yaml, says that count; without any warm-up record, no column', () => {
    const bare = entries.map((e) => ({ ...e, latency: { p90_ms: e.latency!.p90_ms, relative: e.latency!.relative } }));
    const html = modelBoardHtml(challenge, board(bare), track({ warmup: 25 })).toString();
    expect(text(html)).toContain('Latency: MLPerf SingleStream after 25 warm-up queries, at least 1024 queries');
    expect(html).not.toContain('warm-up</th>');
    expect(text(html)).not.toContain('steady');
  });

  it('heads its columns as the main board does and formats each column one way', () => {
    const costed = [
      entry(1, 'small', 0.2, { p90_ms: 1.5, relative: 0.5, params: 58_788, madds: 553_120 }),
      entry(2, 'large', 0.25, { p90_ms: 12.25, relative: 4.1, params: 2_110_000, madds: 2.75e9 }),
      entry(3, 'reference', 0.22, { p90_ms: 3, params: 40, madds: 30 }, true),
    ];
    const html = modelBoardHtml(challenge, board(costed), track()).toString();
    const headers = [...html.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(headers).toEqual(['#', 'Team', 'top1_error', 'p90 latency (ms)', 'relative latency', 'parameters', 'multiply-adds', 'note']);
    // Counts with an SI prefix, three significant digits; latencies with the decimals the smallest needs.
    expect(text(html)).toContain('small 0.2000 1.50 0.500 58.8 k 553 k');
    expect(text(html)).toContain('large 0.2500 12.25 4.100 2.11 M 2.75 G');
    expect(text(html)).toContain('reference reference 0.2200 3.00 40 30');
  });
});
