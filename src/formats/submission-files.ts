/**
 * What every folder-or-zip submission reader needs (segmentation, separation, fluorescence):
 * files a desktop adds are ignored, a folder is listed with its symbolic links apart, and one
 * wrapper folder around a zip's contents is dropped.
 */
import fs from 'node:fs';
import path from 'node:path';

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
