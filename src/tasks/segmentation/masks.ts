/** Decoding one label mask (truth or prediction) from PNG bytes, with the problems it can have. */
import { decodePngRows, PngError, readPngHeader, type PngRows } from '../../formats/png.js';
import type { Problem } from '../../problems.js';

export interface LabelMask {
  /** How messages name it: `sub.zip/2007_000032.png`, `VOC2012/SegmentationClass/...`. */
  file: string;
  width: number;
  height: number;
  /** One label a pixel, row-major: pixel (x, y) is `labels[y * stride + x]`. */
  labels: Uint8Array;
  /** Distance between rows (width, or width + 1 for PNG rows left where inflate put them). */
  stride: number;
}

/** Anything problems can be added to (a ProblemList, or a plain array inside a worker). */
export interface ProblemSink {
  add(problem: Problem): void;
}

/**
 * Decodes a mask PNG: it must hold one sample a pixel (palette index or grey value, up to 8
 * bits), which is the class label. Adds a problem naming `file` and returns undefined otherwise.
 * Rows stay where inflate put them (`stride`), so no copy is made.
 */
export function decodeMask(bytes: Uint8Array, file: string, problems: ProblemSink, like?: LabelMask): LabelMask | undefined {
  let png: PngRows;
  try {
    if (like) {
      // A prediction is checked against its truth's size from the header, before anything is
      // inflated (100 PNGs of 8192 x 8192 once cost 35 s of CPU before the size check).
      const header = readPngHeader(bytes, file);
      if (header.width !== like.width || header.height !== like.height) {
        problems.add({ file, message: `mask is ${header.width} x ${header.height}, the truth ${like.file} is ${like.width} x ${like.height}` });
        return undefined;
      }
    }
    png = decodePngRows(bytes, file, like ? { maxPixels: like.width * like.height } : {});
  } catch (e) {
    return pngProblem(e, file, problems);
  }
  return asMask(png, file, problems);
}

function pngProblem(e: unknown, file: string, problems: ProblemSink): undefined {
  if (!(e instanceof PngError)) throw e;
  problems.add({ file, message: `corrupt or unsupported PNG: ${e.reason}` });
  return undefined;
}

function asMask(png: PngRows, file: string, problems: ProblemSink): LabelMask | undefined {
  if (png.channels !== 1) {
    problems.add({ file, message: `is a ${png.colorType} PNG; a mask must be an 8-bit palette or grayscale PNG whose values are class labels` });
    return undefined;
  }
  return { file, width: png.width, height: png.height, labels: png.data, stride: png.stride };
}
