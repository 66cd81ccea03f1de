/**
 * Task options from a challenge definition (`options:`) or `--options`, parsed into a typed
 * value once, at challenge load and at the command line. Unknown keys are refused with the
 * key and the valid ones: `{ prediction: 3 }` -> "unknown option prediction; valid: predictions".
 * Each task declares its options once (src/tasks/<task>/options.ts): per key its type, default,
 * meaning and parser; the parser reads them from there and the challenge.yaml reference
 * (challenges/schema.ts) documents them from there.
 */
import { UsageError } from '../problems.js';

/** Task-specific options as written, e.g. `{ predictions: 3 }`. */
export type TaskOptions = Record<string, unknown>;

/** A bad option: which key (`options.<key>`) and why. */
export class OptionError extends UsageError {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

/** One option: what the reference says about it, and its parser. */
export interface OptionSpec<V> {
  /** As the reference shows it, e.g. "integer or list of integers". */
  type: string;
  /** The default in words ("1, 3 and 5, those the rows are long enough for"); '' when none. */
  default: string;
  description: string;
  /** Returns the value (its default for `undefined`), or throws OptionError naming the key. */
  parse: (value: unknown) => V;
}

/** A task's options, one spec a key, in the order the reference lists them. */
export type OptionSpecs<T> = { [K in keyof T]-?: OptionSpec<T[K]> };

/**
 * Parses `raw` key by key with `specs`; a missing key is given `undefined` (the parser then
 * returns its default). Throws OptionError for an unknown key or a bad value.
 */
export function parseOptions<T>(raw: TaskOptions | undefined, specs: OptionSpecs<T>): T {
  const valid = Object.keys(specs);
  const given = raw ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new OptionError('options', 'options must be a mapping of option names to values');
  for (const key of Object.keys(given)) {
    if (!valid.includes(key)) throw new OptionError(key, `unknown option ${key}; valid: ${valid.length ? valid.join(', ') : '(none)'}`);
  }
  const out = {} as T;
  for (const key of valid as (keyof T & string)[]) out[key] = specs[key].parse(given[key]);
  return out;
}

/** A helper for parsers: throws OptionError naming `key` with the value found. */
export function badOption(key: string, expected: string, value: unknown): never {
  throw new OptionError(key, `option "${key}" must be ${expected}, got ${JSON.stringify(value)}`);
}
