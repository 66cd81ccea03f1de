/**
 * The second thread of a large COCO evaluation (2 cores: the bench machine's budget).
 * While the main thread reads the truth, this one scans the submission into raw rows (ids not
 * yet checked, in a SharedArrayBuffer, no copy back); later it matches half of the images.
 * Anything unusual in the submission (quotes, syntax, non-numbers, wrong column counts) makes
 * the scan answer `null`, and the main thread reads the file the ordinary way to explain it.
 */
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { cocoEvaluator, type CocoDetections, type CocoGroundTruth } from '../../evaluators/coco.js';
import { scanCocoResults } from '../../formats/coco-json.js';
import { isPlainAscii } from '../../formats/ascii-csv.js';
import { scanCocoCsv } from '../../formats/detection-csv.js';
import { ProblemList } from '../../problems.js';

/** 8 numbers a row: image_id, category_id, score, x, y, width, height, and where (CSV file line, JSON entry). */
export const RAW_STRIDE = 8;

export type WorkerRequest =
  | { type: 'scan'; file: string; kind: 'csv' | 'json' }
  | { type: 'match'; truth: CocoGroundTruth; detections: CocoDetections; images: Uint32Array };

export type WorkerReply =
  | { type: 'scanned'; raw: { buffer: SharedArrayBuffer; count: number } | null }
  | { type: 'matched'; chunks: unknown[] }
  | { type: 'failed'; message: string };

class RawRows {
  buffer: SharedArrayBuffer;
  values: Float64Array;
  count = 0;
  clean = true;
  constructor(capacity: number) {
    this.buffer = new SharedArrayBuffer(Math.max(capacity, 16) * RAW_STRIDE * 8);
    this.values = new Float64Array(this.buffer);
  }
  push(row: number, a: number, b: number, c: number, d: number, e: number, f: number, g: number): void {
    if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d) && Number.isFinite(e) && Number.isFinite(f) && Number.isFinite(g))) this.clean = false;
    let o = this.count * RAW_STRIDE;
    if (o + RAW_STRIDE > this.values.length) {
      const bigger = new SharedArrayBuffer(this.buffer.byteLength * 2);
      new Float64Array(bigger).set(this.values);
      this.buffer = bigger;
      this.values = new Float64Array(bigger);
    }
    const v = this.values;
    v[o++] = a; v[o++] = b; v[o++] = c; v[o++] = d; v[o++] = e; v[o++] = f; v[o++] = g; v[o] = row;
    this.count++;
  }
}

function scan(file: string, kind: 'csv' | 'json'): { buffer: SharedArrayBuffer; count: number } | null {
  const bytes = fs.readFileSync(file);
  if (kind === 'json') {
    const rows = new RawRows(Math.ceil(bytes.length / 90));
    const plain = scanCocoResults(bytes, (row, a, b, c, d, e, f, g) => rows.push(row, a, b, c, d, e, f, g));
    return plain && rows.clean ? { buffer: rows.buffer, count: rows.count } : null;
  }
  if (!isPlainAscii(bytes)) return null;
  const rows = new RawRows(Math.ceil(bytes.length / 40));
  const problems = new ProblemList(1);
  try {
    scanCocoCsv(bytes, file, problems, (row, v) => rows.push(row, v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, v[6]!));
  } catch {
    return null; // a bad header: the ordinary reader says so
  }
  return problems.total === 0 && rows.clean ? { buffer: rows.buffer, count: rows.count } : null;
}

function handle(msg: WorkerRequest): WorkerReply {
  if (msg.type === 'scan') return { type: 'scanned', raw: scan(msg.file, msg.kind) };
  const evaluator = cocoEvaluator(msg.truth);
  const state = evaluator.create();
  evaluator.add(state, { detections: msg.detections, images: msg.images });
  return { type: 'matched', chunks: state.chunks };
}

parentPort?.on('message', (msg: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = handle(msg);
  } catch (e) {
    reply = { type: 'failed', message: (e as Error)?.stack ?? String(e) };
  }
  parentPort!.postMessage(reply);
});
