/** The classification truth: iNat 2018 solution CSV `id,expected[,usage]`. */
import { readCsv } from '../../formats/csv.js';
import { ProblemList } from '../../problems.js';

import { USAGE_ALL, usageCode } from '../../scoring/usage.js';

/** What scoring needs of a truth, whichever path read it. */
export interface ScoringTruth {
  /** Class index of each row. */
  classOf: Int32Array;
  usage: Uint8Array;
  numClasses: number;
  hasUsage: boolean;
}

export interface ClassificationTruth {
  ids: string[];
  /** id -> row index into ids / labels / usage. */
  index: Map<string, number>;
  /** True label of each row, trimmed (labels compare as trimmed strings). */
  labels: string[];
  /** Class index of each row into classNames. */
  classOf: Int32Array;
  classNames: string[];
  /** Label -> class index: the classes of the truth. */
  classIndex: Map<string, number>;
  usage: Uint8Array;
  hasUsage: boolean;
}

export async function readClassificationTruth(file: string): Promise<ClassificationTruth> {
  const problems = new ProblemList();
  const ids: string[] = [];
  const labels: string[] = [];
  const usageList: number[] = [];
  const index = new Map<string, number>();
  const { header } = await readCsv(file, {
    headers: [['id', 'expected'], ['id', 'expected', 'usage']],
    problems,
    onRow(fields, line) {
      const id = fields[0]!.trim();
      const label = fields[1]!.trim();
      if (!id) return problems.add({ file, line, column: 'id', message: 'is empty' });
      if (!label) return problems.add({ file, line, column: 'expected', message: 'is empty' });
      if (index.has(id)) return problems.add({ file, line, column: 'id', message: `duplicate id "${id}"` });
      let usage = USAGE_ALL;
      if (fields.length > 2) {
        const u = fields[2]!.trim();
        usage = usageCode(u);
        if (usage < 0) return problems.add({ file, line, column: 'usage', message: `"${u}" is not Public, Private or Ignored` });
      }
      index.set(id, ids.length);
      ids.push(id);
      labels.push(label);
      usageList.push(usage);
    },
  });
  problems.throwIfAny();

  const classIndex = new Map<string, number>();
  const classNames: string[] = [];
  const classOf = new Int32Array(labels.length);
  labels.forEach((label, i) => {
    let c = classIndex.get(label);
    if (c === undefined) {
      c = classNames.length;
      classIndex.set(label, c);
      classNames.push(label);
    }
    classOf[i] = c;
  });
  return { ids, index, labels, classOf, classNames, classIndex, usage: Uint8Array.from(usageList), hasUsage: header.length > 2 };
}
