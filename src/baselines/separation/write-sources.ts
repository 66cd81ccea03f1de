/** Writes estimated sources as a zip of `s1/<id>.wav`, `s2/<id>.wav` (float32 WAV, no clipping). */
import { encodeWav } from '../../formats/wav.js';
import { writeZip, type ZipInput } from '../../formats/zip.js';

export async function writeSourcesZip(file: string, estimates: { id: string; sampleRate: number; sources: ArrayLike<number>[] }[]): Promise<void> {
  const entries: ZipInput[] = [];
  for (const e of estimates) {
    e.sources.forEach((s, k) => entries.push({ name: `s${k + 1}/${e.id}.wav`, data: encodeWav(s, e.sampleRate, 'float32') }));
  }
  await writeZip(file, entries);
}
