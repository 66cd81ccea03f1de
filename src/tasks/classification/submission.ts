/**
 * The classification submission: CSV `id,predicted`, labels space-separated, most confident first.
 * Reduced on the fly to the rank of the true label per truth row, so a 150k-row file never
 * becomes 150k label arrays.
 */
import { readCsv } from '../../formats/csv.js';
import { ProblemList } from '../../problems.js';
import type { ClassificationTruth } from './truth.js';

/** Rank value of a truth row that no submission row covered. */
export const MISSING = -2;

export interface ClassificationSubmission {
  /** Per truth row: 0-based rank of the true label among the predictions, -1 absent, MISSING. */
  ranks: Int16Array;
  /** Fewest labels in any row (decides which top-k the row length allows). */
  minLabels: number;
}

export interface SubmissionReadOptions {
  /** Labels every row must have (the challenge's `predictions`); rows may have more. */
  required: number;
  /**
   * The challenge declares an open label set (`open_labels: true`): a label that is no class of
   * the truth is a wrong guess, not a mistake. Otherwise it is refused with its line.
   */
  openLabels?: boolean;
  problems: ProblemList;
  name?: string;
}

/** Ranks past this are stored as "not within any reported k" (ranks only matter up to 5). */
const RANK_CAP = 1000;

export async function readClassificationSubmission(
  file: string,
  truth: ClassificationTruth,
  opts: SubmissionReadOptions,
): Promise<ClassificationSubmission> {
  const { problems, required } = opts;
  const name = opts.name ?? file;
  const ranks = new Int16Array(truth.ids.length).fill(MISSING);
  const firstLineOf = new Int32Array(truth.ids.length);
  let minLabels = Infinity;

  /** The truth row of a known id seen for the first time (its line noted), else undefined. */
  const claim = (id: string, line: number): number | undefined => {
    const t = truth.index.get(id);
    if (t === undefined || ranks[t] !== MISSING) return undefined;
    ranks[t] = -1;
    firstLineOf[t] = line;
    return t;
  };

  await readCsv(file, {
    name,
    headers: [['id', 'predicted']],
    problems,
    // A record with the wrong column count still names its id: reported once, not again as missing.
    onBadRow: (fields, line) => void claim(fields[0]!.trim(), line),
    onRow(fields, line) {
      const id = fields[0]!.trim();
      if (!id) return problems.add({ file: name, line, column: 'id', message: 'is empty' });
      const known = truth.index.get(id);
      if (known === undefined) return problems.add({ file: name, line, column: 'id', message: `unknown id "${clip(id)}" (not in the truth)` });
      const t = claim(id, line);
      if (t === undefined) {
        return problems.add({ file: name, line, column: 'id', message: `duplicate id "${clip(id)}" (first seen at line ${firstLineOf[known]})` });
      }
      const labels = splitLabels(fields[1]!);
      if (labels.length < required) {
        return problems.add({
          file: name,
          line,
          column: 'predicted',
          message: `expected at least ${required} space-separated label${required === 1 ? '' : 's'}, found ${labels.length}`,
        });
      }
      const dup = firstDuplicate(labels);
      if (dup !== undefined) return problems.add({ file: name, line, column: 'predicted', message: `label "${clip(dup)}" appears twice` });
      if (!opts.openLabels) {
        const unknown = labels.find((l) => !truth.classIndex.has(l));
        if (unknown !== undefined) {
          return problems.add({ file: name, line, column: 'predicted', message: `label "${clip(unknown)}" is not a class of the truth` });
        }
      }
      if (labels.length < minLabels) minLabels = labels.length;
      const r = labels.indexOf(truth.labels[t]!);
      ranks[t] = r < 0 || r >= RANK_CAP ? -1 : r;
    },
  });

  for (let t = 0; t < ranks.length; t++) {
    if (ranks[t] === MISSING) problems.add({ file: name, column: 'id', message: `missing id "${truth.ids[t]}" (in the truth, not in the submission)` });
  }
  return { ranks, minLabels: minLabels === Infinity ? 0 : minLabels };
}

/** Space-separated labels; a run of any whitespace (tabs, stray CRs) counts as one separator. */
function splitLabels(field: string): string[] {
  const trimmed = field.trim();
  if (trimmed === '') return [];
  if (trimmed.includes('  ') || /[^\S ]/.test(trimmed)) return trimmed.split(/\s+/);
  return trimmed.split(' ');
}

function firstDuplicate(labels: string[]): string | undefined {
  if (labels.length <= 8) {
    for (let i = 1; i < labels.length; i++) for (let j = 0; j < i; j++) if (labels[i] === labels[j]) return labels[i];
    return undefined;
  }
  const seen = new Set<string>();
  for (const l of labels) {
    if (seen.has(l)) return l;
    seen.add(l);
  }
  return undefined;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}
