// Placeholder until `podium leaderboard` lands.
import { UsageError } from '../problems.js';

export async function run(_args: string[]): Promise<number> {
  throw new UsageError('podium leaderboard is not implemented yet');
}
