/**
 * The detection task: COCO's 12 numbers (pycocotools) for a COCO instances truth, PASCAL VOC
 * mAP (devkit) for a VOC folder. Which one comes from the truth path: a `.json` file is COCO,
 * a folder with `Annotations/` is VOC. `options.protocol` ('coco' | 'voc') says which metric
 * names a challenge reports; it must agree with the truth.
 */
import fs from 'node:fs';
import path from 'node:path';
import { COCO_METRICS, COCO_VERSION } from '../../evaluators/coco.js';
import { vocMetrics, VOC_VERSION } from '../../evaluators/voc-detection.js';
import { UsageError, ValidationError } from '../../problems.js';
import type { EvaluateOptions, Task, TaskOptions } from '../task.js';
import { evaluateCoco, validateCoco } from './coco-protocol.js';
import { evaluateVoc, validateVoc, vocIou } from './voc-protocol.js';

type Protocol = 'coco' | 'voc';

function requestedProtocol(options?: TaskOptions): Protocol | undefined {
  const p = options?.protocol;
  if (p === undefined) return undefined;
  if (p !== 'coco' && p !== 'voc') throw new UsageError(`detection: options.protocol must be "coco" or "voc", found ${JSON.stringify(p)}`);
  return p;
}

/** COCO for a .json file, VOC for a folder with Annotations/. */
export function truthProtocol(truthPath: string): Protocol {
  const name = path.basename(truthPath);
  if (!fs.existsSync(truthPath)) throw ValidationError.of({ file: name, message: 'truth does not exist' });
  if (fs.statSync(truthPath).isDirectory()) {
    if (fs.existsSync(path.join(truthPath, 'Annotations'))) return 'voc';
    throw ValidationError.of({ file: name, message: 'a detection truth folder must hold VOC Annotations/<id>.xml' });
  }
  if (path.extname(truthPath).toLowerCase() === '.json') return 'coco';
  throw ValidationError.of({ file: name, message: 'a detection truth is a COCO instances .json file or a VOC folder with Annotations/' });
}

function protocolFor(truthPath: string, opts?: EvaluateOptions): Protocol {
  const found = truthProtocol(truthPath);
  const asked = requestedProtocol(opts?.options);
  if (asked && asked !== found) {
    throw new UsageError(`detection: options.protocol is "${asked}" but the truth ${path.basename(truthPath)} is a ${found === 'coco' ? 'COCO instances file' : 'VOC folder'}`);
  }
  if (found === 'coco' && opts?.options?.iou !== undefined) {
    throw new UsageError('detection: option "iou" applies to a VOC truth; COCO scores its 10 thresholds .50:.05:.95');
  }
  return found;
}

export const task: Task = {
  name: 'detection',
  version: `${COCO_VERSION}+${VOC_VERSION}`,
  metrics: (options) => [...(requestedProtocol(options) === 'voc' ? vocMetrics(vocIou(options)) : COCO_METRICS)],
  checkOptions() {},
  evaluate: async (truth, submission, opts) =>
    protocolFor(truth, opts) === 'coco' ? evaluateCoco(truth, submission, opts) : evaluateVoc(truth, submission, opts),
  validate: async (truth, submission, opts) =>
    protocolFor(truth, opts) === 'coco' ? validateCoco(truth, submission) : validateVoc(truth, submission),
};
