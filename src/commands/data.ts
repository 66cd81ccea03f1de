// Placeholder until `podium data` lands.
import { UsageError } from '../problems.js';

export async function run(_args: string[]): Promise<number> {
  throw new UsageError('podium data is not implemented yet');
}
