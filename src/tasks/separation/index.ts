// Placeholder until the separation task lands; replaced by its real implementation.
import { UsageError } from '../../problems.js';
import type { Task } from '../task.js';

const unavailable = async (): Promise<never> => {
  throw new UsageError('the separation task is not implemented yet');
};

export const task: Task = { name: 'separation', version: '0', metrics: () => [], evaluate: unavailable, validate: unavailable };
