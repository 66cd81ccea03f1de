/** Class names of a segmentation challenge: `options.classes`, or PASCAL VOC's 21 by default. */
import { badOption } from '../../scoring/options.js';
import { VOID_LABEL } from '../../evaluators/segmentation.js';

/** VOC 2012 classes in label order (VOCdevkit `VOCopts.classes`, with background as 0). */
export const VOC_CLASSES = [
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
] as const;

/** `classes`: 2 to 255 distinct names, label 0 first (255 is the void label). */
export function parseClassNames(classes: unknown): string[] {
  if (classes === undefined) return [...VOC_CLASSES];
  if (!Array.isArray(classes) || classes.length < 2 || classes.length > VOID_LABEL || !classes.every((c) => typeof c === 'string' && c.trim() !== '')) {
    badOption('classes', `a list of 2 to ${VOID_LABEL} class names (label 0 first)`, classes);
  }
  if (new Set(classes).size !== classes.length) badOption('classes', 'a list of distinct names (one is repeated)', classes);
  return classes as string[];
}

/** `split`: the VOC root's list under ImageSets/Segmentation (`val` by default). */
export function parseSplit(split: unknown): string {
  const value = split ?? 'val';
  if (typeof value !== 'string' || !/^[\w.-]+$/.test(value)) badOption('split', 'a name like "val"', split);
  return value as string;
}
