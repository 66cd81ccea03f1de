/** `podium validate`: check a submission only, and list every problem (capped) with the total. */
import { compressedFileProblem } from '../formats/compressed-file.js';
import { formatProblem, ValidationError } from '../problems.js';
import { parseFlags, requireFlag } from './args.js';
import { resolveTarget, targetFlags } from './target.js';
import { commandPolicy } from './execution.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags('validate', args, targetFlags);
  if (values.help) {
    process.stdout.write('usage: podium validate (--task T --truth PATH | --challenge DIR-OR-ID) --submission PATH [--json]\n');
    return 0;
  }
  const submission = requireFlag('validate', values.submission, 'submission');
  const target = await resolveTarget('validate', values);
  const run = await commandPolicy('checking');
  try {
    const compressed = compressedFileProblem(submission, submission);
    if (compressed) throw ValidationError.of(compressed);
    await target.task.validate(target.truth, submission, { options: target.options, ...run.policy });
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    if (values.json) {
      process.stdout.write(JSON.stringify({ valid: false, total: e.total, problems: e.problems }) + '\n');
    } else {
      for (const p of e.problems) process.stderr.write(formatProblem(p) + '\n');
      const hidden = e.total - e.problems.length;
      process.stderr.write(`${e.total} problem${e.total === 1 ? '' : 's'}${hidden > 0 ? ` (${hidden} not shown)` : ''}\n`);
    }
    return 2;
  } finally {
    run.done();
  }
  if (values.json) process.stdout.write(JSON.stringify({ valid: true, total: 0, problems: [] }) + '\n');
  else process.stdout.write(`${submission}: valid\n`);
  return 0;
}
