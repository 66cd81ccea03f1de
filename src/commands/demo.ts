/**
 * `podium demo`: everything in one go, for a first look.
 *   1. makes the six mini challenges' data when absent (data/README.md; reused when present),
 *      in child processes, as many at a time as baselines, in the order their baselines want it,
 *   2. records each challenge's sample submission on its leaderboard (Kaggle's "sample
 *      submission benchmark"), which also creates the database with the four challenges,
 *   3. starts the leaderboard server and prints the URL (not with --no-serve),
 *   4. runs every baseline that exists and records its scores; they appear on the leaderboards
 *      as they finish. A baseline whose inputs have not changed since the last demo (data
 *      content, challenge definition, code, seed and settings: demo-cache.ts) is recorded from
 *      its cached result without running; otherwise cached weights are still reused.
 * The baselines do not wait for steps 1-3: each starts once its own challenge's data is made
 * (a data generator leaves part of its core idle, waiting on files and on espeak-ng), and
 * their results are recorded once step 2 is done.
 * A failing baseline is reported and skipped; the rest of the demo goes on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseFlags } from './args.js';
import { dataOrder, runBaselines, runBaselineWorker, stopBaselines, type WorkerSettings } from './demo-baselines.js';
import { makeData } from './demo-data.js';
import { DemoCache } from './demo-cache.js';
import { UsageError, isUserError } from '../problems.js';
import { dataRoot } from '../paths.js';
import { defaultChallengesRoot, loadChallenge } from '../challenges/definition.js';
import { DEFAULT_SEED } from '../datasets/rng.js';
import { MINI_CHALLENGES, readStamp, type MiniChallenge } from '../datasets/mini-challenges.js';

const HELP = `usage: podium demo [--port 3000] [--host 127.0.0.1] [--no-serve] [--db data/podium.sqlite]
                   [--challenges challenges] [--seed N] [--scale F] [--epochs N] [--max-steps N] [--parallel N]
                   [--baselines NAME,NAME]
  Makes the data if absent, runs every baseline, records the scores, serves the leaderboard.
  --no-serve     stop after recording (no server)
  --scale F      smaller data sets (every count times F) for a quicker look
  --epochs N, --max-steps N   shorter baseline training (quick looks, tests)
  --baselines    run only these baselines (names as \`podium baseline list\` shows them)
  --parallel N   baselines trained at the same time (default: the number of cores, at most 4)
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags('demo', args, {
    port: { type: 'string' },
    host: { type: 'string' },
    'no-serve': { type: 'boolean' },
    db: { type: 'string' },
    challenges: { type: 'string' },
    seed: { type: 'string' },
    scale: { type: 'string' },
    epochs: { type: 'string' },
    'max-steps': { type: 'string' },
    parallel: { type: 'string' },
    baselines: { type: 'string' },
    'baseline-worker': { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const port = intFlag('port', values.port, 3000, 0, 65535);
  const seed = intFlag('seed', values.seed, DEFAULT_SEED, 0, 0xffffffff);
  const epochs = values.epochs === undefined ? undefined : intFlag('epochs', values.epochs, 1, 1, 10_000);
  const maxSteps = values['max-steps'] === undefined ? undefined : intFlag('max-steps', values['max-steps'], 1, 1, 1e9);
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!(scale > 0 && scale <= 1)) throw new UsageError(`demo: --scale must be a number in (0, 1], got "${values.scale}"`);
  const dbPath = path.resolve(values.db ?? path.join(dataRoot(), 'podium.sqlite'));
  const challengesRoot = path.resolve(values.challenges ?? defaultChallengesRoot());
  const parallel = intFlag('parallel', values.parallel, Math.min(4, os.availableParallelism()), 1, 64);
  const settings: WorkerSettings = { seed, epochs, maxSteps, challengesRoot };
  if (values['baseline-worker']) {
    await runBaselineWorker(values['baseline-worker'], settings, dataRoot());
    return 0;
  }
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);

  // 1. Data: made once; a set already there (whatever its seed or size) is used as it is.
  say(`== data (${dataRoot()})`);
  const toMake: MiniChallenge[] = [];
  for (const c of MINI_CHALLENGES) {
    const dir = path.join(dataRoot(), c);
    const stamp = readStamp(dir);
    if (stamp) say(`${c}: using the data in ${dir} (seed ${stamp.seed})`);
    else toMake.push(c);
  }
  // The baselines to run: whatever src/baselines registers for these challenges.
  const { listBaselines } = await import('../baselines/registry.js');
  const only = values.baselines?.split(',').map((x) => x.trim()).filter(Boolean);
  const known = listBaselines();
  for (const name of only ?? []) if (!known.some((b) => b.name === name)) say(`--baselines: no baseline named "${name}"; known: ${known.map((b) => b.name).join(', ')}`);
  const baselines = known.filter((b) => (MINI_CHALLENGES as readonly string[]).includes(b.challenge) && (!only || only.includes(b.name)));
  const dataMade = new Map(toMake.map((c) => {
    let made!: () => void;
    return [c as string, { promise: new Promise<void>((resolve) => (made = resolve)), made }] as const;
  }));
  const data = makeData(dataOrder(toMake, baselines), parallel, seed, values.scale, say, (c) => dataMade.get(c)!.made());

  // 4. Baselines, in worker processes, each once its data is made; recorded after step 2.
  say(`== baselines (${parallel} at a time, each once its challenge's data is there)`);
  if (baselines.length === 0) say('no baselines are available yet; the leaderboards show the sample submissions');
  const covered = new Set(known.map((b) => b.challenge));
  for (const c of MINI_CHALLENGES) if (!covered.has(c)) say(`${c}: no baseline yet`);
  const { recordBaseline } = await import('../leaderboard/baselines.js');
  let leaderboardsReady!: (ok: boolean) => void;
  const leaderboards = new Promise<boolean>((resolve) => (leaderboardsReady = resolve));
  const cache = new DemoCache(dataRoot(), settings);
  const baselinesDone = runBaselines(baselines, parallel, settings, cache, say, async (b, r, seconds, reused) => {
    if (!(await leaderboards)) return;
    await attempt(`${b.challenge} / ${b.name}`, say, async () => {
      const rec = await recordBaseline({ dbPath, challengesRoot, challengeId: b.challenge, name: b.name, file: r.submission, description: b.description, latency: r.latency, scored: r.scored });
      const how = reused ? 'unchanged since the last demo: cached result' : r.loadedFromCache ? `cached weights, ${seconds.toFixed(1)} s` : r.trained ? `trained ${r.trained.epochs} epochs, ${seconds.toFixed(1)} s` : `${r.kind}, ${seconds.toFixed(1)} s`;
      say(`${b.challenge} / ${b.name}: ${r.primaryMetric} = ${fmt(r.primary)} (${how})${rec.created ? '' : ', already recorded'}`);
    });
  }, (b, e) => say(`${b.challenge} / ${b.name}: FAILED: ${e.message}`), async (c) => dataMade.get(c)?.promise);
  // If the data or the database fails, the baselines are stopped and nothing is recorded.
  try {
    await data;

    // 2. Sample submissions: every leaderboard gets a first row, and the database its challenges.
    say(`== leaderboards (${dbPath})`);
    fs.mkdirSync(path.dirname(dbPath), { recursive: true });
    await createDatabase(dbPath, challengesRoot, say);
    for (const c of MINI_CHALLENGES) {
      const dir = path.join(challengesRoot, c);
      if (!fs.existsSync(path.join(dir, 'challenge.yaml'))) {
        say(`${c}: no challenge definition in ${challengesRoot}; skipped`);
        continue;
      }
      const def = await loadChallenge(dir, { requireTruth: true });
      if (!path.resolve(def.truth).startsWith(path.join(dataRoot(), c) + path.sep)) {
        say(`${c}: note: its challenge.yaml reads the truth from ${def.truth}, not from the data in ${path.join(dataRoot(), c)}`);
      }
      if (!def.sample_submission || !fs.existsSync(def.sample_submission)) {
        say(`${c}: no sample submission; skipped`);
        continue;
      }
      await attempt(`${c} sample submission`, say, async () => {
        const r = await recordBaseline({ dbPath, challengesRoot, challengeId: c, name: 'sample submission', file: def.sample_submission!, description: 'the sample submission from `podium data make`' });
        say(`${c}: sample submission ${def.primary_metric} = ${fmt(r.scores.all?.primary ?? r.scores.public?.primary)}${r.created ? '' : ' (already recorded)'}`);
      });
    }
  } catch (e) {
    leaderboardsReady(false);
    stopBaselines();
    throw e;
  }
  leaderboardsReady(true);

  // 3. The server comes up now, so the leaderboards can be watched while the baselines train
  //    (recordBaseline claims its own scoring job, so the server's workers never take it).
  let server: Awaited<ReturnType<typeof import('../leaderboard/server.js').startServer>> | undefined;
  let stop: Promise<void> | undefined;
  let interrupted = false;
  if (!values['no-serve']) {
    const { startServer } = await import('../leaderboard/server.js');
    try {
      server = await startServer({ dbPath, challengesRoot, port, host: values.host ?? '127.0.0.1', adminToken: process.env.PODIUM_ADMIN_TOKEN });
    } catch (e) {
      stopBaselines();
      throw e;
    }
    say(`podium demo: leaderboards at ${server.url}  (Ctrl-C to stop; baselines appear as they finish)`);
    stop = new Promise<void>((resolve) => {
      const onSignal = () => {
        interrupted = true;
        say('podium demo: stopping');
        stopBaselines();
        server!.close().then(resolve, resolve);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
  }
  await baselinesDone;
  if (interrupted) {
    await stop;
    return 0;
  }
  say(`== ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (!server) return 0;
  say(`podium demo: leaderboards at ${server.url}  (Ctrl-C to stop)`);
  await stop;
  return 0;
}

/** Creates (or migrates) the database and registers every challenge that can be served. */
async function createDatabase(dbPath: string, challengesRoot: string, say: (line: string) => void): Promise<void> {
  const [{ openStore }, { loadServableChallenges }] = await Promise.all([
    import('../leaderboard/open-store.js'), import('../leaderboard/sync.js'),
  ]);
  const challenges = await loadServableChallenges(challengesRoot, (line) => say(`  ${line}`));
  const store = await openStore(dbPath);
  try {
    await store.syncChallenges(challenges, Date.now());
  } finally {
    await store.close();
  }
  say(`database ready with ${challenges.length} challenge${challenges.length === 1 ? '' : 's'}: ${challenges.map((c) => c.id).join(', ')}`);
}

/** Runs one step; a failure is printed (one line for a user error, the stack for a bug) and skipped. */
async function attempt(what: string, say: (line: string) => void, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (e) {
    say(`${what}: FAILED: ${isUserError(e) ? (e as Error).message : ((e as Error)?.stack ?? String(e))}`);
  }
}

function intFlag(name: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`demo: --${name} must be a whole number from ${min} to ${max}, got "${v}"`);
  return n;
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(4));
