/**
 * Task options from a challenge definition (`options:`) or `--options`, parsed into a typed
 * value once, at challenge load and at the command line. Unknown keys are refused with the
 * key and the valid ones: `{ prediction: 3 }` -> "unknown option prediction; valid: predictions".
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

/** One parser a key: returns the value, or throws OptionError / returns a reason string. */
export type OptionParsers<T> = { [K in keyof T]-?: (value: unknown) => T[K] };

/**
 * Parses `raw` key by key with `parsers`; a missing key is given `undefined` (the parser then
 * returns its default). Throws OptionError for an unknown key or a bad value.
 */
export function parseOptions<T>(raw: TaskOptions | undefined, parsers: OptionParsers<T>): T {
  const valid = Object.keys(parsers);
  const given = raw ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new OptionError('options', 'options must be a mapping of option names to values');
  for (const key of Object.keys(given)) {
    if (!valid.includes(key)) throw new OptionError(key, `unknown option ${key}; valid: ${valid.length ? valid.join(', ') : '(none)'}`);
  }
  const out = {} as T;
  for (const key of valid as (keyof T & string)[]) out[key] = parsers[key](given[key]);
  return out;
}

/** A helper for parsers: throws OptionError naming `key` with the value found. */
export function badOption(key: string, expected: string, value: unknown): never {
  throw new OptionError(key, `option "${key}" must be ${expected}, got ${JSON.stringify(value)}`);
}
