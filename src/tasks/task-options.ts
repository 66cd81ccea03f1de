/**
 * Every task's options, as each task declares them (src/tasks/<task>/options.ts): the tasks'
 * parsers and the challenge.yaml reference (challenges/schema.ts) both read this.
 */
import type { OptionSpec, OptionSpecs } from '../scoring/options.js';
import type { TaskName } from './task.js';
import { CLASSIFICATION_OPTIONS } from './classification/options.js';
import { DETECTION_OPTIONS } from './detection/options.js';
import { FLUORESCENCE_OPTIONS } from './fluorescence/options.js';
import { SEGMENTATION_OPTIONS } from './segmentation/options.js';

/** Separation and stabilization take no options (any key is refused). */
export const NO_OPTIONS: OptionSpecs<Record<string, never>> = {};

export const TASK_OPTIONS: Record<TaskName, Readonly<Record<string, OptionSpec<unknown>>>> = {
  classification: CLASSIFICATION_OPTIONS,
  segmentation: SEGMENTATION_OPTIONS,
  detection: DETECTION_OPTIONS,
  separation: NO_OPTIONS,
  fluorescence: FLUORESCENCE_OPTIONS,
  stabilization: NO_OPTIONS,
};
