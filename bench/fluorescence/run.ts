/**
 * Fluorescence scoring at In Silico Labeling scale: 200 examples of 1024 x 1024 pixels and four
 * 16-bit label channels (DAPI, MAP2, NFH, DEAD), the submission zipped, scored end to end by
 * `node dist/cli.js evaluate --task fluorescence --json` (process start to JSON) beside numpy +
 * Pillow (reference.py) in the same run, alternating. Also scores a tenth of the examples to
 * show peak memory does not grow with their number.
 *
 *   npm run build && npx tsx bench/fluorescence/run.ts [--runs 3] [--examples 200] [--size 1024]
 *
 * Data is generated once under bench/out/fluorescence-<examples>-<size>/ (git-ignored): nuclei,
 * cell bodies, neurites and a few dead cells as smooth blobs and strokes over a background with
 * noise; predictions are the same scenes shifted, rescaled and noisier. PNGs are written with
 * the per-row adaptive filter (as Pillow does), deflate level 6.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../../src/formats/png.js';
import { writeZip, type ZipInput } from '../../src/formats/zip.js';
import { machine, rng, runMeasured, summarize, type Run } from '../lib/measure.js';
import { numberFlag } from '../lib/args.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const RUNS = numberFlag('runs', 3);
const EXAMPLES = numberFlag('examples', 200);
const SIZE = numberFlag('size', 1024);
const CHANNELS = ['DAPI', 'MAP2', 'NFH', 'DEAD'];

interface Spot {
  x: number;
  y: number;
  r: number;
  amp: number;
}

/** Gaussian spots (bounded to 3 sigma) plus background and noise, clipped to 16 bits. */
function render(spots: Spot[], background: number, noise: number, random: () => number, dx = 0, dy = 0, gain = 1): Uint16Array {
  const f = new Float32Array(SIZE * SIZE).fill(background);
  for (const s of spots) {
    const cx = s.x + dx;
    const cy = s.y + dy;
    const reach = Math.ceil(3 * s.r);
    const inv = -1 / (2 * s.r * s.r);
    for (let y = Math.max(0, Math.floor(cy - reach)); y <= Math.min(SIZE - 1, Math.ceil(cy + reach)); y++) {
      for (let x = Math.max(0, Math.floor(cx - reach)); x <= Math.min(SIZE - 1, Math.ceil(cx + reach)); x++) {
        const d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        f[y * SIZE + x]! += gain * s.amp * Math.exp(d2 * inv);
      }
    }
  }
  const out = new Uint16Array(SIZE * SIZE);
  for (let i = 0; i < out.length; i++) {
    const v = f[i]! + noise * (random() + random() + random() - 1.5);
    out[i] = v < 0 ? 0 : v > 65535 ? 65535 : Math.round(v);
  }
  return out;
}

/** One example's scene: spots per channel (nuclei; bodies; neurites as chains of small spots; dead cells). */
function scene(random: () => number): Spot[][] {
  const cells = Array.from({ length: 40 + Math.floor(random() * 40) }, () => ({ x: random() * SIZE, y: random() * SIZE }));
  const nuclei = cells.map((c) => ({ x: c.x, y: c.y, r: 5 + random() * 4, amp: 12000 + random() * 30000 }));
  const bodies = cells.map((c) => ({ x: c.x + (random() - 0.5) * 6, y: c.y + (random() - 0.5) * 6, r: 10 + random() * 6, amp: 6000 + random() * 12000 }));
  const neurites: Spot[] = [];
  for (const c of cells.slice(0, 30)) {
    let x = c.x;
    let y = c.y;
    let a = random() * 2 * Math.PI;
    for (let k = 0; k < 40; k++) {
      a += (random() - 0.5) * 0.4;
      x += 4 * Math.cos(a);
      y += 4 * Math.sin(a);
      neurites.push({ x, y, r: 1.5 + random(), amp: 5000 + random() * 6000 });
    }
  }
  const dead = cells.filter(() => random() < 0.1).map((c) => ({ x: c.x, y: c.y, r: 4 + random() * 2, amp: 40000 }));
  return [nuclei, bodies, neurites, dead];
}

async function generate(dir: string): Promise<{ truth: string; zip: string; subsetTruth: string; subsetZip: string }> {
  const truth = path.join(dir, 'truth');
  const subsetTruth = path.join(dir, 'truth-subset');
  const zip = path.join(dir, 'submission.zip');
  const subsetZip = path.join(dir, 'submission-subset.zip');
  const done = path.join(dir, 'done');
  if (fs.existsSync(done)) return { truth, zip, subsetTruth, subsetZip };
  fs.rmSync(dir, { recursive: true, force: true });
  const ids = Array.from({ length: EXAMPLES }, (_, i) => `well-${String(i).padStart(4, '0')}`);
  const random = rng(2018);
  const subsetIds = ids.filter((_, i) => i % 10 === 0);
  for (const [folder, list] of [[truth, ids], [subsetTruth, subsetIds]] as const) {
    fs.mkdirSync(path.join(folder, 'targets'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'examples.csv'), `id,condition,usage\n${list.map((id, i) => `${id},${i % 2 ? 'B' : 'A'},${i % 3 ? 'Private' : 'Public'}`).join('\n')}\n`);
  }
  const subsetPredictions: ZipInput[] = [];
  async function* predictions(): AsyncGenerator<ZipInput> {
    for (const [i, id] of ids.entries()) {
      const spots = scene(random);
      const shift = [(random() - 0.5) * 4, (random() - 0.5) * 4];
      for (const [k, channel] of CHANNELS.entries()) {
        const t = encodePng({ width: SIZE, height: SIZE, colorType: 'gray', data: render(spots[k]!, 1500, 400, random) }, { filter: 'adaptive' });
        const p = encodePng({ width: SIZE, height: SIZE, colorType: 'gray', data: render(spots[k]!, 2500, 900, random, shift[0], shift[1], 0.8) }, { filter: 'adaptive' });
        fs.mkdirSync(path.join(truth, 'targets', id), { recursive: true });
        fs.writeFileSync(path.join(truth, 'targets', id, `${channel}.png`), t);
        if (i % 10 === 0) {
          fs.mkdirSync(path.join(subsetTruth, 'targets', id), { recursive: true });
          fs.writeFileSync(path.join(subsetTruth, 'targets', id, `${channel}.png`), t);
          subsetPredictions.push({ name: `${id}/${channel}.png`, data: p });
        }
        yield { name: `${id}/${channel}.png`, data: p };
      }
      if (i % 20 === 19) console.log(`  generated ${i + 1} / ${EXAMPLES} examples`);
    }
  }
  await writeZip(zip, predictions());
  await writeZip(subsetZip, subsetPredictions);
  fs.writeFileSync(done, '');
  return { truth, zip, subsetTruth, subsetZip };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) total += fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size;
  return total;
}

async function main(): Promise<void> {
  const cli = path.join(root, 'dist/cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js not found: run `npm run build` first');
  const dir = path.join(root, 'bench/out', `fluorescence-${EXAMPLES}-${SIZE}`);
  const t0 = Date.now();
  const data = await generate(dir);
  console.log(
    `data: ${EXAMPLES} examples x ${CHANNELS.length} channels of ${SIZE} x ${SIZE}, 16-bit; truth ${(dirBytes(data.truth) / 1e6).toFixed(0)} MB of PNG, submission zip ${(fs.statSync(data.zip).size / 1e6).toFixed(0)} MB (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  console.log(`machine: ${machine()}`);
  const podiumArgs = (truth: string, zip: string) => [cli, 'evaluate', '--task', 'fluorescence', '--truth', truth, '--submission', zip, '--json'];
  const refArgs = (truth: string, zip: string) => [path.join(here, 'reference.py'), truth, zip, CHANNELS.join(',')];
  const podium: Run[] = [];
  const numpy: Run[] = [];
  for (let r = 0; r < RUNS; r++) {
    const ours = () => podium.push(runMeasured(process.execPath, podiumArgs(data.truth, data.zip)));
    const theirs = () => numpy.push(runMeasured('/usr/bin/python3', refArgs(data.truth, data.zip)));
    if (r % 2 === 0) (ours(), theirs());
    else (theirs(), ours());
    const p = podium[r]!;
    const n = numpy[r]!;
    console.log(`run ${r + 1}: podium ${p.wallSeconds.toFixed(2)} s (cpu ${p.cpuSeconds.toFixed(2)} s, ${p.peakRssMb.toFixed(0)} MB), numpy ${n.wallSeconds.toFixed(2)} s (cpu ${n.cpuSeconds.toFixed(2)} s, ${n.peakRssMb.toFixed(0)} MB)`);
  }
  const ours = JSON.parse(podium[0]!.stdout).metrics as Record<string, number>;
  const theirs = JSON.parse(numpy[0]!.stdout) as Record<string, number>;
  const worst = Math.max(...Object.keys(theirs).map((k) => Math.abs(ours[k]! - theirs[k]!)));
  console.log(`scores: podium ${JSON.stringify(ours)}`);
  console.log(`        numpy  ${JSON.stringify(theirs)}  (largest difference ${worst.toExponential(1)})`);
  if (!(worst < 1e-12)) throw new Error('podium and numpy disagree');

  const subsetPodium = runMeasured(process.execPath, podiumArgs(data.subsetTruth, data.subsetZip));
  const subsetNumpy = runMeasured('/usr/bin/python3', refArgs(data.subsetTruth, data.subsetZip));
  const p = summarize(podium);
  const n = summarize(numpy);
  console.log('');
  console.log(`| ${EXAMPLES} x ${CHANNELS.length} x ${SIZE}^2, 16-bit, zipped | wall best | wall median | CPU median | peak RSS |`);
  console.log('|---|---|---|---|---|');
  console.log(`| podium evaluate (end to end) | ${p.best.toFixed(2)} s | ${p.median.toFixed(2)} s | ${p.cpu.toFixed(2)} s | ${p.peakRssMb.toFixed(0)} MB |`);
  console.log(`| numpy + Pillow reference | ${n.best.toFixed(2)} s | ${n.median.toFixed(2)} s | ${n.cpu.toFixed(2)} s | ${n.peakRssMb.toFixed(0)} MB |`);
  console.log(`| speed-up (numpy / podium) | ${(n.best / p.best).toFixed(2)}x | ${(n.median / p.median).toFixed(2)}x | ${(n.cpu / p.cpu).toFixed(2)}x | |`);
  console.log(`memory check: ${Math.ceil(EXAMPLES / 10)} examples -> podium peak RSS ${subsetPodium.peakRssMb.toFixed(0)} MB (numpy ${subsetNumpy.peakRssMb.toFixed(0)} MB)`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
