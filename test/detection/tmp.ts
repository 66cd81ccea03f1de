/** Temporary folders for detection tests, removed after each file's tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `podium-det-${prefix}-`));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A VOC truth folder from objects per image: `[name, xmin, ymin, xmax, ymax, difficult?]`. */
export function writeVocTruth(dir: string, images: Record<string, Array<[string, number, number, number, number, number?]>>): string {
  fs.mkdirSync(path.join(dir, 'Annotations'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'ImageSets', 'Main'), { recursive: true });
  for (const [id, objects] of Object.entries(images)) {
    const xml = objects
      .map(([name, x1, y1, x2, y2, difficult]) =>
        `  <object>\n    <name>${name}</name>\n    <difficult>${difficult ?? 0}</difficult>\n    <bndbox><xmin>${x1}</xmin><ymin>${y1}</ymin><xmax>${x2}</xmax><ymax>${y2}</ymax></bndbox>\n  </object>`,
      )
      .join('\n');
    fs.writeFileSync(path.join(dir, 'Annotations', `${id}.xml`), `<?xml version="1.0"?>\n<annotation>\n  <filename>${id}.jpg</filename>\n${xml}\n</annotation>\n`);
  }
  fs.writeFileSync(path.join(dir, 'ImageSets', 'Main', 'test.txt'), Object.keys(images).join('\n') + '\n');
  return dir;
}

/** A VOC submission CSV from rows `[image_id, class, score, xmin, ymin, xmax, ymax]`. */
export function writeVocCsv(file: string, rows: Array<[string, string, number, number, number, number, number]>): string {
  fs.writeFileSync(file, ['image_id,class,score,xmin,ymin,xmax,ymax', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return file;
}
