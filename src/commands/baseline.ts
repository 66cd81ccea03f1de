/**
 * `podium baseline list [challenge]` and
 * `podium baseline run <challenge> [--baseline NAME] [--epochs N] [--retrain] [--db PATH]
 *   [--latency mlperf|quick|off] [--seed N] [--json]`: trains (or loads cached weights), predicts
 * the test split, writes the submission, scores it through the task and prints the scores;
 * records a baseline entry when --db or PODIUM_DB names a database.
 */
import { UsageError } from '../problems.js';
import { parseFlags } from './args.js';

const USAGE = [
  'usage: podium baseline list [challenge]',
  '       podium baseline run <challenge> [--baseline NAME] [--epochs N] [--retrain] [--db PATH]',
  '                           [--latency mlperf|quick|off] [--seed N] [--json]',
].join('\n');

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('baseline', args, {
    baseline: { type: 'string' },
    epochs: { type: 'string' },
    retrain: { type: 'boolean' },
    db: { type: 'string' },
    latency: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  }, true);
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
  if (sub !== 'run') throw new UsageError(`baseline: expected "list" or "run"\n${USAGE}`);
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
