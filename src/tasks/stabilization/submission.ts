/**
 * Stabilization submissions: CSV `clip,frame,h00,h01,h02,h10,h11,h12,h20,h21,h22`, the
 * row-major S_t mapping input frame t to output frame t, one row per clip and frame, any order.
 *
 * A plain-ASCII file (the usual case: 90,000 rows for 1,000 clips) is scanned from bytes with
 * numbers parsed in place; a file with quotes or non-ASCII bytes goes through csv.ts. Both give
 * the same rows, line numbers (header = line 1) and problems. Every problem names the clip, the
 * frame and the line: unknown clip, frame outside 0..N-1, duplicate, non-numeric or non-finite
 * entry, zero h22, singular matrix, and (without a line) every frame no row gave.
 */
import fs from 'node:fs';
import { homographyProblem, normaliseInPlace } from '../../evaluators/homography.js';
import { parseAsciiNumber } from '../../formats/ascii-number.js';
import { readCsv } from '../../formats/csv.js';
import { isPlainAscii, scanAsciiCsv } from '../../formats/ascii-csv.js';
import { fieldNumber } from '../../formats/detection-csv.js';
import { ProblemList, ValidationError } from '../../problems.js';
import type { StabilizationTruth } from './truth.js';

export const STABILIZATION_CSV_HEADER = ['clip', 'frame', 'h00', 'h01', 'h02', 'h10', 'h11', 'h12', 'h20', 'h21', 'h22'] as const;

/** S_t per truth clip (same order as truth.clips), frames x 9, normalised by h22. */
export type StabilizationSubmission = Float64Array[];

const shown = (t: string) => (t === '' ? 'an empty field' : `"${t.length > 40 ? t.slice(0, 40) + '...' : t}"`);

class SubmissionBuilder {
  readonly paths: Float64Array[];
  /** File line that gave each frame (0 = none yet), per clip. */
  readonly lineOf: Int32Array[];
  constructor(readonly truth: StabilizationTruth, readonly name: string, readonly problems: ProblemList) {
    this.paths = truth.clips.map((c) => new Float64Array(9 * c.frames));
    this.lineOf = truth.clips.map((c) => new Int32Array(c.frames));
  }

  /**
   * One row; `frame` is the frame index (NaN unless 1-9 digits), `values` holds the 9 entries
   * (NaN where not a number), `text(i)` the raw field i, made only for a message.
   */
  add(line: number, clipId: string, frame: number, values: Float64Array, text: (i: number) => string): void {
    const { problems, name: file } = this;
    const c = this.truth.index.get(clipId);
    if (c === undefined) return problems.add({ file, line, column: 'clip', message: `clip ${shown(clipId)} is not a clip of the truth` });
    const clip = this.truth.clips[c]!;
    if (!(frame < clip.frames)) {
      return problems.add({ file, line, column: 'frame', message: `clip ${clipId}: frame ${shown(text(1))} is not a frame index 0..${clip.frames - 1}` });
    }
    const first = this.lineOf[c]![frame]!;
    if (first !== 0) return problems.add({ file, line, column: 'frame', message: `clip ${clipId}, frame ${frame}: duplicate (first given at line ${first})` });
    this.lineOf[c]![frame] = line; // given, even if invalid below: not reported again as missing
    for (let i = 0; i < 9; i++) {
      if (!Number.isFinite(values[i]!)) {
        const column = STABILIZATION_CSV_HEADER[i + 2]!;
        return problems.add({ file, line, column, message: `clip ${clipId}, frame ${frame}: ${column} must be a finite number, found ${shown(text(i + 2))}` });
      }
    }
    const bad = homographyProblem(values);
    if (bad) return problems.add({ file, line, ...(bad.startsWith('h22') && { column: 'h22' }), message: `clip ${clipId}, frame ${frame}: ${bad}` });
    const out = this.paths[c]!;
    out.set(values, 9 * frame);
    normaliseInPlace(out, 9 * frame);
  }

  /** Reports every frame no row gave (a run of missing frames as one problem per clip). */
  finish(): StabilizationSubmission {
    this.truth.clips.forEach((clip, c) => {
      const lines = this.lineOf[c]!;
      const missing: number[] = [];
      for (let t = 0; t < clip.frames; t++) if (lines[t] === 0) missing.push(t);
      if (missing.length === 0) return;
      const list = missing.length <= 8 ? missing.join(', ') : `${missing.slice(0, 8).join(', ')}, ... (${missing.length} in all)`;
      this.problems.add({ file: this.name, message: `clip ${clip.id}: no row for frame${missing.length > 1 ? 's' : ''} ${list}; every frame 0..${clip.frames - 1} needs S_t` });
    });
    this.problems.throwIfAny();
    return this.paths;
  }
}

/** Reads and validates a submission against the truth; throws ValidationError with every problem. */
export async function readStabilizationSubmission(file: string, truth: StabilizationTruth, name = file): Promise<StabilizationSubmission> {
  const problems = new ProblemList();
  const builder = new SubmissionBuilder(truth, name, problems);
  let bytes: Buffer;
  try {
    if (fs.statSync(file).isDirectory()) throw ValidationError.of({ file: name, message: `is a folder, expected a CSV file (${STABILIZATION_CSV_HEADER.join(',')})` });
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw ValidationError.of({ file: name, message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
  }
  if (isPlainAscii(bytes)) scanBytes(bytes, builder);
  else {
    const values = new Float64Array(9);
    await readCsv(file, {
      name,
      headers: [STABILIZATION_CSV_HEADER],
      problems,
      onRow(fields, line) {
        for (let i = 0; i < 9; i++) values[i] = fieldNumber(fields[i + 2]!);
        const frameText = fields[1]!.trim();
        builder.add(line, fields[0]!.trim(), /^\d{1,9}$/.test(frameText) ? Number(frameText) : NaN, values, (i) => fields[i]!.trim());
      },
    });
  }
  return builder.finish();
}

/** The byte fast path (ascii-csv.ts): numbers parsed in place, the clip id string reused while its bytes repeat. */
function scanBytes(bytes: Buffer, builder: SubmissionBuilder): void {
  const values = new Float64Array(9);
  let starts: Int32Array, ends: Int32Array;
  const text = (i: number) => bytes.toString('latin1', starts[i]!, ends[i]!);
  // Rows of one clip usually come together.
  let lastStart = -1, lastEnd = -1, lastId = '';
  scanAsciiCsv(bytes, builder.name, STABILIZATION_CSV_HEADER, builder.problems, (line, s, e) => {
    starts = s;
    ends = e;
    for (let i = 0; i < 9; i++) values[i] = s[i + 2] === e[i + 2] ? NaN : parseAsciiNumber(bytes, s[i + 2]!, e[i + 2]!);
    const a = s[0]!, b = e[0]!;
    if (!(lastStart >= 0 && b - a === lastEnd - lastStart && bytes.compare(bytes, lastStart, lastEnd, a, b) === 0)) lastId = bytes.toString('latin1', a, b);
    lastStart = a;
    lastEnd = b;
    builder.add(line, lastId, frameIndex(bytes, s[1]!, e[1]!), values, text);
  });
}

/** The frame index in `bytes[start, end)` when it is 1-9 digits (as the general path's /^\d{1,9}$/), else NaN. */
function frameIndex(bytes: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 9) return NaN;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}
