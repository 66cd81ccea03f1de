/**
 * The fields of challenge.yaml, declared once: name, type, whether required, default and
 * meaning. definition.ts takes the limits (keys and defaults), model-track.ts the model
 * track's keys and its latency settings' keys, and files.ts the keys of a `files:` entry from these lists; a test checks that
 * the loader requires exactly the fields marked required here. Each task's `options:` are
 * declared with their parsers (src/tasks/<task>/options.ts, collected in tasks/task-options.ts)
 * and documented from there. `challengeYamlReference()` writes the field tables of
 * docs/hosting.md (`podium docs challenge-yaml`; a test keeps the committed tables equal to it).
 */
import { TASK_NAMES } from '../tasks/task.js';
import { TASK_OPTIONS } from '../tasks/task-options.js';
import { describeShape, TASK_FEEDS } from '../models/feeds.js';
import { describeSteadyRule, STEADY_WARMUP } from '../evaluators/steady-warmup.js';

export interface FieldSpec {
  name: string;
  type: string;
  /** true, false, or the condition under which it is required. */
  required: boolean | string;
  default?: string;
  description: string;
}

export const CHALLENGE_FIELDS: readonly FieldSpec[] = [
  { name: 'id', type: 'string', required: true, description: "`[a-z0-9-]+`, the folder's name" },
  { name: 'title', type: 'string', required: true, description: 'shown on every page' },
  { name: 'task', type: 'string', required: true, description: TASK_NAMES.map((t) => `\`${t}\``).join(', ') },
  { name: 'truth', type: 'path', required: true, description: 'the answers, a file or folder, relative to the yaml (layouts below); never served' },
  { name: 'primary_metric', type: 'string', required: true, description: "the ranking metric, one of the task's metrics (the Evaluation page lists them with their direction)" },
  { name: 'options', type: 'mapping', required: false, default: '{}', description: "the task's options (below, by task); an unknown or misspelt key is refused at load" },
  { name: 'limits', type: 'mapping', required: false, description: 'submission limits, each a positive number (below)' },
  { name: 'phases', type: 'list', required: true, description: 'a list of `{ id, start, end }` (ISO 8601, UTC); uploads are taken inside a phase; the private board opens after the last end' },
  { name: 'description', type: 'Markdown', required: false, description: 'raw HTML is shown as text; or `description.md` beside the yaml' },
  { name: 'rules', type: 'Markdown', required: false, description: 'or `rules.md` beside the yaml. With rules, a participant accepts them once before the first submission' },
  { name: 'sample_submission', type: 'path', required: false, description: 'a valid submission to start from; listed first on the Data page' },
  { name: 'files', type: 'list', required: false, description: 'what participants download (below)' },
  { name: 'submission', type: '`file`, `model` or a list', required: false, default: '`file`', description: 'what participants may submit: files, models, or `[file, model]`' },
  { name: 'model', type: 'mapping', required: 'with `submission: model`', description: "the model track (below; see the README's model section)" },
];

export const LIMIT_FIELDS: readonly (FieldSpec & { value: number })[] = [
  { name: 'per_day', type: 'number', required: false, value: 5, description: 'submissions a team may make in a UTC day' },
  { name: 'total', type: 'number', required: false, value: 500, description: 'submissions a team may make in all' },
  { name: 'final_selections', type: 'number', required: false, value: 2, description: 'submissions a team may select for the private board' },
  { name: 'max_upload_mb', type: 'number', required: false, value: 200, description: 'the largest upload, in MB' },
];

/** One entry of `files:`: exactly one of `path` and `url`. */
export const FILE_FIELDS: readonly FieldSpec[] = [
  { name: 'path', type: 'path', required: 'without `url`', description: 'a file (streamed with its size and sha256) or a folder (served as a zip made as it downloads), relative to the yaml; never inside the truth' },
  { name: 'url', type: 'http(s) URL', required: 'without `path`', description: 'where the host keeps a large set: listed as a link' },
  { name: 'name', type: 'string', required: false, default: "the file's name; a folder's plus `.zip`; a link's last path segment", description: 'the download\'s name, `[A-Za-z0-9][A-Za-z0-9._-]*`, distinct within the challenge' },
  { name: 'description', type: 'string', required: false, default: "''", description: 'shown beside the download on the Data page, the API and `podium download`' },
  { name: 'exclude', type: 'list of globs', required: false, default: '[]', description: "a folder's files left out of its zip (`*` within a name, `**` across folders)" },
  { name: 'size', type: 'integer', required: false, description: 'a link only: its size in bytes, as the host states it' },
  { name: 'sha256', type: 'string', required: false, description: 'a link only: its sha256, 64 lowercase hex digits, as the host states it' },
];

export const MODEL_FIELDS: readonly FieldSpec[] = [
  { name: 'inputs', type: 'path', required: true, description: "the hidden inputs, in the task's own format" },
  { name: 'input', type: 'mapping', required: false, description: 'contract settings the task allows (e.g. `range: [-1, 1]` for images, `normalise: standardise` for z-stacks)' },
  { name: 'feeds', type: 'list', required: false, default: "the task's first input", description: "the model's inputs, `{ name, dtype, shape, optional }` each (below); a model may leave out an optional one" },
  { name: 'reference', type: 'path', required: false, description: "a model (.onnx or model.json) timed in the same job; entries get their latency relative to it. Where `podium baseline export` writes it (data/<challenge>/baselines/<name>/model.onnx), baseline <name>'s entry is the models board's reference row" },
  { name: 'threads', type: 'integer', required: false, default: '1', description: 'intra-op threads, 1 to 64' },
  { name: 'latency', type: 'mapping', required: false, description: 'the latency harness settings (below): warm-up, queries, duration, samples, seed' },
  { name: 'ranking', type: 'mapping', required: false, description: 'the ranking rule (e.g. an accuracy gate, then latency)' },
  { name: 'sandbox', type: 'mapping', required: false, description: 'the sandbox limits: `memory_mb`, `cpu_s`, `wall_s`, `output_mb`, `file_mb`, `cpu` (the CPU the model is pinned to, as MLPerf fixes affinity; default none) and `allow_unsandboxed`' },
  { name: 'max_model_mb', type: 'number', required: false, default: '256', description: 'the largest model upload, in MB' },
];

/**
 * `model.latency:` (MLPerf LoadGen's SingleStream and Offline, evaluators/latency.ts); the
 * defaults are model-track.ts's FULL_RUN (a test keeps them equal).
 */
export const LATENCY_FIELDS: readonly (FieldSpec & { value: number | 'steady' })[] = [
  {
    name: 'warmup', type: '`steady` or integer', required: false, default: '`steady`', value: 'steady',
    description: `untimed queries before the timed ones. \`steady\`: 10 queries, then ${describeSteadyRule(STEADY_WARMUP)}; ` +
      'with a reference, each model runs its blocks alone (entry, then reference) and the 10 queries come after, alternating. ' +
      'An integer: that many queries and no more. The board and the stored figures say what each entry ran',
  },
  { name: 'min_queries', type: 'integer', required: false, value: 1024, description: 'SingleStream: at least this many timed queries (LoadGen\'s full run)' },
  { name: 'min_duration_ms', type: 'integer', required: false, value: 60000, description: 'SingleStream: and for at least this long' },
  { name: 'offline_samples', type: 'integer', required: false, value: 256, description: 'Offline: samples issued in all' },
  { name: 'offline_batch', type: 'integer', required: false, value: 32, description: "Offline: samples a batch (1 when the model's batch axis is fixed)" },
  { name: 'samples', type: 'integer', required: false, value: 32, description: 'distinct hidden inputs the timed queries cycle through' },
  { name: 'seed', type: 'integer', required: false, value: 2018, description: "seed of the query order (LoadGen's qsl_rng_seed)" },
];

export const FEED_FIELDS: readonly FieldSpec[] = [
  { name: 'name', type: 'string', required: true, description: "one of the task's inputs (below); a model's input of that name gets it (a model with a single input gets the one required input whatever its name)" },
  { name: 'dtype', type: 'string', required: true, description: "the input's element type, as the task makes it (`float32`)" },
  { name: 'shape', type: 'list', required: true, description: "the task's shape for it: numbers are fixed, letters are read from the hidden inputs (e.g. `[1, T]`)" },
  { name: 'optional', type: 'boolean', required: false, default: 'false', description: 'a model may leave this input out; at least one input is required' },
];

const cell = (s: string) => s.replace(/\|/g, '\\|');

function table(fields: readonly FieldSpec[]): string {
  const rows = fields.map((f) => {
    const required = f.required === true ? 'yes' : f.required === false ? 'no' : f.required;
    const def = f.default ?? ('value' in f ? String((f as { value: number }).value) : '');
    return `| \`${f.name}\` | ${cell(f.type)} | ${cell(required)} | ${cell(def)} | ${cell(f.description)} |`;
  });
  return ['| field | type | required | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The `options:` of each task, from the specs its parser reads (tasks/task-options.ts). */
function optionTables(): string[] {
  return TASK_NAMES.flatMap((task) => {
    const specs = Object.entries(TASK_OPTIONS[task]);
    if (specs.length === 0) return [`\`options:\` for \`task: ${task}\`: none (any key is refused)`, ''];
    const rows = specs.map(([key, o]) => `| \`${key}\` | ${cell(o.type)} | ${cell(o.default)} | ${cell(o.description)} |`);
    return [`\`options:\` for \`task: ${task}\``, '', '| option | type | default | meaning |', '|---|---|---|---|', ...rows, ''];
  });
}

function feedTable(): string {
  const rows = TASK_NAMES.flatMap((task) => (TASK_FEEDS[task] ?? []).map((f, i) =>
    `| ${task} | \`${f.name}\`${i === 0 ? ' (default)' : ''} | ${f.dtype} | \`${describeShape(f.shape)}\` | ${cell(f.description)} |`));
  return ['| task | input | dtype | shape | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The Markdown reference of docs/hosting.md's "challenge.yaml, field by field". */
export function challengeYamlReference(): string {
  return [
    table(CHALLENGE_FIELDS), '',
    ...optionTables(),
    '`limits:`', '', table(LIMIT_FIELDS), '',
    '`files:` (a list; each entry has exactly one of `path` and `url`)', '', table(FILE_FIELDS), '',
    '`model:` (read when `submission` includes `model`)', '', table(MODEL_FIELDS), '',
    '`model.latency:`', '', table(LATENCY_FIELDS), '',
    '`model.feeds:`, each', '', table(FEED_FIELDS), '',
    "The inputs each task's adapter makes:", '', feedTable(), '',
  ].join('\n');
}
