/**
 * How the test set is split between the public and the private leaderboard, so a board can
 * say what it shows ("public split: 30 % of the test set"). Counted from the truth's usage
 * marks: a `usage` column of the truth CSV (classification), of a CSV inside a truth folder
 * (`examples.csv`, `clips.csv`), or a usage file (formats/usage.ts). Read once per truth
 * version (path, size and modification time, looked at once a second).
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCsv } from '../formats/csv.js';
import { readUsage, usageFileFor } from '../formats/usage.js';
import { ProblemList } from '../problems.js';

export interface SplitShares {
  public: number;
  private: number;
  /** Items marked Ignored: in the truth but never scored. */
  ignored: number;
}

const cache = new Map<string, { key: string; shares: SplitShares | null; checkedAt: number }>();

/** A truth's files are looked at (stat) at most this often: a board page under a crowd costs no file system call. */
const RECHECK_MS = 1000;

function stampOf(file: string): string {
  const st = fs.statSync(file);
  return `${file}:${st.size}:${st.mtimeMs}`;
}

function firstLine(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  } finally {
    fs.closeSync(fd);
  }
}

async function countCsvUsage(file: string): Promise<SplitShares | null> {
  const header = firstLine(file).split(',');
  const at = header.indexOf('usage');
  if (at < 0) return null;
  const shares: SplitShares = { public: 0, private: 0, ignored: 0 };
  await readCsv(file, {
    headers: [header],
    problems: new ProblemList(),
    onRow(fields) {
      const u = fields[at]?.trim();
      if (u === 'Public') shares.public++;
      else if (u === 'Private') shares.private++;
      else if (u === 'Ignored') shares.ignored++;
    },
  });
  return shares;
}

/** The CSV files that may carry usage marks for this truth. */
function candidates(truth: string): string[] {
  if (!fs.existsSync(truth)) return [];
  if (fs.statSync(truth).isDirectory()) {
    return fs.readdirSync(truth).filter((f) => f.endsWith('.csv') && f !== 'usage.csv').sort().map((f) => path.join(truth, f));
  }
  return truth.toLowerCase().endsWith('.csv') ? [truth] : [];
}

async function count(truth: string): Promise<SplitShares | null> {
  const usageFile = usageFileFor(truth);
  if (fs.existsSync(usageFile)) {
    const marks = readUsage(truth)!;
    const shares: SplitShares = { public: 0, private: 0, ignored: 0 };
    for (const u of marks.values()) {
      if (u === 'Public') shares.public++;
      else if (u === 'Private') shares.private++;
      else shares.ignored++;
    }
    return shares;
  }
  for (const file of candidates(truth)) {
    const shares = await countCsvUsage(file);
    if (shares) return shares;
  }
  return null;
}

/**
 * The public/private counts of a truth, or null when it has no usage marks (every item is
 * public) or cannot be read (the scoring reports that, not the board).
 */
export async function splitShares(truth: string): Promise<SplitShares | null> {
  const now = Date.now();
  const recent = cache.get(truth);
  if (recent && now - recent.checkedAt < RECHECK_MS) return recent.shares;
  let key: string;
  try {
    const usageFile = usageFileFor(truth);
    key = fs.existsSync(usageFile) ? stampOf(usageFile) : candidates(truth).map(stampOf).join('|') || truth;
  } catch {
    return null;
  }
  const hit = cache.get(truth);
  if (hit && hit.key === key) {
    hit.checkedAt = now;
    return hit.shares;
  }
  let shares: SplitShares | null;
  try {
    shares = await count(truth);
  } catch {
    shares = null;
  }
  cache.set(truth, { key, shares, checkedAt: now });
  return shares;
}

/** The share of the scored test set (public + private) a split holds, 0..1. */
export function shareOf(shares: SplitShares, split: 'public' | 'private'): number {
  const scored = shares.public + shares.private;
  return scored === 0 ? 0 : shares[split] / scored;
}
