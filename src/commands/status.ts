/** `podium status [ID]`: your submissions and their status, for one challenge or all of yours. */
import { UsageError } from '../problems.js';
import { clientFlags, clientFrom, formatScore, printable, request, requireToken, table } from '../leaderboard/client.js';
import { remainingLine } from '../leaderboard/remaining.js';
import type { Remaining } from '../leaderboard/store.js';
import { parseFlags } from './args.js';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('status', args, clientFlags, true);
  if (values.help) {
    process.stdout.write('usage: podium status [ID] [--json] [--url URL] [--token T]\n');
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('status: give at most one challenge id');
  const client = clientFrom(values);
  requireToken(client, 'status');
  const ids = positionals.length
    ? positionals
    : ((await request(client, 'GET', '/api/me')).teams as { challenge: string }[]).map((t) => t.challenge);
  const out: Record<string, unknown>[] = [];
  for (const id of ids) {
    const res = await request(client, 'GET', `/api/challenges/${encodeURIComponent(id)}/submissions`);
    out.push({ challenge: id, ...res });
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(positionals.length ? out[0] : { challenges: out }) + '\n');
    return 0;
  }
  if (!out.length) process.stdout.write('no submissions yet\n');
  for (const c of out) {
    const subs = c.submissions as Record<string, any>[];
    process.stdout.write(`${printable(c.challenge)} · team ${c.team ? printable(c.team) : '(none)'} · ${subs.length} submission${subs.length === 1 ? '' : 's'}\n`);
    if (c.remaining) process.stdout.write(remainingLine(c.remaining as Remaining) + '\n');
    if (!subs.length) continue;
    const rows = subs.map((s) => {
      const metric = s.primary_metric as string;
      const pub = s.scores?.public?.[metric];
      const priv = s.scores?.private?.[metric];
      const status = s.status === 'queued' && s.queue_position ? `queued (#${s.queue_position})` : s.status;
      return [String(s.id), String(s.submitted_at).slice(0, 16).replace('T', ' '), status, pub === undefined ? '' : formatScore(pub),
        priv === undefined ? '' : formatScore(priv), s.selected ? 'yes' : '', s.error ?? s.description ?? ''];
    });
    process.stdout.write(table(['id', 'submitted', 'status', 'public', 'private', 'final', 'error / description'], rows));
  }
  return 0;
}
