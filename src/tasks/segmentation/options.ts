/** The segmentation task's options (`options:` of a challenge.yaml), declared once: parser and reference. */
import { VOID_LABEL } from '../../evaluators/segmentation.js';
import type { OptionSpecs } from '../../scoring/options.js';
import { parseClassNames, parseSplit } from './classes.js';

export interface SegmentationOptions {
  classes: string[];
  split: string;
}

export const SEGMENTATION_OPTIONS: OptionSpecs<SegmentationOptions> = {
  classes: {
    type: 'list of names',
    default: "PASCAL VOC 2012's 21 classes",
    description: `class names in label order, background (label 0) first; 2 to ${VOID_LABEL} distinct names (${VOID_LABEL} is the void label)`,
    parse: parseClassNames,
  },
  split: {
    type: 'name',
    default: '`val`',
    description: "for a VOC root as truth: the image list under `ImageSets/Segmentation` that is scored",
    parse: parseSplit,
  },
};
