/**
 * Streamed multipart uploads (busboy): the file goes straight to disk while its sha256 is
 * computed, never whole in memory; past the challenge's size limit the upload stops with a
 * 413 that says the limit (no silent failure on big files). Stored files are content-addressed:
 * `<storage>/<first two hex>/<sha256><ext>`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { HttpError } from './http-error.js';
import { isStorageUnreachable, RETRY_AFTER_S } from './unreachable.js';

export interface Upload {
  tmpPath: string;
  sha256: string;
  size: number;
  filename: string;
  description: string;
}

const MAX_DESCRIPTION = 1000;

/** How long a request body may take, at most (a slow or stalled client cannot hold a descriptor and a temp file for ever). */
export const DEFAULT_UPLOAD_TIMEOUT_MS = 10 * 60_000;

export interface ReceiveOptions {
  maxBytes: number;
  /** The whole body must arrive within this time; then the upload is refused with a 408. */
  timeoutMs?: number;
  /** Where the details of a storage failure go (the participant gets a message without server paths). */
  log?: (line: string) => void;
}

/** A file-system failure as a message for the participant: the code, never a server path. */
export function storageFailure(e: unknown, log?: (line: string) => void): HttpError {
  const code = (e as NodeJS.ErrnoException)?.code;
  log?.(`upload storage failed: ${(e as Error)?.message ?? String(e)}`);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new HttpError(507, 'the server has no room to store your upload right now; nothing was stored, please try again later');
  }
  if (isStorageUnreachable(e)) {
    return new HttpError(503, 'the file storage cannot be reached right now; nothing was stored, please try again shortly', { retry_after: RETRY_AFTER_S });
  }
  if (code === 'EMFILE' || code === 'ENFILE') {
    return new HttpError(503, 'the server is too busy to store your upload right now; nothing was stored, please try again later');
  }
  return new HttpError(500, `the server could not store your upload (${code ?? 'error'}); nothing was stored`);
}

/**
 * Reads a multipart request with one `file` field and an optional `description` field. Every
 * way an upload can end (complete, over the size limit, malformed, aborted by the client, past
 * the time limit, a write error such as a full disk) settles the promise exactly once, and any
 * failure first closes the temp file and deletes it.
 */
export function receiveUpload(req: IncomingMessage, tmpDir: string, opts: ReceiveOptions): Promise<Upload> {
  const { maxBytes } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 64 * 1024 } });
    } catch {
      reject(new HttpError(400, 'expected a multipart/form-data body with a `file` field'));
      return;
    }
    try {
      fs.mkdirSync(tmpDir, { recursive: true });
    } catch (e) {
      req.resume();
      reject(storageFailure(e, opts.log));
      return;
    }
    let description = '';
    let settled = false;
    let sawFile = false;
    let parsed = false;
    let written: Omit<Upload, 'description'> | undefined;
    let tmpPath: string | undefined;
    let out: fs.WriteStream | undefined;

    const timer = setTimeout(() => {
      fail(new HttpError(408, `the upload took longer than ${Math.round(timeoutMs / 1000)} s; nothing was stored`), false);
    }, timeoutMs);
    timer.unref();

    /** Closes the temp file (if open) and deletes it; resolves when both are done. */
    const discard = () => new Promise<void>((done) => {
      const remove = () => (tmpPath ? fs.rm(tmpPath, { force: true }, () => done()) : done());
      if (!out || out.closed) remove();
      else {
        out.once('close', remove);
        out.destroy();
      }
    });
    /** Stops parsing; `drain` keeps reading (and dropping) the rest so the client sees the answer. */
    const fail = (e: HttpError, drain = true) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.unpipe(bb);
      bb.removeAllListeners('file').removeAllListeners('field').removeAllListeners('close');
      bb.on('error', () => undefined);
      if (drain && !req.destroyed) req.resume();
      void discard().then(() => reject(e));
    };
    const succeedIfDone = () => {
      if (settled || !parsed || !written) return;
      settled = true;
      clearTimeout(timer);
      if (written.size === 0) {
        void discard().then(() => reject(new HttpError(400, 'the uploaded file is empty')));
        return;
      }
      resolve({ ...written, description: description.trim() });
    };

    bb.on('field', (name, value) => {
      if (name === 'description') description = value.slice(0, MAX_DESCRIPTION);
    });
    bb.on('file', (name, stream, info) => {
      if (name !== 'file' || sawFile) {
        stream.resume();
        return;
      }
      sawFile = true;
      tmpPath = path.join(tmpDir, `upload-${process.pid}-${crypto.randomBytes(8).toString('hex')}`);
      const hash = crypto.createHash('sha256');
      out = fs.createWriteStream(tmpPath);
      let size = 0;
      stream.on('limit', () => {
        fail(new HttpError(413,
          `the file is larger than this challenge's limit of ${formatBytes(maxBytes)}; nothing was stored`, { max_bytes: maxBytes }));
      });
      const hasher = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      const file = tmpPath;
      pipeline(stream, hasher, out).then(
        () => {
          written = { tmpPath: file, sha256: hash.digest('hex'), size, filename: info.filename || 'submission' };
          succeedIfDone();
        },
        (e: NodeJS.ErrnoException) => {
          // The part stream fails when the request does (handled below); a write error is the disk's.
          if (settled) return;
          if (e?.code && e.code !== 'ERR_STREAM_PREMATURE_CLOSE') fail(storageFailure(e, opts.log));
          else fail(new HttpError(400, 'the upload was interrupted before the file was complete; nothing was stored'));
        },
      );
    });
    bb.on('error', () => {
      fail(new HttpError(400, 'the multipart body could not be read (malformed or cut short); nothing was stored'));
    });
    bb.on('close', () => {
      parsed = true;
      if (!sawFile) fail(new HttpError(400, 'no `file` field in the upload'));
      else succeedIfDone();
    });
    const aborted = () => fail(new HttpError(400, 'the upload was aborted by the client; nothing was stored'), false);
    req.on('aborted', aborted);
    req.on('error', aborted);
    req.on('close', () => {
      if (!req.complete) aborted();
    });
    req.pipe(bb);
  });
}

/**
 * Deletes what earlier runs left in the temp folder: files of processes that are gone (a crash
 * or kill -9 mid-upload), and anything older than a day. A live process's files are kept.
 */
export function sweepTempFolder(tmpDir: string, now = Date.now()): number {
  let names: string[];
  try {
    names = fs.readdirSync(tmpDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const file = path.join(tmpDir, name);
    const pid = Number(/^(?:upload|baseline)-(\d+)-/.exec(name)?.[1]);
    let mtime: number;
    try {
      mtime = fs.statSync(file).mtimeMs;
    } catch {
      continue;
    }
    // Our own pid on a file older than this process: a previous run that had the same pid (containers).
    const ours = pid === process.pid && mtime >= startedAt;
    const stale = !ours && (!Number.isInteger(pid) || pid === process.pid || !processAlive(pid) || now - mtime > 86_400_000);
    if (stale) {
      fs.rmSync(file, { force: true, recursive: true });
      removed++;
    }
  }
  return removed;
}

const startedAt = Date.now() - process.uptime() * 1000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Submitted files live beside the database, content-addressed. */
export function storageDirFor(dbPath: string): string {
  return path.join(path.dirname(path.resolve(dbPath)), 'submissions');
}

/** Moves an upload into content-addressed storage; returns the path relative to the storage folder. */
export function storeUpload(storageDir: string, upload: Pick<Upload, 'tmpPath' | 'sha256' | 'filename'>): string {
  const rel = path.join(upload.sha256.slice(0, 2), upload.sha256 + extensionOf(upload.filename));
  const dest = path.join(storageDir, rel);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (fs.existsSync(dest)) fs.rmSync(upload.tmpPath, { force: true });
  else {
    try {
      fs.renameSync(upload.tmpPath, dest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      // The temp folder is on another file system: copy beside the destination, then rename there.
      const part = `${dest}.part-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
      try {
        fs.copyFileSync(upload.tmpPath, part);
        fs.renameSync(part, dest);
      } finally {
        fs.rmSync(part, { force: true });
      }
      fs.rmSync(upload.tmpPath, { force: true });
    }
  }
  return rel;
}

/** Tasks tell formats apart by extension (.csv, .zip, .json), so the stored file keeps it. */
export function extensionOf(filename: string): string {
  const ext = path.extname(filename).toLowerCase();
  return /^\.[a-z0-9]{1,8}$/.test(ext) ? ext : '';
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}
