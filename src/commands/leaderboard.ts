/** `podium leaderboard ID [--split private]`: print a challenge's leaderboard from a server. */
import { UsageError } from '../problems.js';
import { clientFlags, clientFrom, formatScore, request, table } from '../leaderboard/client.js';
import { parseFlags } from './args.js';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('leaderboard', args, { ...clientFlags, split: { type: 'string' } }, true);
  if (values.help) {
    process.stdout.write('usage: podium leaderboard ID [--split public|private] [--json] [--url URL]\n');
    return 0;
  }
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('leaderboard: give exactly one challenge id, e.g. `podium leaderboard inat2018-mini`');
  const split = values.split ?? 'public';
  const client = clientFrom(values);
  const board = await request(client, 'GET', `/api/challenges/${encodeURIComponent(id)}/leaderboard?split=${encodeURIComponent(split)}`);
  if (values.json) {
    process.stdout.write(JSON.stringify(board) + '\n');
    return 0;
  }
  const entries = board.entries as Record<string, any>[];
  process.stdout.write(`${id} · ${split} leaderboard · ${board.primary_metric} (${board.higher_is_better ? 'higher' : 'lower'} is better)\n`);
  if (!entries.length) {
    process.stdout.write('no scored submissions yet\n');
    return 0;
  }
  const latency = (board.latency_columns ?? []) as string[];
  const priv = split === 'private';
  const header = ['rank', 'team', board.primary_metric as string, '95% interval', 'entries', 'submitted', ...(priv ? ['public', 'moved'] : []), ...latency];
  const rows = entries.map((e) => [
    e.rank === null ? '-' : `${e.rank}${e.tied ? '≈' : ''}`,
    e.baseline ? `${e.team} (baseline)` : e.team,
    formatScore(e.score),
    e.ci ? `${formatScore(e.ci[0])} – ${formatScore(e.ci[1])}` : '',
    String(e.entries),
    String(e.submitted_at).slice(0, 16).replace('T', ' '),
    ...(priv ? [e.public_rank === null ? '-' : String(e.public_rank), e.rank_change ? (e.rank_change > 0 ? `+${e.rank_change}` : String(e.rank_change)) : '0'] : []),
    ...latency.map((k) => (e.latency?.[k] === undefined ? '' : typeof e.latency[k] === 'number' ? formatScore(e.latency[k]) : String(e.latency[k]))),
  ]);
  process.stdout.write(table(header, rows));
  if (entries.some((e) => e.tied)) process.stdout.write('≈: the 95% interval overlaps the entry above (not separable)\n');
  return 0;
}
