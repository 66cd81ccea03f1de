/**
 * A segmentation submission as a CSV `id,class,rle` (Kaggle style; rle.ts for the run format).
 *
 * How rows combine into one mask per image:
 * - one row per (image id, class) that the image contains; `class` is the label (0..C-1) or the
 *   class name (`person`); a second row for the same (id, class) is an error;
 * - pixels no row covers are background (label 0), so background rows are optional;
 * - a pixel covered by two rows (two classes) is an error naming both rows;
 * - every truth id needs at least one row: an image predicted as all background is written as
 *   one row with class 0 (or `background`) and an empty rle.
 * The CSV is read once (rows kept as text, grouped by id); each mask is built when scored.
 */
import { readCsv } from '../../formats/csv.js';
import { decodeRle } from '../../formats/rle.js';
import type { ProblemList } from '../../problems.js';
import type { LabelMask } from './masks.js';
import type { ExpectedIds, SizedPredictionSource } from './submission.js';

interface RleRow {
  label: number;
  /** Parsed runs: (0-based start, length) pairs, increasing; not yet checked against the size. */
  runs: Uint32Array;
  /** File line of the row (the header is line 1). */
  line: number;
}

/** Largest pixel index runs may reach before the image size is known (they are uint32). */
const MAX_PIXELS = 0xffffffff;

/** Marks pixels no row has painted yet; never a class label (labels stop at 254). */
const UNPAINTED = 255;

export async function openRleSubmission(
  file: string,
  label: string,
  expected: ExpectedIds,
  classNames: readonly string[],
  problems: ProblemList,
): Promise<SizedPredictionSource> {
  const truthIds = expected.ids;
  const truth = new Set(truthIds);
  const byName = new Map(classNames.map((name, i) => [name, i]));
  const rowsById = new Map<string, RleRow[]>();
  // Ids with any row, good or bad: a bad row is reported once, not again as a missing id.
  const seen = new Set<string>();
  await readCsv(file, {
    name: label,
    headers: [['id', 'class', 'rle']],
    problems,
    onBadRow: (fields) => void seen.add(fields[0]!.trim()),
    onRow(fields, line) {
      const id = fields[0]!.trim();
      const classText = fields[1]!.trim();
      if (!truth.has(id)) {
        const message = id === '' ? 'empty id' : (expected.whyNot?.(id) ?? `no truth image has id "${id}"`);
        problems.add({ file: label, line, column: 'id', message });
        return;
      }
      seen.add(id);
      const labelValue = /^\d+$/.test(classText) ? Number(classText) : byName.get(classText);
      if (labelValue === undefined || labelValue >= classNames.length) {
        problems.add({ file: label, line, column: 'class', message: `"${classText}" is not a class (expected 0..${classNames.length - 1} or a class name)` });
        return;
      }
      let rows = rowsById.get(id);
      if (!rows) rowsById.set(id, (rows = []));
      const previous = rows.find((r) => r.label === labelValue);
      if (previous) {
        problems.add({ file: label, line, column: 'class', message: `second row for id "${id}" and class ${labelValue} (first at line ${previous.line})` });
        return;
      }
      const runs = decodeRle(fields[2]!, MAX_PIXELS);
      if (typeof runs === 'string') {
        problems.add({ file: label, line, column: 'rle', message: runs });
        return;
      }
      rows.push({ label: labelValue, runs, line });
    },
  });
  for (const id of truthIds) {
    if (!seen.has(id)) problems.add({ file: label, column: 'id', message: `missing id "${id}" (an all-background image needs one row: ${id},0,)` });
  }
  return {
    needsSize: true,
    async load(id, problems, width, height) {
      const rows = rowsById.get(id);
      if (!rows) return undefined;
      const pixels = width * height;
      const labels = new Uint8Array(pixels).fill(UNPAINTED);
      let ok = true;
      for (const r of rows) {
        const runs = r.runs;
        const last = runs.length - 2;
        if (last >= 0 && runs[last]! + runs[last + 1]! > pixels) {
          const where = `run ${last / 2 + 1} (${runs[last]! + 1} ${runs[last + 1]})`;
          problems.add({ file: label, line: r.line, column: 'rle', message: `${where} goes past the last pixel ${pixels} of the image (image "${id}" is ${width} x ${height})` });
          ok = false;
          continue;
        }
        for (let k = 0; k < runs.length; k += 2) {
          const start = runs[k]!;
          const end = start + runs[k + 1]!;
          for (let i = start; i < end; i++) {
            if (labels[i] !== UNPAINTED) {
              const other = rows.find((o) => o.label === labels[i])!;
              problems.add({ file: label, line: r.line, column: 'rle', message: `pixel ${i + 1} of "${id}" is also class ${labels[i]} (line ${other.line}); classes must not overlap` });
              ok = false;
              break;
            }
            labels[i] = r.label;
          }
          if (!ok) break;
        }
      }
      if (!ok) return undefined;
      for (let i = 0; i < pixels; i++) if (labels[i] === UNPAINTED) labels[i] = 0;
      return { file: `${label} (id ${id})`, width, height, labels, stride: width };
    },
  };
}
