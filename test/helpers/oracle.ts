/**
 * Reference oracles that tests run beside podium (Debian's python3-mir-eval, numpy, sklearn;
 * chromium). On a developer's machine a missing oracle skips its tests, saying why; in CI
 * (`CI=true`, set by .ci/run) it is a failing test, so a broken install never passes as green.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { it } from 'vitest';

export const PYTHON = '/usr/bin/python3';

export interface Oracle {
  name: string;
  /** What was found (a version), or undefined when the oracle is missing. */
  version?: string;
  /** Why it is missing (only when it is). */
  reason?: string;
}

/** Python modules importable by /usr/bin/python3; `version` is a Python expression to print. */
export function pythonOracle(name: string, modules: readonly string[], version: string): Oracle {
  const probe = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}; print(${version})`], { encoding: 'utf8' });
  if (probe.status === 0) return { name, version: probe.stdout.trim() };
  const detail = (probe.stderr || String(probe.error ?? '')).trim().split('\n').pop();
  return { name, reason: `${PYTHON} cannot import ${modules.join(', ')} (${detail})` };
}

/** An executable file at a fixed path. */
export function fileOracle(name: string, file: string): Oracle {
  return fs.existsSync(file) ? { name, version: file } : { name, reason: `${file} is not installed` };
}

export const inCi = (): boolean => process.env.CI === 'true';

/**
 * True when the tests that need `oracle` must be skipped (it is missing, outside CI). In CI a
 * missing oracle adds a failing test naming it and the tests that need it still run (and fail).
 * Call at the top level of a test file, beside the tests.
 */
export function skipWithout(oracle: Oracle): boolean {
  if (oracle.version !== undefined) return false;
  if (inCi()) {
    it(`oracle ${oracle.name} is installed (CI=true: a missing oracle fails)`, () => {
      throw new Error(`${oracle.name}: ${oracle.reason}`);
    });
    return false;
  }
  console.warn(`SKIPPED: tests that need ${oracle.name}: ${oracle.reason}`);
  return true;
}
