/**
 * The fluorescence submission: a folder or `.zip` with `<id>/<CHANNEL>.png` for every example
 * and every channel scored (participants cannot know which labels the truth lacks, so they
 * predict all; predictions for labels not acquired are accepted and not read). A zip whose
 * entries all sit in one top folder (what zipping a folder gives) is read as if that folder
 * were the root; files a desktop adds (`__MACOSX/`, `.DS_Store`) are ignored. Opening lists
 * names only; the images are read one at a time while scoring.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listZip, type ZipEntry } from '../../formats/zip.js';
import { ValidationError, type ProblemList } from '../../problems.js';
import type { FluorescenceTruth } from './truth.js';
import { isDesktopClutter, listSubmissionFolder, stripWrapperFolder } from '../../formats/submission-files.js';

/**
 * Where one prediction's bytes are, and how messages name it (`sub.zip/well-A1/DAPI.png`):
 * plain data, so scoring threads can be handed it.
 */
export type PredictionLocation = { label: string; file: string } | { label: string; entry: string };

export interface FluorescenceSubmission {
  /** The submission zip, when it is one (entries are named in the locations). */
  zip?: string;
  /** [example][channel]: where each prediction is (every slot filled when opening succeeded). */
  predictions: PredictionLocation[][];
}

/** Zip limits for a submission of this truth: room for every prediction twice over. */
export function zipLimits(truth: { ids: readonly string[]; channels: readonly string[] }) {
  return { maxEntries: Math.max(1000, truth.ids.length * truth.channels.length * 2 + 100) };
}

const PREDICTION = /^([^/]+)\/([^/]+)\.png$/i;

/** Lists the submission and matches it to the truth; adds every problem to `problems`. */
export async function openFluorescenceSubmission(submissionPath: string, truth: FluorescenceTruth, problems: ProblemList): Promise<FluorescenceSubmission> {
  const label = path.basename(submissionPath);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(submissionPath);
  } catch {
    throw ValidationError.of({ file: label, message: 'submission not found' });
  }
  let files: { name: string; location: PredictionLocation }[];
  if (stat.isDirectory()) {
    const { regular, links } = listSubmissionFolder(submissionPath);
    for (const name of links) problems.add({ file: `${label}/${name}`, message: 'is a symbolic link; predictions must be regular files' });
    files = regular.map((name) => ({ name, location: { file: path.join(submissionPath, name), label: `${label}/${name}` } }));
  } else if (submissionPath.toLowerCase().endsWith('.zip')) {
    const entries = await listZip(submissionPath, zipLimits(truth));
    files = stripWrapperFolder(entries.filter((e) => !isDesktopClutter(e.name)), (e) => e.name, PREDICTION).map(({ name, entry }) => ({ name, location: { entry: entry.name, label: `${label}/${entry.name}` } }));
  } else {
    throw ValidationError.of({ file: label, message: 'expected a folder or .zip with <id>/<CHANNEL>.png for every example and channel' });
  }

  const exampleIndex = new Map(truth.ids.map((id, i) => [id, i]));
  const channelIndex = new Map(truth.channels.map((c, i) => [c, i]));
  const predictions: (PredictionLocation | undefined)[][] = truth.ids.map(() => new Array<PredictionLocation | undefined>(truth.channels.length));
  for (const { name, location } of files) {
    if (isDesktopClutter(name)) continue;
    const match = PREDICTION.exec(name);
    if (!match) {
      problems.add({ file: location.label, message: 'unexpected file; a submission holds <id>/<CHANNEL>.png only' });
      continue;
    }
    const example = exampleIndex.get(match[1]!);
    if (example === undefined) {
      problems.add({ file: location.label, message: `unknown example "${match[1]}"; the truth has no such id` });
      continue;
    }
    const channel = channelIndex.get(match[2]!);
    if (channel === undefined) {
      problems.add({ file: location.label, message: `unknown channel "${match[2]}"; expected one of ${truth.channels.join(', ')}` });
      continue;
    }
    const slots = predictions[example]!;
    if (slots[channel]) {
      problems.add({ file: location.label, message: `second prediction for ${match[1]}/${match[2]}.png (also ${slots[channel]!.label})` });
      continue;
    }
    slots[channel] = location;
  }
  truth.ids.forEach((id, i) => {
    truth.channels.forEach((channel, k) => {
      if (!predictions[i]![k]) problems.add({ file: `${label}/${id}/${channel}.png`, message: 'missing prediction' });
    });
  });
  return { ...(!stat.isDirectory() && { zip: submissionPath }), predictions: predictions as PredictionLocation[][] };
}

/** Reads predictions' bytes: files directly, zip entries through one listing of the zip. */
export async function predictionReader(zip: string | undefined, limits: { maxEntries: number }): Promise<(location: PredictionLocation) => Promise<Uint8Array>> {
  const entries = zip ? new Map((await listZip(zip, limits)).map((e) => [e.name, e])) : undefined;
  return async (location) => {
    if ('file' in location) return fs.promises.readFile(location.file);
    const entry = entries?.get(location.entry);
    if (!entry) throw new Error(`fluorescence: zip entry ${location.entry} is gone`);
    return entry.buffer();
  };
}
