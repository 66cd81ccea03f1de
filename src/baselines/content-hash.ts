/**
 * Content hashes for the demo's cache (commands/demo-cache.ts): a folder's files (names and
 * bytes) and podium's own code. A folder's hash is remembered beside it with the files' sizes
 * and modification times, as git's index does, so an unchanged folder is only listed, not read
 * again; any changed size or time (or a file added or removed) reads every file again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../paths.js';

/** Where a folder's hash is remembered (left out of its own hash). */
export const HASH_MEMO_FILE = '.podium-content-hash.json';

interface Memo {
  listing: string;
  sha256: string;
}

function sha256(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Every file under `dir` as a path relative to it ('/'-separated), sorted; `skip` says which relative paths to leave out. */
function listFiles(dir: string, skip: (rel: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip(r)) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/**
 * sha256 of a folder's files: each file's relative path and the sha256 of its bytes, in path
 * order. `exclude` names top-level entries to leave out (e.g. the baselines' own outputs).
 */
export function folderHash(dir: string, exclude: string[] = []): string {
  const top = new Set(exclude);
  const files = listFiles(dir, (rel) => top.has(rel) || rel.startsWith(HASH_MEMO_FILE));
  const listing = sha256(files.map((f) => {
    const st = fs.statSync(path.join(dir, f));
    return `${f}\0${st.size}\0${st.mtimeMs}`;
  }).join('\n'));
  const memoFile = path.join(dir, HASH_MEMO_FILE);
  try {
    const memo = JSON.parse(fs.readFileSync(memoFile, 'utf8')) as Memo;
    if (memo.listing === listing && /^[0-9a-f]{64}$/.test(memo.sha256)) return memo.sha256;
  } catch {
    // no memo yet, or an unreadable one: hash the files
  }
  const hash = crypto.createHash('sha256');
  for (const f of files) hash.update(`${f}\0${sha256File(path.join(dir, f))}\n`);
  const digest = hash.digest('hex');
  try {
    // Written whole and renamed: two processes hashing the same folder never read half a memo.
    const pending = `${memoFile}.${process.pid}`;
    fs.writeFileSync(pending, JSON.stringify({ listing, sha256: digest } satisfies Memo));
    fs.renameSync(pending, memoFile);
  } catch {
    // a read-only data folder: hashed again next time
  }
  return digest;
}

let code: string | undefined;

/**
 * sha256 of the code that produces a result: podium's own modules (the compiled dist/, or src/
 * when run from source), the dependency lock file and the Node version and platform.
 */
export function codeHash(): string {
  if (code) return code;
  const own = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const hash = crypto.createHash('sha256');
  for (const f of listFiles(own, (rel) => rel.endsWith('.map') || rel.endsWith('.d.ts'))) {
    hash.update(`${f}\0${sha256File(path.join(own, f))}\n`);
  }
  const lock = path.join(packageRoot(), 'package-lock.json');
  hash.update(fs.existsSync(lock) ? sha256File(lock) : 'no lock file');
  hash.update(`${process.version} ${process.platform} ${process.arch}`);
  return (code = hash.digest('hex'));
}
