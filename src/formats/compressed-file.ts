/**
 * A submission compressed as a whole (`preds.csv.gz`) is named as such, by its first bytes,
 * instead of failing deeper as "not UTF-8 text" or "not a zip": podium reads the file itself
 * (a folder as a .zip), so the fix is to decompress it. Zips are submissions, not this.
 */
import fs from 'node:fs';
import type { Problem } from '../problems.js';

/** gzip, bzip2, xz or zstd from the magic numbers of their formats (RFC 1952, bzip2, xz, RFC 8878); undefined for anything else, a folder included. */
export function compressedFormat(file: string): string | undefined {
  const head = Buffer.alloc(6);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return undefined;
    fs.readSync(fd, head, 0, 6, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return undefined;
}

/** The problem a compressed submission `name` is, or undefined when `file` is not one. */
export function compressedFileProblem(file: string, name: string): Problem | undefined {
  const format = compressedFormat(file);
  if (!format) return undefined;
  return { file: name, message: `is ${format}-compressed; podium reads the file itself (a folder as a .zip): decompress it first and submit the result` };
}
