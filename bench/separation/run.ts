/**
 * Separation bench: wsj0-2mix scale (3,000 two-speaker mixtures of 4 s at 16 kHz by default),
 * written as real 16-bit WAV files in the wsj0-2mix layout, scored end to end by
 * `node dist/cli.js evaluate --task separation --json` (all cores, then one thread on a
 * subset), and mir_eval 0.7 `bss_eval_sources` on a subset of the same files in the same run,
 * whose numbers are also compared with podium's.
 *
 *   npm run build && npx tsx bench/separation/run.ts [--mixtures 3000] [--seconds 4]
 *     [--rate 16000] [--repeat 3] [--single 300] [--reference 20] [--zip] [--against DIR]
 *
 * `--against DIR`: also runs DIR/dist/cli.js (another build, e.g. an older commit checked out and
 * built elsewhere), alternating with this one, so a change is measured before and after in the
 * same run, and says whether both builds give identical numbers.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { encodeWav } from '../../src/formats/wav.js';
import { writeZip } from '../../src/formats/zip.js';
import { parseCount } from '../lib/args.js';
import { machine, runMeasured, summarize, type Run } from '../lib/measure.js';
import { estimate, lcg, speech } from './speech.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    mixtures: { type: 'string', default: '3000' },
    seconds: { type: 'string', default: '4' },
    rate: { type: 'string', default: '16000' },
    repeat: { type: 'string', default: '3' },
    single: { type: 'string', default: '300' },
    reference: { type: 'string', default: '20' },
    zip: { type: 'boolean', default: false },
    against: { type: 'string' },
  },
});
const mixtures = parseCount('mixtures', values.mixtures);
const rate = parseCount('rate', values.rate);
const length = Math.round(Number(values.seconds) * rate);
const repeat = parseCount('repeat', values.repeat);
const singleCount = Math.min(mixtures, parseCount('single', values.single));
const referenceCount = Math.min(mixtures, parseCount('reference', values.reference));

const outDir = path.join(repo, 'bench/out/separation', `${mixtures}x${values.seconds}s-${rate}`);
const truth = path.join(outDir, 'truth');
const submission = path.join(outDir, 'submission');
const ids = Array.from({ length: mixtures }, (_, i) => `mix${String(i).padStart(5, '0')}`);

function generate(): void {
  if (fs.existsSync(path.join(outDir, 'complete'))) return;
  const t0 = performance.now();
  for (const d of ['truth/mix', 'truth/s1', 'truth/s2', 'submission/s1', 'submission/s2']) fs.mkdirSync(path.join(outDir, d), { recursive: true });
  ids.forEach((id, i) => {
    const s1 = speech(length, rate, 2 * i + 1);
    const s2 = speech(length, rate, 2 * i + 2);
    const g = 0.5 + lcg(i + 7)();
    const mix = s1.map((v, n) => v + g * s2[n]!);
    const s2g = s2.map((v) => g * v);
    fs.writeFileSync(path.join(truth, 'mix', `${id}.wav`), encodeWav(mix, rate));
    fs.writeFileSync(path.join(truth, 's1', `${id}.wav`), encodeWav(s1, rate));
    fs.writeFileSync(path.join(truth, 's2', `${id}.wav`), encodeWav(s2g, rate));
    const e1 = estimate(s1, s2g, 3 * i + 1);
    const e2 = estimate(s2g, s1, 3 * i + 2);
    const swap = i % 3 === 1; // estimates in either order: the permutation search must find it
    fs.writeFileSync(path.join(submission, 's1', `${id}.wav`), encodeWav(swap ? e2 : e1, rate));
    fs.writeFileSync(path.join(submission, 's2', `${id}.wav`), encodeWav(swap ? e1 : e2, rate));
  });
  fs.writeFileSync(path.join(outDir, 'complete'), '');
  console.log(`generated ${mixtures} mixtures in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** A truth + submission with the first `count` mixtures, as hard links (no copies). */
function subset(count: number, name: string): { truth: string; submission: string } {
  const dir = path.join(outDir, name);
  if (!fs.existsSync(path.join(dir, 'complete'))) {
    for (const [from, to] of [
      ['truth/mix', 'truth/mix'],
      ['truth/s1', 'truth/s1'],
      ['truth/s2', 'truth/s2'],
      ['submission/s1', 'submission/s1'],
      ['submission/s2', 'submission/s2'],
    ]) {
      fs.mkdirSync(path.join(dir, to!), { recursive: true });
      for (const id of ids.slice(0, count)) {
        const target = path.join(dir, to!, `${id}.wav`);
        if (!fs.existsSync(target)) fs.linkSync(path.join(outDir, from!, `${id}.wav`), target);
      }
    }
    fs.writeFileSync(path.join(dir, 'complete'), '');
  }
  return { truth: path.join(dir, 'truth'), submission: path.join(dir, 'submission') };
}

function evaluate(truthDir: string, sub: string, threads?: number, cli = 'dist/cli.js'): Run {
  const args = [cli, 'evaluate', '--task', 'separation', '--truth', truthDir, '--submission', sub, '--json'];
  if (threads) process.env.PODIUM_THREADS = String(threads);
  else delete process.env.PODIUM_THREADS;
  return runMeasured(process.execPath, args);
}

function reference(count: number): { perMixture: number; cpuPerMixture: number; rows: { id: string; sdr: number[]; sir: number[]; sar: number[]; perm: number[] }[] } {
  const script = path.join(repo, 'bench/separation/reference.py');
  const r = spawnSync('/usr/bin/python3', [script, truth, submission, ...ids.slice(0, count)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`mir_eval reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function main(): Promise<void> {
  process.chdir(repo);
  if (!fs.existsSync(path.join(repo, 'dist/cli.js'))) throw new Error('run `npm run build` first');
  generate();
  let zipPath: string | undefined;
  if (values.zip) {
    zipPath = path.join(outDir, 'submission.zip');
    if (!fs.existsSync(zipPath)) {
      await writeZip(
        zipPath,
        ids.flatMap((id) => ['s1', 's2'].map((s) => ({ name: `${s}/${id}.wav`, data: fs.readFileSync(path.join(submission, s, `${id}.wav`)), compress: false }))),
      );
    }
  }
  const small = subset(singleCount, `first${singleCount}`);

  // The reference first: a missing mir_eval stops the bench before minutes of timing, not after.
  const ref = reference(referenceCount);
  const all: Run[] = [];
  const zipped: Run[] = [];
  const single: Run[] = [];
  const againstCli = values.against ? path.join(path.resolve(values.against), 'dist/cli.js') : undefined;
  const againstAll: Run[] = [];
  const againstSingle: Run[] = [];
  for (let k = 0; k < repeat; k++) {
    if (againstCli) againstAll.push(evaluate(truth, submission, undefined, againstCli));
    all.push(evaluate(truth, submission));
    if (zipPath) zipped.push(evaluate(truth, zipPath));
    if (againstCli) againstSingle.push(evaluate(small.truth, small.submission, 1, againstCli));
    single.push(evaluate(small.truth, small.submission, 1));
  }

  // podium's numbers for the same mixtures
  const ours = JSON.parse(all[0]!.stdout) as { metrics: Record<string, number>; per_mixture: { id: string; sdr: number[]; sir: number[]; sar: number[]; perm: number[] }[] };
  const byId = new Map(ours.per_mixture.map((m) => [m.id, m]));
  let maxDiff = 0;
  let permsEqual = true;
  for (const row of ref.rows) {
    const m = byId.get(row.id)!;
    for (const key of ['sdr', 'sir', 'sar'] as const) row[key].forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(m[key][j]! - v))));
    if (m.perm.join() !== row.perm.join()) permsEqual = false;
  }

  const a = summarize(all);
  const s = summarize(single);
  const perMixtureSingle = s.best / singleCount;
  const lines = [
    `machine: ${machine()}`,
    `data: ${mixtures} two-speaker mixtures, ${values.seconds} s at ${rate} Hz, 16-bit WAV (truth mix/s1/s2 + submission s1/s2: ${(fs.statSync(path.join(truth, 'mix', `${ids[0]}.wav`)).size / 1024).toFixed(0)} KiB a file)`,
    `podium evaluate, all cores:   best ${a.best.toFixed(2)} s, median ${a.median.toFixed(2)} s (${repeat} runs), cpu ${a.cpu.toFixed(1)} s, peak RSS ${a.peakRssMb.toFixed(0)} MB -> ${((a.best / mixtures) * 1000).toFixed(1)} ms a mixture`,
  ];
  if (zipPath) {
    const z = summarize(zipped);
    lines.push(`podium evaluate, zip, all cores: best ${z.best.toFixed(2)} s, median ${z.median.toFixed(2)} s, peak RSS ${z.peakRssMb.toFixed(0)} MB`);
  }
  const singleCpu = s.cpu / singleCount;
  lines.push(
    `podium evaluate, one thread, first ${singleCount}: best ${s.best.toFixed(2)} s, median ${s.median.toFixed(2)} s wall -> ${(perMixtureSingle * 1000).toFixed(1)} ms a mixture; CPU ${(singleCpu * 1000).toFixed(1)} ms a mixture (process start included)`,
    `podium evaluate, all cores, CPU: ${((a.cpu / mixtures) * 1000).toFixed(1)} ms a mixture (all threads, process start included)`,
    `mir_eval 0.7 bss_eval_sources, first ${referenceCount}: ${(ref.perMixture * 1000).toFixed(0)} ms wall, ${(ref.cpuPerMixture * 1000).toFixed(0)} ms CPU a mixture (estimates only, no mixture SDR) -> projected ${((ref.perMixture * mixtures) / 60).toFixed(1)} min for all`,
    `ratio, one thread: ${(ref.perMixture / perMixtureSingle).toFixed(1)}x by wall time, ${(ref.cpuPerMixture / singleCpu).toFixed(1)}x by CPU time; all cores (wall) vs mir_eval projected: ${((ref.perMixture * mixtures) / a.best).toFixed(0)}x`,
    `agreement on the ${referenceCount} mixtures: max |SDR/SIR/SAR difference| ${maxDiff.toExponential(2)} dB, permutations ${permsEqual ? 'identical' : 'DIFFER'}`,
    `means: ${Object.entries(ours.metrics).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`,
  );
  if (againstCli) {
    const b = summarize(againstAll);
    const bs = summarize(againstSingle);
    const same = againstAll.every((r) => JSON.stringify(JSON.parse(r.stdout).per_mixture) === JSON.stringify(ours.per_mixture));
    lines.push(
      `against ${values.against}, all cores: best ${b.best.toFixed(2)} s, median ${b.median.toFixed(2)} s, cpu ${b.cpu.toFixed(1)} s, peak RSS ${b.peakRssMb.toFixed(0)} MB (this build: best ${a.best.toFixed(2)} s, median ${a.median.toFixed(2)} s, cpu ${a.cpu.toFixed(1)} s)`,
      `against ${values.against}, one thread, first ${singleCount}: best ${bs.best.toFixed(2)} s, median ${bs.median.toFixed(2)} s, CPU ${((bs.cpu / singleCount) * 1000).toFixed(1)} ms a mixture (this build: best ${s.best.toFixed(2)} s, median ${s.median.toFixed(2)} s, CPU ${(singleCpu * 1000).toFixed(1)} ms)`,
      `both builds give identical per-mixture numbers: ${same}`,
    );
  }
  console.log(lines.join('\n'));
}

await main();
