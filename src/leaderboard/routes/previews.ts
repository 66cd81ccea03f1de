/**
 * Animated previews for stabilization challenges: a clip page shows, for each baseline on the
 * public board (and the viewer's own latest scored submission), the clip's input frames beside
 * the output its S_t gives (baselines/stabilization/preview.ts), so a reader sees the effect,
 * not only the numbers. The frames are the participants' own inputs and no per-clip score is
 * shown, so a private clip's preview reveals nothing a participant does not already have.
 */
import express, { type Request, type Router } from 'express';
import { previewApng } from '../../baselines/stabilization/preview.js';
import { readClipInputs } from '../../baselines/stabilization/clip-inputs.js';
import { readStabilizationSubmission } from '../../tasks/stabilization/submission.js';
import { readStabilizationTruth, type StabilizationTruth } from '../../tasks/stabilization/truth.js';
import { ValidationError } from '../../problems.js';
import type { AppContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { StoredFileMissing } from '../storage.js';
import type { ChallengeRecord, Submission } from '../store.js';
import { clipPreviewPage, type PreviewEntry } from '../views/clip-page.js';
import { intParam, sessionViewer } from './http.js';
import { sendPage } from './pages.js';

/** Rendered previews kept in memory (about 0.3-1 MB each for a 160x120, 90-frame clip). */
const CACHE_ENTRIES = 48;

export function previewRoutes(ctx: AppContext): Router {
  const r = express.Router();
  const truths = new Map<string, { truth: StabilizationTruth; at: string }>();
  const images = new Map<string, Buffer>();

  const stabilizationChallenge = async (id: string): Promise<ChallengeRecord> => {
    const c = await ctx.store.challenge(id);
    if (!c || !c.available || c.task !== 'stabilization') throw new HttpError(404, `no stabilization challenge "${id}"`);
    return c;
  };
  /** The truth's clip list (ids, categories, frame counts), re-read when the challenge's truth path changes. */
  const truthOf = async (c: ChallengeRecord): Promise<StabilizationTruth> => {
    const hit = truths.get(c.id);
    if (hit && hit.at === c.truth) return hit.truth;
    const truth = await readStabilizationTruth(c.truth);
    truths.set(c.id, { truth, at: c.truth });
    return truth;
  };
  const clipOf = (truth: StabilizationTruth, clip: string) => {
    const i = truth.index.get(clip);
    if (i === undefined) throw new HttpError(404, `no clip "${clip}" in this challenge`);
    return truth.clips[i]!;
  };
  /** Submissions this viewer may preview: every baseline, and their own team's. */
  const viewable = async (req: Request, c: ChallengeRecord, s: Submission | undefined): Promise<boolean> => {
    if (!s || s.challenge_id !== c.id || s.status !== 'scored') return false;
    if (s.is_baseline === 1) return true;
    const p = await sessionViewer(ctx, req);
    return !!p && (await ctx.store.teamOf(c.id, p.id))?.id === s.team_id;
  };

  r.get('/challenges/:id/clips', async (req, res) => {
    const c = await stabilizationChallenge(req.params.id);
    const truth = await truthOf(c);
    res.redirect(302, `/challenges/${encodeURIComponent(c.id)}/clips/${encodeURIComponent(truth.clips[0]!.id)}`);
  });

  r.get('/challenges/:id/clips/:clip', async (req, res) => {
    const c = await stabilizationChallenge(req.params.id);
    const truth = await truthOf(c);
    const clip = clipOf(truth, req.params.clip);
    const viewer = await sessionViewer(ctx, req);
    const board = await ctx.boards.board(c, 'public');
    const entries: PreviewEntry[] = board.entries.filter((e) => e.baseline).map((e) => ({ label: e.team, submissionId: e.submission_id, baseline: true }));
    const team = viewer ? await ctx.store.teamOf(c.id, viewer.id) : undefined;
    const own = team ? (await ctx.store.teamSubmissions(team.id)).find((s) => s.status === 'scored') : undefined;
    if (own) entries.unshift({ label: `${team!.name} (your latest scored submission, #${own.id})`, submissionId: own.id, baseline: false });
    await sendPage(ctx, res, clipPreviewPage(c, truth, clip.id, entries, viewer));
  });

  r.get('/challenges/:id/clips/:clip/:sid.png', async (req, res) => {
    const c = await stabilizationChallenge(req.params.id);
    const truth = await truthOf(c);
    const clip = clipOf(truth, req.params.clip);
    const s = await ctx.store.submission(intParam(req.params.sid, 'submission'));
    if (!s || !await viewable(req, c, s)) throw new HttpError(404, `no submission ${req.params.sid} to preview`);
    const key = `${s.sha256}:${c.truth}:${clip.id}`;
    let png = images.get(key);
    if (!png) {
      let paths;
      // The stored file, from the local folder or fetched from the bucket.
      const copy = await ctx.storage.localCopy(s.stored_path, s.sha256).catch((e) => {
        throw e instanceof StoredFileMissing ? new HttpError(404, e.message) : e;
      });
      try {
        paths = await readStabilizationSubmission(copy.file, truth, s.filename);
      } catch (e) {
        // Scored once, so this only happens if the truth changed since.
        if (e instanceof ValidationError) throw new HttpError(409, `submission ${s.id} no longer fits this truth; rescore it first`);
        throw e;
      } finally {
        await copy.release();
      }
      png = previewApng(readClipInputs(c.truth, clip.id), paths[truth.index.get(clip.id)!]!);
      if (images.size >= CACHE_ENTRIES) images.delete(images.keys().next().value!);
      images.set(key, png);
    }
    // Scored submissions and clip inputs do not change under a key, but a re-scored truth may.
    res.type('png').setHeader('Cache-Control', 'private, max-age=300');
    res.send(png);
  });
  return r;
}
