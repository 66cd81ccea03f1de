/**
 * A `challenge.yaml` beside imported data, so `podium evaluate --challenge <dest>` works at once.
 * The id is the folder name (the loader requires that); a folder name that is not a valid id
 * gets no definition, and the caller says so.
 */
import path from 'node:path';
import { stringify } from 'yaml';
import { writeFile } from './dataset-files.js';

export interface ChallengeFileFields {
  title: string;
  task: 'classification' | 'segmentation' | 'detection' | 'separation' | 'fluorescence' | 'stabilization';
  /** Relative to the destination folder. */
  truth: string;
  primary_metric: string;
  options?: Record<string, unknown>;
  sample_submission?: string;
  description: string;
}

export function writeChallengeFile(dest: string, fields: ChallengeFileFields): string | undefined {
  const id = path.basename(path.resolve(dest));
  if (!/^[a-z0-9-]+$/.test(id)) return undefined;
  const doc = {
    id,
    title: fields.title,
    task: fields.task,
    truth: fields.truth,
    primary_metric: fields.primary_metric,
    options: fields.options ?? {},
    ...(fields.sample_submission ? { sample_submission: fields.sample_submission } : {}),
    phases: [{ id: 'main', start: '2026-01-01T00:00:00Z', end: '2027-06-30T23:59:59Z' }],
    description: fields.description,
  };
  const file = path.join(dest, 'challenge.yaml');
  writeFile(file, stringify(doc));
  return file;
}
