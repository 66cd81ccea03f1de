/**
 * What every folder-or-zip submission reader needs (segmentation, separation, fluorescence):
 * files a desktop adds are ignored, a folder is listed with its symbolic links apart, and one
 * wrapper folder around a zip's contents is dropped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listZip, type ZipEntry } from './zip.js';
import { ValidationError, type ProblemList } from '../problems.js';
import { statOrRefuse } from './stat-or-refuse.js';

/** Files a desktop adds to a folder or zip (`__MACOSX/`, `.DS_Store`, `Thumbs.db`, `desktop.ini`); a folder name ends in '/'. */
export function isDesktopClutter(name: string): boolean {
  const base = name.split('/').pop()!;
  return name.startsWith('__MACOSX/') || base.startsWith('.') || base === 'Thumbs.db' || base === 'desktop.ini';
}

/** Relative paths of the files under a folder, '/'-separated; symbolic links apart (not followed). */
export function listSubmissionFolder(root: string): { regular: string[]; links: string[] } {
  const out: string[] = [];
  const links: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) links.push(name);
      else if (entry.isDirectory()) {
        if (!isDesktopClutter(`${name}/`)) walk(name);
      } else if (entry.isFile()) out.push(name);
    }
  };
  walk('');
  return { regular: out, links };
}

/**
 * Drops one top folder shared by every item when no item's name already matches `expected`
 * (a zip made of the folder rather than of its contents).
 */
export function stripWrapperFolder<T>(items: T[], nameOf: (item: T) => string, expected: RegExp): { name: string; entry: T }[] {
  const plain = items.map((entry) => ({ name: nameOf(entry), entry }));
  if (items.length === 0 || plain.some((p) => expected.test(p.name))) return plain;
  const top = plain[0]!.name.split('/')[0]!;
  if (!plain.every((p) => p.name.startsWith(`${top}/`))) return plain;
  return plain.map((p) => ({ name: p.name.slice(top.length + 1), entry: p.entry }));
}

/**
 * Where one submitted file's bytes are, and how messages name it (`sub.zip/s1/a.wav`): plain
 * data, so scoring threads can be handed it.
 */
export type SubmittedFileLocation = { label: string; file: string } | { label: string; zip: string; entry: string };

/**
 * The files of a folder-or-zip submission, named relative to its root (one wrapper folder of a
 * zip dropped when no name matches `expected` without it); desktop clutter left out, symbolic
 * links in a folder added to `problems`. Anything but a folder or a `.zip` is refused with
 * `layout`, which says what the submission should hold. A zip may hold twice the files
 * expected (and at least 1,000) before it is refused unread.
 */
export async function listSubmissionFiles(
  submissionPath: string,
  options: { expected: RegExp; layout: string; expectedFiles: number; noun: string },
  problems: ProblemList,
): Promise<{ name: string; location: SubmittedFileLocation }[]> {
  const label = path.basename(submissionPath);
  const stat = statOrRefuse(submissionPath, { file: label, message: 'submission not found' });
  if (stat.isDirectory()) {
    const { regular, links } = listSubmissionFolder(submissionPath);
    for (const name of links) problems.add({ file: `${label}/${name}`, message: `is a symbolic link; ${options.noun} must be regular files` });
    return regular.filter((name) => !isDesktopClutter(name)).map((name) => ({ name, location: { file: path.join(submissionPath, name), label: `${label}/${name}` } }));
  }
  if (submissionPath.toLowerCase().endsWith('.zip')) {
    const names = (await listZip(submissionPath, { maxEntries: Math.max(1000, options.expectedFiles * 2 + 100) })).map((e) => e.name).filter((n) => !isDesktopClutter(n));
    return stripWrapperFolder(names, (n) => n, options.expected).map(({ name, entry }) => ({ name, location: { zip: submissionPath, entry, label: `${label}/${entry}` } }));
  }
  throw ValidationError.of({ file: label, message: `expected a folder or .zip with ${options.layout}` });
}

/** Finds entries of submission zips by name, listing each zip once. */
export class ZipEntryReader {
  private readonly zips = new Map<string, Promise<Map<string, ZipEntry>>>();

  /** The entry (its declared `size` bounds inflation before a byte is read). */
  async entry(zip: string, name: string): Promise<ZipEntry> {
    let listing = this.zips.get(zip);
    if (!listing) {
      listing = listZip(zip, { maxEntries: 1_000_000 }).then((entries) => new Map(entries.map((e) => [e.name, e])));
      this.zips.set(zip, listing);
    }
    const found = (await listing).get(name);
    if (!found) throw ValidationError.of({ file: name, message: 'entry vanished from the zip' });
    return found;
  }
}
