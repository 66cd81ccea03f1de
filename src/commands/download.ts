/**
 * `podium download ID [--out DIR] [--file NAME]`: a challenge's files (data, sample submission)
 * from a podium server into DIR (default ./ID), streamed to disk, each checked against the
 * sha256 the server lists. Links the host keeps elsewhere are printed, not fetched.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { clientFlags, clientFrom, request } from '../leaderboard/client.js';
import { UsageError } from '../problems.js';
import { parseFlags } from './args.js';

interface Listed {
  name: string;
  kind: 'file' | 'folder' | 'link';
  size: number | null;
  sha256: string | null;
  url?: string;
  download: string;
}

function human(n: number | null): string {
  if (n === null) return 'size unknown';
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('download', args, { ...clientFlags, out: { type: 'string' }, file: { type: 'string' } }, true);
  if (values.help) {
    process.stdout.write('usage: podium download ID [--out DIR] [--file NAME] [--json] [--url URL]\n' +
      '  every file of the challenge (or only NAME) into DIR (default ./ID), each checked against its sha256\n');
    return 0;
  }
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new UsageError('download: give exactly one challenge id, e.g. `podium download inat2018-mini`');
  const client = clientFrom(values);
  const listing = await request(client, 'GET', `/api/challenges/${encodeURIComponent(id)}/files`);
  let files = listing.files as Listed[];
  if (values.file) {
    files = files.filter((f) => f.name === values.file);
    if (!files.length) throw new UsageError(`download: ${id} has no file "${values.file}"; it has ${(listing.files as Listed[]).map((f) => f.name).join(', ') || 'none'}`);
  }
  const out = path.resolve(values.out ?? id);
  fs.mkdirSync(out, { recursive: true });
  const done: Record<string, unknown>[] = [];
  for (const f of files) {
    if (f.kind === 'link') {
      if (!values.json) process.stdout.write(`${f.name}: kept by the host at ${f.url} (${human(f.size)}${f.sha256 ? `, sha256 ${f.sha256}` : ''})\n`);
      done.push({ name: f.name, url: f.url, downloaded: false });
      continue;
    }
    // The server's list names the file; only its base name is used here, whatever it says.
    const target = path.join(out, path.basename(f.name));
    const res = await fetch(client.url + f.download, { headers: client.token ? { authorization: `Bearer ${client.token}` } : {} }).catch((e: Error) => {
      throw new UsageError(`download: cannot reach ${client.url} (${(e as { cause?: { code?: string } }).cause?.code ?? e.message})`);
    });
    if (!res.ok || !res.body) throw new UsageError(`download: ${f.name}: the server answered ${res.status}`);
    const hash = crypto.createHash('sha256');
    let size = 0;
    const tmp = `${target}.part`;
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    await pipeline(body, fs.createWriteStream(tmp));
    const sha256 = hash.digest('hex');
    if ((f.size !== null && size !== f.size) || (f.sha256 && sha256 !== f.sha256)) {
      fs.rmSync(tmp, { force: true });
      throw new UsageError(`download: ${f.name} arrived with ${size} bytes and sha256 ${sha256}, but the server lists ${f.size} bytes and ${f.sha256}; try again`);
    }
    fs.renameSync(tmp, target);
    done.push({ name: f.name, path: target, size, sha256, downloaded: true });
    if (!values.json) process.stdout.write(`${f.name}: ${human(size)}, sha256 ${sha256} ok -> ${target}\n`);
  }
  if (values.json) process.stdout.write(JSON.stringify({ challenge: id, out, files: done }) + '\n');
  return 0;
}
