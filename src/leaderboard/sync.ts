/**
 * Loads the challenge definitions for the server. Unlike `loadChallenges`, one broken or
 * data-less challenge (a bad field, unknown or bad task options, missing truth) does not stop
 * the others: it is unavailable, with its reason logged and listed for the admin
 * (GET /api/admin/unavailable), and hidden in the database until it comes back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadChallenge, type Challenge } from '../challenges/definition.js';
import { formatProblem, isUserError, ValidationError } from '../problems.js';

export interface UnavailableChallenge {
  /** The challenge's folder name. */
  id: string;
  reason: string;
}

export async function loadServableChallenges(
  root: string,
  log: (line: string) => void,
  unavailable: UnavailableChallenge[] = [],
): Promise<Challenge[]> {
  if (!fs.existsSync(root)) {
    log(`no challenges folder at ${root}; serving no challenge`);
    return [];
  }
  const dirs = fs.readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, d.name, 'challenge.yaml')))
    .map((d) => d.name)
    .sort();
  const out: Challenge[] = [];
  for (const d of dirs) {
    try {
      out.push(await loadChallenge(path.join(root, d), { requireTruth: true }));
    } catch (e) {
      if (!isUserError(e)) throw e;
      const reason = e instanceof ValidationError ? e.problems.map(formatProblem).join('; ') : e.message;
      log(`skipping challenge ${d}: ${reason}`);
      unavailable.push({ id: d, reason });
    }
  }
  return out;
}
