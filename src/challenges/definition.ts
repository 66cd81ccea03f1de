/**
 * Challenge definitions: `challenges/<id>/challenge.yaml` (see the API contract). Parsed and
 * checked field by field, so a maintainer's mistake names the field and the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ValidationError, type Problem } from '../problems.js';
import { TASK_NAMES, type TaskName, type TaskOptions } from '../tasks/task.js';
import { loadTask } from '../tasks/registry.js';
import { OptionError } from '../scoring/options.js';
import { packageRoot } from '../paths.js';
import { checkFiles, parseFiles, type FileSpec } from './files.js';
import { parseModelTrack, parseSubmissionKinds, type ModelTrack, type SubmissionKind } from './model-track.js';
import { LIMIT_FIELDS } from './schema.js';

export interface ChallengeLimits {
  per_day: number;
  total: number;
  final_selections: number;
  max_upload_mb: number;
}

export interface Phase {
  id: string;
  start: Date;
  end: Date;
}

export interface Challenge {
  id: string;
  title: string;
  task: TaskName;
  /** Absolute path of the truth (file or folder). */
  truth: string;
  primary_metric: string;
  /** Direction of the primary metric, from the task's evaluator. */
  higher_is_better: boolean;
  options: TaskOptions;
  limits: ChallengeLimits;
  phases: Phase[];
  description: string;
  /** Absolute path of the folder holding challenge.yaml. */
  dir: string;
  /** Absolute path of a sample submission, when the definition names one. */
  sample_submission?: string;
  /** What participants may download (`files:`, then the sample submission); never the truth. */
  files: FileSpec[];
  /** The participation rules (Markdown, `rules:` or rules.md beside the definition). */
  rules: string;
  /** What participants may submit: files, models, or both (model-track.ts). */
  submission: SubmissionKind[];
  /** The model track's settings, when `submission` includes model. */
  model?: ModelTrack;
}

/** From the schema (schema.ts): per_day 5, total 500, final_selections 2, max_upload_mb 200. */
export const DEFAULT_LIMITS: ChallengeLimits = Object.fromEntries(LIMIT_FIELDS.map((f) => [f.name, f.value])) as unknown as ChallengeLimits;

const ID_PATTERN = /^[a-z0-9-]+$/;

export interface LoadOptions {
  /** Refuse a definition whose truth file does not exist (off while data is still to be made). */
  requireTruth?: boolean;
}

/** Loads and checks one definition from its folder (or the yaml file itself). */
export async function loadChallenge(dirOrFile: string, opts: LoadOptions = {}): Promise<Challenge> {
  const file = dirOrFile.endsWith('.yaml') ? dirOrFile : path.join(dirOrFile, 'challenge.yaml');
  const dir = path.dirname(path.resolve(file));
  const problems: Problem[] = [];
  const fail = (column: string, message: string) => problems.push({ file, column, message });

  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { linePos?: { line: number }[] };
    if (err.code === 'ENOENT') throw ValidationError.of({ file, message: 'no challenge.yaml here' });
    throw ValidationError.of({ file, line: err.linePos?.[0]?.line, message: `not valid YAML: ${err.message.split('\n')[0]}` });
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw ValidationError.of({ file, message: 'expected a mapping of fields (id, title, task, ...)' });
  }
  const y = raw as Record<string, unknown>;

  const str = (key: string): string => {
    const v = y[key];
    if (typeof v !== 'string' || v.trim() === '') {
      fail(key, v === undefined ? 'is required' : 'must be a non-empty string');
      return '';
    }
    return v;
  };

  const id = str('id');
  if (id && !ID_PATTERN.test(id)) fail('id', `"${id}" must match [a-z0-9-]+`);
  if (id && path.basename(dir) !== id && path.basename(file) === 'challenge.yaml') {
    fail('id', `"${id}" must equal the folder name "${path.basename(dir)}"`);
  }
  const title = str('title');
  const task = str('task');
  if (task && !(TASK_NAMES as readonly string[]).includes(task)) {
    fail('task', `"${task}" is not one of ${TASK_NAMES.join(', ')}`);
  }
  const truthField = str('truth');
  const truth = truthField ? path.resolve(dir, truthField) : '';
  if (truth && opts.requireTruth && !fs.existsSync(truth)) {
    fail('truth', `${truthField} does not exist (resolved to ${truth}); run \`podium data make ${id || '<id>'}\``);
  }
  const primary = str('primary_metric');

  let options: TaskOptions = {};
  if (y.options !== undefined) {
    if (y.options === null || typeof y.options !== 'object' || Array.isArray(y.options)) fail('options', 'must be a mapping');
    else options = y.options as TaskOptions;
  }

  const limits: ChallengeLimits = { ...DEFAULT_LIMITS };
  if (y.limits !== undefined) {
    if (y.limits === null || typeof y.limits !== 'object' || Array.isArray(y.limits)) fail('limits', 'must be a mapping');
    else {
      for (const [k, v] of Object.entries(y.limits as Record<string, unknown>)) {
        if (!(k in DEFAULT_LIMITS)) fail(`limits.${k}`, `unknown limit; expected ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
        else if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(`limits.${k}`, 'must be a positive number');
        else limits[k as keyof ChallengeLimits] = v;
      }
    }
  }

  const phases: Phase[] = [];
  if (!Array.isArray(y.phases) || y.phases.length === 0) {
    fail('phases', y.phases === undefined ? 'is required' : 'must be a non-empty list');
  } else {
    y.phases.forEach((p: unknown, i: number) => {
      const at = `phases[${i}]`;
      if (!p || typeof p !== 'object') return fail(at, 'must be a mapping with id, start, end');
      const ph = p as Record<string, unknown>;
      if (typeof ph.id !== 'string' || !ID_PATTERN.test(ph.id)) fail(`${at}.id`, 'must match [a-z0-9-]+');
      const start = toDate(ph.start);
      const end = toDate(ph.end);
      if (!start) fail(`${at}.start`, 'must be an ISO 8601 date-time');
      if (!end) fail(`${at}.end`, 'must be an ISO 8601 date-time');
      if (start && end && end <= start) fail(`${at}.end`, 'must be after start');
      if (start && end && typeof ph.id === 'string') phases.push({ id: ph.id, start, end });
    });
  }

  let description = typeof y.description === 'string' ? y.description : '';
  const descFile = path.join(dir, 'description.md');
  if (!description && fs.existsSync(descFile)) description = fs.readFileSync(descFile, 'utf8');

  let sample_submission: string | undefined;
  if (y.sample_submission !== undefined) {
    if (typeof y.sample_submission !== 'string') fail('sample_submission', 'must be a path');
    else sample_submission = path.resolve(dir, y.sample_submission);
  }

  let rules = typeof y.rules === 'string' ? y.rules : '';
  if (y.rules !== undefined && typeof y.rules !== 'string') fail('rules', 'must be Markdown text');
  const rulesFile = path.join(dir, 'rules.md');
  if (!rules && fs.existsSync(rulesFile)) rules = fs.readFileSync(rulesFile, 'utf8');

  const files = parseFiles(y.files, dir, fail);
  if (sample_submission) {
    const name = path.basename(sample_submission);
    if (files.some((f) => f.name === name)) fail('sample_submission', `a file named "${name}" is already listed under files:`);
    else files.push({ name, description: 'A valid submission in the expected format, to start from.', kind: 'file', path: sample_submission, exclude: [], role: 'sample_submission' });
  }
  if (truth && task) problems.push(...checkFiles(files, task, truth, (y.options ?? {}) as Record<string, unknown>, file, !!opts.requireTruth).problems);
  const submission = parseSubmissionKinds(y.submission, fail);
  const model = submission.includes('model') ? parseModelTrack(y.model, dir, fail, (TASK_NAMES as readonly string[]).includes(task) ? task as TaskName : undefined) : undefined;
  if (!submission.includes('model') && y.model !== undefined) fail('model', 'is only read when submission includes model');

  // Task options are typed by the task: checked here, at load, so a misspelt key never
  // reaches scoring (`options: { prediction: 3 }` -> options.prediction: unknown option ...).
  let higher_is_better = false;
  if (task && (TASK_NAMES as readonly string[]).includes(task)) {
    const taskType = await loadTask(task);
    let optionsOk = true;
    try {
      taskType.checkOptions(options);
    } catch (e) {
      if (!(e instanceof OptionError)) throw e;
      optionsOk = false;
      fail(e.key === 'options' ? 'options' : `options.${e.key}`, e.message);
    }
    if (optionsOk && primary) {
      const metrics = taskType.metrics(options);
      const m = metrics.find((x) => x.name === primary);
      if (!m) fail('primary_metric', `"${primary}" is not a metric of ${task}; expected one of ${metrics.map((x) => x.name).join(', ')}`);
      else higher_is_better = m.higherIsBetter;
    }
  }

  if (problems.length) throw new ValidationError(problems);
  return {
    id, title, task: task as TaskName, truth, primary_metric: primary, higher_is_better,
    options, limits, phases, description, dir, sample_submission, files, rules, submission, model,
  };
}

function toDate(v: unknown): Date | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v;
  if (typeof v !== 'string') return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Loads every `challenges/<id>/challenge.yaml` under a folder, sorted by id. */
export async function loadChallenges(root: string, opts: LoadOptions = {}): Promise<Challenge[]> {
  if (!fs.existsSync(root)) throw ValidationError.of({ file: root, message: 'no such challenges folder' });
  const dirs = fs.readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, d.name, 'challenge.yaml')))
    .map((d) => d.name)
    .sort();
  const out: Challenge[] = [];
  for (const d of dirs) out.push(await loadChallenge(path.join(root, d), opts));
  return out;
}

/** `--challenge` accepts a folder, a yaml file, or an id under the challenges root. */
export function resolveChallengePath(ref: string, root = defaultChallengesRoot()): string {
  if (fs.existsSync(ref)) return ref;
  return path.join(root, ref);
}

/** The repository's `challenges/` folder, found from the installed package. */
export function defaultChallengesRoot(): string {
  return path.join(packageRoot(), 'challenges');
}
