/**
 * Bootstrap bench: one submission scored as the leaderboard scores it (the task's evaluation
 * with resamplers, then outcomeOf: 1,000 resamples of each of public and private for the
 * primary metric's interval), on one or more builds, alternating. Prints the CPU seconds of
 * the evaluation and of the intervals (best, median) per build, and whether every run of every
 * build gave the same outcome (its JSON, byte for byte).
 *
 *   npm run build && npx tsx bench/bootstrap/run.ts --challenge challenges/detection-mini \
 *     --submission data/detection-mini/baselines/prior-box/submission.csv [--runs 5] [--builds DIR,DIR]
 *
 * Each run is a child process importing DIR/dist (another commit checked out and built
 * elsewhere, or this one: `.`), so module caches and JIT state never carry over.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { countFlag, flag } from '../lib/args.js';
import { machine, median } from '../lib/measure.js';

interface ChildReport {
  evaluateCpu: number;
  intervalsCpu: number;
  outcome: string;
}

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

/** In the child: score once with `build`'s own modules and print the report as JSON. */
async function child(build: string, challengeDir: string, submission: string): Promise<void> {
  const load = (m: string) => import(pathToFileURL(path.join(build, 'dist', m)).href);
  const [{ loadChallenge }, { loadTask }, { outcomeOf }] = await Promise.all([
    load('challenges/definition.js'), load('tasks/registry.js'), load('leaderboard/scoring.js'),
  ]);
  const c = await loadChallenge(challengeDir, { requireTruth: true });
  const task = await loadTask(c.task);
  const t0 = process.cpuUsage();
  const evaluated = await task.evaluate(c.truth, submission, { options: c.options, withResamplers: true, threads: 1 });
  const evaluateCpu = cpuSeconds(t0);
  const req = { challengeId: c.id, task: c.task, truth: c.truth, options: c.options, primaryMetric: c.primary_metric, file: submission };
  const t1 = process.cpuUsage();
  const outcome = outcomeOf(req, task.version, evaluated);
  const intervalsCpu = cpuSeconds(t1);
  process.stdout.write(JSON.stringify({ evaluateCpu, intervalsCpu, outcome: JSON.stringify(outcome) } satisfies ChildReport));
}

const childBuild = flag('child');
const challengeDir = path.resolve(flag('challenge') ?? 'challenges/detection-mini');
const submission = path.resolve(flag('submission') ?? 'data/detection-mini/baselines/prior-box/submission.csv');
if (childBuild !== undefined) {
  await child(childBuild, challengeDir, submission);
} else {
  const runs = countFlag('runs', 5);
  const builds = (flag('builds') ?? '.').split(',').map((d) => path.resolve(d));
  const self = fileURLToPath(import.meta.url);
  console.log(`machine: ${machine()}`);
  console.log(`submission: ${submission} (${path.basename(challengeDir)}), ${runs} runs a build, alternating`);
  const reports = new Map<string, ChildReport[]>(builds.map((b) => [b, []]));
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < builds.length; k++) {
      const build = builds[(i + k) % builds.length]!;
      const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', build, '--challenge', challengeDir, '--submission', submission], { encoding: 'utf8', maxBuffer: 1 << 28 });
      if (r.status !== 0) throw new Error(`child for ${build} exited ${r.status}: ${r.stderr}`);
      reports.get(build)!.push(JSON.parse(r.stdout) as ChildReport);
    }
  }
  console.log('| build | evaluation CPU best / median | intervals CPU best / median |');
  console.log('|---|---|---|');
  for (const [build, rs] of reports) {
    const e = rs.map((r) => r.evaluateCpu), b = rs.map((r) => r.intervalsCpu);
    console.log(`| ${path.relative(process.cwd(), build) || '.'} | ${Math.min(...e).toFixed(3)} / ${median(e).toFixed(3)} s | ${Math.min(...b).toFixed(3)} / ${median(b).toFixed(3)} s |`);
  }
  const outcomes = [...reports.values()].flat().map((r) => r.outcome);
  console.log(`identical outcome in every run of every build: ${outcomes.every((o) => o === outcomes[0])}`);
  console.log(`load after: ${machine().split('load ')[1]}`);
}
