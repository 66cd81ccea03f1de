// Placeholder until the classification task lands; replaced by its real implementation.
import { UsageError } from '../../problems.js';
import type { Task } from '../task.js';

const unavailable = async (): Promise<never> => {
  throw new UsageError('the classification task is not implemented yet');
};

export const task: Task = { name: 'classification', version: '0', metrics: () => [], evaluate: unavailable, validate: unavailable };
