/**
 * Kaggle-style run-length encoding of one class in one mask: `"start length start length ..."`,
 * starts 1-based, pixels numbered row-major (pixel (x, y) of a W-wide image is y * W + x + 1),
 * runs in increasing order and not overlapping. An empty string means no pixel.
 *
 *   encodeRle(labels, 15)                       // '12 3 40 7'
 *   const runs = decodeRle('12 3 40 7', W * H)  // Uint32Array [11, 3, 39, 7] (0-based starts) or an error string
 */

/** Runs of `value` in `labels`, as Kaggle RLE text. */
export function encodeRle(labels: Uint8Array, value: number): string {
  const parts: string[] = [];
  const n = labels.length;
  let i = 0;
  while (i < n) {
    if (labels[i] !== value) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && labels[i] === value) i++;
    parts.push(`${start + 1} ${i - start}`);
  }
  return parts.join(' ');
}

/**
 * Parses RLE text for an image of `pixels` pixels into pairs (0-based start, length).
 * Returns a message saying what is wrong instead when the text is not valid.
 */
export function decodeRle(text: string, pixels: number): Uint32Array | string {
  const trimmed = text.trim();
  if (trimmed === '') return new Uint32Array(0);
  const tokens = trimmed.split(/\s+/);
  if (tokens.length % 2 !== 0) return `odd number of values (${tokens.length}); expected "start length" pairs`;
  const runs = new Uint32Array(tokens.length);
  let end = 0; // first pixel after the previous run (0-based)
  for (let k = 0; k < tokens.length; k += 2) {
    const startText = tokens[k]!;
    const lengthText = tokens[k + 1]!;
    if (!/^\d+$/.test(startText) || !/^\d+$/.test(lengthText)) return `run ${k / 2 + 1} "${startText} ${lengthText}" is not two whole numbers`;
    const start = Number(startText);
    const length = Number(lengthText);
    if (start < 1) return `run ${k / 2 + 1} starts at ${start}; starts are 1-based`;
    if (length < 1) return `run ${k / 2 + 1} has length ${length}; lengths must be at least 1`;
    if (start - 1 < end) return `run ${k / 2 + 1} starts at ${start}, before the previous run ends (runs must be increasing and not overlap)`;
    if (start - 1 + length > pixels) return `run ${k / 2 + 1} (${start} ${length}) goes past the last pixel ${pixels} of the image`;
    runs[k] = start - 1;
    runs[k + 1] = length;
    end = start - 1 + length;
  }
  return runs;
}
