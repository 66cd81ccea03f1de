/**
 * Reloading the challenge definitions while the server runs (the admin's "reload"): a new
 * folder becomes a challenge, a changed definition updates it, a removed or broken one is
 * hidden (its submissions stay), all without a restart. The maps the routes and the scoring
 * pool hold are updated in place.
 */
import { answerGuard } from '../challenges/answers.js';
import type { Challenge } from '../challenges/definition.js';
import { FileCatalog } from '../challenges/files.js';
import type { AppContext } from './context.js';
import { modelTracks } from './pool.js';
import { loadServableChallenges, type UnavailableChallenge } from './sync.js';

/** The downloads of each loaded challenge (files: and its sample submission). */
export function catalogsOf(challenges: Challenge[]): Map<string, FileCatalog> {
  return new Map(challenges.map((c) => [c.id, new FileCatalog(c.id, c.files, answerGuard(c.task, c.truth, c.options))]));
}


function replaceAll<K, V>(target: Map<K, V>, source: Map<K, V>): void {
  target.clear();
  for (const [k, v] of source) target.set(k, v);
}

export interface ReloadReport {
  loaded: string[];
  added: string[];
  removed: string[];
  skipped: UnavailableChallenge[];
}

export async function reloadChallenges(ctx: AppContext): Promise<ReloadReport> {
  const skipped: UnavailableChallenge[] = [];
  const challenges = await loadServableChallenges(ctx.challengesRoot, ctx.log, skipped);
  const before = new Set((await ctx.store.challenges()).map((c) => c.id));
  await ctx.store.syncChallenges(challenges, ctx.clock());
  replaceAll(ctx.definitions, new Map(challenges.map((c) => [c.id, c])));
  replaceAll(ctx.files, catalogsOf(challenges));
  if (ctx.models) replaceAll(ctx.models, modelTracks(challenges));
  ctx.unavailable.splice(0, ctx.unavailable.length, ...skipped);
  const loaded = challenges.map((c) => c.id);
  const report = { loaded, added: loaded.filter((id) => !before.has(id)), removed: [...before].filter((id) => !loaded.includes(id)), skipped };
  ctx.log(`reloaded challenges: ${loaded.length} loaded${report.added.length ? `, added ${report.added.join(', ')}` : ''}${report.removed.length ? `, hidden ${report.removed.join(', ')}` : ''}${skipped.length ? `, ${skipped.length} skipped` : ''}`);
  return report;
}
