import { describe, expect, it } from 'vitest';
import { metricColumns } from '../../src/leaderboard/metric-columns.js';
import { boardTable } from '../../src/leaderboard/views/pages.js';
import type { Board } from '../../src/leaderboard/board.js';

describe('board columns beside the headline', () => {
  it('fluorescence: one Pearson r column a label, named readably, in the challenge order', () => {
    expect(metricColumns('fluorescence', { channels: ['DAPI', 'MAP2_CONFOCAL', 'DEAD'] }, [])).toEqual([
      { name: 'pearson_DAPI', label: 'nuclei (DAPI)', title: 'Pearson r, nuclei (DAPI)' },
      { name: 'pearson_MAP2_CONFOCAL', label: 'dendrites (MAP2, confocal)', title: 'Pearson r, dendrites (MAP2, confocal)' },
      { name: 'pearson_DEAD', label: 'dead cells', title: 'Pearson r, dead cells' },
    ]);
    // without options.channels: the channels the scores hold
    expect(metricColumns('fluorescence', {}, [{ metrics: { pearson_NFH: 0.3, mae_NFH: 0.1, mean_pearson: 0.3 } }]).map((c) => c.name)).toEqual(['pearson_NFH']);
    expect(metricColumns('segmentation', { channels: ['x'] }, [])).toEqual([]);
  });
  it('renders the columns with each entry value (null as a dash)', () => {
    const board: Board = {
      challenge: 'isl-mini', split: 'public', primary_metric: 'mean_pearson', higher_is_better: true, latency_columns: [],
      metric_columns: metricColumns('fluorescence', { channels: ['DAPI', 'NFH'] }, []),
      entries: [{
        rank: 1, tied: false, team: 'cells', team_id: 1, baseline: false, score: 0.5, ci: null, submission_id: 1,
        submitted_at: '2026-12-01T00:00:00.000Z', entries: 1, metrics: { mean_pearson: 0.5, pearson_DAPI: 0.81234, pearson_NFH: null }, evaluator_version: 'fluorescence-1',
      }],
    };
    const out = String(boardTable(board));
    expect(out).toMatch(/<th class="num" title="Pearson r, nuclei \(DAPI\)">nuclei \(DAPI\)<\/th>/);
    expect(out).toMatch(/axons \(NFH\)/);
    expect(out).toMatch(/0\.8123/);
  });
});
