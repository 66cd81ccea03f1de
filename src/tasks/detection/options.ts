/** The detection task's options (`options:` of a challenge.yaml), declared once: parser and reference. */
import { DEFAULT_IOU } from '../../evaluators/voc-detection.js';
import { badOption, type OptionSpecs } from '../../scoring/options.js';
import type { Protocol } from './read.js';

export interface DetectionOptions {
  protocol: Protocol | undefined;
  /** VOC only: a detection matches an object when their overlap is >= iou, in (0, 1]. */
  iou: number | undefined;
}

export const DETECTION_OPTIONS: OptionSpecs<DetectionOptions> = {
  protocol: {
    type: '`coco` or `voc`',
    default: 'from the truth: a `.json` file is COCO, a folder with `Annotations/` is VOC',
    description: 'which metric names the challenge reports; must agree with the truth',
    parse: (p) => (p === undefined || p === 'coco' || p === 'voc' ? (p as Protocol | undefined) : badOption('protocol', '"coco" or "voc"', p)),
  },
  iou: {
    type: 'number in (0, 1]',
    default: String(DEFAULT_IOU),
    description: "VOC only: a detection matches an object when their overlap is at least this (refused for a COCO truth, which scores .50:.05:.95)",
    parse: (t) => (t === undefined || (typeof t === 'number' && t > 0 && t <= 1) ? (t as number | undefined) : badOption('iou', 'a number in (0, 1]', t)),
  },
};
