/**
 * isl-mini: an In Silico Labeling challenge (Christiansen et al., Cell 2018) with cultures
 * drawn here and imaged twice: through transmitted light at 13 focal depths (the input
 * z-stack) and through four fluorescent labels (the targets).
 *
 * Specimen: neurons (a soma with a nucleus, 2-4 tapering dendrites, one long thin axon) and
 * dead cells (a small rounded body with a condensed, bright nucleus, no neurites), as a thin
 * phase object: an optical path difference phi(x, y) in radians (thickness times refractive
 * index step; domes for somata and nuclei, Gaussian tubes for neurites) and a weak absorption
 * a(x, y).
 *
 * Transmitted light, depth z (defocus in units of the stack step, z = -6..6): the
 * transport-of-intensity equation (Teague 1983) for a weak object under uniform illumination I0,
 *   dI/dz = -(lambda / 2 pi) div(I grad phi)  ~=  -(lambda / 2 pi) I0 laplacian(phi),
 * so I(z) = I0 (1 - a_z - kappa z laplacian(phi_z)), with phi_z and a_z blurred by a Gaussian
 * whose width grows with |z| (the defocus blur), and kappa folding lambda / 2 pi and the step.
 * Contrast changes sign through focus, as in a real bright-field stack. Phase contrast adds the
 * Zernike phase-to-intensity term with its halo: - c (phi_z - blur(phi_z, halo)). Noise: shot
 * noise (proportional to sqrt(I)) plus read noise. Two conditions: `phase_contrast` (motor-neuron
 * like: long axons) and `bright_field` (cortical-like: more dendrites, more dead cells).
 *
 * Labels (fluorescence, each blurred by the microscope's PSF, with background and noise):
 * DAPI (every nucleus; condensed dead nuclei brighter), MAP2 (somata and dendrites of live
 * neurons), NFH (axons), DEAD (a dead-cell stain: nuclei of dead cells). The checkerboard of
 * missing labels: per condition some labels are often not acquired (phase_contrast lacks DEAD
 * in about half of the examples, bright_field lacks NFH in about half), and any label but DAPI
 * is missing at random in 10 % more, in train and in test alike.
 *
 * Layout (data/README.md): {train,test}/examples.csv (`id,condition`, test also `usage`),
 * {train,test}/inputs/<id>/z00.png .. z12.png (16-bit grey, the z-stack, deepest first),
 * {train,test}/targets/<id>/<CHANNEL>.png (16-bit grey; absent = not acquired). The challenge's
 * truth is test/ (examples.csv + targets/); participants get test/inputs. sample_submission.zip
 * predicts every label as the z-stack's mean image.
 */
import path from 'node:path';
import { encodePng } from '../formats/png.js';
import { writeZip, type ZipInput } from '../formats/zip.js';
import { progress } from '../progress.js';
import { Rng } from './rng.js';
import { writeCsv, writeFile } from './dataset-files.js';
import { splitUsage } from './usage-split.js';

export interface IslMiniSizes {
  trainExamples: number;
  testExamples: number;
  /** Side of the square images in pixels. */
  size: number;
}

export const ISL_MINI_SIZES: IslMiniSizes = { trainExamples: 160, testExamples: 48, size: 64 };

/** The label channels, in report order. */
export const ISL_CHANNELS = ['DAPI', 'MAP2', 'NFH', 'DEAD'] as const;
export const ISL_CONDITIONS = ['phase_contrast', 'bright_field'] as const;
/** Focal depths of the transmitted-light stack (the ISL data has 13). */
export const ISL_DEPTHS = 13;

export function depthFile(z: number): string {
  return `z${String(z).padStart(2, '0')}.png`;
}

interface Neurite {
  points: [number, number][];
  /** Tube radius at the start and the end (tapering). */
  width0: number;
  width1: number;
}

interface Cell {
  x: number;
  y: number;
  dead: boolean;
  somaR: number;
  nucleusRx: number;
  nucleusRy: number;
  angle: number;
  dendrites: Neurite[];
  axon?: Neurite;
}

type Condition = (typeof ISL_CONDITIONS)[number];

/** A random walk from (x, y): a neurite of `steps` steps of `step` pixels, direction drifting. */
function walk(rng: Rng, x: number, y: number, angle: number, steps: number, step: number, wiggle: number): [number, number][] {
  const points: [number, number][] = [[x, y]];
  for (let i = 0; i < steps; i++) {
    angle += rng.normal(0, wiggle);
    x += step * Math.cos(angle);
    y += step * Math.sin(angle);
    points.push([x, y]);
  }
  return points;
}

function culture(rng: Rng, size: number, condition: Condition): Cell[] {
  const scale = size / 64;
  const count = Math.max(2, Math.round(rng.int(6, 11) * scale * scale));
  const deadShare = condition === 'bright_field' ? 0.3 : 0.15;
  return Array.from({ length: count }, () => {
    const x = rng.uniform(4, size - 4);
    const y = rng.uniform(4, size - 4);
    const dead = rng.chance(deadShare);
    const angle = rng.uniform(0, Math.PI);
    if (dead) {
      const r = rng.uniform(1.4, 2.1);
      return { x, y, dead, somaR: r + rng.uniform(0.8, 1.5), nucleusRx: r, nucleusRy: r * rng.uniform(0.85, 1), angle, dendrites: [] };
    }
    const somaR = rng.uniform(3.6, 5.2);
    const dendriteCount = condition === 'bright_field' ? rng.int(3, 5) : rng.int(2, 3);
    const dendrites = Array.from({ length: dendriteCount }, () => {
      const a = rng.uniform(0, 2 * Math.PI);
      return {
        points: walk(rng, x + somaR * 0.8 * Math.cos(a), y + somaR * 0.8 * Math.sin(a), a, rng.int(4, 8), 2, 0.25),
        width0: rng.uniform(1.1, 1.5),
        width1: 0.5,
      };
    });
    const a = rng.uniform(0, 2 * Math.PI);
    const axonSteps = Math.round((condition === 'phase_contrast' ? rng.int(14, 26) : rng.int(8, 14)) * scale);
    const axon = { points: walk(rng, x + somaR * Math.cos(a), y + somaR * Math.sin(a), a, axonSteps, 2, 0.12), width0: 0.7, width1: 0.55 };
    return { x, y, dead, somaR, nucleusRx: rng.uniform(1.9, 2.7), nucleusRy: rng.uniform(1.6, 2.3), angle, dendrites, axon };
  });
}

/** Adds amp * sqrt(1 - r^2) over an ellipse (a dome: the thickness profile of a rounded body). */
function dome(img: Float64Array, size: number, cx: number, cy: number, rx: number, ry: number, angle: number, amp: number): void {
  const reach = Math.ceil(Math.max(rx, ry)) + 1;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  for (let y = Math.max(0, Math.floor(cy - reach)); y <= Math.min(size - 1, Math.ceil(cy + reach)); y++) {
    for (let x = Math.max(0, Math.floor(cx - reach)); x <= Math.min(size - 1, Math.ceil(cx + reach)); x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const u = (dx * c + dy * s) / rx;
      const v = (-dx * s + dy * c) / ry;
      const r2 = u * u + v * v;
      if (r2 < 1) img[y * size + x]! += amp * Math.sqrt(1 - r2);
    }
  }
}

/**
 * Adds a Gaussian tube along a polyline: amp * exp(-d^2 / (2 w^2)), w tapering along it (max over
 * segments). A segment whose exponent is below the best one so far by more than exp's error
 * (under 1 ulp) cannot give a larger value, so its exp is not taken: the maximum, and so every
 * pixel, is the same as taking them all. The segment nearest the previous pixel goes first.
 */
function tube(img: Float64Array, size: number, n: Neurite, amp: number): void {
  const pts = n.points;
  const segments = pts.length - 1;
  if (segments < 1) return; // no segment: adds amp * 0 everywhere
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of pts) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  // Per segment: start, direction, squared length.
  const ax = new Float64Array(segments), ay = new Float64Array(segments);
  const ex = new Float64Array(segments), ey = new Float64Array(segments), len2 = new Float64Array(segments);
  for (let k = 0; k < segments; k++) {
    const [px, py] = pts[k]!;
    const [qx, qy] = pts[k + 1]!;
    ax[k] = px;
    ay[k] = py;
    ex[k] = qx - px;
    ey[k] = qy - py;
    len2[k] = ex[k]! * ex[k]! + ey[k]! * ey[k]!;
  }
  const exponent = (k: number, px: number, py: number): number => {
    const t = len2[k]! > 0 ? Math.min(1, Math.max(0, ((px - ax[k]!) * ex[k]! + (py - ay[k]!) * ey[k]!) / len2[k]!)) : 0;
    const dx = px - (ax[k]! + t * ex[k]!);
    const dy = py - (ay[k]! + t * ey[k]!);
    const along = (k + t) / (pts.length - 1);
    const w = n.width0 + (n.width1 - n.width0) * along;
    return -(dx * dx + dy * dy) / (2 * w * w);
  };
  let first = 0;
  const reach = 3 * Math.max(n.width0, n.width1);
  for (let y = Math.max(0, Math.floor(y0 - reach)); y <= Math.min(size - 1, Math.ceil(y1 + reach)); y++) {
    for (let x = Math.max(0, Math.floor(x0 - reach)); x <= Math.min(size - 1, Math.ceil(x1 + reach)); x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let bestExponent = exponent(first, px, py);
      let best = Math.exp(bestExponent);
      let nearest = first;
      for (let k = 0; k < segments; k++) {
        if (k === first) continue;
        const e = exponent(k, px, py);
        // 1e-9 is far above exp's relative error; below 1e-300 (subnormal results) every exp is taken.
        if (best > 1e-300 && e < bestExponent - 1e-9) continue;
        const value = Math.exp(e);
        if (value > best) {
          best = value;
          bestExponent = e;
          nearest = k;
        }
      }
      first = nearest;
      img[y * size + x]! += amp * best;
    }
  }
}

/**
 * Separable Gaussian blur (kernel to 3 sigma, edges clamped). Each sum runs over the taps in
 * the same order whether or not it reaches an edge; only the edge sums clamp their index.
 */
function blur(img: Float64Array, size: number, sigma: number): Float64Array {
  if (sigma < 0.05) return img.slice();
  const r = Math.ceil(3 * sigma);
  const k = new Float64Array(2 * r + 1);
  let total = 0;
  for (let i = -r; i <= r; i++) total += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= total;
  const tmp = new Float64Array(img.length);
  const out = new Float64Array(img.length);
  const clamp = (v: number) => (v < 0 ? 0 : v >= size ? size - 1 : v);
  for (let y = 0; y < size; y++) {
    const row = y * size;
    for (let x = 0; x < size; x++) {
      let s = 0;
      if (x - r >= 0 && x + r < size) {
        for (let i = -r; i <= r; i++) s += k[i + r]! * img[row + x + i]!;
      } else {
        for (let i = -r; i <= r; i++) s += k[i + r]! * img[row + clamp(x + i)]!;
      }
      tmp[row + x] = s;
    }
  }
  for (let y = 0; y < size; y++) {
    const inside = y - r >= 0 && y + r < size;
    for (let x = 0; x < size; x++) {
      let s = 0;
      if (inside) {
        for (let i = -r; i <= r; i++) s += k[i + r]! * tmp[(y + i) * size + x]!;
      } else {
        for (let i = -r; i <= r; i++) s += k[i + r]! * tmp[clamp(y + i) * size + x]!;
      }
      out[y * size + x] = s;
    }
  }
  return out;
}

/** Five-point Laplacian with clamped edges. */
function laplacian(img: Float64Array, size: number): Float64Array {
  const out = new Float64Array(img.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = img[y * size + x]!;
      const l = img[y * size + Math.max(0, x - 1)]!;
      const r = img[y * size + Math.min(size - 1, x + 1)]!;
      const u = img[Math.max(0, y - 1) * size + x]!;
      const d = img[Math.min(size - 1, y + 1) * size + x]!;
      out[y * size + x] = l + r + u + d - 4 * c;
    }
  }
  return out;
}

/** The specimen as optics sees it (phase, absorption) and as each label shows it. */
function specimen(cells: Cell[], size: number) {
  const n = size * size;
  const phase = new Float64Array(n);
  const absorb = new Float64Array(n);
  const labels = Object.fromEntries(ISL_CHANNELS.map((c) => [c, new Float64Array(n)])) as Record<(typeof ISL_CHANNELS)[number], Float64Array>;
  for (const cell of cells) {
    if (cell.dead) {
      dome(phase, size, cell.x, cell.y, cell.somaR, cell.somaR, 0, 1.6);
      dome(phase, size, cell.x, cell.y, cell.nucleusRx, cell.nucleusRy, cell.angle, 0.9);
      dome(absorb, size, cell.x, cell.y, cell.nucleusRx, cell.nucleusRy, cell.angle, 0.1);
      dome(labels.DAPI, size, cell.x, cell.y, cell.nucleusRx, cell.nucleusRy, cell.angle, 0.95);
      dome(labels.DEAD, size, cell.x, cell.y, cell.nucleusRx * 1.1, cell.nucleusRy * 1.1, cell.angle, 0.9);
      continue;
    }
    dome(phase, size, cell.x, cell.y, cell.somaR, cell.somaR * 0.9, cell.angle, 0.9);
    dome(phase, size, cell.x, cell.y, cell.nucleusRx, cell.nucleusRy, cell.angle, 0.5);
    dome(absorb, size, cell.x, cell.y, cell.nucleusRx, cell.nucleusRy, cell.angle, 0.03);
    dome(labels.DAPI, size, cell.x, cell.y, cell.nucleusRx, cell.nucleusRy, cell.angle, 0.5);
    dome(labels.MAP2, size, cell.x, cell.y, cell.somaR, cell.somaR * 0.9, cell.angle, 0.55);
    for (const d of cell.dendrites) {
      tube(phase, size, d, 0.35);
      tube(labels.MAP2, size, d, 0.5);
    }
    if (cell.axon) {
      tube(phase, size, cell.axon, 0.22);
      tube(absorb, size, cell.axon, 0.005);
      tube(labels.NFH, size, cell.axon, 0.7);
    }
  }
  return { phase, absorb, labels };
}

/** 16-bit grey samples of values in [0, 1) (clipped). */
function to16(values: Float64Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, values[i]!)) * 65535);
  return out;
}

/**
 * The transmitted-light z-stack (ISL_DEPTHS images, deepest first) by the transport-of-intensity
 * relation. Depths z and -z blur alike, so each blur width's images are made once.
 */
function zStack(rng: Rng, phase: Float64Array, absorb: Float64Array, size: number, condition: Condition): Uint16Array[] {
  const I0 = 0.45;
  const kappa = 0.05;
  const half = (ISL_DEPTHS - 1) / 2;
  const defocused = new Map<number, { phiZ: Float64Array; aZ: Float64Array; lap: Float64Array; halo?: Float64Array }>();
  return Array.from({ length: ISL_DEPTHS }, (_, i) => {
    const z = i - half;
    const sigma = 0.6 + 0.22 * Math.abs(z);
    let d = defocused.get(sigma);
    if (!d) {
      const phiZ = blur(phase, size, sigma);
      d = { phiZ, aZ: blur(absorb, size, sigma), lap: laplacian(phiZ, size), halo: condition === 'phase_contrast' ? blur(phiZ, size, 3) : undefined };
      defocused.set(sigma, d);
    }
    const { phiZ, aZ, lap, halo } = d;
    const out = new Float64Array(size * size);
    for (let p = 0; p < out.length; p++) {
      let contrast = 1 - aZ[p]! - kappa * z * lap[p]!;
      if (halo) contrast -= 0.3 * (phiZ[p]! - halo[p]!);
      const mean = I0 * contrast;
      out[p] = mean + rng.normal(0, 0.004 * Math.sqrt(Math.max(mean, 0) / I0)) + rng.normal(0, 0.002);
    }
    return to16(out);
  });
}

/** A label as the fluorescence microscope records it: PSF blur, background, noise. */
function fluorescence(rng: Rng, label: Float64Array, size: number): Uint16Array {
  const psf = blur(label, size, 0.9);
  const out = new Float64Array(psf.length);
  for (let p = 0; p < out.length; p++) out[p] = 0.03 + 0.8 * psf[p]! + rng.normal(0, 0.006 * Math.sqrt(0.03 + psf[p]!)) + rng.normal(0, 0.003);
  return to16(out);
}

/** Which labels were acquired for an example (the checkerboard): DAPI always. */
function acquired(rng: Rng, condition: Condition): boolean[] {
  return ISL_CHANNELS.map((c) => {
    if (c === 'DAPI') return true;
    if (condition === 'phase_contrast' && c === 'DEAD' && rng.chance(0.5)) return false;
    if (condition === 'bright_field' && c === 'NFH' && rng.chance(0.5)) return false;
    return !rng.chance(0.1);
  });
}

export interface IslMiniSummary {
  train: number;
  test: number;
  size: number;
  depths: number;
  channels: string;
  missingLabels: number;
}

export async function generateIslMini(dest: string, opts: { seed: number; sizes?: Partial<IslMiniSizes> }): Promise<IslMiniSummary> {
  const sizes = { ...ISL_MINI_SIZES, ...opts.sizes };
  const root = new Rng(opts.seed).fork('isl-mini');
  let missing = 0;
  const splits = [['train', sizes.trainExamples], ['test', sizes.testExamples]] as const;
  const bar = progress('isl-mini', sizes.trainExamples + sizes.testExamples);
  const sample: ZipInput[] = [];
  try {
    for (const [split, count] of splits) {
      const ids = Array.from({ length: count }, (_, i) => `${split}-${String(i + 1).padStart(4, '0')}`);
      const conditions = ids.map((_, i) => ISL_CONDITIONS[i % 2]!);
      const usage = split === 'test' ? splitUsage(ids, opts.seed) : undefined;
      for (const [i, id] of ids.entries()) {
        const rng = root.fork(`${split}/${id}`);
        const condition = conditions[i]!;
        const cells = culture(rng.fork('culture'), sizes.size, condition);
        const { phase, absorb, labels } = specimen(cells, sizes.size);
        const stack = zStack(rng.fork('optics'), phase, absorb, sizes.size, condition);
        const encode = (data: Uint16Array) => encodePng({ width: sizes.size, height: sizes.size, colorType: 'gray', data }, { filter: 'adaptive' });
        stack.forEach((img, z) => writeFile(path.join(dest, split, 'inputs', id, depthFile(z)), encode(img)));
        const noise = rng.fork('labels');
        const have = acquired(rng.fork('acquired'), condition);
        ISL_CHANNELS.forEach((channel, k) => {
          const img = fluorescence(noise, labels[channel], sizes.size);
          if (have[k]) writeFile(path.join(dest, split, 'targets', id, `${channel}.png`), encode(img));
          else missing++;
        });
        if (split === 'test') {
          const mean = new Float64Array(sizes.size * sizes.size);
          for (const img of stack) for (let p = 0; p < mean.length; p++) mean[p]! += img[p]! / stack.length;
          const png = encode(Uint16Array.from(mean, Math.round));
          for (const channel of ISL_CHANNELS) sample.push({ name: `${id}/${channel}.png`, data: png, compress: false });
        }
        bar.tick();
      }
      const header = usage ? ['id', 'condition', 'usage'] : ['id', 'condition'];
      writeCsv(path.join(dest, split, 'examples.csv'), header, ids.map((id, i) => (usage ? [id, conditions[i]!, usage.get(id)!] : [id, conditions[i]!])));
    }
    await writeZip(path.join(dest, 'sample_submission.zip'), sample);
  } finally {
    bar.stop();
  }
  return { train: sizes.trainExamples, test: sizes.testExamples, size: sizes.size, depths: ISL_DEPTHS, channels: ISL_CHANNELS.join(' '), missingLabels: missing };
}
