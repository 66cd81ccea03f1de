import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { listZip, readZip, writeZip, type ZipLimits } from '../../src/formats/zip.js';
import { ValidationError } from '../../src/problems.js';
import { rawZip, type RawEntry } from '../segmentation/raw-zip.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-zip-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const writeRaw = (entries: RawEntry[]) => {
  const file = path.join(dir, `raw${counter++}.zip`);
  fs.writeFileSync(file, rawZip(entries));
  return file;
};
const bytes = (s: string) => Buffer.from(s);

async function readAll(file: string, limits?: Partial<ZipLimits>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const entry of readZip(file, limits)) out[entry.name] = (await entry.buffer()).toString('latin1');
  return out;
}

async function problemsOf(file: string, limits?: Partial<ZipLimits>): Promise<string[]> {
  try {
    await readAll(file, limits);
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map((p) => `${p.file}: ${p.message}`);
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('writeZip and readZip', () => {
  it('round-trips stored and deflated entries, skipping directories', async () => {
    const file = path.join(dir, 'ok.zip');
    const big = 'abc'.repeat(10_000);
    await writeZip(file, [
      { name: 's1/a.wav', data: big },
      { name: 's2/b.wav', data: bytes('stored'), compress: false },
      { name: 'empty.txt', data: '' },
    ]);
    expect(await readAll(file)).toEqual({ 's1/a.wav': big, 's2/b.wav': 'stored', 'empty.txt': '' });
    const listed = await listZip(file);
    expect(listed.map((e) => [e.name, e.size])).toEqual([['s1/a.wav', 30_000], ['s2/b.wav', 6], ['empty.txt', 0]]);
    // Entries from listZip read in any order.
    expect((await listed[1]!.buffer()).toString()).toBe('stored');
  });
  it('reads zips made by Info-ZIP (directories, data descriptors from stdin)', async () => {
    let hasZip = true;
    try {
      execFileSync('zip', ['-v'], { stdio: 'ignore' });
    } catch {
      hasZip = false;
    }
    if (!hasZip) return; // zip(1) not installed: the raw-writer tests cover the format
    const src = path.join(dir, 'tree');
    fs.mkdirSync(path.join(src, 'masks'), { recursive: true });
    fs.writeFileSync(path.join(src, 'masks/a.png'), 'x'.repeat(5000));
    const file = path.join(dir, 'infozip.zip');
    execFileSync('zip', ['-qr', file, 'masks'], { cwd: src });
    expect(await readAll(file)).toEqual({ 'masks/a.png': 'x'.repeat(5000) });
    // Forced zip64 (-fz: zip64 end records, sizes in the zip64 extra field) and an entry
    // streamed from stdin to a pipe (sizes only in a data descriptor and the central directory).
    const zip64 = path.join(dir, 'infozip64.zip');
    execFileSync('zip', ['-q', '-fz', zip64, 'masks/a.png'], { cwd: src });
    expect(await readAll(zip64)).toEqual({ 'masks/a.png': 'x'.repeat(5000) });
    const streamed = path.join(dir, 'streamed.zip');
    fs.writeFileSync(streamed, execFileSync('zip', ['-q', '-', '-'], { input: 'y'.repeat(3000) }));
    expect(fs.readFileSync(zip64).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    expect(await readAll(streamed)).toEqual({ '-': 'y'.repeat(3000) });
  });
});

describe('zip safety', () => {
  it('rejects path traversal, absolute paths and backslashes, naming each entry', async () => {
    const file = writeRaw([
      { name: '../evil.png', data: bytes('x') },
      { name: 'a/../../evil.png', data: bytes('x') },
      { name: '/etc/passwd', data: bytes('x') },
      { name: 'C:/x.png', data: bytes('x') },
      { name: 'masks\\a.png', data: bytes('x') },
      { name: 'fine.png', data: bytes('x') },
    ]);
    const problems = await problemsOf(file);
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/^raw\d+\.zip: unsafe entry name "\.\.\/evil\.png": path traversal/);
    expect(problems[1]).toMatch(/"a\/\.\.\/\.\.\/evil\.png": path traversal/);
    expect(problems[2]).toMatch(/"\/etc\/passwd": absolute path/);
    expect(problems[3]).toMatch(/"C:\/x\.png": absolute path \(drive letter\)/);
    expect(problems[4]).toMatch(/backslash/);
  });
  it('rejects symlinks', async () => {
    const file = writeRaw([{ name: 'link.png', data: bytes('/etc/passwd'), unixMode: 0o120777 }]);
    expect(await problemsOf(file)).toEqual([expect.stringMatching(/entry "link\.png" is a symbolic link/)]);
  });
  it('rejects nested archives by name and by content', async () => {
    const inner = rawZip([{ name: 'a.png', data: bytes('x') }]);
    expect(await problemsOf(writeRaw([{ name: 'inner.zip', data: inner }]))).toEqual([
      expect.stringMatching(/entry "inner\.zip" is an archive; nested archives are not allowed/),
    ]);
    expect(await problemsOf(writeRaw([{ name: 'sneaky.png', data: inner }]))).toEqual([
      expect.stringMatching(/entry "sneaky\.png": is an archive \(by its content\)/),
    ]);
  });
  it('rejects an entry that inflates beyond its declared size (zip bomb), without inflating it all', async () => {
    const bomb = Buffer.alloc(20 * 1024 * 1024); // 20 MiB of zeros deflate to ~20 KiB
    const file = writeRaw([{ name: 'bomb.png', data: bomb, deflate: true, declaredSize: 1000 }]);
    expect(fs.statSync(file).size).toBeLessThan(100_000);
    expect(await problemsOf(file)).toEqual([expect.stringMatching(/entry "bomb\.png": inflates to more than 1000 bytes \(declared 1000 bytes\); refusing a possible zip bomb/)]);
  });
  it('rejects entries that share their data (overlapping zip bomb)', async () => {
    const zip = rawZip([
      { name: 'a.png', data: Buffer.alloc(5000), deflate: true },
      { name: 'b.png', data: Buffer.alloc(5000), deflate: true },
    ]);
    const second = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 4);
    zip.writeUInt32LE(0, second + 42); // b.png's central record now points at a.png's data
    const file = path.join(dir, 'overlap.zip');
    fs.writeFileSync(file, zip);
    expect(await problemsOf(file)).toEqual([expect.stringMatching(/overlap\.zip: entries "a\.png" and "b\.png" overlap in the file; refusing a possible zip bomb/)]);
  });
  it('rejects declared sizes over the per-entry and total limits before reading anything', async () => {
    const file = writeRaw([
      { name: 'a.png', data: Buffer.alloc(3000), deflate: true },
      { name: 'b.png', data: Buffer.alloc(3000), deflate: true },
    ]);
    expect(await problemsOf(file, { maxEntryBytes: 2000 })).toEqual([
      expect.stringMatching(/zip: entry "a\.png" is 2\.9 KiB uncompressed, over the 2\.0 KiB limit for one file/),
      expect.stringMatching(/zip: entry "b\.png" is 2\.9 KiB/),
    ]);
    expect(await problemsOf(file, { maxTotalBytes: 5000 })).toEqual([expect.stringMatching(/5\.9 KiB uncompressed in total, over the 4\.9 KiB limit/)]);
  });
  it('reads entries whose compressed data is larger than 256 KB (read on the thread pool) as the small ones, stored or deflated, and checks their CRC', async () => {
    let x = 7;
    const noise = Buffer.from(Array.from({ length: 600_000 }, () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24)));
    const file = writeRaw([
      { name: 'small.png', data: bytes('tiny') },
      { name: 'stored.png', data: noise },
      { name: 'deflated.png', data: noise, deflate: true },
    ]);
    const entries = await listZip(file);
    expect(entries.map((e) => e.compressedSize > 256 * 1024)).toEqual([false, true, true]);
    for (const e of entries.slice(1)) expect((await e.buffer()).equals(noise)).toBe(true);
    const zip = fs.readFileSync(file);
    zip[zip.indexOf('stored.png') + 10 + 300_000] ^= 0xff;
    const corrupt = path.join(dir, 'corrupt-large.zip');
    fs.writeFileSync(corrupt, zip);
    expect(await problemsOf(corrupt)).toEqual([expect.stringMatching(/entry "stored\.png": CRC mismatch/)]);
  });
  it('rejects a stored entry whose size does not match its declaration', async () => {
    const file = writeRaw([{ name: 'a.png', data: Buffer.alloc(4000), declaredSize: 10 }]);
    expect(await problemsOf(file)).toEqual([expect.stringMatching(/entry "a\.png": stored entry is 4000 bytes but declares 10/)]);
  });
  it('rejects too many entries', async () => {
    const file = writeRaw(Array.from({ length: 5 }, (_, i) => ({ name: `${i}.png`, data: bytes('x') })));
    expect(await problemsOf(file, { maxEntries: 4 })).toEqual([expect.stringMatching(/too many entries: 5, the limit is 4/)]);
  });
  it('rejects duplicate names, corrupt data and non-zips', async () => {
    expect(await problemsOf(writeRaw([{ name: 'a.png', data: bytes('1') }, { name: 'a.png', data: bytes('2') }]))).toEqual([
      expect.stringMatching(/duplicate entry "a\.png"/),
    ]);
    const zip = rawZip([{ name: 'a.png', data: bytes('hello hello hello'), deflate: false }]);
    zip[30 + 5 + 2] ^= 0xff; // flip a data byte: the CRC no longer matches
    const corrupt = path.join(dir, 'corrupt.zip');
    fs.writeFileSync(corrupt, zip);
    expect(await problemsOf(corrupt)).toEqual([expect.stringMatching(/entry "a\.png": CRC mismatch/)]);
    const notZip = path.join(dir, 'not.zip');
    fs.writeFileSync(notZip, 'just text');
    expect(await problemsOf(notZip)).toEqual([expect.stringMatching(/^not\.zip: not a zip file/)]);
    expect(await problemsOf(path.join(dir, 'missing.zip'))).toEqual([expect.stringMatching(/cannot open zip \(ENOENT\)/)]);
  });
});
