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

export interface Upload {
  tmpPath: string;
  sha256: string;
  size: number;
  filename: string;
  description: string;
}

const MAX_DESCRIPTION = 1000;

/** Reads a multipart request with one `file` field and an optional `description` field. */
export function receiveUpload(req: IncomingMessage, tmpDir: string, maxBytes: number): Promise<Upload> {
  fs.mkdirSync(tmpDir, { recursive: true });
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 64 * 1024 } });
    } catch {
      reject(new HttpError(400, 'expected a multipart/form-data body with a `file` field'));
      return;
    }
    let description = '';
    let fileDone: Promise<Omit<Upload, 'description'>> | undefined;
    let failed: HttpError | undefined;
    let finished = false;
    const fail = (e: HttpError) => {
      failed ??= e;
    };

    bb.on('field', (name, value) => {
      if (name === 'description') description = value.slice(0, MAX_DESCRIPTION);
    });
    bb.on('file', (name, stream, info) => {
      if (name !== 'file' || fileDone) {
        stream.resume();
        return;
      }
      const tmpPath = path.join(tmpDir, `upload-${process.pid}-${crypto.randomBytes(8).toString('hex')}`);
      const hash = crypto.createHash('sha256');
      const out = fs.createWriteStream(tmpPath);
      let size = 0;
      stream.on('limit', () => {
        // Answer now instead of after the whole body: keep draining it, but store nothing.
        fail(new HttpError(413,
          `the file is larger than this challenge's limit of ${formatBytes(maxBytes)}; nothing was stored`, { max_bytes: maxBytes }));
        req.unpipe(bb);
        req.resume();
        finished = true;
        // Answer once the partial file is closed and gone, so nothing of it outlives the request.
        const settle = () => {
          fs.rmSync(tmpPath, { force: true });
          reject(failed);
        };
        if (out.closed) settle();
        else {
          out.once('close', settle);
          out.destroy();
        }
      });
      const hasher = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      fileDone = pipeline(stream, hasher, out).then(
        () => ({ tmpPath, sha256: hash.digest('hex'), size, filename: info.filename || 'submission' }),
        (e: Error) => {
          fs.rmSync(tmpPath, { force: true });
          throw new HttpError(400, `the upload was interrupted: ${e.message}`);
        },
      );
      fileDone.catch(() => undefined); // handled in finish(); not an unhandled rejection when cut short

    });
    bb.on('error', (e: Error) => {
      fail(new HttpError(400, `could not read the multipart body: ${e.message}`));
      finish();
    });
    bb.on('close', () => finish());

    const finish = () => {
      if (finished) return;
      finished = true;
      if (!fileDone) {
        reject(failed ?? new HttpError(400, 'no `file` field in the upload'));
        return;
      }
      fileDone.then(
        (f) => {
          if (failed) {
            fs.rmSync(f.tmpPath, { force: true });
            reject(failed);
          } else if (f.size === 0) {
            fs.rmSync(f.tmpPath, { force: true });
            reject(new HttpError(400, 'the uploaded file is empty'));
          } else resolve({ ...f, description: description.trim() });
        },
        (e) => reject(failed ?? e),
      );
    };
    req.on('aborted', () => fail(new HttpError(400, 'the upload was aborted by the client')));
    req.pipe(bb);
  });
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
  else fs.renameSync(upload.tmpPath, dest);
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
