/**
 * What the server's main thread did in a window of a CPU profile: the first wave of a crowd step.
 * Run the bench with `--cpu-prof DIR` (it prints `crowd URL from T us`, on the profiles' clock),
 * then give the server's profile and that time:
 *
 *   npx tsx bench/server/profile-window.ts DIR/CPU.xxx.cpuprofile T [--window 150]
 *
 * The window starts at the first busy (non-idle) sample from T: the first request's arrival, since
 * the load generator takes a few hundred ms to start. Prints when that was, the busy time in the
 * `--window` ms from there, the garbage collector's share, the longest stretch without an idle
 * sample, and the functions with the most self time in the window.
 */
import fs from 'node:fs';
import { countFlag } from '../lib/args.js';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
interface Profile { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] }

const [file, from] = process.argv.slice(2);
if (!file || !from || !/^\d+$/.test(from)) {
  console.error('usage: npx tsx bench/server/profile-window.ts PROFILE.cpuprofile START_US [--window MS]');
  process.exit(2);
}
const windowMs = countFlag('window', 150);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const asked = Number(from);
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const idle = (i: number) => nodes.get(profile.samples[i]!)!.callFrame.functionName === '(idle)';

let start = -1;
for (let i = 0, at = profile.startTime; i < profile.samples.length && start < 0; i++) {
  at += profile.timeDeltas[i]!;
  if (at >= asked && !idle(i)) start = at;
}
if (start < 0) {
  console.error(`no busy sample after ${asked} us (the profile ends at ${profile.startTime + profile.timeDeltas.reduce((a, b) => a + b, 0)} us)`);
  process.exit(1);
}
const end = start + windowMs * 1000;
const name = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;

let t = profile.startTime;
let busy = 0;
let gc = 0;
let stretch = 0;
let longest = { us: 0, at: 0 };
const self = new Map<string, number>();
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i]!;
  // A sample stands for the time until the next one.
  const dt = profile.timeDeltas[i + 1] ?? 0;
  if (t < start || t >= end) continue;
  const node = nodes.get(profile.samples[i]!)!;
  const fn = node.callFrame.functionName;
  if (fn === '(idle)') {
    stretch = 0;
    continue;
  }
  busy += dt;
  stretch += dt;
  if (stretch > longest.us) longest = { us: stretch, at: t + dt - stretch - start };
  if (fn === '(garbage collector)') gc += dt;
  self.set(name(node), (self.get(name(node)) ?? 0) + dt);
}
const ms = (us: number) => (us / 1000).toFixed(1);
console.log(`window ${windowMs} ms from ${start} us (first busy sample, ${ms(start - asked)} ms after ${asked}): busy ${ms(busy)} ms, garbage collection ${ms(gc)} ms, longest busy stretch ${ms(longest.us)} ms (from +${ms(longest.at)} ms)`);
for (const [fn, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${ms(us).padStart(6)} ms  ${fn}`);
