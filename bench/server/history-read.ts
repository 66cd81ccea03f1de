/**
 * Times the score-over-time read (Store.history: every scored submission of a challenge) on
 * existing databases, each opened by the build given with it, so one call compares a database
 * before a migration (opened by the build before it) with a copy after it (opened by the build
 * that has it). The reads alternate between the databases, `--runs` rounds after one untimed
 * read each; prints, for each, the median and slowest read in ms and the rows read.
 *
 *   npx tsx bench/server/history-read.ts --challenge bench --runs 20 DIST_A DB_A [DIST_B DB_B ...]
 *
 * DIST is a build's dist folder (`npm run build`); DB a SQLite file or a postgres:// URL. Opening
 * migrates the database to the build's schema, as a server would.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { countFlag, flag } from '../lib/args.js';
import type { Store } from '../../src/leaderboard/store.js';

const challenge = flag('challenge') ?? 'bench';
const runs = countFlag('runs', 20);
const targets = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
if (targets.length === 0 || targets.length % 2 !== 0) {
  console.error('usage: npx tsx bench/server/history-read.ts [--challenge ID] [--runs N] DIST DB [DIST DB ...]');
  process.exit(2);
}

interface Target { label: string; store: Store; split: 'public' | 'all'; ms: number[]; rows: number }
const opened: Target[] = [];
for (let i = 0; i < targets.length; i += 2) {
  const dist = path.resolve(targets[i]!);
  const db = targets[i + 1]!;
  const { openStore } = (await import(pathToFileURL(path.join(dist, 'leaderboard/open-store.js')).href)) as typeof import('../../src/leaderboard/open-store.js');
  const store = await openStore(db);
  const split = await store.publicSplit(challenge);
  const rows = (await store.history(challenge, split)).length;
  opened.push({ label: `${targets[i]} on ${db.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}`, store, split, ms: [], rows });
}
for (let r = 0; r < runs; r++) {
  for (const t of opened) {
    const start = performance.now();
    t.rows = (await t.store.history(challenge, t.split)).length;
    t.ms.push(performance.now() - start);
  }
}
for (const t of opened) {
  const sorted = [...t.ms].sort((a, b) => a - b);
  console.log(`${t.label}: ${t.rows} rows, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, slowest ${sorted[sorted.length - 1]!.toFixed(1)} ms (${runs} reads)`);
  await t.store.close();
}
