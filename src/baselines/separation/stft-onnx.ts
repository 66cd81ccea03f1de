/**
 * The mask nets' STFT front end and inverse STFT as ONNX nodes around the exported network, so
 * the file meets the separation contract of the model track (the mixture's waveform in, one
 * waveform per source out) and computes what stft.ts and data.ts do in JavaScript:
 *   - frames of FRAME samples every HOP, centred by zero-padding FRAME / 2 at both ends (Pad,
 *     then Gather of fixed frame indices), times the periodic Hann window and the real DFT as
 *     one MatMul with a fixed [FRAME, 2 BINS] basis (columns: w[i] cos(2 pi k i / N), then
 *     -w[i] sin(2 pi k i / N));
 *   - the network's input (data.ts `loadMixture`): log(|X| + 1e-4) standardised over the whole
 *     mixture (mean and population standard deviation over frames and bins);
 *   - the mask of each speaker times the mixture's STFT (mixture phase, stft.ts `applyMask`);
 *   - the inverse (stft.ts `istft`): per frame the real inverse DFT of the Hermitian spectrum
 *     times the window, as one MatMul with a fixed [2 BINS, FRAME] basis, overlap-added (hop is
 *     half a frame: each output block is the first half of one frame plus the second half of the
 *     one before) and divided by the sum of squared windows.
 * The DFTs and the statistics run in float64 with float32 rounding where the JavaScript stores
 * Float32Arrays, so the file's features and waveforms are the baseline's to float32 rounding.
 */
import type { OnnxGraph, ValueInfo } from '../../models/onnx-graph.js';
import { BINS, FRAME, HOP, WINDOW, frameCount } from './stft.js';

const TO_FLOAT = 1;
const TO_DOUBLE = 11;

/** exp(2 pi i k n / N) without the rounding of a large angle: k n reduced mod N first. */
const angle = (k: number, n: number) => (2 * Math.PI * ((k * n) % FRAME)) / FRAME;

/** [FRAME, 2 BINS]: windowed frame → real parts of bins 0..BINS-1, then imaginary parts. */
function forwardBasis(): Float64Array {
  const b = new Float64Array(FRAME * 2 * BINS);
  for (let i = 0; i < FRAME; i++) {
    for (let k = 0; k < BINS; k++) {
      b[i * 2 * BINS + k] = WINDOW[i] * Math.cos(angle(k, i));
      b[i * 2 * BINS + BINS + k] = -WINDOW[i] * Math.sin(angle(k, i));
    }
  }
  return b;
}

/**
 * [2 BINS, FRAME]: (real parts, imaginary parts) of a Hermitian half spectrum → the real inverse
 * DFT (1/N) sum over all N bins, times the synthesis window. Bins 0 and N/2 appear once in
 * the full spectrum, the others twice (as k and N - k).
 */
function inverseBasis(): Float64Array {
  const b = new Float64Array(2 * BINS * FRAME);
  for (let k = 0; k < BINS; k++) {
    const c = k === 0 || k === FRAME / 2 ? 1 : 2;
    for (let i = 0; i < FRAME; i++) {
      b[k * FRAME + i] = (c * Math.cos(angle(k, i)) * WINDOW[i]) / FRAME;
      b[(BINS + k) * FRAME + i] = (-c * Math.sin(angle(k, i)) * WINDOW[i]) / FRAME;
    }
  }
  return b;
}

/** Sum of squared windows at each of `samples` output samples, 1 where it is under 1e-8 (istft's guard). */
function overlapNorm(samples: number): Float64Array {
  const norm = new Float64Array(samples);
  for (let f = 0; f < frameCount(samples); f++) {
    for (let i = 0; i < FRAME; i++) {
      const t = f * HOP - FRAME / 2 + i;
      if (t >= 0 && t < samples) norm[t] += WINDOW[i] * WINDOW[i];
    }
  }
  return norm.map((v) => (v > 1e-8 ? v : 1));
}

export interface StftNodes {
  /** The graph input: the mixture waveform [N, samples]. */
  input: ValueInfo;
  /** Real and imaginary parts of the mixture's STFT, float32 [N, frames, BINS]. */
  re: string;
  im: string;
}

/**
 * Nodes making the network's input `networkInput` (features [N, frames, BINS]) from the
 * waveform input `mixture` [N, samples]; they go first in the graph.
 */
export function prependStft(g: OnnxGraph, networkInput: string, samples: number): StftNodes {
  const mixture = 'mixture';
  g.reserve(mixture);
  const before = g.nodes.length;
  const frames = frameCount(samples);
  const half = FRAME / 2;
  const x = g.op('Cast', [mixture], { to: TO_DOUBLE }, 'mixture_f64');
  const padded = g.op('Pad', [x, g.int64s('centre_pads', [0, half, 0, half])], { mode: 'constant' }, 'centred');
  const index = Array.from({ length: frames * FRAME }, (_, j) => Math.floor(j / FRAME) * HOP + (j % FRAME));
  const indexTensor = g.int64s('frame_index_flat', index);
  const framesIdx = g.op('Reshape', [indexTensor, g.int64s('frame_index_shape', [frames, FRAME])], {}, 'frame_index');
  const framed = g.op('Gather', [padded, framesIdx], { axis: 1 }, 'frames');
  const spectrum = g.op('MatMul', [framed, g.doubles('dft_basis', [FRAME, 2 * BINS], forwardBasis())], {}, 'dft');
  const part = (from: number, name: string) => g.op('Cast', [
    g.op('Slice', [spectrum, g.int64s(`${name}_start`, [from]), g.int64s(`${name}_end`, [from + BINS]), g.int64s(`${name}_axis`, [2])], {}, `${name}_f64`),
  ], { to: TO_FLOAT }, name);
  const re = part(0, 'stft_re');
  const im = part(BINS, 'stft_im');
  // float32 rounding where data.ts stores a Float32Array.
  const asStored = (v: string, name: string) => g.op('Cast', [g.op('Cast', [v], { to: TO_FLOAT }, `${name}_f32`)], { to: TO_DOUBLE }, name);
  const re64 = g.op('Cast', [re], { to: TO_DOUBLE }, 'stft_re_f64');
  const im64 = g.op('Cast', [im], { to: TO_DOUBLE }, 'stft_im_f64');
  const power = g.op('Add', [g.op('Mul', [re64, re64], {}, 're_sq'), g.op('Mul', [im64, im64], {}, 'im_sq')], {}, 'power');
  const magnitude = asStored(g.op('Sqrt', [power], {}, 'magnitude_f64'), 'magnitude');
  const logMag = asStored(g.op('Log', [g.op('Add', [magnitude, g.doubles('log_floor', [], [1e-4])], {}, 'magnitude_floored')], {}, 'log_magnitude_f64'), 'log_magnitude');
  const mean = g.op('ReduceMean', [logMag], { axes: [1, 2], keepdims: 1 }, 'log_mean');
  const centred = g.op('Sub', [logMag, mean], {}, 'log_centred');
  const sd = g.op('Sqrt', [g.op('ReduceMean', [g.op('Mul', [centred, centred], {}, 'log_sq')], { axes: [1, 2], keepdims: 1 }, 'log_var')], {}, 'log_sd');
  // data.ts divides by 1 when the deviation is 0; then every centred value is 0 too, so any positive divisor gives the same 0.
  const divisor = g.op('Max', [sd, g.doubles('sd_floor', [], [1e-300])], {}, 'log_sd_floored');
  g.node('Cast', [g.op('Div', [centred, divisor], {}, 'features_f64')], [networkInput], { to: TO_FLOAT });
  g.nodes.unshift(...g.nodes.splice(before)); // ONNX wants nodes in topological order: these come first
  return { input: { name: mixture, dims: [null, samples] }, re, im };
}

/**
 * Nodes from the network's `masks` [N, frames, 2, BINS] to the contract's output `sources`
 * [N, 2, samples]: each mask times the mixture's STFT, inverse STFT.
 */
export function appendInverseStft(g: OnnxGraph, masks: string, stftNodes: StftNodes, samples: number): ValueInfo {
  const frames = frameCount(samples);
  const bySpeaker = g.op('Transpose', [masks], { perm: [0, 2, 1, 3] }, 'masks_by_speaker_first'); // [N, 2, T, F]
  const speakerAxis = g.int64s('speaker_axis', [1]);
  // float32 products, as applyMask stores them.
  const maskedRe = g.op('Mul', [g.op('Unsqueeze', [stftNodes.re, speakerAxis], {}, 'mix_re'), bySpeaker], {}, 'masked_re');
  const maskedIm = g.op('Mul', [g.op('Unsqueeze', [stftNodes.im, speakerAxis], {}, 'mix_im'), bySpeaker], {}, 'masked_im');
  const halfSpectrum = g.op('Cast', [g.op('Concat', [maskedRe, maskedIm], { axis: 3 }, 'masked')], { to: TO_DOUBLE }, 'masked_f64');
  const windowed = g.op('MatMul', [halfSpectrum, g.doubles('idft_basis', [2 * BINS, FRAME], inverseBasis())], {}, 'idft'); // [N, 2, T, FRAME]
  const halfOf = (from: number, name: string) => g.op('Slice', [windowed, g.int64s(`${name}_start`, [from]), g.int64s(`${name}_end`, [from + HOP]), g.int64s(`${name}_axis`, [3])], {}, name);
  // Block j of the padded signal = first half of frame j + second half of frame j - 1.
  const first = g.op('Pad', [halfOf(0, 'first_halves'), g.int64s('first_pads', [0, 0, 0, 0, 0, 0, 1, 0])], { mode: 'constant' }, 'first_halves_padded');
  const second = g.op('Pad', [halfOf(HOP, 'second_halves'), g.int64s('second_pads', [0, 0, 1, 0, 0, 0, 0, 0])], { mode: 'constant' }, 'second_halves_padded');
  const blocks = g.op('Add', [first, second], {}, 'overlap_add'); // [N, 2, T + 1, HOP]
  const signal = g.op('Reshape', [blocks, g.int64s('signal_shape', [0, 0, (frames + 1) * HOP])], {}, 'padded_signal');
  const trimmed = g.op('Slice', [signal, g.int64s('trim_start', [FRAME / 2]), g.int64s('trim_end', [FRAME / 2 + samples]), g.int64s('trim_axis', [2])], {}, 'trimmed');
  const normalised = g.op('Div', [trimmed, g.doubles('window_norm', [samples], overlapNorm(samples))], {}, 'sources_f64');
  g.node('Cast', [normalised], ['sources'], { to: TO_FLOAT });
  return { name: 'sources', dims: [null, 2, samples] };
}
