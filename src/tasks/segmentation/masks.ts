/** Decoding one label mask (truth or prediction) from PNG bytes, with the problems it can have. */
import { decodePngAsync, PngError } from '../../formats/png.js';
import type { ProblemList } from '../../problems.js';

export interface LabelMask {
  /** How messages name it: `sub.zip/2007_000032.png`, `VOC2012/SegmentationClass/...`. */
  file: string;
  width: number;
  height: number;
  /** One label a pixel, row-major. */
  labels: Uint8Array;
}

/**
 * Decodes a mask PNG: it must hold one sample a pixel (palette index or grey value, up to 8
 * bits), which is the class label. Adds a problem naming `file` and returns undefined otherwise.
 */
export async function decodeMask(bytes: Uint8Array, file: string, problems: ProblemList): Promise<LabelMask | undefined> {
  try {
    const png = await decodePngAsync(bytes, file);
    if (png.channels !== 1) {
      problems.add({ file, message: `is a ${png.colorType} PNG; a mask must be an 8-bit palette or grayscale PNG whose values are class labels` });
      return undefined;
    }
    return { file, width: png.width, height: png.height, labels: png.data };
  } catch (e) {
    if (!(e instanceof PngError)) throw e;
    problems.add({ file, message: `corrupt or unsupported PNG: ${e.reason}` });
    return undefined;
  }
}
