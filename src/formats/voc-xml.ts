/**
 * PASCAL VOC detection files, as the devkit reads them:
 * - a truth folder: `Annotations/<id>.xml` (objects with `name`, `difficult`, `bndbox` in
 *   1-based inclusive pixels) and, when present, `ImageSets/Main/test.txt` (only those ids, in
 *   that order); without it every annotation file counts, ids sorted;
 * - devkit result files `comp<N>_det_<set>_<class>.txt` with lines
 *   `<image_id> <score> <xmin> <ymin> <xmax> <ymax>`, in a folder or a .zip.
 *
 * Classes: when every object names one of the 20 VOC classes the class list is those 20 in the
 * devkit's order (a class without objects is reported as null); otherwise the names found, sorted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ProblemList, ValidationError } from '../problems.js';
import type { VocGroundTruth } from '../evaluators/voc-detection.js';
import { addVocDetection, type VocIds } from './detection-csv.js';
import { DetectionBuilder, type DetectionTable } from './detection-builder.js';
import { listZip } from './zip.js';

/** The devkit's `VOCopts.classes`, in its order. */
export const VOC_CLASSES: readonly string[] = [
  'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

export interface VocTruthFile extends VocIds {
  truth: VocGroundTruth;
}

/** A parsed XML element: enough of XML for annotation files (no DTDs, no namespaces). */
interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : (ENTITIES[e] ?? m),
  );

/** Parses an XML document into its root element; throws Error with a short reason. */
export function parseXml(text: string): XmlElement {
  let p = 0;
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  while (p < text.length) {
    const lt = text.indexOf('<', p);
    const top = stack[stack.length - 1]!;
    if (lt === -1) {
      top.text += decodeEntities(text.slice(p));
      break;
    }
    if (lt > p) top.text += decodeEntities(text.slice(p, lt));
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end === -1) throw new Error('a comment is never closed');
      p = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end === -1) throw new Error('a CDATA section is never closed');
      top.text += text.slice(lt + 9, end);
      p = end + 3;
    } else if (text.startsWith('<?', lt) || text.startsWith('<!', lt)) {
      const end = text.indexOf('>', lt);
      if (end === -1) throw new Error('a declaration is never closed');
      p = end + 1;
    } else {
      const gt = text.indexOf('>', lt);
      if (gt === -1) throw new Error('a tag is never closed');
      const body = text.slice(lt + 1, gt);
      if (body.startsWith('/')) {
        const name = body.slice(1).trim();
        if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
        stack.pop();
      } else {
        const selfClosing = body.endsWith('/');
        const name = (selfClosing ? body.slice(0, -1) : body).trim().split(/\s/)[0]!;
        if (!name) throw new Error('a tag without a name');
        const el: XmlElement = { name, children: [], text: '' };
        top.children.push(el);
        if (!selfClosing) stack.push(el);
      }
      p = gt + 1;
    }
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`);
  const element = root.children[0];
  if (!element) throw new Error('no root element');
  return element;
}

const child = (el: XmlElement, name: string) => el.children.find((c) => c.name === name);

interface VocObject {
  name: string;
  difficult: boolean;
  box: [number, number, number, number];
}

/** Objects of one annotation file (direct `<object>` children of the root; parts are not objects). */
function readAnnotation(file: string, label: string, problems: ProblemList): VocObject[] {
  let root: XmlElement;
  try {
    root = parseXml(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    problems.add({ file: label, message: `is not a readable annotation XML (${(e as Error).message})` });
    return [];
  }
  const objects: VocObject[] = [];
  root.children.filter((c) => c.name === 'object').forEach((obj, i) => {
    const where = { file: label, row: i + 1 };
    const name = child(obj, 'name')?.text.trim();
    const bndbox = child(obj, 'bndbox');
    if (!name) return problems.add({ ...where, column: 'name', message: `object ${i + 1} has no <name>` });
    if (!bndbox) return problems.add({ ...where, column: 'bndbox', message: `object ${i + 1} has no <bndbox>` });
    const box = (['xmin', 'ymin', 'xmax', 'ymax'] as const).map((k) => Number(child(bndbox, k)?.text.trim() || NaN));
    if (!box.every(Number.isFinite)) return problems.add({ ...where, column: 'bndbox', message: `object ${i + 1}: bndbox needs numeric xmin, ymin, xmax, ymax` });
    const difficult = Number(child(obj, 'difficult')?.text.trim() || 0) !== 0;
    objects.push({ name, difficult, box: box as [number, number, number, number] });
  });
  return objects;
}

/** Reads a VOC truth folder; throws ValidationError with every problem found. */
export function readVocFolder(dir: string, name = dir): VocTruthFile {
  const annotations = path.join(dir, 'Annotations');
  if (!fs.existsSync(annotations) || !fs.statSync(annotations).isDirectory()) {
    throw ValidationError.of({ file: name, message: 'a VOC truth folder needs Annotations/<id>.xml' });
  }
  const problems = new ProblemList();
  const testList = path.join(dir, 'ImageSets', 'Main', 'test.txt');
  let imageIds: string[];
  if (fs.existsSync(testList)) {
    imageIds = [];
    const seen = new Set<string>();
    fs.readFileSync(testList, 'utf8').split(/\r?\n/).forEach((text, i) => {
      const id = text.trim().split(/\s+/)[0]!;
      if (!id) return;
      if (seen.has(id)) problems.add({ file: path.join(name, 'ImageSets/Main/test.txt'), line: i + 1, message: `duplicate image id "${id}"` });
      imageIds.push(id);
      seen.add(id);
    });
  } else {
    imageIds = fs.readdirSync(annotations).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort();
  }
  const perImage = imageIds.map((id) => {
    const file = path.join(annotations, `${id}.xml`);
    const label = path.join(name, 'Annotations', `${id}.xml`);
    if (!fs.existsSync(file)) {
      problems.add({ file: label, message: `missing: image "${id}" is in the test set but has no annotation file` });
      return [];
    }
    return readAnnotation(file, label, problems);
  });
  problems.throwIfAny();
  if (imageIds.length === 0) throw ValidationError.of({ file: name, message: 'the VOC truth has no images' });

  const names = new Set(perImage.flat().map((o) => o.name));
  const classNames: string[] = [...names].every((n) => VOC_CLASSES.includes(n)) ? [...VOC_CLASSES] : [...names].sort();
  const classRank = new Map(classNames.map((c, i) => [c, i]));
  const count = perImage.reduce((s, o) => s + o.length, 0);
  const truth: VocGroundTruth = {
    imageIds,
    classNames,
    count,
    image: new Uint32Array(count),
    category: new Uint32Array(count),
    box: new Float64Array(count * 4),
    difficult: new Uint8Array(count),
  };
  let k = 0;
  perImage.forEach((objects, img) => {
    for (const o of objects) {
      truth.image[k] = img;
      truth.category[k] = classRank.get(o.name)!;
      truth.box.set(o.box, k * 4);
      truth.difficult[k] = o.difficult ? 1 : 0;
      k++;
    }
  });
  return { truth, imageRank: new Map(imageIds.map((id, i) => [id, i])), classRank };
}

const RESULT_FILE = /^comp\d+_det_[^_]+_(.+)\.txt$/;

/** Reads devkit result files from a folder or a .zip; throws ValidationError with every problem. */
export async function readVocResultFiles(input: string, ids: VocIds, name = input): Promise<DetectionTable> {
  const problems = new ProblemList();
  const files: Array<{ label: string; className: string; read: () => Promise<Buffer> }> = [];
  const consider = (base: string, label: string, read: () => Promise<Buffer>) => {
    if (base.startsWith('.') || label.includes('__MACOSX')) return;
    const m = RESULT_FILE.exec(base);
    if (!m) return problems.add({ file: label, message: 'unexpected file; expected comp<N>_det_<set>_<class>.txt (e.g. comp3_det_test_aeroplane.txt)' });
    if (!ids.classRank.has(m[1]!)) return problems.add({ file: label, message: `"${m[1]}" is not a class of the truth (${[...ids.classRank.keys()].join(', ')})` });
    if (files.some((f) => f.className === m[1])) return problems.add({ file: label, message: `a second result file for class "${m[1]}"` });
    files.push({ label, className: m[1]!, read });
  };
  if (fs.statSync(input).isDirectory()) {
    for (const base of fs.readdirSync(input).sort()) {
      const file = path.join(input, base);
      if (fs.statSync(file).isFile()) consider(base, path.join(name, base), async () => fs.readFileSync(file));
    }
  } else {
    for (const entry of await listZip(input)) consider(path.posix.basename(entry.name), `${name}: ${entry.name}`, () => entry.buffer());
  }
  if (files.length === 0 && problems.total === 0) {
    problems.add({ file: name, message: 'no result files; expected comp<N>_det_<set>_<class>.txt, one per class' });
  }
  files.sort((a, b) => ids.classRank.get(a.className)! - ids.classRank.get(b.className)!);
  const out = new DetectionBuilder();
  for (const f of files) {
    const lines = (await f.read()).toString('utf8').split(/\r?\n/);
    lines.forEach((line, i) => {
      const tokens = line.trim().split(/\s+/);
      if (tokens.length === 1 && tokens[0] === '') return;
      const where = { file: f.label, line: i + 1 };
      if (tokens.length !== 6) return problems.add({ ...where, message: `expected 6 values "<image_id> <score> <xmin> <ymin> <xmax> <ymax>", found ${tokens.length}` });
      addVocDetection(out, ids, problems, where, tokens[0]!, f.className, tokens.slice(1));
    });
  }
  problems.throwIfAny();
  return out.table();
}
