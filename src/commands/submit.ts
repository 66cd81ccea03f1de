/**
 * `podium submit --challenge ID --file F [-m TEXT]`: upload a submission to a podium server. A
 * folder is zipped first (its files at the zip's root, stored, fixed timestamps). An invalid
 * file prints every problem the server found (up to a cap) and their true total; with --json
 * every outcome, errors included, is one JSON object on stdout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { walkFolder, zipOf } from '../challenges/files.js';
import { formatProblem, isUserError, UsageError, ValidationError } from '../problems.js';
import { clientFlags, clientFrom, formatScore, HttpError, printable, request, requireToken } from '../leaderboard/client.js';
import { formatBytes } from '../leaderboard/upload.js';
import { parseFlags, requireFlag } from './args.js';

/** Problems printed one a line; the rest are counted. */
const PRINTED_PROBLEMS = 50;

/** Zips a folder to a temporary file named after it; the caller removes the temporary folder. */
async function zipFolder(folder: string): Promise<{ file: string; tmpDir: string; files: number }> {
  const entries = walkFolder(folder);
  if (entries.length === 0) throw new UsageError(`submit: the folder ${folder} has no files`);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-submit-'));
  const file = path.join(tmpDir, `${path.basename(path.resolve(folder))}.zip`);
  const { zip } = zipOf('', entries);
  await pipeline(zip.outputStream, fs.createWriteStream(file));
  return { file, tmpDir, files: entries.length };
}

function problemLines(e: ValidationError): string {
  const shown = e.problems.slice(0, PRINTED_PROBLEMS).map((p) => `  ${printable(formatProblem(p))}`);
  const rest = e.total - shown.length;
  return `podium: the file is not a valid submission: ${e.total.toLocaleString('en-US')} problem${e.total === 1 ? '' : 's'}; nothing was queued and it does not count against your limits\n` +
    shown.join('\n') + '\n' + (rest > 0 ? `  ... and ${rest.toLocaleString('en-US')} more\n` : '');
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags('submit', args, {
    ...clientFlags,
    challenge: { type: 'string' },
    file: { type: 'string' },
    model: { type: 'string' },
    message: { type: 'string', short: 'm' },
    wait: { type: 'boolean' },
    'accept-rules': { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write('usage: podium submit --challenge ID (--file F | --model M.onnx) [-m TEXT] [--wait] [--accept-rules] [--json] [--url URL] [--token T]\n' +
      '  --file takes a file or a folder (zipped for you, its files at the zip\'s root)\n' +
      '  --model uploads a model for a challenge with a model track: the server runs it in its sandbox, scores and times it\n' +
      '  --accept-rules  accept the challenge\'s rules first (needed once, before the first submission)\n' +
      '  --json  print the outcome, or the error, as one JSON object on stdout\n' +
      '  URL and token also from PODIUM_URL and PODIUM_TOKEN\n');
    return 0;
  }
  try {
    return await submit(values);
  } catch (e) {
    if (!isUserError(e)) throw e;
    if (values.json) {
      const status = e instanceof HttpError ? { status: e.status } : {};
      const out = e instanceof ValidationError
        ? { error: `the file is not a valid submission: ${e.total} problem${e.total === 1 ? '' : 's'}`, status: 400, problems: e.problems, total: e.total }
        : { error: e.message, ...status };
      process.stdout.write(JSON.stringify(out) + '\n');
      return 2;
    }
    if (e instanceof ValidationError && e.total > 1) {
      process.stderr.write(problemLines(e));
      return 2;
    }
    throw e;
  }
}

async function submit(values: { challenge?: string; file?: string; model?: string; message?: string; wait?: boolean; json?: boolean; url?: string; token?: string; 'accept-rules'?: boolean }): Promise<number> {
  const challenge = requireFlag('submit', values.challenge, 'challenge');
  if (values.file && values.model) throw new UsageError('submit: give --file or --model, not both');
  if (values.model && !/\.onnx$/i.test(values.model)) throw new UsageError(`submit: --model takes a single .onnx file (got ${values.model})`);
  let file = values.model ?? requireFlag('submit', values.file, 'file');
  if (!fs.existsSync(file)) throw new UsageError(`submit: no such file or folder ${file}`);
  const client = clientFrom(values);
  requireToken(client, 'submit');

  let tmpDir: string | undefined;
  try {
    if (fs.statSync(file).isDirectory()) {
      if (values.model) throw new UsageError(`submit: --model takes a single .onnx file, not a folder (${file})`);
      const zipped = await zipFolder(file);
      tmpDir = zipped.tmpDir;
      file = zipped.file;
      if (!values.json) process.stderr.write(`zipped ${values.file} (${zipped.files} files, ${formatBytes(fs.statSync(file).size)}) as ${path.basename(file)}\n`);
    } else if (!fs.statSync(file).isFile()) {
      throw new UsageError(`submit: ${file} is neither a file nor a folder`);
    }
    if (values['accept-rules']) await request(client, 'POST', `/api/challenges/${encodeURIComponent(challenge)}/rules/accept`, {});
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
      process.stdout.write(`submission ${res.id} failed: ${printable(final.error)}\n`);
    } else {
      const pub = final.scores?.public ?? {};
      const ci = final.intervals?.public;
      process.stdout.write(`submission ${res.id} scored: ${final.primary_metric} ${formatScore(pub[final.primary_metric])}` +
        (ci ? ` (95% interval ${formatScore(ci.low)} – ${formatScore(ci.high)})` : '') + '\n');
    }
    return values.wait && final.status === 'failed' ? 1 : 0;
  } finally {
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}
