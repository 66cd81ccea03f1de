/**
 * Detection bench: a COCO-val-sized case (5,000 images, ~37,000 boxes over 80 categories with
 * some crowd, polygons in the truth as COCO has, 100 detections an image = 500,000), scored end
 * to end by `node dist/cli.js evaluate --task detection ... --json` from the CSV and from the
 * results JSON, on 1 and 2 scoring threads (PODIUM_THREADS). Prints wall time (best and median),
 * CPU and peak RSS with the machine.
 *
 *   npm run build && npx tsx bench/detection/run.ts [--runs 5] [--images 5000] [--against DIR]
 *
 * `--against DIR`: also runs DIR/dist/cli.js (another build, e.g. an older commit checked out
 * and built elsewhere), alternating with this one, so a change is measured before and after in
 * the same run; the numbers of both must be identical. DIR gets PODIUM_DETECTION_THREADS as
 * well, the thread setting of builds before the scoring pipeline.
 *
 * The reference, pycocotools, is not packaged by Debian (python3-pycocotools does not exist),
 * so it is not run here; the issue quotes ~41 s for this size on this machine.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, rng } from '../lib/measure.js';
import { countFlag, flag } from '../lib/args.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = countFlag('runs', 5);
const IMAGES = countFlag('images', 5000);
const againstDir = flag('against');
const AGAINST = againstDir !== undefined ? path.resolve(againstDir) : undefined;
const DETS_PER_IMAGE = 100;
const out = path.join(root, 'bench/out', `detection-${IMAGES}`);

/** COCO's 80 category ids (1..90 with its gaps). */
const COCO_CATEGORY_IDS = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
  41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79,
  80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
];

function generate(): { truth: string; csv: string; json: string; boxes: number; crowd: number } {
  const truth = path.join(out, 'instances_val.json');
  const csv = path.join(out, 'detections.csv');
  const json = path.join(out, 'detections.json');
  const meta = path.join(out, 'meta.json');
  if (fs.existsSync(meta)) return { truth, csv, json, ...JSON.parse(fs.readFileSync(meta, 'utf8')) };
  fs.mkdirSync(out, { recursive: true });
  const r = rng(2017);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
  const ids = new Set<number>();
  while (ids.size < IMAGES) ids.add(1 + Math.floor(r() * 581_929));
  const imageIds = [...ids];
  const images = imageIds.map((id) => ({ id, width: 640, height: 480, file_name: `${String(id).padStart(12, '0')}.jpg` }));
  const annotations: unknown[] = [];
  const csvRows: string[] = ['image_id,category_id,score,x,y,width,height'];
  const jsonRows: string[] = [];
  let crowd = 0;
  const det = (image: number, cat: number, score: number, b: number[]) => {
    const [x, y, w, h] = b.map((v) => round(v, 2));
    csvRows.push(`${image},${cat},${score},${x},${y},${w},${h}`);
    jsonRows.push(`{"image_id": ${image}, "category_id": ${cat}, "bbox": [${x}, ${y}, ${w}, ${h}], "score": ${score}}`);
  };
  for (const image of imageIds) {
    // ~7.4 objects an image, of 1-4 categories, sizes spread over small, medium and large.
    const cats = Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(COCO_CATEGORY_IDS));
    const n = Math.max(1, Math.round(7.4 + (r() - 0.5) * 8));
    const boxes: Array<{ cat: number; b: number[] }> = [];
    for (let i = 0; i < n; i++) {
      const w = Math.exp(Math.log(4) + r() * Math.log(120)), h = w * (0.5 + r());
      const b = [r() * (640 - Math.min(w, 600)), r() * (480 - Math.min(h, 460)), Math.min(w, 600), Math.min(h, 460)].map((v) => round(v, 2));
      const cat = pick(cats);
      const isCrowd = r() < 0.01 ? 1 : 0;
      crowd += isCrowd;
      const polygon: number[] = [];
      for (let k = 0; k < 24; k++) {
        const a = (2 * Math.PI * k) / 24;
        polygon.push(round(b[0]! + b[2]! * (0.5 + 0.5 * Math.cos(a)), 2), round(b[1]! + b[3]! * (0.5 + 0.5 * Math.sin(a)), 2));
      }
      annotations.push({
        id: annotations.length + 1,
        image_id: image,
        category_id: cat,
        segmentation: [polygon],
        area: round(b[2]! * b[3]! * (0.6 + 0.3 * r()), 4),
        bbox: b,
        iscrowd: isCrowd,
      });
      boxes.push({ cat, b });
    }
    // Detections as a detector leaves them after NMS: for each object a few boxes around it
    // (tight and loose, mostly the right category), then low-scoring background boxes.
    let k = 0;
    for (const { cat, b } of boxes) {
      for (let c = 0; c < 5 && k < DETS_PER_IMAGE; c++, k++) {
        const spread = c < 2 ? 0.08 : 0.3;
        const j = (v: number) => v * (r() - 0.5) * 2 * spread;
        const box = [b[0]! + j(b[2]!), b[1]! + j(b[3]!), b[2]! * (1 + j(1)), b[3]! * (1 + j(1))];
        det(image, c === 4 ? pick(COCO_CATEGORY_IDS) : cat, round((c < 2 ? 0.5 : 0.2) + 0.5 * r(), 3), box);
      }
    }
    for (; k < DETS_PER_IMAGE; k++) {
      const w = 5 + r() * 200, h = 5 + r() * 200;
      det(image, r() < 0.5 ? pick(cats) : pick(COCO_CATEGORY_IDS), round(r() * 0.6, 3), [r() * 600, r() * 440, w, h]);
    }
  }
  const categories = COCO_CATEGORY_IDS.map((id) => ({ id, name: `category${id}`, supercategory: 'thing' }));
  fs.writeFileSync(truth, JSON.stringify({ info: { description: 'podium bench' }, images, annotations, categories }));
  fs.writeFileSync(csv, csvRows.join('\n') + '\n');
  fs.writeFileSync(json, '[' + jsonRows.join(', ') + ']');
  const info = { boxes: annotations.length, crowd };
  fs.writeFileSync(meta, JSON.stringify(info));
  return { truth, csv, json, ...info };
}

const data = generate();
const mb = (f: string) => (fs.statSync(f).size / 2 ** 20).toFixed(1);
console.log(`detection bench: ${IMAGES} images, ${data.boxes} truth boxes (${data.crowd} crowd), 80 categories, ${IMAGES * DETS_PER_IMAGE} detections`);
console.log(`files: truth ${mb(data.truth)} MB, CSV ${mb(data.csv)} MB, JSON ${mb(data.json)} MB`);
console.log(`machine: ${machine()}`);

const command = (cli: string, submission: string) => [cli, 'evaluate', '--task', 'detection', '--truth', data.truth, '--submission', submission, '--json'];

interface Measured {
  wall: number;
  cpu: number;
  peakMb: number;
  stdout: string;
}
/** One end-to-end run under GNU time: wall, user+sys CPU, peak RSS. */
function measure(args: string[], env: NodeJS.ProcessEnv = {}): Measured {
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %U %S %M', process.execPath, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, ...env },
  });
  const m = /__TIME__ ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`podium exited ${r.status}: ${r.stderr}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), peakMb: Number(m[4]) / 1024, stdout: r.stdout };
}

// Default threads: every core (PODIUM_THREADS unset). Earlier builds read PODIUM_DETECTION_THREADS
// and by default used a second thread only when the load average left a core free.
const builds: Array<[string, string]> = [['this build', path.join(root, 'dist/cli.js')]];
if (AGAINST) builds.unshift([`${path.basename(AGAINST)}`, path.join(AGAINST, 'dist/cli.js')]);
const threadSettings: Array<[string, NodeJS.ProcessEnv]> = [
  ['default', { PODIUM_THREADS: '', PODIUM_DETECTION_THREADS: '' }],
  ['1 thread', { PODIUM_THREADS: '1', PODIUM_DETECTION_THREADS: '1' }],
  ['2 threads', { PODIUM_THREADS: '2', PODIUM_DETECTION_THREADS: '2' }],
];
const cases: Array<[string, string[], NodeJS.ProcessEnv]> = [];
for (const [threads, env] of threadSettings) {
  for (const [kind, file] of [['csv', data.csv], ['json', data.json]] as const) {
    for (const [build, cli] of builds) cases.push([`${builds.length > 1 ? build + ': ' : ''}${kind}, ${threads}`, command(cli, file), env]);
  }
}
const runs = new Map<string, Measured[]>(cases.map(([label]) => [label, []]));
// Alternate the cases (and the builds) so background load hits them alike.
for (let i = 0; i < RUNS; i++) for (const [label, cmd, env] of cases) runs.get(label)!.push(measure(cmd, env));

const metrics = [...runs.values()].flat().map((r) => JSON.stringify(JSON.parse(r.stdout).metrics));
const first = JSON.parse(metrics[0]!);
console.log(`AP ${first.AP}, AR100 ${first.AR100}; every run gives identical numbers: ${metrics.every((m) => m === metrics[0])}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [label, rs] of runs) {
  const wall = rs.map((r) => r.wall);
  console.log(
    `podium evaluate (${label}): wall best ${Math.min(...wall).toFixed(2)} s, median ${median(wall).toFixed(2)} s; ` +
      `CPU (user+sys) median ${median(rs.map((r) => r.cpu)).toFixed(2)} s; peak RSS ${Math.max(...rs.map((r) => r.peakMb)).toFixed(0)} MB (${rs.length} runs)`,
  );
}
console.log(`load after: ${machine().split('load ')[1]}`);
const py = spawnSync('/usr/bin/python3', ['-c', 'import pycocotools'], { encoding: 'utf8' });
console.log(py.status === 0 ? 'pycocotools is installed but this bench does not run it yet' : 'reference: pycocotools is not installed (Debian has no python3-pycocotools); the issue quotes ~41 s at this size on this machine');
