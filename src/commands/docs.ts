/** `podium docs challenge-yaml`: prints the challenge.yaml field reference (the tables of docs/hosting.md) from the schema. */
import { UsageError } from '../problems.js';

export async function run(args: string[]): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h') {
    process.stdout.write('usage: podium docs challenge-yaml   (the challenge.yaml reference, Markdown, from the schema)\n');
    return 0;
  }
  if (args.length !== 1 || args[0] !== 'challenge-yaml') throw new UsageError('docs: expected "challenge-yaml"');
  const { challengeYamlReference } = await import('../challenges/schema.js');
  process.stdout.write(challengeYamlReference());
  return 0;
}
