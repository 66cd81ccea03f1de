/** The sentence for a team's remaining submissions (submit page, `podium status`). */
import type { Remaining } from './store.js';

/** "3 of 5 submissions left today (until 2026-03-02 00:00 UTC), 497 of 500 in all". */
export function remainingLine(r: Remaining): string {
  if (r.today.left === null || r.total.left === null) return 'no submission limits (baseline)';
  const until = r.today.resets_at.slice(0, 16).replace('T', ' ');
  return `${r.today.left} of ${r.today.allowed} submissions left today (until ${until} UTC), ${r.total.left} of ${r.total.allowed} in all`;
}
