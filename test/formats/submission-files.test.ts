import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSubmissionFiles, ZipEntryReader } from '../../src/formats/submission-files.js';
import { writeZip } from '../../src/formats/zip.js';
import { ProblemList, ValidationError } from '../../src/problems.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-subfiles-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const options = { expected: /^([^/]+)\/([^/]+)\.png$/, layout: '<id>/<CHANNEL>.png', expectedFiles: 2, noun: 'predictions' };

describe('a folder-or-zip submission', () => {
  it('lists a folder: desktop clutter left out, symbolic links named as problems and not listed', async () => {
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(path.join(sub, 'a'), { recursive: true });
    fs.mkdirSync(path.join(sub, '__MACOSX'));
    fs.writeFileSync(path.join(sub, 'a', 'DAPI.png'), 'x');
    fs.writeFileSync(path.join(sub, '.DS_Store'), '');
    fs.writeFileSync(path.join(sub, '__MACOSX', 'junk'), '');
    fs.symlinkSync('/etc/passwd', path.join(sub, 'a', 'TuJ1.png'));
    const problems = new ProblemList();
    const files = await listSubmissionFiles(sub, options, problems);
    expect(files).toEqual([{ name: 'a/DAPI.png', location: { file: path.join(sub, 'a', 'DAPI.png'), label: 'sub/a/DAPI.png' } }]);
    expect(problems.items.map((p) => `${p.file}: ${p.message}`)).toEqual(['sub/a/TuJ1.png: is a symbolic link; predictions must be regular files']);
  });

  it('lists a zip made of its folder as if the folder were the root, and reads entries by name', async () => {
    const zip = path.join(dir, 'run.zip');
    await writeZip(zip, [
      { name: 'run-3/a/DAPI.png', data: 'dapi' },
      { name: 'run-3/b/DAPI.png', data: 'b' },
      { name: '__MACOSX/run-3/a/._DAPI.png', data: 'x' },
    ]);
    const files = await listSubmissionFiles(zip, options, new ProblemList());
    expect(files.map((f) => f.name)).toEqual(['a/DAPI.png', 'b/DAPI.png']);
    expect(files[0]!.location).toEqual({ zip, entry: 'run-3/a/DAPI.png', label: 'run.zip/run-3/a/DAPI.png' });
    const reader = new ZipEntryReader();
    expect((await (await reader.entry(zip, 'run-3/a/DAPI.png')).buffer()).toString()).toBe('dapi');
    await expect(reader.entry(zip, 'run-3/c/DAPI.png')).rejects.toThrow(ValidationError);
  });

  it('refuses anything else with the layout it expects, and a missing path', async () => {
    const csv = path.join(dir, 'preds.csv');
    fs.writeFileSync(csv, 'id,value\n');
    await expect(listSubmissionFiles(csv, options, new ProblemList())).rejects.toThrow('expected a folder or .zip with <id>/<CHANNEL>.png');
    await expect(listSubmissionFiles(path.join(dir, 'nothing'), options, new ProblemList())).rejects.toThrow('submission not found');
  });
});
