/** `podium evaluate`: score one submission without a server (formats.md contract). */
import { parseFlags, requireFlag } from './args.js';
import { resolveTarget, targetFlags } from './target.js';
import type { Scores } from '../evaluators/evaluator.js';
import { compressedFileProblem } from '../formats/compressed-file.js';
import { UsageError, ValidationError } from '../problems.js';
import { commandPolicy } from './execution.js';

const modelFlags = {
  model: { type: 'string' },
  latency: { type: 'string' },
  'no-reference': { type: 'boolean' },
  'keep-work': { type: 'boolean' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags('evaluate', args, { ...targetFlags, ...modelFlags });
  if (values.help) {
    process.stdout.write(
      'usage: podium evaluate (--task T --truth PATH | --challenge DIR-OR-ID) --submission PATH [--json] [--options JSON]\n' +
        '       podium evaluate --challenge DIR-OR-ID --model MODEL.onnx|model.json [--latency challenge|full|quick|off] [--no-reference] [--json]\n',
    );
    return 0;
  }
  if (values.model !== undefined) {
    if (values.submission !== undefined) throw new UsageError('evaluate: give --submission or --model, not both');
    return (await import('./evaluate-model.js')).runModelEvaluation(values);
  }
  const submission = requireFlag('evaluate', values.submission, 'submission');
  const target = await resolveTarget('evaluate', values);
  const run = await commandPolicy('scoring');
  let report;
  try {
    const compressed = compressedFileProblem(submission, submission);
    if (compressed) throw ValidationError.of(compressed);
    ({ report } = await target.task.evaluate(target.truth, submission, { options: target.options, ...run.policy }));
  } finally {
    run.done();
  }
  if (values.json) {
    process.stdout.write(JSON.stringify({ ...report, version: target.task.version }) + '\n');
    return 0;
  }
  process.stdout.write(formatScores('all', report.metrics));
  if (report.splits?.public) process.stdout.write(formatScores('public', report.splits.public));
  if (report.splits?.private) process.stdout.write(formatScores('private', report.splits.private));
  return 0;
}

function formatScores(label: string, scores: Scores): string {
  const width = Math.max(...Object.keys(scores).map((k) => k.length));
  const lines = Object.entries(scores).map(([k, v]) => `  ${k.padEnd(width)}  ${v === null ? 'n/a' : formatNumber(v)}`);
  return `${label}:\n${lines.join('\n')}\n`;
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}
