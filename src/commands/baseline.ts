/**
 * `podium baseline list [challenge]` and
 * `podium baseline run <challenge> [--baseline NAME] [--epochs N] [--retrain] [--db PATH]
 *   [--latency mlperf|quick|off] [--seed N] [--json]`: trains (or loads cached weights), predicts
 * the test split, writes the submission, scores it through the task and prints the scores;
 * records a baseline entry when --db or PODIUM_DB names a database. The default seed is the
 * demo's (so the demo's weights are reused); another seed or --epochs trains into a folder of
 * its own (baselines/work-dir.ts) and never overwrites them.
 * `podium baseline export <challenge> --format onnx [--baseline NAME] [--out FILE]
 *   [--seed N] [--epochs N] [--latency off|quick|mlperf] [--db PATH] [--json]`: writes the trained tfjs baselines as
 * single-file ONNX, checked against tfjs on the test inputs (baselines/onnx-export.ts); with
 * --latency, both runtimes timed side by side, and with --db the ONNX Runtime figures are
 * added to the baseline's board entry. Without --baseline, every exportable baseline of the
 * challenge that has trained weights is written, each untrained one is named with the command
 * that trains it, and the exit is 0 (2 only when none is trained): a host asking for a
 * challenge's files gets those that can be made, as `baseline run` runs every baseline.
 */
import path from 'node:path';
import { UsageError } from '../problems.js';
import { parseFlags } from './args.js';
import { dbFlag, DB_HELP, dbLocation } from './store-flags.js';
import { DEFAULT_SEED } from '../datasets/rng.js';
import { describeWarmup } from '../evaluators/steady-warmup.js';
import { warmupOf } from '../evaluators/latency.js';

const USAGE = [
  'usage: podium baseline list [challenge]',
  '       podium baseline run <challenge> [--baseline NAME] [--epochs N] [--retrain] [--db PATH]',
  '                           [--latency mlperf|quick|off] [--seed N] [--json]',
  '       podium baseline export <challenge> --format onnx [--baseline NAME] [--out FILE]',
  '                           [--seed N] [--epochs N] [--latency off|quick|mlperf] [--db PATH] [--json]',
  `  --seed N (default ${DEFAULT_SEED}, the demo's) and --epochs N pick the trained weights; other`,
  '  settings than the default train into data/<challenge>/baselines/<settings>/<name>.',
  `${DB_HELP} (or PODIUM_DB): where the baseline entry is recorded`,
].join('\n');

export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags('baseline', args, {
    baseline: { type: 'string' },
    epochs: { type: 'string' },
    retrain: { type: 'boolean' },
    ...dbFlag,
    latency: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
    format: { type: 'string' },
    out: { type: 'string' },
  }, true);
  const { positionals } = parsed;
  // One place reads the database's location: the flag, else PODIUM_DB.
  const dbValue = parsed.values.db ?? process.env.PODIUM_DB;
  const values = { ...parsed.values, db: dbValue ? dbLocation(dbValue) : undefined };
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const [sub, challenge, ...rest] = positionals;
  const { listBaselines, runBaseline } = await import('../baselines/run.js');
  if (sub === 'list') {
    const rows = listBaselines(challenge);
    if (values.json) process.stdout.write(JSON.stringify(rows) + '\n');
    else for (const r of rows) process.stdout.write(`${r.challenge.padEnd(18)} ${r.name.padEnd(22)} ${r.description}\n`);
    return 0;
  }
  if (sub === 'export') return exportCommand(challenge, rest, values);
  if (sub !== 'run') throw new UsageError(`baseline: expected "list", "run" or "export"\n${USAGE}`);
  if (!challenge) throw new UsageError('baseline run: name the challenge, e.g. `podium baseline run inat2018-mini`');
  if (rest.length) throw new UsageError(`baseline run: unexpected argument "${rest[0]}"`);
  const epochs = values.epochs === undefined ? undefined : positiveInt('epochs', values.epochs);
  const seed = values.seed === undefined ? undefined : positiveInt('seed', values.seed);
  const latency = values.latency ?? 'mlperf';
  if (!['mlperf', 'quick', 'off'].includes(latency)) throw new UsageError('baseline run: --latency must be mlperf, quick or off');
  const names = values.baseline ? [values.baseline] : listBaselines(challenge).map((b) => b.name);
  if (names.length === 0) throw new UsageError(`baseline run: no baselines for challenge "${challenge}"`);
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  const results = [];
  for (const name of names) {
    if (!values.json) process.stderr.write(`${challenge} / ${name}\n`);
    const r = await runBaseline(challenge, name, {
      epochs, seed, retrain: values.retrain, db: values.db, latency: latency as 'mlperf' | 'quick' | 'off', log,
    });
    results.push(r);
    if (!values.json) process.stdout.write(formatRun(r));
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(results.map((r) => ({
      challenge: r.challenge, baseline: r.baseline, kind: r.kind, submission: r.submission, backend: r.runtime.detail,
      primary_metric: r.primaryMetric, primary: r.primary, metrics: r.report.metrics, splits: r.report.splits,
      latency: r.latency, trained: r.trained, loaded_from_cache: r.loadedFromCache ?? false, recorded: r.recorded !== undefined,
    }))) + '\n');
  }
  return 0;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`baseline run: --${flag} must be a positive integer, got "${v}"`);
  return n;
}

type Run = Awaited<ReturnType<typeof import('../baselines/run.js').runBaseline>>;

function formatRun(r: Run): string {
  const num = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : Number.isInteger(v) ? String(v) : v.toPrecision(5));
  const lines = [`${r.challenge} / ${r.baseline} (${r.kind}, ${r.runtime.detail})`];
  lines.push(`  ${r.primaryMetric} = ${num(r.primary)}   submission: ${r.submission}`);
  const metrics = Object.entries(r.report.metrics).filter(([k]) => k !== r.primaryMetric);
  if (metrics.length) lines.push('  ' + metrics.map(([k, v]) => `${k} ${num(v)}`).join(', '));
  if (r.trained) lines.push(`  trained ${r.trained.epochs} epochs (${r.trained.steps} steps) in ${r.trained.seconds.toFixed(1)} s`);
  else if (r.loadedFromCache) lines.push('  cached weights');
  if (r.latency) {
    const l = r.latency;
    lines.push(`  latency p50 ${l.p50_ms.toFixed(2)} ms, p90 ${l.p90_ms.toFixed(2)} ms, p99 ${l.p99_ms.toFixed(2)} ms ` +
      `(${l.queries} queries), offline ${l.offline_per_s.toFixed(1)}/s, params ${l.params}, madds ${l.madds}`);
  }
  if (r.recorded !== undefined) lines.push('  recorded as a baseline entry');
  return lines.join('\n') + '\n';
}

async function exportCommand(
  challenge: string | undefined, rest: string[],
  values: { baseline?: string; format?: string; out?: string; latency?: string; db?: string; json?: boolean; seed?: string; epochs?: string },
): Promise<number> {
  if (!challenge) throw new UsageError('baseline export: name the challenge, e.g. `podium baseline export inat2018-mini --format onnx`');
  if (rest.length) throw new UsageError(`baseline export: unexpected argument "${rest[0]}"`);
  if (values.format !== 'onnx') throw new UsageError(`baseline export: --format onnx is the format written${values.format ? `, not "${values.format}"` : ' (name it)'}`);
  const latency = values.latency ?? 'off';
  if (!['mlperf', 'quick', 'off'].includes(latency)) throw new UsageError('baseline export: --latency must be off, quick or mlperf');
  const { exportableBaselines, exportBaseline, onnxLatencyRecord, UntrainedBaseline, untrainedReason } = await import('../baselines/onnx-export.js');
  const { MLPERF_SETTINGS, QUICK_LATENCY } = await import('../evaluators/latency.js');
  const names = values.baseline ? [values.baseline] : exportableBaselines(challenge).map((b) => b.name);
  if (names.length === 0) throw new UsageError(`baseline export: no exportable baselines for "${challenge}"`);
  if (values.out && names.length > 1) throw new UsageError('baseline export: --out needs --baseline (one file per baseline)');
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  const settings = {
    seed: values.seed === undefined ? undefined : positiveInt('seed', values.seed),
    epochs: values.epochs === undefined ? undefined : positiveInt('epochs', values.epochs),
  };
  const [{ baselineWorkDir }, { dataRoot }] = await Promise.all([import('../baselines/work-dir.js'), import('../paths.js')]);
  // The flags that picked these weights, so the command to train them picks the same.
  const runFlags = [...(values.seed === undefined ? [] : ['--seed', values.seed]), ...(values.epochs === undefined ? [] : ['--epochs', values.epochs])];
  const results = [];
  const untrained: string[] = [];
  for (const name of names) {
    let r;
    try {
      r = await exportBaseline(challenge, name, {
        out: values.out, log, workDir: baselineWorkDir(path.join(dataRoot(), challenge), name, settings), latency: latency === 'off' ? null : latency === 'quick' ? QUICK_LATENCY : MLPERF_SETTINGS,
      });
    } catch (e) {
      if (!(e instanceof UntrainedBaseline)) throw e;
      const reason = untrainedReason(e.challenge, e.baseline, e.workDir, runFlags);
      // Asked for by name: nothing else to do. Otherwise the challenge's others still export.
      if (values.baseline) throw new UsageError(`baseline export: ${reason}`);
      process.stderr.write(`${challenge} / ${name}: skipped, ${reason}\n`);
      untrained.push(name);
      continue;
    }
    if (r.latency && values.db) {
      const { addBaselineLatency } = await import('../leaderboard/baselines.js');
      await addBaselineLatency(values.db, challenge, name, onnxLatencyRecord(r.latency));
    }
    results.push(r);
    if (!values.json) {
      const lines = [`${challenge} / ${name}: ${r.file} (${r.bytes} bytes)`,
        `  parity: ${r.parity.items} test items, max |ONNX Runtime - tfjs| ${r.parity.maxAbsDiff.toExponential(2)} (limit 1e-4)`];
      const tfjs = r.latency?.tfjs; // always there: this command leaves tfjsLatency at its default
      if (r.latency && tfjs) {
        const row = (label: string, l: typeof tfjs) =>
          `  ${label.padEnd(13)} p50 ${l.p50_ms.toFixed(3)} ms, p90 ${l.p90_ms.toFixed(3)} ms, p99 ${l.p99_ms.toFixed(3)} ms, offline ${l.offline_per_s.toFixed(1)}/s (${l.backend}); ` +
          `after ${describeWarmup(warmupOf(l))}`;
        const w = r.latency.interleavedWarmup;
        lines.push(row('tfjs', tfjs), row('ONNX Runtime', r.latency.onnx),
          `  ONNX Runtime / tfjs latency, interleaved (blocks of 8): ${r.latency.relative.toFixed(3)}; after ${describeWarmup(w.onnx)} (ONNX Runtime), ${describeWarmup(w.tfjs)} (tfjs)`,
          `  params ${tfjs.params} (tfjs) / ${r.latency.onnx.params} (ONNX), multiply-adds ${tfjs.madds} / ${r.latency.onnx.madds}` +
            // A wrapped file holds more than the network timed; the board counts it as it counts an entry's file.
            (r.latency.file.params !== r.latency.onnx.params || r.latency.file.madds !== r.latency.onnx.madds
              ? `; the whole file, as a model entry is counted: params ${r.latency.file.params}, multiply-adds ${r.latency.file.madds}` : ''));
      }
      process.stdout.write(lines.join('\n') + '\n');
    }
  }
  if (results.length === 0) throw new UsageError(`baseline export: no exportable baseline of ${challenge} has trained weights (${untrained.join(', ')}); train them with \`podium baseline run ${[challenge, ...runFlags].join(' ')}\``);
  if (values.json) process.stdout.write(JSON.stringify(results) + '\n');
  if (untrained.length) process.stderr.write(`exported ${results.length} of ${names.length}; not trained: ${untrained.join(', ')}\n`);
  return 0;
}
