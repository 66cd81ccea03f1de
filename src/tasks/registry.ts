/** Task registry: one line a task; tasks load lazily so `podium evaluate --task classification` stays fast to start. */
import { UsageError } from '../problems.js';
import { taskFromDefinition } from '../scoring/pipeline.js';
import type { TaskDefinition } from '../scoring/task-definition.js';
import { TASK_NAMES, type Task, type TaskName } from './task.js';

type Module = { definition?: TaskDefinition<any, any, any, any, any>; task?: Task };
const definitions: Record<TaskName, () => Promise<Module>> = {
  classification: () => import('./classification/index.js'),
  segmentation: () => import('./segmentation/index.js'),
  detection: () => import('./detection/index.js'),
  separation: () => import('./separation/index.js'),
  fluorescence: () => import('./fluorescence/index.js'),
  stabilization: () => import('./stabilization/index.js'),
};

export function isTaskName(name: string): name is TaskName {
  return (TASK_NAMES as readonly string[]).includes(name);
}

export async function loadDefinition(name: string): Promise<TaskDefinition<any, any, any, any, any>> {
  if (!isTaskName(name)) {
    throw new UsageError(`unknown task "${name}"; expected one of ${TASK_NAMES.join(', ')}`);
  }
  const def = (await definitions[name]()).definition;
  if (!def) throw new Error(`task ${name} is not on the scoring pipeline yet`);
  return def;
}

export async function loadTask(name: string): Promise<Task> {
  if (!isTaskName(name)) return loadDefinition(name) as never;
  const mod = await definitions[name]();
  return mod.definition ? taskFromDefinition(mod.definition) : mod.task!;
}
