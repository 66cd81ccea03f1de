/** Task registry: tasks load lazily so `podium evaluate --task classification` stays fast to start. */
import { UsageError } from '../problems.js';
import { TASK_NAMES, type Task, type TaskName } from './task.js';

const loaders: Record<TaskName, () => Promise<{ task: Task }>> = {
  classification: () => import('./classification/index.js'),
  segmentation: () => import('./segmentation/index.js'),
  detection: () => import('./detection/index.js'),
  separation: () => import('./separation/index.js'),
  fluorescence: () => import('./fluorescence/index.js'),
};

export function isTaskName(name: string): name is TaskName {
  return (TASK_NAMES as readonly string[]).includes(name);
}

export async function loadTask(name: string): Promise<Task> {
  if (!isTaskName(name)) {
    throw new UsageError(`unknown task "${name}"; expected one of ${TASK_NAMES.join(', ')}`);
  }
  return (await loaders[name]()).task;
}
