/** `podium submit --challenge ID --file F [-m TEXT]`: upload a submission to a podium server. */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../problems.js';
import { clientFlags, clientFrom, formatScore, request, requireToken } from '../leaderboard/client.js';
import { parseFlags, requireFlag } from './args.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags('submit', args, {
    ...clientFlags,
    challenge: { type: 'string' },
    file: { type: 'string' },
    model: { type: 'string' },
    message: { type: 'string', short: 'm' },
    wait: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write('usage: podium submit --challenge ID (--file F | --model M.onnx) [-m TEXT] [--wait] [--json] [--url URL] [--token T]\n' +
      '  --model uploads a model for a challenge with a model track: the server runs it in its sandbox, scores and times it\n' +
      '  URL and token also from PODIUM_URL and PODIUM_TOKEN\n');
    return 0;
  }
  const challenge = requireFlag('submit', values.challenge, 'challenge');
  if (values.file && values.model) throw new UsageError('submit: give --file or --model, not both');
  if (values.model && !/\.onnx$/i.test(values.model)) throw new UsageError(`submit: --model takes a single .onnx file (got ${values.model})`);
  const file = values.model ?? requireFlag('submit', values.file, 'file');
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`submit: no such file ${file} (zip a folder first)`);
  const client = clientFrom(values);
  requireToken(client, 'submit');

  const form = new FormData();
  // openAsBlob streams the file from disk instead of reading it whole.
  form.append('file', await fs.openAsBlob(file), path.basename(file));
  if (values.message) form.append('description', values.message);
  const res = await request(client, 'POST', `/api/challenges/${encodeURIComponent(challenge)}/submissions`, form);
  let final = res;
  if (values.wait) {
    for (;;) {
      final = await request(client, 'GET', `/api/submissions/${res.id}`);
      if (final.status === 'scored' || final.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(final) + '\n');
  } else if (!values.wait) {
    process.stdout.write(`submission ${res.id} ${res.status}${res.queue_position ? ` (queue position ${res.queue_position})` : ''}; follow it with \`podium status ${challenge}\`\n`);
  } else if (final.status === 'failed') {
    process.stdout.write(`submission ${res.id} failed: ${final.error}\n`);
  } else {
    const pub = final.scores?.public ?? {};
    const ci = final.intervals?.public;
    process.stdout.write(`submission ${res.id} scored: ${final.primary_metric} ${formatScore(pub[final.primary_metric])}` +
      (ci ? ` (95% interval ${formatScore(ci.low)} – ${formatScore(ci.high)})` : '') + '\n');
  }
  return values.wait && final.status === 'failed' ? 1 : 0;
}
