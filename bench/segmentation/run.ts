/**
 * Segmentation scoring at PASCAL VOC 2012 val scale: 1,449 masks of about 500 x 375, the
 * submission zipped, scored end to end by `node dist/cli.js evaluate --task segmentation --json`
 * (process start to JSON) beside the numpy reference (PIL + np.bincount, reference.py) in the
 * same run. Also scores a 10% subset to show peak memory does not grow with the data set.
 *
 *   npm run build && npx tsx bench/segmentation/run.ts [--runs 5] [--images 1449] [--filter 0|cycle] [--against DIR]
 *
 * `--against DIR`: also runs DIR/dist/cli.js (another build), alternating with this one, so a
 * change is measured before and after in the same run; both must give the same scores.
 *
 * Data is generated once under bench/out/segmentation-<images>-<filter>/ (git-ignored): VOC-like
 * masks (background, 1-4 objects of the 20 classes, a void band around each object, as the
 * VOC SegmentationClass PNGs have) written as 8-bit palette PNGs with the VOC palette and PNG
 * filter type 0 (what PIL writes for palette images); predictions are the objects moved, resized
 * and sometimes mislabelled.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng, VOC_PALETTE, type PngFilter } from '../../src/formats/png.js';
import { writeZip } from '../../src/formats/zip.js';
import { alternate, largestDifference, printComparison, type Contender } from '../lib/compare.js';
import { machine, rng, runMeasured } from '../lib/measure.js';
import { countFlag, flag, numberFlag } from '../lib/args.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const RUNS = countFlag('runs', 5);
const IMAGES = countFlag('images', 1449);
const FILTER = (flag('filter') === 'cycle' ? 'cycle' : numberFlag('filter', 0)) as PngFilter;
const CLASSES = 21;
const againstDir = flag('against');
const AGAINST = againstDir !== undefined ? path.join(path.resolve(againstDir), 'dist/cli.js') : undefined;


interface Blob {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  label: number;
}

/** Paints ellipses in order (later ones on top); `voidBand` > 0 marks their borders 255. */
function paint(width: number, height: number, blobs: Blob[], voidBand: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const b of blobs) {
    const x0 = Math.max(0, Math.floor(b.cx - b.rx - voidBand));
    const x1 = Math.min(width - 1, Math.ceil(b.cx + b.rx + voidBand));
    const y0 = Math.max(0, Math.floor(b.cy - b.ry - voidBand));
    const y1 = Math.min(height - 1, Math.ceil(b.cy + b.ry + voidBand));
    const outer = 1 + voidBand / Math.min(b.rx, b.ry);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = (x - b.cx) / b.rx;
        const dy = (y - b.cy) / b.ry;
        const d = Math.sqrt(dx * dx + dy * dy);
        if (d <= 1) out[y * width + x] = b.label;
        else if (voidBand > 0 && d <= outer) out[y * width + x] = 255;
      }
    }
  }
  return out;
}

const SIZES: [number, number][] = [[500, 375], [500, 375], [500, 375], [375, 500], [500, 333], [500, 500], [334, 500], [500, 366]];

async function generate(dir: string): Promise<{ truth: string; zip: string; subsetTruth: string; subsetZip: string; pixels: number }> {
  const truth = path.join(dir, 'truth');
  const subsetTruth = path.join(dir, 'truth-subset');
  const zip = path.join(dir, 'submission.zip');
  const subsetZip = path.join(dir, 'submission-subset.zip');
  const meta = path.join(dir, 'meta.json');
  if (fs.existsSync(meta)) return { truth, zip, subsetTruth, subsetZip, pixels: JSON.parse(fs.readFileSync(meta, 'utf8')).pixels };
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(truth, { recursive: true });
  fs.mkdirSync(subsetTruth, { recursive: true });
  const random = rng(2012);
  const predictions: { name: string; data: Buffer }[] = [];
  let pixels = 0;
  for (let i = 0; i < IMAGES; i++) {
    const id = `2008_${String(i).padStart(6, '0')}`;
    const [width, height] = SIZES[Math.floor(random() * SIZES.length)]!;
    pixels += width * height;
    const blobs: Blob[] = [];
    const count = 1 + Math.floor(random() * 4);
    for (let k = 0; k < count; k++) {
      blobs.push({
        cx: random() * width,
        cy: random() * height,
        rx: 20 + random() * width * 0.35,
        ry: 20 + random() * height * 0.35,
        label: 1 + Math.floor(random() * (CLASSES - 1)),
      });
    }
    const predicted = blobs.map((b) => ({
      cx: b.cx + (random() - 0.5) * 30,
      cy: b.cy + (random() - 0.5) * 30,
      rx: b.rx * (0.8 + random() * 0.4),
      ry: b.ry * (0.8 + random() * 0.4),
      label: random() < 0.2 ? 1 + Math.floor(random() * (CLASSES - 1)) : b.label,
    }));
    const truthPng = encodePng({ width, height, colorType: 'palette', palette: VOC_PALETTE, data: paint(width, height, blobs, 4) }, { filter: FILTER });
    fs.writeFileSync(path.join(truth, `${id}.png`), truthPng);
    if (i % 10 === 0) fs.writeFileSync(path.join(subsetTruth, `${id}.png`), truthPng);
    predictions.push({
      name: `${id}.png`,
      data: encodePng({ width, height, colorType: 'palette', palette: VOC_PALETTE, data: paint(width, height, predicted, 0) }, { filter: FILTER }),
    });
  }
  await writeZip(zip, predictions);
  await writeZip(subsetZip, predictions.filter((_, i) => i % 10 === 0));
  fs.writeFileSync(meta, JSON.stringify({ images: IMAGES, pixels }));
  return { truth, zip, subsetTruth, subsetZip, pixels };
}

async function main(): Promise<void> {
  const cli = path.join(root, 'dist/cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js not found: run `npm run build` first');
  const dir = path.join(root, 'bench/out', `segmentation-${IMAGES}-${FILTER}`);
  const t0 = Date.now();
  const data = await generate(dir);
  const zipMb = fs.statSync(data.zip).size / 1e6;
  console.log(`data: ${IMAGES} masks, ${(data.pixels / 1e6).toFixed(1)} Mpixels, submission zip ${zipMb.toFixed(1)} MB, PNG filter ${FILTER} (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(`machine: ${machine()}`);

  const podium = (truth: string, zip: string, script = cli) => runMeasured(process.execPath, [script, 'evaluate', '--task', 'segmentation', '--truth', truth, '--submission', zip, '--json']);
  const numpy = (truth: string, zip: string) => runMeasured('/usr/bin/python3', [path.join(here, 'reference.py'), truth, zip]);
  const ours: Contender = { name: 'podium evaluate (end to end)', run: () => podium(data.truth, data.zip) };
  const against: Contender | undefined = AGAINST ? { name: 'podium, --against build', run: () => podium(data.truth, data.zip, AGAINST) } : undefined;
  const theirs: Contender = { name: 'numpy + PIL reference', run: () => numpy(data.truth, data.zip) };
  const runs = alternate(against ? [ours, against, theirs] : [ours, theirs], RUNS, 3);
  const scores = JSON.parse(runs.get(ours)![0]!.stdout).metrics as Record<string, number>;
  const reference = JSON.parse(runs.get(theirs)![0]!.stdout) as Record<string, number>;
  let worst = largestDifference(scores, reference);
  if (against) for (const x of runs.get(against)!) worst = Math.max(worst, largestDifference(JSON.parse(x.stdout).metrics, reference));
  console.log(`scores: podium ${JSON.stringify(scores)}`);
  console.log(`        numpy  ${JSON.stringify(reference)}  (largest difference ${worst.toExponential(1)})`);
  if (!(worst < 1e-12)) throw new Error('podium and numpy disagree');

  const subsetPodium = podium(data.subsetTruth, data.subsetZip);
  const subsetNumpy = numpy(data.subsetTruth, data.subsetZip);
  printComparison(`${IMAGES} masks, zipped, filter ${FILTER}`, runs, theirs);
  console.log(`memory check: ${Math.ceil(IMAGES / 10)} masks -> podium peak RSS ${subsetPodium.peakRssMb.toFixed(0)} MB (numpy ${subsetNumpy.peakRssMb.toFixed(0)} MB)`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
