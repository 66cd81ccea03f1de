/**
 * Predicted masks from a submission: a folder of `<id>.png`, a `.zip` of them (read entry by
 * entry, never unpacked), or a CSV `id,class,rle` (rle-submission.ts). Opening a submission checks
 * its names against the truth ids (missing, unknown, misnamed, duplicate) and adds a problem for
 * each; masks are then loaded one at a time, in any order, while scoring.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listZip, type ZipEntry } from '../../formats/zip.js';
import { ValidationError, type ProblemList } from '../../problems.js';
import type { LabelMask, ProblemSink } from './masks.js';
import { openRleSubmission } from './rle-submission.js';
import { isDesktopClutter } from '../../formats/submission-files.js';
import { statOrRefuse } from '../../formats/stat-or-refuse.js';

/** A mask file's bytes and how messages name it (`sub.zip/2007_000032.png`). */
export interface MaskBytes {
  bytes: Uint8Array;
  file: string;
}

/** Masks stored as PNG files (folder or zip). */
export interface PredictionSource {
  /** PNG sources are decoded by the scanner (possibly on a worker); RLE ones build masks. */
  readonly needsSize?: false;
  /** The PNG bytes predicted for `id` (undefined when missing or unreadable; problems say why). */
  bytes(id: string, problems: ProblemSink): Promise<MaskBytes | undefined>;
}

/** A source whose masks take their size from the truth (CSV run-length). */
export interface SizedPredictionSource {
  readonly needsSize: true;
  load(id: string, problems: ProblemSink, width: number, height: number): Promise<LabelMask | undefined>;
}

export type Submission = PredictionSource | SizedPredictionSource;

/** The truth ids a submission is matched against, and how to explain an id that is not one. */
export interface ExpectedIds {
  ids: readonly string[];
  /** Why an id that is not scored was refused, when there is a known reason (e.g. not in the split). */
  whyNot?(id: string): string | undefined;
}

export async function openSubmission(submissionPath: string, expected: ExpectedIds, classNames: readonly string[], problems: ProblemList): Promise<Submission> {
  const label = path.basename(submissionPath);
  const stat = statOrRefuse(submissionPath, { file: label, message: 'submission not found' });
  if (stat.isDirectory()) return openFolder(submissionPath, label, expected, problems);
  const lower = submissionPath.toLowerCase();
  if (lower.endsWith('.zip') || (!lower.endsWith('.csv') && startsLikeZip(submissionPath))) return openZip(submissionPath, label, expected, problems);
  if (lower.endsWith('.csv')) return openRleSubmission(submissionPath, label, expected, classNames, problems);
  throw ValidationError.of({ file: label, message: 'expected a folder or .zip of <id>.png masks, or a CSV "id,class,rle"' });
}

/** A zip saved without its extension: local file header or empty-archive signature. */
function startsLikeZip(file: string): boolean {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  return head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

/** Files a zip tool or a desktop adds on its own; never a participant's mistake. */
/**
 * Matches file names to truth ids: `<id>.png` (any folder inside a zip, extension in any case).
 * Adds a problem for anything else, and for every truth id without a mask.
 */
function matchNames<T>(label: string, files: { name: string; value: T }[], expected: ExpectedIds, problems: ProblemList): Map<string, { name: string; value: T }> {
  const truthIds = expected.ids;
  const truth = new Set(truthIds);
  const lowerToId = new Map(truthIds.map((id) => [id.toLowerCase(), id]));
  const found = new Map<string, { name: string; value: T }>();
  for (const file of files) {
    if (isDesktopClutter(file.name)) continue;
    const base = file.name.split('/').pop()!;
    const where = { file: `${label}/${file.name}` };
    if (!base.toLowerCase().endsWith('.png')) {
      problems.add({ ...where, message: 'unexpected file; a submission holds <id>.png masks only' });
      continue;
    }
    const id = base.slice(0, -4);
    if (!truth.has(id)) {
      const why = expected.whyNot?.(id);
      if (why) {
        problems.add({ ...where, message: why });
        continue;
      }
      const guess = lowerToId.get(id.toLowerCase()) ?? lowerToId.get(id.replace(/[_-][^_-]*$/, '').toLowerCase());
      problems.add({ ...where, message: `no truth image has id "${id}"${guess ? ` (did you mean ${guess}.png?)` : ''}` });
      continue;
    }
    const previous = found.get(id);
    if (previous) {
      problems.add({ ...where, message: `second mask for id "${id}" (also ${previous.name})` });
      continue;
    }
    found.set(id, file);
  }
  for (const id of truthIds) {
    if (!found.has(id)) problems.add({ file: label, message: `missing mask ${id}.png` });
  }
  return found;
}

function openFolder(dir: string, label: string, expected: ExpectedIds, problems: ProblemList): PredictionSource {
  const files: { name: string; value: string }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!isDesktopClutter(entry.name + '/')) problems.add({ file: `${label}/${entry.name}`, message: 'unexpected folder; put the <id>.png masks directly in the submission folder' });
    } else if (entry.isFile()) {
      files.push({ name: entry.name, value: path.join(dir, entry.name) });
    } else if (entry.isSymbolicLink()) {
      problems.add({ file: `${label}/${entry.name}`, message: 'is a symbolic link; masks must be regular files' });
    }
  }
  const found = matchNames(label, files, expected, problems);
  return {
    async bytes(id, problems) {
      const file = found.get(id);
      if (!file) return undefined;
      const name = `${label}/${file.name}`;
      try {
        // Masks are a few KB: a synchronous read is cheaper than the promise machinery.
        return { bytes: fs.readFileSync(file.value), file: name };
      } catch (e) {
        problems.add({ file: name, message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
        return undefined;
      }
    },
  };
}

async function openZip(zipPath: string, label: string, expected: ExpectedIds, problems: ProblemList): Promise<PredictionSource> {
  // A mask PNG is a few KB (VOC) to a few MB (Cityscapes); 64 MiB a file leaves room and bounds memory.
  const entries = await listZip(zipPath, { maxEntries: Math.max(1000, expected.ids.length * 2 + 100), maxEntryBytes: 64 * 1024 * 1024 });
  const found = matchNames<ZipEntry>(label, entries.map((e) => ({ name: e.name, value: e })), expected, problems);
  return {
    async bytes(id, problems) {
      const file = found.get(id);
      if (!file) return undefined;
      try {
        return { bytes: await file.value.buffer(), file: `${label}/${file.name}` };
      } catch (e) {
        // A bomb, CRC error or nested archive in one entry: report it with the others.
        if (!(e instanceof ValidationError)) throw e;
        for (const p of e.problems) problems.add(p);
        return undefined;
      }
    },
  };
}
