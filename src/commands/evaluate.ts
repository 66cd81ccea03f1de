/** `podium evaluate`: score one submission without a server (formats.md contract). */
import { parseFlags, requireFlag } from './args.js';
import { resolveTarget, targetFlags } from './target.js';
import type { Scores } from '../evaluators/evaluator.js';
import { commandPolicy } from './execution.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags('evaluate', args, targetFlags);
  if (values.help) {
    process.stdout.write(
      'usage: podium evaluate (--task T --truth PATH | --challenge DIR-OR-ID) --submission PATH [--json] [--options JSON]\n',
    );
    return 0;
  }
  const submission = requireFlag('evaluate', values.submission, 'submission');
  const target = await resolveTarget('evaluate', values);
  const run = await commandPolicy('scoring');
  let report;
  try {
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
