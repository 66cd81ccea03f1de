/**
 * Fluorescence scoring at In Silico Labeling scale: 200 examples of 1024 x 1024 pixels and four
 * 16-bit label channels (DAPI, MAP2, NFH, DEAD), the submission zipped, scored end to end by
 * `node dist/cli.js evaluate --task fluorescence --json` (process start to JSON) beside numpy +
 * Pillow (reference.py) in the same run, alternating. Also scores the first few examples to
 * show whether peak memory grows with their number.
 *
 *   npm run build && npx tsx bench/fluorescence/run.ts [--runs 3] [--examples 200] [--size 1024]
 *     [--data DIR] [--threads 1,2] [--memory 2,20] [--against DIR] [--no-numpy] [--generate-only]
 *
 * --data: where the generated data lives (default bench/out/fluorescence-<examples>-<size>/,
 *   git-ignored; at 200 examples it is 2.7 GB, so a scratch folder may suit better).
 * --threads: podium runs once per value each round, with PODIUM_THREADS set to it.
 * --memory: scores the first N examples (each N; a truth folder of hard links and a zip of the
 *   same entries, made once) for peak RSS beside the full run's.
 * --against DIR: also runs DIR/dist/cli.js (another build), alternating with this one, so a
 *   change is measured before and after in the same run.
 * --no-numpy: skips the reference (e.g. to split a long comparison over several calls).
 *
 * Data is generated once: nuclei, cell bodies, neurites and a few dead cells as smooth blobs
 * and strokes over a background with noise; predictions are the same scenes shifted, rescaled
 * and noisier. PNGs are written with the per-row adaptive filter (as Pillow does), deflate
 * level 6; the submission is zipped with deflate (as `zip -r` does).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../../src/formats/png.js';
import { listZip, writeZip, type ZipInput } from '../../src/formats/zip.js';
import { alternate, largestDifference, printComparison, type Contender } from '../lib/compare.js';
import { machine, rng, runMeasured, type Run } from '../lib/measure.js';
import { countFlag, flag, hasFlag } from '../lib/args.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const RUNS = countFlag('runs', 3);
const EXAMPLES = countFlag('examples', 200);
const SIZE = countFlag('size', 1024);
const CHANNELS = ['DAPI', 'MAP2', 'NFH', 'DEAD'];
const DATA = path.resolve(flag('data') ?? path.join(root, 'bench/out', `fluorescence-${EXAMPLES}-${SIZE}`));
const list = (name: string, fallback: number[]) => (flag(name) === undefined ? fallback : flag(name)!.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0));
const THREADS = list('threads', [1, 2]);
const MEMORY = list('memory', [Math.ceil(EXAMPLES / 100), Math.ceil(EXAMPLES / 10)]).filter((n) => n < EXAMPLES);
const againstDir = flag('against');
const AGAINST = againstDir !== undefined ? path.join(path.resolve(againstDir), 'dist/cli.js') : undefined;
const ids = Array.from({ length: EXAMPLES }, (_, i) => `well-${String(i).padStart(4, '0')}`);
const examplesCsv = (list: string[]) => `id,condition,usage\n${list.map((id, i) => `${id},${i % 2 ? 'B' : 'A'},${i % 3 ? 'Private' : 'Public'}`).join('\n')}\n`;

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

/** Generates the truth folder and the submission zip once (a `done` file marks them complete). */
/** A truth folder and the submission zip for it. */
interface Data {
  truth: string;
  zip: string;
}

async function generate(dir: string): Promise<Data> {
  const truth = path.join(dir, 'truth');
  const zip = path.join(dir, 'submission.zip');
  const done = path.join(dir, 'done');
  if (fs.existsSync(done)) return { truth, zip };
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(truth, 'targets'), { recursive: true });
  fs.writeFileSync(path.join(truth, 'examples.csv'), examplesCsv(ids));
  const random = rng(2018);
  async function* predictions(): AsyncGenerator<ZipInput> {
    for (const [i, id] of ids.entries()) {
      const spots = scene(random);
      const shift = [(random() - 0.5) * 4, (random() - 0.5) * 4];
      fs.mkdirSync(path.join(truth, 'targets', id), { recursive: true });
      for (const [k, channel] of CHANNELS.entries()) {
        const t = encodePng({ width: SIZE, height: SIZE, colorType: 'gray', data: render(spots[k]!, 1500, 400, random) }, { filter: 'adaptive' });
        const p = encodePng({ width: SIZE, height: SIZE, colorType: 'gray', data: render(spots[k]!, 2500, 900, random, shift[0], shift[1], 0.8) }, { filter: 'adaptive' });
        fs.writeFileSync(path.join(truth, 'targets', id, `${channel}.png`), t);
        yield { name: `${id}/${channel}.png`, data: p };
      }
      if (i % 20 === 19) console.log(`  generated ${i + 1} / ${EXAMPLES} examples`);
    }
  }
  await writeZip(zip, predictions());
  fs.writeFileSync(done, '');
  return { truth, zip };
}

/**
 * The first `n` examples as a challenge of their own (made once): a truth folder of hard links
 * to the full truth's images and a zip of the same prediction entries.
 */
async function firstExamples(dir: string, full: Data, n: number): Promise<Data> {
  const truth = path.join(dir, `truth-${n}`);
  const zip = path.join(dir, `submission-${n}.zip`);
  const done = path.join(dir, `done-${n}`);
  if (fs.existsSync(done)) return { truth, zip };
  fs.rmSync(truth, { recursive: true, force: true });
  fs.mkdirSync(path.join(truth, 'targets'), { recursive: true });
  fs.writeFileSync(path.join(truth, 'examples.csv'), examplesCsv(ids.slice(0, n)));
  for (const id of ids.slice(0, n)) {
    fs.mkdirSync(path.join(truth, 'targets', id));
    for (const channel of CHANNELS) fs.linkSync(path.join(full.truth, 'targets', id, `${channel}.png`), path.join(truth, 'targets', id, `${channel}.png`));
  }
  const wanted = new Set(ids.slice(0, n));
  const entries = (await listZip(full.zip, { maxEntries: ids.length * CHANNELS.length + 10 })).filter((e) => wanted.has(e.name.split('/')[0]!));
  await writeZip(zip, (async function* () {
    for (const e of entries) yield { name: e.name, data: await e.buffer() };
  })());
  fs.writeFileSync(done, '');
  return { truth, zip };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) total += fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size;
  return total;
}

async function main(): Promise<void> {
  const cli = path.join(root, 'dist/cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js not found: run `npm run build` first');
  if (AGAINST && !fs.existsSync(AGAINST)) throw new Error(`${AGAINST} not found: build that checkout first`);
  const t0 = Date.now();
  const data = await generate(DATA);
  const subsets = new Map<number, Data>();
  for (const n of MEMORY) subsets.set(n, await firstExamples(DATA, data, n));
  console.log(
    `data: ${EXAMPLES} examples x ${CHANNELS.length} channels of ${SIZE} x ${SIZE}, 16-bit; truth ${(dirBytes(data.truth) / 1e6).toFixed(0)} MB of PNG, submission zip ${(fs.statSync(data.zip).size / 1e6).toFixed(0)} MB (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  if (hasFlag('generate-only')) return;
  console.log(`machine: ${machine()}`);
  const podium = (script: string, threads: number) => (d: Data) =>
    runMeasured(process.execPath, [script, 'evaluate', '--task', 'fluorescence', '--truth', d.truth, '--submission', d.zip, '--json'], { PODIUM_THREADS: String(threads) });
  const numpy = (d: Data) => runMeasured('/usr/bin/python3', [path.join(here, 'reference.py'), d.truth, d.zip, CHANNELS.join(',')]);
  const threadsName = (t: number) => `${t} thread${t > 1 ? 's' : ''}`;
  const commands: { name: string; podium: boolean; on: (d: Data) => Run }[] = [
    ...THREADS.map((t) => ({ name: `podium, ${threadsName(t)}`, podium: true, on: podium(cli, t) })),
    ...(AGAINST ? THREADS.map((t) => ({ name: `podium --against build, ${threadsName(t)}`, podium: true, on: podium(AGAINST, t) })) : []),
    ...(hasFlag('no-numpy') ? [] : [{ name: 'numpy + Pillow', podium: false, on: numpy }]),
  ];
  const contenders: (Contender & { podium: boolean; on: (d: Data) => Run })[] = commands.map((c) => ({ ...c, run: () => c.on(data) }));
  const runs = alternate(contenders, RUNS);

  const reference = contenders.find((c) => !c.podium);
  const first = JSON.parse(runs.get(contenders[0]!)![0]!.stdout).metrics as Record<string, number>;
  console.log(`scores: podium ${JSON.stringify(first)}`);
  if (reference) {
    const theirs = JSON.parse(runs.get(reference)![0]!.stdout) as Record<string, number>;
    const worst = Math.max(...contenders.filter((c) => c.podium).flatMap((c) => runs.get(c)!.map((x) => largestDifference(JSON.parse(x.stdout).metrics, theirs))));
    console.log(`        numpy  ${JSON.stringify(theirs)}`);
    console.log(`largest difference from numpy over every podium run and metric: ${worst.toExponential(1)}`);
    if (!(worst < 1e-12)) throw new Error('podium and numpy disagree');
  }
  const summaries = printComparison(`${EXAMPLES} x ${CHANNELS.length} x ${SIZE}^2, 16-bit, zipped`, runs, reference);

  if (MEMORY.length > 0) {
    console.log('');
    const sizes = [...MEMORY, EXAMPLES];
    console.log(`| peak RSS by examples scored | ${sizes.join(' | ')} |`);
    console.log(`|---|${sizes.map(() => '---|').join('')}`);
    for (const c of contenders) {
      const rss = MEMORY.map((n) => c.on(subsets.get(n)!).peakRssMb);
      rss.push(summaries.get(c)!.peakRssMb);
      console.log(`| ${c.name} | ${rss.map((m) => `${m.toFixed(0)} MB`).join(' | ')} |`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
