/**
 * iNat 2018 test-sized classification bench: 150,000 rows, 8,142 long-tailed classes, three
 * labels a row. Times `podium evaluate --json` end to end (process start to JSON) beside the
 * plain-Python reference in the same run, checks they agree, and prints the figures.
 *
 *   npm run build && npx tsx bench/classification/run.ts [--runs 7]
 */
import fs from 'node:fs';
import path from 'node:path';
import { countFlag } from '../lib/args.js';
import { machine, rng, runMeasured, summarize, type Run } from '../lib/measure.js';

const ROWS = 150_000;
const CLASSES = 8_142;
const runs = countFlag('runs', 7);
const out = path.resolve('bench/out/classification');
const solution = path.join(out, 'solution.csv');
const submission = path.join(out, 'submission.csv');

function generate(): void {
  fs.mkdirSync(out, { recursive: true });
  const rand = rng(2018);
  // Long tail like iNat 2018: class weight ~ 1 / (rank + 1)^1.1; sample by the cumulative table.
  const weights = Float64Array.from({ length: CLASSES }, (_, c) => 1 / Math.pow(c + 1, 1.1));
  const cdf = new Float64Array(CLASSES);
  weights.reduce((acc, w, c) => (cdf[c] = acc + w), 0);
  const total = cdf[CLASSES - 1]!;
  const draw = () => {
    const x = rand() * total;
    let lo = 0;
    let hi = CLASSES - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const sol: string[] = ['id,expected,usage'];
  const sub: string[] = ['id,predicted'];
  const order: number[] = [];
  for (let i = 0; i < ROWS; i++) {
    const label = draw();
    sol.push(`${i},${label},${rand() < 0.5 ? 'Public' : 'Private'}`);
    // A model that is right at top-1 60% of the time and within top-3 75%.
    const u = rand();
    const preds = new Set<number>();
    if (u < 0.6) preds.add(label);
    while (preds.size < 2) preds.add(draw());
    if (u >= 0.6 && u < 0.75) preds.add(label);
    while (preds.size < 3) preds.add(draw());
    order.push(i);
    sub.push(`${i},${[...preds].join(' ')}`);
  }
  // Submissions arrive in any order.
  const body = sub.slice(1);
  for (let i = body.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [body[i], body[j]] = [body[j]!, body[i]!];
  }
  fs.writeFileSync(solution, sol.join('\n') + '\n');
  fs.writeFileSync(submission, [sub[0], ...body].join('\n') + '\n');
}

if (!fs.existsSync(submission)) generate();
const podiumArgs = ['dist/cli.js', 'evaluate', '--task', 'classification', '--truth', solution, '--submission', submission, '--json'];
const podiumRuns: Run[] = [];
const pythonRuns: Run[] = [];
for (let i = 0; i < runs; i++) {
  podiumRuns.push(runMeasured(process.execPath, podiumArgs));
  pythonRuns.push(runMeasured('/usr/bin/python3', ['bench/classification/reference.py', solution, submission]));
}

const p = JSON.parse(podiumRuns[0]!.stdout);
const r = JSON.parse(pythonRuns[0]!.stdout);
let maxDiff = 0;
for (const k of Object.keys(r.metrics)) maxDiff = Math.max(maxDiff, Math.abs(p.metrics[k] - r.metrics[k]));
const ps = summarize(podiumRuns);
const rs = summarize(pythonRuns);
const mb = (f: string) => (fs.statSync(f).size / 2 ** 20).toFixed(1);
console.log(`classification bench: ${ROWS} rows, ${CLASSES} classes, 3 labels a row (solution ${mb(solution)} MB, submission ${mb(submission)} MB)`);
console.log(`machine: ${machine()}`);
const line = (name: string, s: typeof ps) =>
  `${name}: wall best ${s.best.toFixed(3)} s, median ${s.median.toFixed(3)} s; cpu median ${s.cpu.toFixed(3)} s; peak RSS ${s.peakRssMb.toFixed(0)} MB`;
console.log(line(`podium evaluate, end to end (${runs} runs)`, ps));
console.log(line('python reference (iNat script: csv + dict)', rs));
console.log(
  `speed-up: ${(rs.best / ps.best).toFixed(2)}x wall best, ${(rs.median / ps.median).toFixed(2)}x wall median, ${(rs.cpu / ps.cpu).toFixed(2)}x cpu; ` +
    `max |podium - reference| = ${maxDiff.toExponential(1)}`,
);
