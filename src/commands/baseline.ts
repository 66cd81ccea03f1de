// Placeholder until `podium baseline` lands.
import { UsageError } from '../problems.js';

export async function run(_args: string[]): Promise<number> {
  throw new UsageError('podium baseline is not implemented yet');
}
