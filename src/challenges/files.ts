/**
 * The files a challenge offers participants (`files:` in challenge.yaml, plus its sample
 * submission): single files streamed as they are, folders streamed as a zip made on the fly
 * (stored entries in name order with a fixed timestamp, so the same folder always gives the
 * same bytes, size and sha256), and links to where the host keeps a large set.
 *
 * Never the truth: a file that is part of the truth (answers.ts) is refused when the challenge
 * loads; a folder's zip leaves out every truth file inside it (checked again on each download,
 * the listing says how many); symbolic links inside folders are not followed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { ValidationError, type Problem } from '../problems.js';
import { answerGuard, type AnswerGuard } from './answers.js';
import { FILE_FIELDS } from './schema.js';

export interface FileSpec {
  /** Download name ([A-Za-z0-9._-]+); a folder's ends in .zip. */
  name: string;
  description: string;
  kind: 'file' | 'folder' | 'link';
  /** Absolute path (file and folder). */
  path?: string;
  /** Globs relative to the folder (`*` within a name, `**` across folders) left out of its zip. */
  exclude: string[];
  /** Where the host keeps it (link). */
  url?: string;
  /** Stated by the host for a link. */
  size?: number;
  sha256?: string;
  /** 'sample_submission' for the challenge's sample submission. */
  role?: 'sample_submission';
}

export const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** What the Data page, the API and the CLI list. */
export interface FileListing {
  name: string;
  description: string;
  kind: 'file' | 'folder' | 'link';
  /** Bytes of the download (a folder's zip), null for a link whose host gave none. */
  size: number | null;
  sha256: string | null;
  /** Files inside a folder's zip. */
  entries?: number;
  /** Files of the folder left out of its zip because they are part of the truth. */
  truth_left_out?: number;
  url?: string;
  role?: 'sample_submission';
}

interface FolderEntry {
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
}

/** A fixed timestamp for zip entries: the zip's bytes depend on the files' contents only. */
const ZIP_MTIME = new Date(Date.UTC(2000, 0, 1));

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}(/.*)?$`);
}

/** Every regular file under a folder (sorted, '/'-separated), without following symbolic links. */
export function walkFolder(root: string, exclude: string[] = []): FolderEntry[] {
  const skip = exclude.map(globToRegExp);
  const out: FolderEntry[] = [];
  const visit = (dir: string, prefix: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const rel = prefix ? `${prefix}/${d.name}` : d.name;
      if (skip.some((r) => r.test(rel))) continue;
      const abs = path.join(dir, d.name);
      if (d.isDirectory()) visit(abs, rel);
      else if (d.isFile()) {
        const st = fs.statSync(abs);
        out.push({ rel, abs, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
  };
  visit(root, '');
  return out;
}

/** A zip of the entries under the folder's own name (`images/...`, or at the root for ''), as zipping a folder does. */
export function zipOf(top: string, entries: FolderEntry[]): { zip: yazl.ZipFile; size: Promise<number> } {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    zip.addReadStreamLazy(top ? `${top}/${e.rel}` : e.rel, { size: e.size, mtime: ZIP_MTIME, mode: 0o100644, compress: false }, (cb) => cb(null, fs.createReadStream(e.abs)));
  }
  // yazl calls back with the total byte count (stored entries of known sizes: known before the first byte).
  const size = new Promise<number>((resolve) => (zip.end as (o: undefined, cb: (n: number) => void) => void)(undefined, (n) => resolve(n)));
  return { zip, size };
}

async function sha256Stream(stream: NodeJS.ReadableStream): Promise<{ sha256: string; size: number }> {
  const hash = crypto.createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * A challenge's downloadable files. Digests are computed on first use and kept until a file
 * changes (size or modification time), so the listing costs one read of the data per change.
 */
export class FileCatalog {
  private digests = new Map<string, { key: string; listing: Promise<FileListing> }>();

  constructor(readonly challengeId: string, readonly specs: FileSpec[], private readonly guard: AnswerGuard) {}

  find(name: string): FileSpec | undefined {
    return this.specs.find((s) => s.name === name);
  }

  /** The entries of a folder download: answer files are left out (checked on every use). */
  private folderEntries(spec: FileSpec): { entries: FolderEntry[]; leftOut: number } {
    const all = walkFolder(spec.path!, spec.exclude);
    const entries = all.filter((e) => !this.guard.isAnswer(e.abs));
    return { entries, leftOut: all.length - entries.length };
  }

  private stamp(spec: FileSpec): string {
    if (spec.kind === 'file') {
      const st = fs.statSync(spec.path!);
      return `${st.size}:${st.mtimeMs}`;
    }
    if (spec.kind === 'folder') return this.folderEntries(spec).entries.map((e) => `${e.rel}:${e.size}:${e.mtimeMs}`).join('|');
    return '';
  }

  /** Size and sha256 of one download (a folder's zip is built and hashed without being stored). */
  async describe(spec: FileSpec): Promise<FileListing> {
    const base = { name: spec.name, description: spec.description, kind: spec.kind, ...(spec.role ? { role: spec.role } : {}) };
    if (spec.kind === 'link') return { ...base, url: spec.url, size: spec.size ?? null, sha256: spec.sha256 ?? null };
    const key = this.stamp(spec);
    const hit = this.digests.get(spec.name);
    if (hit && hit.key === key) return hit.listing;
    const listing = (async (): Promise<FileListing> => {
      if (spec.kind === 'file') {
        const d = await sha256Stream(fs.createReadStream(spec.path!));
        return { ...base, size: d.size, sha256: d.sha256 };
      }
      const { entries, leftOut } = this.folderEntries(spec);
      const { zip } = zipOf(path.basename(spec.path!), entries);
      const d = await sha256Stream(zip.outputStream);
      return { ...base, size: d.size, sha256: d.sha256, entries: entries.length, truth_left_out: leftOut };
    })();
    this.digests.set(spec.name, { key, listing });
    listing.catch(() => this.digests.delete(spec.name));
    return listing;
  }

  async list(): Promise<FileListing[]> {
    return Promise.all(this.specs.map((s) => this.describe(s)));
  }

  /**
   * Streams a download into `out` after `start(size)` is called with its byte count (a folder's
   * zip size is known before its first byte: entries are stored, their sizes known).
   */
  async stream(spec: FileSpec, out: Writable, start: (size: number) => void): Promise<void> {
    if (spec.kind === 'file') {
      const st = fs.statSync(spec.path!);
      start(st.size);
      await pipeline(fs.createReadStream(spec.path!), out);
      return;
    }
    if (spec.kind !== 'folder') throw new Error(`${spec.name} is a link to ${spec.url}`);
    const { zip, size } = zipOf(path.basename(spec.path!), this.folderEntries(spec).entries);
    start(await size);
    await pipeline(zip.outputStream, out);
  }
}

const FILE_KEYS = FILE_FIELDS.map((f) => f.name);

/** Parses `files:` of a challenge.yaml; problems name the field (files[2].path) and the reason. */
export function parseFiles(raw: unknown, dir: string, fail: (column: string, message: string) => void): FileSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    fail('files', 'must be a list of { path | url, name, description }');
    return [];
  }
  const out: FileSpec[] = [];
  raw.forEach((item: unknown, i: number) => {
    const at = `files[${i}]`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) return fail(at, 'must be a mapping with path or url');
    const f = item as Record<string, unknown>;
    for (const k of Object.keys(f)) {
      if (!FILE_KEYS.includes(k)) fail(`${at}.${k}`, `unknown field; expected ${FILE_KEYS.join(', ')}`);
    }
    const description = f.description === undefined ? '' : typeof f.description === 'string' ? f.description : (fail(`${at}.description`, 'must be text'), '');
    const exclude: string[] = [];
    if (f.exclude !== undefined) {
      if (!Array.isArray(f.exclude) || f.exclude.some((g) => typeof g !== 'string' || !g)) fail(`${at}.exclude`, 'must be a list of globs');
      else exclude.push(...(f.exclude as string[]));
    }
    if ((f.path === undefined) === (f.url === undefined)) return fail(at, 'needs exactly one of path (a file or folder beside the definition) or url (where the host keeps it)');
    if (f.url !== undefined) {
      if (typeof f.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(f.url)) return fail(`${at}.url`, 'must be an http(s) URL');
      const name = typeof f.name === 'string' ? f.name : path.posix.basename(new URL(f.url).pathname) || `file-${i + 1}`;
      if (!FILE_NAME.test(name)) return fail(`${at}.name`, `"${name}" must match [A-Za-z0-9][A-Za-z0-9._-]*`);
      if (f.size !== undefined && !(Number.isSafeInteger(f.size) && (f.size as number) >= 0)) fail(`${at}.size`, 'must be a byte count');
      if (f.sha256 !== undefined && !(typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256))) fail(`${at}.sha256`, 'must be 64 lowercase hex digits');
      out.push({ name, description, kind: 'link', url: f.url, exclude, size: f.size as number | undefined, sha256: f.sha256 as string | undefined });
      return;
    }
    if (typeof f.path !== 'string' || !f.path) return fail(`${at}.path`, 'must be a path');
    const abs = path.resolve(dir, f.path);
    const isDir = fs.existsSync(abs) && fs.statSync(abs).isDirectory();
    const fallback = path.basename(abs) + (isDir ? '.zip' : '');
    const name = typeof f.name === 'string' ? f.name : fallback;
    if (!FILE_NAME.test(name)) return fail(`${at}.name`, `"${name}" must match [A-Za-z0-9][A-Za-z0-9._-]*`);
    out.push({ name, description, kind: isDir ? 'folder' : 'file', path: abs, exclude });
  });
  const seen = new Set<string>();
  out.forEach((s, i) => {
    if (seen.has(s.name)) fail(`files[${i}].name`, `"${s.name}" is listed twice; downloads need distinct names`);
    seen.add(s.name);
  });
  return out;
}

/**
 * Checks the files against the truth and the disk (when the data must be present): a missing
 * path, or one that is or holds an answer, is a problem naming the entry.
 */
export function checkFiles(specs: FileSpec[], task: string, truth: string, options: Record<string, unknown>, file: string, requirePresent: boolean): { guard: AnswerGuard; problems: Problem[] } {
  const guard = answerGuard(task, truth, options);
  const problems: Problem[] = [];
  specs.forEach((s, i) => {
    const column = s.role === 'sample_submission' ? 'sample_submission' : `files[${i}]`;
    if (!s.path) return;
    if (!fs.existsSync(s.path)) {
      if (requirePresent) problems.push({ file, column, message: `${s.path} does not exist` });
      return;
    }
    if (guard.isAnswer(s.path)) {
      problems.push({ file, column, message: `${s.path} is part of the truth; it can never be a download` });
      return;
    }
  });
  return { guard, problems };
}

export function throwIfProblems(problems: Problem[]): void {
  if (problems.length) throw new ValidationError(problems);
}
