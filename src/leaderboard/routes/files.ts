/**
 * Downloads of a challenge's files, shared by the pages (`/challenges/:id/files/:name`) and the
 * API (`/api/challenges/:id/files[/:name]`): streamed with their size; a folder as a zip made on
 * the fly; a link redirects to where the host keeps it. Names are looked up in the challenge's
 * list, never joined to a path, so `..` and slashes cannot reach anything else.
 */
import type { Response } from 'express';
import type { FileListing, FileSpec } from '../../challenges/files.js';
import type { AppContext } from '../context.js';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { HttpError } from '../http-error.js';
import type { LocalCopy } from '../storage.js';
import type { ChallengeRecord, Submission } from '../store.js';

export function fileUrl(challengeId: string, name: string): string {
  return `/challenges/${encodeURIComponent(challengeId)}/files/${encodeURIComponent(name)}`;
}

export async function listFiles(ctx: AppContext, c: ChallengeRecord): Promise<FileListing[]> {
  const catalog = ctx.files.get(c.id);
  if (!catalog) return [];
  try {
    return await catalog.list();
  } catch (e) {
    ctx.log(`files of ${c.id}: ${(e as Error).message}`);
    throw new HttpError(500, `the files of ${c.id} cannot be listed right now; the organisers can find why in the server log`);
  }
}

export function findFile(ctx: AppContext, c: ChallengeRecord, name: string): FileSpec {
  const spec = ctx.files.get(c.id)?.find(name);
  if (!spec) throw new HttpError(404, `${c.id} has no file "${name}"; the list is at /api/challenges/${c.id}/files`);
  return spec;
}

/** A team's own uploaded file, streamed back under the name it was uploaded with. */
export async function sendSubmissionFile(ctx: AppContext, s: Submission, res: Response): Promise<void> {
  let copy: LocalCopy;
  let size: number;
  try {
    copy = await ctx.storage.localCopy(s.stored_path, s.sha256);
    size = (await fs.promises.stat(copy.file)).size;
  } catch (e) {
    ctx.log(`stored file of submission ${s.id}: ${(e as Error).message}`);
    throw new HttpError(410, `the stored file of submission ${s.id} is no longer on the server`);
  }
  const file = copy.file;
  // The name came from the participant: ASCII fallback without quotes or controls, the exact name in filename*.
  const ascii = s.filename.replace(/[^\x20-\x7e]|["\\]/g, '_') || 'submission';
  res.status(200);
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Length', String(size));
  res.setHeader('Content-Disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(s.filename)}`);
  res.setHeader('Cache-Control', 'private, no-store');
  await pipeline(fs.createReadStream(file), res).catch((e: Error) => {
    ctx.log(`download of submission ${s.id} failed: ${e.message}`);
    res.destroy();
  }).finally(() => copy.release());
}

export async function sendFile(ctx: AppContext, c: ChallengeRecord, name: string, res: Response): Promise<void> {
  const spec = findFile(ctx, c, name);
  if (spec.kind === 'link') {
    res.redirect(302, spec.url!);
    return;
  }
  const catalog = ctx.files.get(c.id)!;
  try {
    await catalog.stream(spec, res, (size) => {
      res.status(200);
      res.setHeader('Content-Type', spec.kind === 'folder' || name.endsWith('.zip') ? 'application/zip' : 'application/octet-stream');
      res.setHeader('Content-Length', String(size));
      res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
      res.setHeader('Cache-Control', 'no-cache');
    });
  } catch (e) {
    ctx.log(`download ${c.id}/${name} failed: ${(e as Error).message}`);
    if (!res.headersSent) throw new HttpError(500, `${name} cannot be served right now; the organisers can find why in the server log`);
    // Mid-stream: cut the connection so the client sees a short, failed download, not a corrupt file.
    res.destroy();
  }
}
