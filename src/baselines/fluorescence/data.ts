/**
 * A fluorescence split (isl-mini layout, or an imported In Silico Labeling set) in memory for
 * the baselines: per example its transmitted-light z-stack (`inputs/<id>/z<NN>.png`, any number
 * of depths, 8- or 16-bit) standardised per example (zero mean, unit variance over the stack:
 * bright-field and phase-contrast stacks differ in level, not in what they show), and its
 * labels as intensities in [0, 1] with a 0/1 flag per channel for "acquired".
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodePngSamples } from '../../formats/png.js';

export interface FluorescenceSet {
  ids: string[];
  conditions: string[];
  size: number;
  depths: number;
  channels: readonly string[];
  /** [example][y][x][depth], standardised. */
  inputs: Float32Array;
  /** [example][y][x][channel], intensity in [0, 1]; 0 where the label was not acquired. */
  targets: Float32Array;
  /** [example][channel]: 1 when acquired. */
  available: Float32Array;
}

function readCsv(file: string): Record<string, string>[] {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const keys = head!.split(',');
  return rows.filter((r) => r).map((r) => Object.fromEntries(r.split(',').map((v, i) => [keys[i]!, v])));
}

/** Intensities of a grey PNG in [0, 1] (value / 65535 or / 255). */
export function readIntensities(file: string): { size: [number, number]; data: Float32Array } {
  const png = decodePngSamples(fs.readFileSync(file), file);
  if (png.colorType !== 'gray') throw new Error(`${file}: expected a grayscale PNG`);
  const max = png.bitDepth === 16 ? 65535 : 255;
  return { size: [png.width, png.height], data: Float32Array.from(png.data, (v) => v / max) };
}

/** Standardises an interleaved [pixel][depth] stack in place over all its values. */
export function standardise(stack: Float32Array): void {
  let mean = 0;
  for (const v of stack) mean += v;
  mean /= stack.length;
  let variance = 0;
  for (const v of stack) variance += (v - mean) ** 2;
  const sd = Math.sqrt(variance / stack.length) || 1;
  for (let i = 0; i < stack.length; i++) stack[i] = (stack[i]! - mean) / sd;
}

/** The depth files of one example's inputs, in depth order. */
export function depthFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => /^z\d+\.png$/i.test(f)).sort((a, b) => Number(a.slice(1, -4)) - Number(b.slice(1, -4)));
}

/** Reads one example's z-stack as [y][x][depth], standardised. */
export function readStack(dir: string): { size: number; depths: number; data: Float32Array } {
  const files = depthFiles(dir);
  let size = 0;
  let data = new Float32Array(0);
  files.forEach((f, z) => {
    const img = readIntensities(path.join(dir, f));
    if (z === 0) {
      size = img.size[0];
      if (img.size[1] !== size) throw new Error(`${dir}: the baselines expect square images`);
      data = new Float32Array(size * size * files.length);
    }
    for (let p = 0; p < size * size; p++) data[p * files.length + z] = img.data[p]!;
  });
  standardise(data);
  return { size, depths: files.length, data };
}

export function loadFluorescenceSet(splitDir: string, channels: readonly string[], limit = 0): FluorescenceSet {
  let rows = readCsv(path.join(splitDir, 'examples.csv'));
  if (limit > 0) rows = rows.slice(0, limit);
  const first = readStack(path.join(splitDir, 'inputs', rows[0]!.id!));
  const { size, depths } = first;
  const n = rows.length;
  const C = channels.length;
  const inputs = new Float32Array(n * size * size * depths);
  const targets = new Float32Array(n * size * size * C);
  const available = new Float32Array(n * C);
  rows.forEach((row, i) => {
    const stack = i === 0 ? first : readStack(path.join(splitDir, 'inputs', row.id!));
    if (stack.size !== size || stack.depths !== depths) throw new Error(`${row.id}: every example needs ${depths} depths of ${size} x ${size}`);
    inputs.set(stack.data, i * size * size * depths);
    channels.forEach((channel, k) => {
      const file = path.join(splitDir, 'targets', row.id!, `${channel}.png`);
      if (!fs.existsSync(file)) return;
      available[i * C + k] = 1;
      const img = readIntensities(file).data;
      for (let p = 0; p < size * size; p++) targets[(i * size * size + p) * C + k] = img[p]!;
    });
  });
  return { ids: rows.map((r) => r.id!), conditions: rows.map((r) => r.condition ?? ''), size, depths, channels, inputs, targets, available };
}
