/**
 * Which files of a challenge hold its answers, so a data download can never serve them. The
 * truth is sometimes one file (a solution CSV, COCO instances JSON) and sometimes a folder that
 * also holds what participants need (VOC's JPEGImages and training masks, wsj0-2mix's `mix/`):
 * for each task, the parts scoring reads as answers (formats.md), plus what would give them away
 * (usage marks; VOC's object masks and XML boxes of the scored ids).
 */
import fs from 'node:fs';
import path from 'node:path';
import { usageFileFor } from '../formats/usage.js';

export interface AnswerGuard {
  /** True when this absolute path is, or lies inside, an answer. */
  isAnswer(file: string): boolean;
  /** The answer paths (files or folders), for messages. */
  readonly paths: readonly string[];
}

function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function inside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function readIds(listFile: string): string[] {
  try {
    return fs.readFileSync(listFile, 'utf8').split(/\r?\n/).map((l) => l.trim().split(/\s+/)[0]!).filter(Boolean);
  } catch {
    return [];
  }
}

/** The answer paths of a challenge's truth under its task (and options, e.g. VOC's `split`). */
export function answerPaths(task: string, truth: string, options: Record<string, unknown> = {}): string[] {
  const out = [truth, usageFileFor(truth)];
  const isDir = fs.existsSync(truth) && fs.statSync(truth).isDirectory();
  if (!isDir) return out;
  switch (task) {
    case 'segmentation': {
      // VOC: the scored ids' class masks, and their object masks and boxes (the same shapes).
      const split = typeof options.split === 'string' ? options.split : 'val';
      const ids = readIds(path.join(truth, 'ImageSets', 'Segmentation', `${split}.txt`));
      if (ids.length === 0) return out;
      // Without a list every mask is scored: the whole folder is the answer.
      out.splice(0, 1);
      out.push(...ids.flatMap((id) => [
        path.join(truth, 'SegmentationClass', `${id}.png`),
        path.join(truth, 'SegmentationObject', `${id}.png`),
        path.join(truth, 'Annotations', `${id}.xml`),
      ]));
      if (!fs.existsSync(path.join(truth, 'SegmentationClass'))) out.push(truth);
      return out;
    }
    case 'separation': {
      // wsj0-2mix / LibriMix: s1/, s2/, ... are the answers; mix/ and face tracks are the inputs.
      out.splice(0, 1);
      for (const d of fs.readdirSync(truth)) if (/^s\d+$/.test(d)) out.push(path.join(truth, d));
      // Per-mixture gains and voices would help reconstruct the sources.
      out.push(path.join(truth, 'metadata.json'));
      return out;
    }
    case 'fluorescence':
      out.splice(0, 1);
      out.push(path.join(truth, 'targets'), path.join(truth, 'examples.csv'));
      return out;
    case 'stabilization': {
      out.splice(0, 1);
      out.push(path.join(truth, 'clips.csv'));
      for (const d of fs.readdirSync(truth)) out.push(path.join(truth, d, 'motion.json'));
      return out;
    }
    default:
      // Anything else (a VOC detection folder, a task added later): the whole truth folder.
      return out;
  }
}

export function answerGuard(task: string, truth: string, options: Record<string, unknown> = {}): AnswerGuard {
  const paths = answerPaths(task, truth, options).map(real);
  return {
    paths,
    isAnswer: (file: string) => {
      const r = real(file);
      return paths.some((p) => inside(r, p));
    },
  };
}
