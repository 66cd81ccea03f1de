/**
 * PASCAL VOC devkit files (VOC2012 development kit documentation, Everingham & Winn):
 * `Annotations/<id>.xml` (one <object> per instance: name, pose, truncated, difficult, bndbox
 * with 1-based inclusive pixel corners), `ImageSets/<task>/<split>.txt` (one id a line),
 * `SegmentationClass/<id>.png` (palette indices, 255 = void) and `JPEGImages/<id>.jpg`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ProblemList, ValidationError } from '../problems.js';
import { parseXml } from '../formats/voc-xml.js';

/** VOC's 20 object classes in devkit order (src/formats/voc-xml.ts); mask value = index + 1. */
export { VOC_CLASSES } from '../formats/voc-xml.js';

export interface VocObject {
  name: string;
  pose: string;
  truncated: boolean;
  difficult: boolean;
  /** 1-based, inclusive, as in the devkit. */
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export interface VocAnnotation {
  filename: string;
  width: number;
  height: number;
  depth: number;
  segmented: boolean;
  objects: VocObject[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function vocAnnotationXml(a: VocAnnotation, folder = 'VOC2012'): string {
  const lines = [
    '<annotation>',
    `\t<folder>${esc(folder)}</folder>`,
    `\t<filename>${esc(a.filename)}</filename>`,
    '\t<source>',
    '\t\t<database>podium synthetic</database>',
    '\t</source>',
    '\t<size>',
    `\t\t<width>${a.width}</width>`,
    `\t\t<height>${a.height}</height>`,
    `\t\t<depth>${a.depth}</depth>`,
    '\t</size>',
    `\t<segmented>${a.segmented ? 1 : 0}</segmented>`,
  ];
  for (const o of a.objects) {
    lines.push(
      '\t<object>',
      `\t\t<name>${esc(o.name)}</name>`,
      `\t\t<pose>${esc(o.pose)}</pose>`,
      `\t\t<truncated>${o.truncated ? 1 : 0}</truncated>`,
      `\t\t<difficult>${o.difficult ? 1 : 0}</difficult>`,
      '\t\t<bndbox>',
      `\t\t\t<xmin>${o.xmin}</xmin>`,
      `\t\t\t<ymin>${o.ymin}</ymin>`,
      `\t\t\t<xmax>${o.xmax}</xmax>`,
      `\t\t\t<ymax>${o.ymax}</ymax>`,
      '\t\t</bndbox>',
      '\t</object>',
    );
  }
  lines.push('</annotation>');
  return lines.join('\n') + '\n';
}

type XmlElement = ReturnType<typeof parseXml>;
const child = (el: XmlElement | undefined, name: string) => el?.children.find((c) => c.name === name);
const textOf = (el: XmlElement | undefined, name: string) => child(el, name)?.text.trim();

/**
 * Reads one devkit annotation with the project's XML reader (src/formats/voc-xml.ts). Objects
 * are the root's direct <object> children (a person's <part>s are not objects). Coordinates may
 * be decimals in some releases (e.g. "273.5" in VOC2012's 2011_003353.xml); they are kept as
 * numbers. Problems go to `problems`.
 */
export function readVocAnnotation(file: string, problems: ProblemList): VocAnnotation | undefined {
  let root: XmlElement;
  try {
    root = parseXml(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    problems.add({ file, message: `not a readable annotation XML (${(e as Error).message})` });
    return undefined;
  }
  if (root.name !== 'annotation') {
    problems.add({ file, message: `not a VOC annotation (root element <${root.name}>, expected <annotation>)` });
    return undefined;
  }
  const num = (s: string | undefined) => (s === undefined || s === '' ? NaN : Number(s));
  const size = child(root, 'size');
  const out: VocAnnotation = {
    filename: textOf(root, 'filename') ?? '',
    width: num(textOf(size, 'width')),
    height: num(textOf(size, 'height')),
    depth: num(textOf(size, 'depth')) || 3,
    segmented: textOf(root, 'segmented') === '1',
    objects: [],
  };
  if (!(out.width > 0) || !(out.height > 0)) problems.add({ file, column: 'size', message: 'width and height must be positive numbers' });
  root.children.filter((c) => c.name === 'object').forEach((ox, i) => {
    const box = child(ox, 'bndbox');
    const o: VocObject = {
      name: textOf(ox, 'name') ?? '',
      pose: textOf(ox, 'pose') ?? 'Unspecified',
      truncated: textOf(ox, 'truncated') === '1',
      difficult: textOf(ox, 'difficult') === '1',
      xmin: num(textOf(box, 'xmin')),
      ymin: num(textOf(box, 'ymin')),
      xmax: num(textOf(box, 'xmax')),
      ymax: num(textOf(box, 'ymax')),
    };
    const at = `object[${i}]`;
    if (!o.name) problems.add({ file, column: `${at}.name`, message: 'missing class name' });
    else if (![o.xmin, o.ymin, o.xmax, o.ymax].every(Number.isFinite)) problems.add({ file, column: `${at}.bndbox`, message: 'expected numeric xmin, ymin, xmax, ymax' });
    else if (o.xmax < o.xmin || o.ymax < o.ymin) problems.add({ file, column: `${at}.bndbox`, message: 'xmax/ymax must not be below xmin/ymin' });
    else out.objects.push(o);
  });
  return out;
}

/** Ids listed in an ImageSets file (first token of each non-empty line). */
export function readImageSet(file: string): string[] {
  if (!fs.existsSync(file)) throw ValidationError.of({ file, message: 'no such image set; expected a devkit ImageSets file, one id a line' });
  return fs.readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim().split(/\s+/)[0]!).filter((id) => id !== '');
}

/** The VOC2012 folder of a devkit: `src` itself, or `src/VOC2012`, or `src/VOCdevkit/VOC2012`. */
export function findVocRoot(src: string): string {
  for (const c of [src, path.join(src, 'VOC2012'), path.join(src, 'VOCdevkit', 'VOC2012')]) {
    if (fs.existsSync(path.join(c, 'ImageSets'))) return c;
  }
  throw ValidationError.of({ file: src, message: 'not a PASCAL VOC folder: expected ImageSets/ here, in VOC2012/ or in VOCdevkit/VOC2012/' });
}
