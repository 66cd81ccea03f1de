/** Writes detections as the COCO-style submission CSV `image_id,category_id,score,x,y,width,height`. */
import fs from 'node:fs';

export interface CocoDetection {
  imageId: number;
  categoryId: number;
  score: number;
  /** x, y, width, height in pixels. */
  bbox: [number, number, number, number];
}

const round = (v: number) => Math.round(v * 100) / 100;

export function writeDetectionsCsv(file: string, detections: CocoDetection[]): void {
  const rows = detections.map((d) => [d.imageId, d.categoryId, d.score.toFixed(5), ...d.bbox.map(round)].join(','));
  fs.writeFileSync(file, ['image_id,category_id,score,x,y,width,height', ...rows].join('\n') + '\n');
}
