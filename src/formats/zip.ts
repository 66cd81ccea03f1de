/**
 * Reading uploaded .zip files safely, entry by entry, without unpacking to disk; and a small
 * writer (yazl) for tests, benches and generated sample submissions.
 *
 * Reading (APPNOTE.TXT 6.3: end of central directory -> central directory -> local headers):
 *
 *   for await (const entry of readZip('sub.zip')) {       // throws ValidationError
 *     entry.name;                  // 's1/0001.wav', '/'-separated, checked safe
 *     const bytes = await entry.buffer();                  // inflated, size- and CRC-checked
 *   }
 *   const entries = await listZip('sub.zip');   // same entries as an array, for any order
 *
 * Before any entry is handed out, the whole central directory is checked, and every problem is
 * reported at once (ValidationError naming the zip and the entry):
 * - unsafe names: `..` components, absolute paths (`/x`, `C:x`), backslashes, NUL;
 * - symlinks, encrypted entries, compression other than stored/deflate, duplicate names,
 *   entries sharing their compressed data (overlapping-file zip bombs);
 * - nested archives (.zip, .tar, .gz, ...; also sniffed from the content when read);
 * - too many entries, an entry or the total over the declared-size limits.
 * When an entry is read, the bytes actually inflated are bounded (zlib maxOutputLength): an
 * entry that inflates past its declared size, or the running total past the limit, is a zip
 * bomb and an error, and never occupies more memory than the limit.
 * Directory entries are skipped. Names are UTF-8 (or CP437 read as Latin-1 when not flagged).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { ProblemList, ValidationError } from '../problems.js';

const inflateRaw = promisify(zlib.inflateRaw);
/** Entries up to this size inflate synchronously; larger ones on libuv's thread pool. */
const SYNC_INFLATE_BYTES = 256 * 1024;
/** Entries whose compressed data is up to this size are read synchronously; larger ones on the pool. */
const SYNC_READ_BYTES = 256 * 1024;

export interface ZipLimits {
  /** Most (file) entries a zip may hold. */
  maxEntries: number;
  /** Largest uncompressed size of one entry, in bytes. */
  maxEntryBytes: number;
  /** Largest sum of uncompressed sizes, in bytes. */
  maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 100_000,
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
};

export interface ZipEntry {
  /** Path inside the zip, '/'-separated, no leading '/'. */
  readonly name: string;
  /** Declared uncompressed size in bytes. */
  readonly size: number;
  readonly compressedSize: number;
  /** Reads and inflates this entry; throws ValidationError on a bomb, CRC error or nested archive. */
  buffer(): Promise<Buffer>;
}

/** Extensions of archives we refuse to find inside an archive. */
const ARCHIVE_EXTENSIONS = ['.zip', '.tar', '.gz', '.tgz', '.bz2', '.xz', '.zst', '.7z', '.rar', '.jar'];

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** Bytes of the name as stored (the local header repeats it). */
  nameLength: number;
  isDirectory: boolean;
}

/** Checks a zip's central directory and returns its file entries, readable in any order. */
export async function listZip(file: string, limits: Partial<ZipLimits> = {}): Promise<ZipEntry[]> {
  const lim = { ...DEFAULT_ZIP_LIMITS, ...limits };
  const label = path.basename(file);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (e) {
    throw ValidationError.of({ file: label, message: `cannot open zip (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
  let central: CentralEntry[];
  let fileSize: number;
  try {
    fileSize = (await handle.stat()).size;
    central = await readCentralDirectory(handle, fileSize, label, lim);
  } catch (e) {
    await handle.close();
    throw e;
  }
  await handle.close();
  const totals = { inflated: 0 };
  return central
    .filter((c) => !c.isDirectory)
    .map((c) => ({
      name: c.name,
      size: c.size,
      compressedSize: c.compressedSize,
      buffer: () => readEntry(file, label, fileSize, c, lim, totals),
    }));
}

/** Streams a zip's file entries in central-directory order; see the file header. */
export async function* readZip(file: string, limits: Partial<ZipLimits> = {}): AsyncGenerator<ZipEntry> {
  for (const entry of await listZip(file, limits)) yield entry;
}

async function readAt(handle: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length); // every byte is read into, or cut off below
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

function readAtSync(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

async function readCentralDirectory(handle: fs.promises.FileHandle, fileSize: number, label: string, lim: ZipLimits): Promise<CentralEntry[]> {
  const bad = (message: string): ValidationError => ValidationError.of({ file: label, message });
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  const tailSize = Math.min(fileSize, 22 + 0xffff);
  const tail = await readAt(handle, fileSize - tailSize, tailSize);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('not a zip file (no end of central directory record)');
  let entryCount = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0) throw bad('multi-part (spanned) zips are not supported');
  if (entryCount === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // Zip64: a locator just before the EOCD points at the zip64 end record.
    const locatorPos = fileSize - tailSize + eocd - 20;
    const locator = locatorPos >= 0 ? await readAt(handle, locatorPos, 20) : Buffer.alloc(0);
    if (locator.length < 20 || locator.readUInt32LE(0) !== 0x07064b50) throw bad('corrupt zip64 archive (no zip64 locator)');
    const record = await readAt(handle, Number(locator.readBigUInt64LE(8)), 56);
    if (record.length < 56 || record.readUInt32LE(0) !== 0x06064b50) throw bad('corrupt zip64 archive (no zip64 end record)');
    entryCount = Number(record.readBigUInt64LE(32));
    cdSize = Number(record.readBigUInt64LE(40));
    cdOffset = Number(record.readBigUInt64LE(48));
  }
  if (entryCount > lim.maxEntries) throw bad(`too many entries: ${entryCount}, the limit is ${lim.maxEntries}`);
  if (cdOffset + cdSize > fileSize) throw bad('truncated or corrupt zip (central directory runs past the end of the file)');
  const cd = await readAt(handle, cdOffset, cdSize);
  const problems = new ProblemList();
  const entries: CentralEntry[] = [];
  const seen = new Set<string>();
  let declaredTotal = 0;
  let pos = 0;
  for (let n = 0; n < entryCount; n++) {
    if (pos + 46 > cd.length || cd.readUInt32LE(pos) !== 0x02014b50) throw bad(`corrupt zip (central directory entry ${n + 1} is damaged)`);
    const madeBy = cd.readUInt16LE(pos + 4);
    const flags = cd.readUInt16LE(pos + 8);
    const method = cd.readUInt16LE(pos + 10);
    const crc = cd.readUInt32LE(pos + 16);
    let compressedSize = cd.readUInt32LE(pos + 20);
    let size = cd.readUInt32LE(pos + 24);
    const nameLength = cd.readUInt16LE(pos + 28);
    const extraLength = cd.readUInt16LE(pos + 30);
    const commentLength = cd.readUInt16LE(pos + 32);
    const externalAttributes = cd.readUInt32LE(pos + 38);
    let localOffset = cd.readUInt32LE(pos + 42);
    const rawName = cd.subarray(pos + 46, pos + 46 + nameLength);
    const extra = cd.subarray(pos + 46 + nameLength, pos + 46 + nameLength + extraLength);
    pos += 46 + nameLength + extraLength + commentLength;
    if (pos > cd.length) throw bad(`corrupt zip (central directory entry ${n + 1} is damaged)`);
    // Zip64 extended information (header id 1) holds the fields that overflowed, in this order.
    for (let e = 0; e + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(e);
      const len = extra.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        const next = (): number => {
          const v = f + 8 <= e + 4 + len ? Number(extra.readBigUInt64LE(f)) : NaN;
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + len;
    }
    const name = decodeName(rawName, (flags & 0x800) !== 0);
    const where = { file: label };
    const nameProblem = unsafeNameReason(name);
    if (nameProblem) {
      problems.add({ ...where, message: `unsafe entry name "${printable(name)}": ${nameProblem}` });
      continue;
    }
    const isDirectory = name.endsWith('/');
    const unixMode = (madeBy >> 8) === 3 ? externalAttributes >>> 16 : 0;
    if ((unixMode & 0o170000) === 0o120000) {
      problems.add({ ...where, message: `entry "${name}" is a symbolic link; symlinks are not allowed` });
      continue;
    }
    if (isDirectory) continue;
    if (seen.has(name)) problems.add({ ...where, message: `duplicate entry "${name}"` });
    seen.add(name);
    if (flags & 0x1) problems.add({ ...where, message: `entry "${name}" is encrypted; encrypted zips are not supported` });
    else if (method !== 0 && method !== 8) problems.add({ ...where, message: `entry "${name}" uses compression method ${method}; only stored and deflate are supported` });
    if (ARCHIVE_EXTENSIONS.some((x) => name.toLowerCase().endsWith(x))) {
      problems.add({ ...where, message: `entry "${name}" is an archive; nested archives are not allowed, put the files in the zip itself` });
    }
    if (!Number.isFinite(size) || !Number.isFinite(compressedSize) || !Number.isFinite(localOffset)) {
      problems.add({ ...where, message: `entry "${name}" has a corrupt zip64 size field` });
      continue;
    }
    if (size > lim.maxEntryBytes) {
      problems.add({ ...where, message: `entry "${name}" is ${formatBytes(size)} uncompressed, over the ${formatBytes(lim.maxEntryBytes)} limit for one file` });
    }
    declaredTotal += size;
    entries.push({ name, method, flags, crc, compressedSize, size, localOffset, nameLength, isDirectory });
  }
  // Entries whose data overlap (several names for one compressed stream) are a zip bomb trick
  // (Fifield, "A better zip bomb", 2019); honest writers never do it.
  const byOffset = [...entries].sort((x, y) => x.localOffset - y.localOffset);
  for (let k = 1; k < byOffset.length; k++) {
    const before = byOffset[k - 1]!;
    const after = byOffset[k]!;
    if (after.localOffset < before.localOffset + 30 + before.nameLength + before.compressedSize) {
      problems.add({ file: label, message: `entries "${before.name}" and "${after.name}" overlap in the file; refusing a possible zip bomb` });
      break;
    }
  }
  if (declaredTotal > lim.maxTotalBytes) {
    problems.add({ file: label, message: `the entries are ${formatBytes(declaredTotal)} uncompressed in total, over the ${formatBytes(lim.maxTotalBytes)} limit` });
  }
  problems.throwIfAny();
  return entries;
}

async function readEntry(file: string, label: string, fileSize: number, c: CentralEntry, lim: ZipLimits, totals: { inflated: number }): Promise<Buffer> {
  const where = { file: label };
  const bad = (message: string): ValidationError => ValidationError.of({ ...where, message: `entry "${c.name}": ${message}` });
  const compressed = c.compressedSize <= SYNC_READ_BYTES ? readCompressedSync(file, fileSize, c, bad) : await readCompressed(file, fileSize, c, bad);
  // Never inflate more than the entry declared, nor more than the total budget has left.
  const budget = Math.min(c.size, lim.maxEntryBytes, lim.maxTotalBytes - totals.inflated);
  let data: Buffer;
  if (c.method === 0) {
    if (c.compressedSize !== c.size) throw bad(`stored entry is ${c.compressedSize} bytes but declares ${c.size}`);
    data = compressed;
  } else {
    try {
      // maxOutputLength must be >= 1; an empty entry inflates to nothing within budget + 1.
      // One output chunk just larger than the budget: a single pass, and an error past it.
      const options = { maxOutputLength: Math.max(1, budget + 1), chunkSize: Math.max(64, Math.min(budget + 2, 64 << 20)) };
      // Small entries inflate here: a thread-pool round trip costs more than the work itself.
      data = c.size <= SYNC_INFLATE_BYTES ? zlib.inflateRawSync(compressed, options) : await inflateRaw(compressed, options);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
        throw bad(`inflates to more than ${formatBytes(budget)} (declared ${formatBytes(c.size)}); refusing a possible zip bomb`);
      }
      throw bad(`corrupt compressed data (${(e as Error).message})`);
    }
    if (data.length > budget) {
      throw bad(`inflates to more than ${formatBytes(budget)} (declared ${formatBytes(c.size)}); refusing a possible zip bomb`);
    }
  }
  totals.inflated += data.length;
  if (totals.inflated > lim.maxTotalBytes) throw bad(`the zip inflates to more than the ${formatBytes(lim.maxTotalBytes)} limit in total`);
  if (data.length !== c.size) throw bad(`inflates to ${data.length} bytes but declares ${c.size} (corrupt zip)`);
  if (zlib.crc32(data) !== c.crc) throw bad('CRC mismatch (corrupt zip)');
  if (isArchiveContent(data)) throw bad('is an archive (by its content); nested archives are not allowed');
  return data;
}

/** Where an entry's compressed bytes start, from its local header (which may differ from the central one in its extra field). */
function dataStartOf(local: Buffer, c: CentralEntry, fileSize: number, bad: (message: string) => ValidationError): number {
  if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50) throw bad('corrupt zip (bad local header)');
  const dataStart = c.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (dataStart + c.compressedSize > fileSize) throw bad('truncated zip (entry data runs past the end of the file)');
  return dataStart;
}

/** Small entries: synchronous reads, cheaper than a FileHandle each. */
function readCompressedSync(file: string, fileSize: number, c: CentralEntry, bad: (message: string) => ValidationError): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw bad(`cannot reopen the zip (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return readAtSync(fd, dataStartOf(readAtSync(fd, c.localOffset, 30), c, fileSize, bad), c.compressedSize);
  } finally {
    fs.closeSync(fd);
  }
}

/** Large entries: read on libuv's thread pool, so this thread keeps working while the disk is read. */
async function readCompressed(file: string, fileSize: number, c: CentralEntry, bad: (message: string) => ValidationError): Promise<Buffer> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (e) {
    throw bad(`cannot reopen the zip (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return await readAt(handle, dataStartOf(await readAt(handle, c.localOffset, 30), c, fileSize, bad), c.compressedSize);
  } finally {
    await handle.close();
  }
}

function decodeName(raw: Buffer, utf8Flag: boolean): string {
  if (utf8Flag) return raw.toString('utf8');
  const asUtf8 = raw.toString('utf8');
  // Many tools write UTF-8 without the flag; fall back to Latin-1 only when it is not UTF-8.
  return asUtf8.includes('\uFFFD') ? raw.toString('latin1') : asUtf8;
}

/** Why an entry name could escape the extraction folder or confuse a reader, or undefined. */
export function unsafeNameReason(name: string): string | undefined {
  if (name.length === 0) return 'empty name';
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.includes('\\')) return 'contains a backslash (use / as the separator)';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'absolute path (drive letter)';
  if (name.split('/').some((part) => part === '..')) return 'path traversal (..)';
  return undefined;
}

function isArchiveContent(data: Buffer): boolean {
  if (data.length < 4) return false;
  const zip = data[0] === 0x50 && data[1] === 0x4b && (data[2] === 3 || data[2] === 5 || data[2] === 7) && (data[3] === 4 || data[3] === 6 || data[3] === 8);
  const gzip = data[0] === 0x1f && data[1] === 0x8b;
  return zip || gzip;
}

function printable(name: string): string {
  return name.replace(/[\0-\x1f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 / 1024 / 1024).toFixed(1)} GiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

// ---------------------------------------------------------------------------------------------
// Writing

export interface ZipInput {
  name: string;
  data: Uint8Array | string;
  /** Deflate this entry (default true); PNGs are already compressed, so false is fine for them. */
  compress?: boolean;
}

/** Writes a zip of the given entries (yazl, which refuses unsafe names: `..`, absolute paths). */
export async function writeZip(file: string, entries: Iterable<ZipInput> | AsyncIterable<ZipInput>): Promise<void> {
  // Loaded here: reading a zip (every zip submission scored) never needs the writer.
  const { default: yazl } = await import('yazl');
  const zip = new yazl.ZipFile();
  const done = new Promise<void>((resolve, reject) => {
    const out = fs.createWriteStream(file);
    out.on('error', reject);
    out.on('close', () => resolve());
    zip.outputStream.on('error', reject).pipe(out);
  });
  for await (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    zip.addBuffer(data, e.name, { compress: e.compress ?? true, mtime: new Date(0) });
  }
  zip.end();
  await done;
}
