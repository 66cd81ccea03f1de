/**
 * CSV reading for truth and submission files: UTF-8 with optional BOM, LF or CRLF, RFC 4180
 * quoting, header matched exactly.
 *
 * Two paths, one behaviour:
 * - fast path: a file without any `"` is split on newlines and commas by hand. That is the common
 *   case (ids and labels) and is several times faster than csv-parse row by row;
 * - csv-parse (streaming) for everything else: quoted fields, embedded newlines, and files too
 *   large to hold in memory.
 * Both number records the same way: by the file line they start on, as an editor shows it (the
 * header is line 1, so the first data record is usually line 2); empty lines are skipped but
 * counted, and fields are handed over untrimmed (callers trim where the format says so).
 */
import fs from 'node:fs';
import { ProblemList, ValidationError } from '../problems.js';

/** Files up to this size are read whole (and may take the fast path); larger ones stream. */
const WHOLE_FILE_LIMIT = 256 * 1024 * 1024;
const STREAM_CHUNK = 1 << 20;

export interface CsvReadOptions {
  /** Accepted headers (exact, after BOM removal); the first is named in messages. */
  headers: readonly (readonly string[])[];
  problems: ProblemList;
  /** Called for every non-empty data record with its fields and the file line it starts on. */
  onRow(fields: string[], line: number): void;
  /**
   * Called for a record with the wrong number of columns, after its problem was added, so a
   * reader can note its id as seen (and not report it again as missing).
   */
  onBadRow?(fields: string[], line: number): void;
  /** Name used in messages (defaults to the path). */
  name?: string;
  /** Files above this many bytes stream through csv-parse (tests lower it to cover that path). */
  wholeFileLimit?: number;
}

export interface CsvReadResult {
  header: string[];
  /** Number of non-empty data rows handed to onRow. */
  rows: number;
}

/**
 * Reads a CSV file and calls onRow for each data row. Problems with the header, encoding or
 * quoting are fatal (thrown as ValidationError); a row whose column count is wrong is added to
 * `problems` and skipped, and reading goes on.
 */
export async function readCsv(file: string, opts: CsvReadOptions): Promise<CsvReadResult> {
  const name = opts.name ?? file;
  let size: number;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw ValidationError.of({ file: name, message: 'is a folder, expected a CSV file' });
    size = st.size;
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw ValidationError.of({ file: name, message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
  }
  if (size === 0) throw emptyFile(name, opts.headers);
  if (size > (opts.wholeFileLimit ?? WHOLE_FILE_LIMIT)) return readWithCsvParse(streamText(file, name), name, opts);

  const buf = fs.readFileSync(file);
  const text = decodeUtf8(buf, name);
  if (text.indexOf('"') === -1) return readPlain(text, name, opts);
  return readWithCsvParse(chunksOf(text), name, opts);
}

function emptyFile(name: string, headers: CsvReadOptions['headers']): ValidationError {
  return ValidationError.of({ file: name, message: `the file is empty; expected the header "${headers[0]!.join(',')}"` });
}

/** Checks the header line; returns its fields or throws. */
function checkHeader(fields: string[], name: string, headers: CsvReadOptions['headers']): string[] {
  const clean = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f));
  const ok = headers.some((h) => h.length === clean.length && h.every((x, i) => x === clean[i]));
  if (!ok) {
    const wanted = headers.map((h) => `"${h.join(',')}"`).join(' or ');
    const shown = clean.join(',');
    throw ValidationError.of({
      file: name,
      line: 1,
      message: `header must be ${wanted}, found "${shown.length > 80 ? shown.slice(0, 80) + '...' : shown}"`,
    });
  }
  return clean;
}

function wrongColumnCount(opts: CsvReadOptions, name: string, line: number, fields: string[], header: string[]): void {
  opts.problems.add({
    file: name,
    line,
    message: `expected ${header.length} columns (${header.join(',')}), found ${fields.length}`,
  });
  opts.onBadRow?.(fields, line);
}

/** The fast path: no quotes anywhere, so a line is a record and a comma a separator. */
function readPlain(text: string, name: string, opts: CsvReadOptions): CsvReadResult {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = text.length;
  let line = 1;
  let header: string[] | undefined;
  let rows = 0;
  while (pos < end) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = end;
    const lineEnd = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (lineEnd > pos) {
      const fields = text.slice(pos, lineEnd).split(',');
      if (!header) header = checkHeader(fields, name, opts.headers);
      else if (fields.length !== header.length) wrongColumnCount(opts, name, line, fields, header);
      else {
        rows++;
        opts.onRow(fields, line);
      }
    } else if (!header) {
      throw ValidationError.of({ file: name, line: 1, message: `the first line is empty; expected the header "${opts.headers[0]!.join(',')}"` });
    }
    line++;
    pos = nl + 1;
  }
  if (!header) throw emptyFile(name, opts.headers);
  return { header, rows };
}

/** The general path: csv-parse, fed text chunks, so memory stays bounded for huge files. */
async function readWithCsvParse(chunks: AsyncIterable<string> | Iterable<string>, name: string, opts: CsvReadOptions): Promise<CsvReadResult> {
  const { parse } = await import('csv-parse');
  const parser = parse({ bom: true, info: true, raw: true, relax_column_count: true, skip_empty_lines: true });
  let header: string[] | undefined;
  let rows = 0;
  const consume = () => {
    let rec: { record: string[]; raw: string; info: { lines: number } } | null;
    while ((rec = parser.read())) {
      const line = startLine(rec.raw, rec.info.lines);
      if (!header) header = checkHeader(rec.record, name, opts.headers);
      else if (rec.record.length !== header.length) wrongColumnCount(opts, name, line, rec.record, header);
      else {
        rows++;
        opts.onRow(rec.record, line);
      }
    }
  };
  const done = new Promise<void>((resolve, reject) => {
    parser.on('readable', () => {
      try {
        consume();
      } catch (e) {
        reject(e);
      }
    });
    parser.on('end', resolve);
    parser.on('error', (e: Error & { code?: string; lines?: number }) => reject(quotingError(e, name)));
  });
  done.catch(() => undefined); // rejection is observed below; avoid an unhandled one meanwhile
  for await (const chunk of chunks) {
    if (!parser.write(chunk)) await new Promise((r) => parser.once('drain', r));
  }
  parser.end();
  await done;
  if (!header) throw emptyFile(name, opts.headers);
  return { header, rows };
}

/**
 * The line a csv-parse record starts on. `info.lines` is the line it ends on; `raw` is its text
 * with the skipped empty lines before it and its line break: the newlines between its first and
 * last character are the lines it spans beyond the first.
 */
function startLine(raw: string, endLine: number): number {
  let end = raw.length;
  if (raw.charCodeAt(end - 1) === 10) end--;
  if (raw.charCodeAt(end - 1) === 13) end--;
  let start = 0;
  while (start < end && (raw.charCodeAt(start) === 10 || raw.charCodeAt(start) === 13)) start++;
  let spanned = 0;
  for (let i = raw.indexOf('\n', start); i !== -1 && i < end; i = raw.indexOf('\n', i + 1)) spanned++;
  return endLine - spanned;
}

function quotingError(e: Error & { code?: string; lines?: number }, name: string): ValidationError | Error {
  if (e instanceof ValidationError) return e;
  if (!e.code?.startsWith('CSV_')) return e;
  const what: Record<string, string> = {
    CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed (a `"` without its closing `"`)',
    CSV_INVALID_CLOSING_QUOTE: 'characters after a closing quote; inside a quoted field write `""` for a quote',
    CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'characters after a closing quote; inside a quoted field write `""` for a quote',
  };
  return ValidationError.of({ file: name, line: e.lines, message: `invalid CSV quoting: ${what[e.code] ?? e.message.split('\n')[0]}` });
}

function* chunksOf(text: string): Iterable<string> {
  for (let i = 0; i < text.length; i += STREAM_CHUNK) yield text.slice(i, i + STREAM_CHUNK);
}

async function* streamText(file: string, name: string): AsyncIterable<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lines = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: STREAM_CHUNK })) {
    const bytes = chunk as Buffer;
    let text: string;
    try {
      if (bytes.indexOf(0) !== -1) throw new Error('NUL');
      text = decoder.decode(bytes, { stream: true });
    } catch {
      throw notText(name, lines + 1);
    }
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
    yield text;
  }
  try {
    const tail = decoder.decode();
    if (tail) yield tail;
  } catch {
    throw notText(name, lines + 1);
  }
}

function notText(name: string, line?: number): ValidationError {
  return ValidationError.of({ file: name, line, message: 'is not UTF-8 text (binary or garbled data); expected a CSV file' });
}

/** Decodes strict UTF-8; binary (NUL bytes) or invalid sequences name the row where they start. */
function decodeUtf8(buf: Buffer, name: string): string {
  const nul = buf.indexOf(0);
  if (nul !== -1) throw notText(name, lineAt(buf, nul));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw notText(name, lineAt(buf, firstInvalidUtf8(buf)));
  }
}

/** The 1-based line holding byte `offset`. */
export function lineAt(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = buf.indexOf(10); i !== -1 && i < offset; i = buf.indexOf(10, i + 1)) line++;
  return line;
}

/** Byte offset of the first invalid UTF-8 sequence (only called once decoding failed). */
function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > buf.length) return i;
    for (let k = 1; k < len; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    // Overlong and surrogate forms are also invalid; let the decoder judge each multi-byte sequence.
    if (len > 1) try {
      new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return buf.length;
}
