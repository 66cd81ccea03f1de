/** Command-line flags of the bench scripts: `--name value`, or `--name` alone for a switch. */
const argv = process.argv.slice(2);

/** The value after `--name`, or undefined when the flag is absent. */
export function flag(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** A numeric flag; a value that is not a number stops the bench with a one-line message. */
export function numberFlag(name: string, fallback: number): number {
  const text = flag(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    console.error(`--${name}: expected a number, found "${text}"`);
    process.exit(2);
  }
  return value;
}

/** True when `--name` is given. */
export const hasFlag = (name: string): boolean => argv.includes(`--${name}`);
