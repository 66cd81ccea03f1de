/**
 * Loads the challenge definitions for the server. Unlike `loadChallenges`, one broken or
 * data-less challenge does not stop the others: it is skipped with its reason logged (and
 * hidden in the database until it comes back).
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadChallenge, type Challenge } from '../challenges/definition.js';
import { isUserError } from '../problems.js';

/** A challenge folder that could not be served, and why (shown on the admin page). */
export interface SkippedChallenge {
  dir: string;
  reason: string;
}

export async function loadServableChallenges(root: string, log: (line: string) => void, skipped: SkippedChallenge[] = []): Promise<Challenge[]> {
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
      log(`skipping challenge ${d}: ${e.message}`);
      skipped.push({ dir: d, reason: e.message });
    }
  }
  return out;
}
