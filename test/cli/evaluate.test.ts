import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, podium, podiumJson } from '../helpers/cli.js';

const solution = fixture('cls/solution.csv');
const submission = fixture('cls/submission.csv');
const expected = JSON.parse(fs.readFileSync(fixture('cls/expected.json'), 'utf8'));
/** The fixture predicts labels of a taxonomy larger than the truth's classes: an open label set. */
const OPEN = ['--options', '{"open_labels": true}'];

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('podium evaluate / validate (formats.md contract)', () => {
  it('prints exactly one JSON object with metrics and splits', () => {
    const r = podium(['evaluate', '--task', 'classification', '--truth', solution, '--submission', submission, ...OPEN, '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout);
    expect(out.task).toBe('classification');
    for (const [k, v] of Object.entries(expected.metrics)) expect(Math.abs(out.metrics[k] - (v as number))).toBeLessThan(1e-12);
    for (const [k, v] of Object.entries(expected.splits.private)) expect(Math.abs(out.splits.private[k] - (v as number))).toBeLessThan(1e-12);
  });

  it('prints a readable table without --json', () => {
    const r = podium(['evaluate', '--task', 'classification', '--truth', solution, '--submission', submission, ...OPEN]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/all:\n\s+top1_error\s+0\.559833/);
    expect(r.stdout).toMatch(/private:/);
  });

  it('scores against a challenge definition, with its options', () => {
    const ch = path.join(dir, 'cls-test');
    fs.mkdirSync(ch);
    fs.copyFileSync(solution, path.join(ch, 'solution.csv'));
    fs.writeFileSync(
      path.join(ch, 'challenge.yaml'),
      'id: cls-test\ntitle: T\ntask: classification\ntruth: solution.csv\nprimary_metric: top3_error\noptions: { predictions: 3, open_labels: true }\nphases:\n  - { id: main, start: 2026-01-01T00:00:00Z, end: 2027-01-01T00:00:00Z }\n',
    );
    const out = podiumJson(['evaluate', '--challenge', ch, '--submission', submission]);
    expect(Object.keys(out.metrics)).toEqual(['top1_error', 'top3_error', 'mean_class_accuracy']);
  });

  it('exits 2 with one line naming file, row and problem, and no stack trace', () => {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'id,predicted\nimg04251,1027\nimg04251,1027\n');
    const r = podium(['evaluate', '--task', 'classification', '--truth', solution, '--submission', bad, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^podium: .*bad\.csv, line 3, column id: duplicate id "img04251" \(first seen at line 2\) \(and 5999 more problems\)/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('validate lists every problem (capped) with the total', () => {
    const bad = path.join(dir, 'bad2.csv');
    fs.writeFileSync(bad, 'id,predicted\nimg04251,1027 1027\nnope,1\n');
    const r = podium(['validate', '--task', 'classification', '--truth', solution, '--submission', bad]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/line 2, column predicted: label "1027" appears twice/);
    expect(lines[1]).toMatch(/line 3, column id: unknown id "nope"/);
    expect(lines).toHaveLength(101);
    // 1 + 1 + the 5,999 other truth ids missing; img04251's rejected row is not reported again as missing.
    expect(lines[100]).toBe('6001 problems (5901 not shown)');
    expect(r.stderr).not.toMatch(/missing id "img04251"/);
    const json = podium(['validate', '--task', 'classification', '--truth', solution, '--submission', bad, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, total: 6001 });
    expect(podium(['validate', '--task', 'classification', '--truth', solution, '--submission', submission, ...OPEN]).code).toBe(0);
  });

  it('names a compressed submission as compressed, in validate and evaluate', () => {
    const gz = path.join(dir, 'preds.csv.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(submission)));
    for (const command of ['validate', 'evaluate']) {
      const r = podium([command, '--task', 'classification', '--truth', solution, '--submission', gz, ...OPEN]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${gz}: is gzip-compressed; podium reads the file itself (a folder as a .zip): decompress it first and submit the result`);
    }
  });

  it('explains usage mistakes with exit 2', () => {
    expect(podium(['evaluate', '--task', 'nope', '--truth', solution, '--submission', submission]).stderr).toMatch(
      /unknown task "nope"; expected one of classification, segmentation, detection, separation/,
    );
    const noSub = podium(['evaluate', '--task', 'classification', '--truth', solution]);
    expect(noSub.code).toBe(2);
    expect(noSub.stderr).toMatch(/--submission is required/);
    const unknownFlag = podium(['evaluate', '--tusk', 'x']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/evaluate: Unknown option '--tusk'/);
    expect(podium(['frobnicate']).code).toBe(2);
  });
});
