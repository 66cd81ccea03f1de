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
import type { ProblemList } from '../../problems.js';
import type { FluorescenceTruth } from './truth.js';
import { listSubmissionFiles, ZipEntryReader, type SubmittedFileLocation } from '../../formats/submission-files.js';

/**
 * Where one prediction's bytes are, and how messages name it (`sub.zip/well-A1/DAPI.png`):
 * plain data, so scoring threads can be handed it.
 */
export type PredictionLocation = SubmittedFileLocation;

export interface FluorescenceSubmission {
  /** [example][channel]: where each prediction is (every slot filled when opening succeeded). */
  predictions: PredictionLocation[][];
}

const PREDICTION = /^([^/]+)\/([^/]+)\.png$/i;

/** Lists the submission and matches it to the truth; adds every problem to `problems`. */
export async function openFluorescenceSubmission(submissionPath: string, truth: FluorescenceTruth, problems: ProblemList): Promise<FluorescenceSubmission> {
  const label = path.basename(submissionPath);
  const layout = '<id>/<CHANNEL>.png for every example and channel';
  const files = await listSubmissionFiles(submissionPath, { expected: PREDICTION, layout, expectedFiles: truth.ids.length * truth.channels.length, noun: 'predictions' }, problems);

  const exampleIndex = new Map(truth.ids.map((id, i) => [id, i]));
  const channelIndex = new Map(truth.channels.map((c, i) => [c, i]));
  const predictions: (PredictionLocation | undefined)[][] = truth.ids.map(() => new Array<PredictionLocation | undefined>(truth.channels.length));
  for (const { name, location } of files) {
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
  return { predictions: predictions as PredictionLocation[][] };
}

/** Reads predictions' bytes: files directly, zip entries through one listing of each zip. */
export function predictionReader(): (location: PredictionLocation) => Promise<Uint8Array> {
  const zips = new ZipEntryReader();
  return async (location) => ('file' in location ? fs.promises.readFile(location.file) : (await zips.entry(location.zip, location.entry)).buffer());
}
