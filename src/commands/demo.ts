// Placeholder until `podium demo` lands.
import { UsageError } from '../problems.js';

export async function run(_args: string[]): Promise<number> {
  throw new UsageError('podium demo is not implemented yet');
}
