/** Writes predicted class maps as a zip of 8-bit VOC-palette PNGs `<id>.png` (the submission format). */
import { encodePng, VOC_PALETTE } from '../../formats/png.js';
import { writeZip, type ZipInput } from '../../formats/zip.js';

export async function writeMaskZip(file: string, masks: { id: string; width: number; height: number; classes: Uint8Array }[]): Promise<void> {
  const entries: ZipInput[] = masks.map((m) => ({
    name: `${m.id}.png`,
    data: encodePng({ width: m.width, height: m.height, colorType: 'palette', data: m.classes, palette: VOC_PALETTE }),
    compress: false,
  }));
  await writeZip(file, entries);
}
