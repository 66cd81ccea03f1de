// Placeholder until `podium serve` lands.
import { UsageError } from '../problems.js';

export async function run(_args: string[]): Promise<number> {
  throw new UsageError('podium serve is not implemented yet');
}
