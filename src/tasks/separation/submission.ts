/**
 * The separation submission: a folder or `.zip` with `s1/<id>.wav`, `s2/<id>.wav`, ... (one
 * estimated source per folder, in any order: the permutation search matches them). A zip whose
 * entries all sit in one top folder (`my-run/s1/...`, what zipping a folder gives) is read as
 * if that folder were the root. Files a desktop adds (`__MACOSX/`, `.DS_Store`) are ignored;
 * anything else that is not an expected estimate is named, as is every missing one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listZip } from '../../formats/zip.js';
import { ProblemList, ValidationError } from '../../problems.js';
import type { SeparationTruth } from './truth.js';
import { isDesktopClutter, listSubmissionFolder, stripWrapperFolder } from '../../formats/submission-files.js';

/** Where one estimate's bytes are: a file, or an entry of the submission zip. */
export type EstimateLocation = { file: string; label: string } | { zip: string; entry: string; label: string };

export interface SeparationSubmission {
  /** For each truth id, one location per source (index k = folder s{k+1}); undefined when missing. */
  estimates: Map<string, (EstimateLocation | undefined)[]>;
}

const ESTIMATE = /^s(\d+)\/([^/]+)\.wav$/i;

/** Lists the submission and matches it to the truth; adds every problem to `problems`. */
export async function openSeparationSubmission(submissionPath: string, truth: SeparationTruth, problems: ProblemList): Promise<SeparationSubmission> {
  const label = path.basename(submissionPath);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(submissionPath);
  } catch {
    throw ValidationError.of({ file: label, message: 'submission not found' });
  }
  let files: { name: string; location: EstimateLocation }[];
  if (stat.isDirectory()) {
    const { regular, links } = listSubmissionFolder(submissionPath);
    for (const name of links) problems.add({ file: `${label}/${name}`, message: 'is a symbolic link; estimates must be regular files' });
    files = regular.map((name) => ({ name, location: { file: path.join(submissionPath, name), label: `${label}/${name}` } }));
  } else if (submissionPath.toLowerCase().endsWith('.zip')) {
    const entries = await listZip(submissionPath, { maxEntries: Math.max(1000, truth.ids.length * truth.sources.length * 2 + 100) });
    const names = stripWrapperFolder(entries.map((e) => e.name).filter((n) => !isDesktopClutter(n)), (n) => n, ESTIMATE);
    files = names.map(({ name, entry }) => ({ name, location: { zip: submissionPath, entry, label: `${label}/${entry}` } }));
  } else {
    throw ValidationError.of({ file: label, message: 'expected a folder or .zip with s1/<id>.wav, s2/<id>.wav, ...' });
  }

  const p = truth.sources.length;
  const known = new Set(truth.ids);
  const estimates = new Map<string, (EstimateLocation | undefined)[]>();
  for (const id of truth.ids) estimates.set(id, new Array<EstimateLocation | undefined>(p).fill(undefined));
  const badFolders = new Set<number>();
  for (const { name, location } of files) {
    if (isDesktopClutter(name)) continue;
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
