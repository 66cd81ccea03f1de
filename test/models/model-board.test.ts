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

/** The track, its reference model exported where baseline `reference` keeps it (work-dir.ts). */
function track(latency?: Record<string, unknown>, reference = 'baselines/reference/model.onnx') {
  const problems: string[] = [];
  const t = parseModelTrack({ inputs: 'x.json', reference, ...(latency ? { latency } : {}) }, '/c', (col, msg) => problems.push(`${col}: ${msg}`));
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
    expect(page).toContain('each model warmed up until its latency is steady (10 queries, then blocks of at least 8 queries and 0.25 s until 3 in a row are not more than 3 % faster than the best block before them, at most 20,000 queries or 20 s), then at least 1,024 queries and 60 s');
    expect(page).toContain('"warm-up" is the warm-up each model actually ran');
    expect(page).toContain('417 (until steady, 1.8 s)');
    expect(page).toContain('20,010 (stopped at the query cap, 1.2 s)');
    expect(page).toContain('10 (fixed count)');
    // A record from before the warm-up's end was stored: its count only.
    expect(page).toContain('older record 0.3000 4.00 1.300 10 below the accuracy gate');
  });

  it('with a fixed count in the yaml, says that count; without any warm-up record, no column', () => {
    const bare = entries.map((e) => ({ ...e, latency: { p90_ms: e.latency!.p90_ms, relative: e.latency!.relative } }));
    const html = modelBoardHtml(challenge, board(bare), track({ warmup: 25 })).toString();
    expect(text(html)).toContain('Latency: MLPerf SingleStream after 25 warm-up queries, at least 1,024 queries');
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

describe('the model board compares ONNX Runtime figures with ONNX Runtime figures', () => {
  // As the demo records detection-mini: each model baseline timed in tfjs (quick latency); the
  // exported reference also in ONNX Runtime (onnx_*); CenterNet, which does not export, in tfjs
  // only, and first on the board by score.
  const tfjs = { backend: 'wasm (simd, 1 thread)', machine: 'cpu' };
  const detection = [
    entry(11, 'centernet-coco80', 0.05, { ...tfjs, p90_ms: 80, params: 2_000_000 }, true),
    entry(12, 'ssdlite-mobilenet-v2', 0.04, {
      ...tfjs, p90_ms: 2.5, params: 900_000, madds: 2_000_000, onnx_p90_ms: 0.15, onnx_runtime: 'onnxruntime-node', onnx_warmup: { queries: 526, stop: 'steady', ms: 1500 },
      // The exported file counted as an entry's is (anchors and the box filter in it): not the tfjs network's counts.
      onnx_params: 1_260_000, onnx_madds: 2_650_000,
    }, true),
    entry(13, 'prior-box', 0.001, {}, true),
    entry(1, 'fast', 0.041, { p90_ms: 0.1, relative: 0.7, warmup: 300, warmup_stop: 'steady', warmup_ms: 1200 }),
  ];
  const detectionTrack = () => track(undefined, '../../data/detection-mini/baselines/ssdlite-mobilenet-v2/model.onnx');
  const higher = { ...challenge, primary_metric: 'AP', higher_is_better: true } as ChallengeRecord;

  it('takes the track\'s reference for the reference row, at its ONNX Runtime p90, and leaves a tfjs-only baseline off, named', () => {
    const html = modelBoardHtml(higher, board(detection), detectionTrack()).toString();
    const page = text(html);
    // The reference row: the exported SSDLite at its ONNX Runtime p90, file's counts and warm-up, not its tfjs 2.5 ms and counts.
    expect(page).toContain('ssdlite-mobilenet-v2 reference 0.04000 0.150 1.26 M 2.65 M 526 (until steady, 1.5 s)');
    expect(page).not.toMatch(/centernet-coco80 (reference|baseline)/);
    // Its p90 is the export's, not a track job's: said so.
    expect(html).toContain('ssdlite-mobilenet-v2: timed by <code>podium baseline export</code>, in its own process and settings (the warm-up column says which), not in a sandboxed job as the entries are.');
    expect(page).toContain('centernet-coco80 is not shown: its latency was timed in wasm (simd, 1 thread) only, not in ONNX Runtime as the entries are');
    // One runtime on the page: the reference's and the entry's.
    expect(page).toContain('Measured with onnxruntime-node on cpu.');
    // The chart: the reference (brown) and the entry, at 0.150 and 0.100 ms; nothing at 2.5 or 80 ms.
    expect([...html.matchAll(/<path d="[^"]*" class="(\w)"><title>([^<]*)</g)].map((m) => `${m[1]} ${m[2]}`)).toEqual([
      'b ssdlite-mobilenet-v2: 0.04000 at 0.1500 ms', 'p fast: 0.04100 at 0.1000 ms (0.7000 x reference)',
    ]);
  });

  it('keeps the score axis near the score when every dot has the same one', () => {
    const same = [detection[1], { ...detection[3], score: 0.04 }];
    const html = modelBoardHtml(higher, board(same), detectionTrack()).toString();
    expect(html).toMatch(/<div class="chart-y"><span>0\.04400<\/span><span>0\.03600<\/span><\/div>/);
  });

  it('leaves the counts blank for a record made before the export stored its file\'s (not the tfjs network\'s)', () => {
    const { onnx_params: _p, onnx_madds: _m, ...older } = detection[1].latency!;
    const page = text(modelBoardHtml(higher, board([{ ...detection[1], latency: older }]), detectionTrack()));
    expect(page).toContain('ssdlite-mobilenet-v2 reference 0.04000 0.150 526 (until steady, 1.5 s)');
  });

  it('plots other baselines timed in ONNX Runtime as baselines, grey, and says when the reference has no entry', () => {
    const html = modelBoardHtml(higher, board(detection), track(undefined, '../../data/detection-mini/baselines/yolo/model.onnx')).toString();
    expect(text(html)).toContain('ssdlite-mobilenet-v2 baseline 0.04000 0.150');
    expect(html).toMatch(/class="o"><title>ssdlite-mobilenet-v2: /);
    expect(html).toContain('grey: other baselines');
    expect(text(html)).toContain("The reference model's baseline entry (yolo) is not on this board yet.");
    // No reference accuracy: the gate cannot place the entry.
    expect(text(html)).toContain('fast 0.04100 0.100 0.700 300 (until steady, 1.2 s) the reference has no accuracy yet');
  });

  it('plots the reference at the median of its p90s timed beside the entries, once entries have timed it', () => {
    const beside = (id: number, team: string, score: number, p90: number, refP90: number) =>
      entry(id, team, score, { p90_ms: p90, relative: p90 / refP90, reference_p90_ms: refP90, warmup: 300, warmup_stop: 'steady', warmup_ms: 1200 });
    const timed = [detection[0], detection[1], beside(1, 'fast', 0.041, 0.1, 0.16), beside(2, 'slow', 0.042, 0.5, 0.2), beside(3, 'same file', 0.04, 0.46, 0.18)];
    const html = modelBoardHtml(higher, board(timed), detectionTrack()).toString();
    const page = text(html);
    // 0.180 ms, the median of 0.16, 0.18 and 0.2, not the export's 0.150; no warm-up of its own (each job's is the entry's).
    expect(page).toContain('ssdlite-mobilenet-v2 reference 0.04000 0.180 1.26 M 2.65 M');
    expect(page).toContain("ssdlite-mobilenet-v2's p90 is the median of the 3 measured interleaved with the entries in their own jobs (0.160 to 0.200 ms), under the same settings.");
    expect(html).not.toContain('timed by <code>podium baseline export</code>');
    expect(html).toMatch(/class="b"><title>ssdlite-mobilenet-v2: 0\.04000 at 0\.1800 ms</);
    // The gate's key is relative x the reference's p90: fast 0.1 / 0.16 x 0.18 before slow 0.5 / 0.2 x 0.18.
    expect(page).toMatch(/1 fast .* 2 slow/);

    // A reference timed in tfjs only (no export latency) gets its row from the entries' jobs.
    const { onnx_p90_ms: _p90, ...tfjsOnly } = detection[1].latency!;
    const page2 = text(modelBoardHtml(higher, board([{ ...detection[1], latency: tfjsOnly }, ...timed.slice(2)]), detectionTrack()));
    expect(page2).toContain('ssdlite-mobilenet-v2 reference 0.04000 0.180');
    expect(page2).not.toContain('ssdlite-mobilenet-v2 is not shown');
    const page3 = text(modelBoardHtml(higher, board([detection[1], timed[2]!]), detectionTrack()));
    expect(page3).toContain("ssdlite-mobilenet-v2's p90 is the one measured interleaved with the entry in its job, under the same settings.");
    expect(page3).toContain('ssdlite-mobilenet-v2 reference 0.04000 0.160');
  });
});

