/** A fluorescence submission zip: `<id>/<CHANNEL>.png`, 16-bit grey, intensities clipped to [0, 1]. */
import { encodePng } from '../../formats/png.js';
import { writeZip, type ZipInput } from '../../formats/zip.js';

export interface PredictedExample {
  id: string;
  width: number;
  height: number;
  /** One image a channel, intensities in [0, 1], row-major. */
  channels: Map<string, Float32Array | Float64Array>;
}

export function to16Bit(values: Float32Array | Float64Array): Uint16Array {
  return Uint16Array.from(values, (v) => Math.round(Math.min(1, Math.max(0, v)) * 65535));
}

export async function writePredictionZip(file: string, examples: Iterable<PredictedExample>): Promise<void> {
  const entries: ZipInput[] = [];
  for (const e of examples) {
    for (const [channel, values] of e.channels) {
      entries.push({ name: `${e.id}/${channel}.png`, data: encodePng({ width: e.width, height: e.height, colorType: 'gray', data: to16Bit(values) }, { filter: 'adaptive' }), compress: false });
    }
  }
  await writeZip(file, entries);
}
