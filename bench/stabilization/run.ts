/**
 * Stabilization scoring at scale: 1,000 clips of 90 frames (320 x 240), scored end to end by
 * `node dist/cli.js evaluate --task stabilization --json` (process start to JSON) beside the
 * numpy reference (reference.py: np.linalg.inv, np.linalg.svd, np.fft.fft per clip) in the
 * same run, runs alternating. Goal: under 1 s for podium.
 *
 *   npm run build && npx tsx bench/stabilization/run.ts [--runs 5] [--clips 1000] [--frames 90] [--against DIR] [--no-numpy]
 *
 * `--against DIR`: also runs DIR/dist/cli.js (another build) in the same rounds, for before/after
 * figures; its JSON must be byte-identical. `--no-numpy` leaves the reference out.
 *
 * Data is generated once under bench/out/stabilization-<clips>x<frames>/ (git-ignored): per clip
 * a hand-held background motion (pan, tremor, a little zoom and perspective) as motion.json, and
 * a submission that follows a smoothed path with a centre zoom (90 S_t rows a clip), clips and
 * frames in shuffled order so the reader cannot rely on sorted rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternate, largestDifference, printComparison, type Contender } from '../lib/compare.js';
import { machine, rng, runMeasured } from '../lib/measure.js';
import { countFlag, flag, hasFlag } from '../lib/args.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const RUNS = countFlag('runs', 5);
const CLIPS = countFlag('clips', 1000);
const FRAMES = countFlag('frames', 90);
const W = 320, H = 240;
const againstDir = flag('against');
const AGAINST = againstDir !== undefined ? path.join(path.resolve(againstDir), 'dist/cli.js') : undefined;
const NUMPY = !hasFlag('no-numpy');

function mul(a: number[], b: number[]): number[] {
  const o = new Array<number>(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) o[3 * r + c] = a[3 * r]! * b[c]! + a[3 * r + 1]! * b[3 + c]! + a[3 * r + 2]! * b[6 + c]!;
  return o;
}
const similarity = (dx: number, dy: number, a: number, s: number) => [s * Math.cos(a), -s * Math.sin(a), dx, s * Math.sin(a), s * Math.cos(a), dy, 0, 0, 1];

function generate(dir: string): { truth: string; submission: string } {
  const truth = path.join(dir, 'truth');
  const submission = path.join(dir, 'submission.csv');
  if (fs.existsSync(path.join(dir, 'done'))) return { truth, submission };
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(truth, { recursive: true });
  const random = rng(2011);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const lines: string[] = [];
  const clipRows: string[] = [];
  for (let c = 0; c < CLIPS; c++) {
    const id = `clip${String(c).padStart(5, '0')}`;
    clipRows.push(`${id},${random() < 0.3 ? 'Public' : 'Private'}`);
    const pan = (random() - 0.5) * 3;
    const background: number[][] = [];
    for (let t = 0; t < FRAMES - 1; t++) {
      const m = similarity(pan + 2 * gauss(), 1.5 * gauss(), 0.004 * gauss(), 1 + 0.001 * gauss());
      m[6] = 1e-6 * gauss();
      m[7] = 1e-6 * gauss();
      background.push(m);
    }
    fs.mkdirSync(path.join(truth, id));
    fs.writeFileSync(path.join(truth, id, 'motion.json'), JSON.stringify({ width: W, height: H, frames: FRAMES, background }));
    // A submission undoing most of the shake: S_t = Z * (smoothed path) * (true path)^-1, roughly.
    let ox = 0, oy = 0;
    for (let t = 0; t < FRAMES; t++) {
      ox = 0.8 * ox + gauss();
      oy = 0.8 * oy + gauss();
      const s = mul(similarity(W / 2, H / 2, 0.002 * gauss(), 1.08), similarity(-W / 2 + ox, -H / 2 + oy, 0, 1));
      lines.push(`${id},${t},${s.map((v) => String(v)).join(',')}`);
    }
  }
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  fs.writeFileSync(path.join(truth, 'clips.csv'), `id,usage\n${clipRows.join('\n')}\n`);
  fs.writeFileSync(submission, `clip,frame,h00,h01,h02,h10,h11,h12,h20,h21,h22\n${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'done'), '');
  return { truth, submission };
}

function main(): void {
  const cli = path.join(root, 'dist/cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js not found: run `npm run build` first');
  const t0 = Date.now();
  const data = generate(path.join(root, 'bench/out', `stabilization-${CLIPS}x${FRAMES}`));
  const mb = fs.statSync(data.submission).size / 1e6;
  console.log(`data: ${CLIPS} clips x ${FRAMES} frames (${W}x${H}), submission ${mb.toFixed(1)} MB, ${CLIPS * FRAMES} rows (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(`machine: ${machine()}`);
  const evaluate = (build: string) => runMeasured(process.execPath, [build, 'evaluate', '--task', 'stabilization', '--truth', data.truth, '--submission', data.submission, '--json']);
  const podium: Contender = { name: 'podium evaluate (end to end)', run: () => evaluate(cli) };
  const against: Contender | undefined = AGAINST ? { name: 'podium, --against build', run: () => evaluate(AGAINST) } : undefined;
  // numpy takes much longer: it runs every other round, at least twice.
  const numpy: Contender = { name: 'numpy reference', run: () => runMeasured('/usr/bin/python3', [path.join(here, 'reference.py'), data.truth, data.submission]), skips: (r) => !NUMPY || (r >= 2 && r % 2 === 1) };
  const runs = alternate([podium, ...(against ? [against] : []), numpy], RUNS, 3);
  const ours = JSON.parse(runs.get(podium)![0]!.stdout) as { metrics: Record<string, number>; per_clip: Record<string, Record<string, number>> };
  if (against && runs.get(against)!.some((x) => x.stdout !== runs.get(podium)![0]!.stdout)) throw new Error('the --against build gives different JSON');
  if (!NUMPY) return void printComparison(`${CLIPS} clips x ${FRAMES} frames`, runs, undefined, 3);
  const theirs = JSON.parse(runs.get(numpy)![0]!.stdout) as { metrics: Record<string, number>; per_clip: Record<string, Record<string, number>> };
  let worst = largestDifference(ours.metrics, theirs.metrics);
  for (const [id, row] of Object.entries(theirs.per_clip)) worst = Math.max(worst, largestDifference(ours.per_clip[id] ?? {}, row));
  console.log(`scores: podium ${JSON.stringify(ours.metrics)}`);
  console.log(`largest difference from numpy over ${CLIPS} clips x 8 values and the means: ${worst.toExponential(1)}`);
  if (!(worst < 1e-9)) throw new Error('podium and numpy disagree');
  printComparison(`${CLIPS} clips x ${FRAMES} frames`, runs, numpy, 3);
}

main();
