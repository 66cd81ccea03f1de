/** Command-line flags of the bench scripts: `--name value`, or `--name` alone for a switch. */
const argv = process.argv.slice(2);

/** The value after `--name`, or undefined when the flag is absent. */
export function flag(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Stops the bench with a one-line message naming the flag (a typo is not worth a stack trace). */
function refuse(name: string, expected: string, text: string): never {
  console.error(`--${name}: expected ${expected}, found "${text}"`);
  process.exit(2);
}

/** A numeric flag; a value that is not a number stops the bench with a one-line message. */
export function numberFlag(name: string, fallback: number): number {
  const text = flag(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) refuse(name, 'a number', text);
  return value;
}

/**
 * A count flag (runs, images, queries...): a whole number of at least `least`. `--runs 0` would
 * otherwise reach a median of no runs and crash far from the cause.
 */
export function countFlag(name: string, fallback: number, least = 1): number {
  const text = flag(name);
  return text === undefined ? fallback : parseCount(name, text, least);
}

/** The check of `countFlag`, for scripts that read their flags with `util.parseArgs`. */
export function parseCount(name: string, text: string, least = 1): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < least) refuse(name, `a whole number of at least ${least}`, text);
  return value;
}

/** True when `--name` is given. */
export const hasFlag = (name: string): boolean => argv.includes(`--${name}`);
