// Placeholder until `podium status` lands.
import { UsageError } from '../problems.js';

export async function run(_args: string[]): Promise<number> {
  throw new UsageError('podium status is not implemented yet');
}
