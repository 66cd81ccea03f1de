/**
 * The separation submission: a folder or `.zip` with `s1/<id>.wav`, `s2/<id>.wav`, ... (one
 * estimated source per folder, in any order: the permutation search matches them). A zip whose
 * entries all sit in one top folder (`my-run/s1/...`, what zipping a folder gives) is read as
 * if that folder were the root. Files a desktop adds (`__MACOSX/`, `.DS_Store`) are ignored;
 * anything else that is not an expected estimate is named, as is every missing one.
 */
import path from 'node:path';
import type { ProblemList } from '../../problems.js';
import type { SeparationTruth } from './truth.js';
import { listSubmissionFiles, type SubmittedFileLocation } from '../../formats/submission-files.js';

/** Where one estimate's bytes are: a file, or an entry of the submission zip. */
export type EstimateLocation = SubmittedFileLocation;

export interface SeparationSubmission {
  /** For each truth id, one location per source (index k = folder s{k+1}); undefined when missing. */
  estimates: Map<string, (EstimateLocation | undefined)[]>;
}

const ESTIMATE = /^s(\d+)\/([^/]+)\.wav$/i;

/** Lists the submission and matches it to the truth; adds every problem to `problems`. */
export async function openSeparationSubmission(submissionPath: string, truth: SeparationTruth, problems: ProblemList): Promise<SeparationSubmission> {
  const label = path.basename(submissionPath);
  const files = await listSubmissionFiles(submissionPath, { expected: ESTIMATE, layout: 's1/<id>.wav, s2/<id>.wav, ...', expectedFiles: truth.ids.length * truth.sources.length, noun: 'estimates' }, problems);

  const p = truth.sources.length;
  const known = new Set(truth.ids);
  const estimates = new Map<string, (EstimateLocation | undefined)[]>();
  for (const id of truth.ids) estimates.set(id, new Array<EstimateLocation | undefined>(p).fill(undefined));
  const badFolders = new Set<number>();
  for (const { name, location } of files) {
    const match = ESTIMATE.exec(name);
    if (!match) {
      problems.add({ file: location.label, message: `unexpected file; a submission holds ${expectedNames(truth)} only` });
      continue;
    }
    const k = Number(match[1]);
    const id = match[2]!;
    if (k < 1 || k > p || match[1] !== String(k)) {
      if (!badFolders.has(k)) problems.add({ file: location.label, message: `unexpected source folder s${match[1]}; the truth has ${p} source${p > 1 ? 's' : ''} (${truth.sources.join(', ')})` });
      badFolders.add(k);
      continue;
    }
    if (!known.has(id)) {
      problems.add({ file: location.label, message: `no truth mixture has id "${id}"` });
      continue;
    }
    const slots = estimates.get(id)!;
    if (slots[k - 1]) {
      problems.add({ file: location.label, message: `second estimate for s${k}/${id}.wav (also ${slots[k - 1]!.label})` });
      continue;
    }
    slots[k - 1] = location;
  }
  for (const id of truth.ids) {
    estimates.get(id)!.forEach((slot, k) => {
      if (!slot) problems.add({ file: label, message: `missing s${k + 1}/${id}.wav` });
    });
  }
  return { estimates };
}

function expectedNames(truth: SeparationTruth): string {
  return truth.sources.map((s) => `${s}/<id>.wav`).join(', ');
}
