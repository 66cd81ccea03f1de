/**
 * One podium command timed on several builds in the same run: before and after a change, on
 * the same data. Each build is a checkout with `dist/` built (this one, or another commit
 * checked out and built elsewhere); runs alternate between the builds so background load hits
 * them alike. Prints wall time and CPU (user + sys, all threads), best and median, and peak RSS
 * per build, and whether every run of every build printed the same bytes.
 *
 *   npx tsx bench/builds.ts --builds DIR[,DIR...] [--runs 5] [--threads N] -- <podium arguments>
 *
 * e.g. the classification bench's data (bench/classification/run.ts makes it) on two builds:
 *
 *   npx tsx bench/builds.ts --builds /tmp/old,. --runs 7 -- evaluate --task classification \
 *     --truth bench/out/classification/solution.csv --submission bench/out/classification/submission.csv --json
 *
 * `--threads N` sets PODIUM_THREADS (unset: every core).
 */
import path from 'node:path';
import { countFlag, flag } from './lib/args.js';
import { machine, runMeasured, type Run } from './lib/measure.js';

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const builds = (flag('builds') ?? '.').split(',').map((d) => path.resolve(d));
const runs = countFlag('runs', 5);
const threads = flag('threads');
if (split < 0 || split === argv.length - 1) {
  console.error('usage: npx tsx bench/builds.ts --builds DIR[,DIR...] [--runs 5] [--threads N] -- <podium arguments>');
  process.exit(2);
}
const podiumArgs = argv.slice(split + 1);
if (threads !== undefined) process.env.PODIUM_THREADS = threads;
else delete process.env.PODIUM_THREADS;

console.log(`machine: ${machine()}`);
console.log(`command: podium ${podiumArgs.join(' ')} (PODIUM_THREADS=${threads ?? 'unset'}), ${runs} runs a build, alternating`);
const measured = new Map<string, Run[]>(builds.map((b) => [b, []]));
for (let i = 0; i < runs; i++) {
  // Rotate the order each round, so no build always runs first (cold caches) or last.
  for (let k = 0; k < builds.length; k++) {
    const build = builds[(i + k) % builds.length]!;
    measured.get(build)!.push(runMeasured(process.execPath, [path.join(build, 'dist/cli.js'), ...podiumArgs]));
  }
}
const outputs = [...measured.values()].flat().map((r) => r.stdout);
const best = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log('| build | wall best | wall median | CPU best | CPU median | peak RSS |');
console.log('|---|---|---|---|---|---|');
for (const [build, rs] of measured) {
  const wall = rs.map((r) => r.wallSeconds);
  const cpu = rs.map((r) => r.cpuSeconds);
  console.log(
    `| ${path.relative(process.cwd(), build) || '.'} | ${best(wall).toFixed(3)} s | ${median(wall).toFixed(3)} s | ${best(cpu).toFixed(3)} s | ${median(cpu).toFixed(3)} s | ${Math.max(...rs.map((r) => r.peakRssMb)).toFixed(0)} MB |`,
  );
}
console.log(`identical output (bytes) in every run of every build: ${outputs.every((o) => o === outputs[0])}`);
console.log(`load after: ${machine().split('load ')[1]}`);
