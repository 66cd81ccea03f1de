// Placeholder until `podium submit` lands.
import { UsageError } from '../problems.js';

export async function run(_args: string[]): Promise<number> {
  throw new UsageError('podium submit is not implemented yet');
}
