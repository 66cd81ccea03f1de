/**
 * Reading one (truth, prediction) pair of label images: both headers are checked first (grey,
 * 8- or 16-bit, the prediction the size of the truth), so a wrong file is refused before any
 * pixel is inflated; then both decode (inflate on libuv's thread pool) and stay as the PNG rows
 * inflate gave, unfiltered in place.
 */
import { decodePngSampleRowsAsync, PngError, readPngHeader, type PngHeader } from '../../formats/png.js';
import type { IntensityImage } from '../../evaluators/fluorescence.js';
import type { Problem } from '../../problems.js';

/** Bytes of one image and how messages name it. */
export interface ImageBytes {
  bytes: Uint8Array;
  file: string;
}

/** Anything problems can be added to. */
export interface ProblemSink {
  add(problem: Problem): void;
}

/** Largest image accepted (pixels): 8192 x 8192, 128 MB of 16-bit samples. */
export const MAX_PIXELS = 8192 * 8192;

/** The header of a label image, or a problem naming the file. */
function labelHeader(image: ImageBytes, problems: ProblemSink): PngHeader | undefined {
  let header: PngHeader;
  try {
    header = readPngHeader(image.bytes, image.file);
  } catch (e) {
    if (!(e instanceof PngError)) throw e;
    problems.add({ file: image.file, message: `not a readable PNG: ${e.reason}` });
    return undefined;
  }
  if (header.colorType !== 'gray') {
    problems.add({ file: image.file, message: `is a ${header.colorType} PNG; label images are grayscale (one 8- or 16-bit sample a pixel)` });
    return undefined;
  }
  if (header.bitDepth !== 8 && header.bitDepth !== 16) {
    problems.add({ file: image.file, message: `is a ${header.bitDepth}-bit grayscale PNG; expected 8- or 16-bit` });
    return undefined;
  }
  if (header.width * header.height > MAX_PIXELS) {
    problems.add({ file: image.file, message: `image too large (${header.width} x ${header.height}); at most ${MAX_PIXELS} pixels` });
    return undefined;
  }
  return header;
}

async function decode(image: ImageBytes, problems: ProblemSink): Promise<IntensityImage | undefined> {
  try {
    const png = await decodePngSampleRowsAsync(image.bytes, image.file, { maxPixels: MAX_PIXELS });
    return { data: png.data, bitDepth: png.bitDepth as 8 | 16, rows: { width: png.width, height: png.height, stride: png.stride } };
  } catch (e) {
    if (!(e instanceof PngError)) throw e;
    problems.add({ file: image.file, message: `corrupt PNG: ${e.reason}` });
    return undefined;
  }
}

/**
 * Checks both headers, then decodes both images. Problems with the truth image go to
 * `truthProblems` (the host's), with the prediction to `problems`; undefined when either fails.
 */
export async function loadPair(
  truth: ImageBytes,
  prediction: ImageBytes,
  problems: ProblemSink,
  truthProblems: ProblemSink,
): Promise<{ truth: IntensityImage; prediction: IntensityImage } | undefined> {
  const th = labelHeader(truth, truthProblems);
  const ph = labelHeader(prediction, problems);
  if (!th || !ph) return undefined;
  if (th.width !== ph.width || th.height !== ph.height) {
    problems.add({ file: prediction.file, message: `is ${ph.width} x ${ph.height}; the truth image is ${th.width} x ${th.height}` });
    return undefined;
  }
  const [t, p] = await Promise.all([decode(truth, truthProblems), decode(prediction, problems)]);
  return t && p ? { truth: t, prediction: p } : undefined;
}
