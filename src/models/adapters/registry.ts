/** The model-track adapter of each task, loaded lazily like the tasks themselves. */
import { UsageError } from '../../problems.js';
import type { TaskName } from '../../tasks/task.js';
import type { ModelAdapter } from './adapter.js';

const loaders: Partial<Record<TaskName, () => Promise<ModelAdapter>>> = {
  classification: async () => (await import('./classification.js')).classificationAdapter,
  segmentation: async () => (await import('./segmentation.js')).segmentationAdapter,
  detection: async () => (await import('./detection.js')).detectionAdapter,
  separation: async () => (await import('./separation.js')).separationAdapter,
  fluorescence: async () => (await import('./fluorescence.js')).fluorescenceAdapter,
};

export async function loadAdapter(task: TaskName): Promise<ModelAdapter> {
  const load = loaders[task];
  if (!load) throw new UsageError(`the model track has no adapter for ${task} yet (have: ${Object.keys(loaders).join(', ')})`);
  return load();
}
