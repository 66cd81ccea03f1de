/** What `evaluate` and `validate` score against: a task + truth, or a challenge definition. */
import { UsageError } from '../problems.js';
import { loadTask } from '../tasks/registry.js';
import type { Task, TaskOptions } from '../tasks/task.js';

export interface Target {
  task: Task;
  truth: string;
  options: TaskOptions;
}

export const targetFlags = {
  task: { type: 'string' },
  truth: { type: 'string' },
  challenge: { type: 'string' },
  submission: { type: 'string' },
  options: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function resolveTarget(
  command: string,
  flags: { task?: string; truth?: string; challenge?: string; options?: string },
): Promise<Target> {
  let extra: TaskOptions = {};
  if (flags.options) {
    try {
      extra = JSON.parse(flags.options) as TaskOptions;
    } catch {
      throw new UsageError(`${command}: --options must be a JSON object, e.g. '{"predictions": 3}'`);
    }
  }
  if (flags.challenge) {
    // Loaded only here: the YAML parser is not needed to score against a plain truth file.
    const { loadChallenge, resolveChallengePath } = await import('../challenges/definition.js');
    if (flags.task || flags.truth) throw new UsageError(`${command}: give either --challenge or --task with --truth, not both`);
    const challenge = await loadChallenge(resolveChallengePath(flags.challenge), { requireTruth: true });
    return { task: await loadTask(challenge.task), truth: challenge.truth, options: { ...challenge.options, ...extra } };
  }
  if (!flags.task || !flags.truth) {
    throw new UsageError(`${command}: give --task and --truth, or --challenge`);
  }
  return { task: await loadTask(flags.task), truth: flags.truth, options: extra };
}
