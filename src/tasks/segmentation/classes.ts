/** Class names of a segmentation challenge: `options.classes`, or PASCAL VOC's 21 by default. */
import { UsageError } from '../../problems.js';
import type { TaskOptions } from '../task.js';
import { VOID_LABEL } from '../../evaluators/segmentation.js';

/** VOC 2012 classes in label order (VOCdevkit `VOCopts.classes`, with background as 0). */
export const VOC_CLASSES = [
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
] as const;

export function classNamesFrom(options: TaskOptions | undefined): string[] {
  const classes = options?.classes;
  if (classes === undefined) return [...VOC_CLASSES];
  if (!Array.isArray(classes) || classes.length < 2 || classes.length > VOID_LABEL || !classes.every((c) => typeof c === 'string' && c.trim() !== '')) {
    throw new UsageError(`segmentation option "classes" must be a list of 2 to ${VOID_LABEL} class names (label 0 first), got ${JSON.stringify(classes)}`);
  }
  if (new Set(classes).size !== classes.length) throw new UsageError('segmentation option "classes" has a repeated name');
  return classes as string[];
}

export function splitFrom(options: TaskOptions | undefined): string {
  const split = options?.split ?? 'val';
  if (typeof split !== 'string' || !/^[\w.-]+$/.test(split)) {
    throw new UsageError(`segmentation option "split" must be a name like "val", got ${JSON.stringify(split)}`);
  }
  return split;
}
