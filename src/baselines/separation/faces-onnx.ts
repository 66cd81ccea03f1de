/**
 * The audio-visual mask net's visual front end as ONNX nodes, so its exported file takes the
 * separation contract's `face_tracks` (float32 [N, V, 2]: each speaker's mouth openness per
 * 25 fps video frame, as face/<id>.csv holds it) and computes the network's `faces` input
 * [N, T, 4] as data.ts `loadMixture` does:
 *   - each track linearly interpolated at the centre time of every STFT frame (data.ts
 *     `resampleTrack`: position p = f HOP / rate x 25, v[i] (1 - w) + v[j] w with
 *     i = min(V - 1, floor p), j = min(V - 1, i + 1), w = p - floor p): two Gathers of fixed
 *     frame indices and two fixed weight columns, in float64, rounded to float32 as data.ts
 *     stores the tracks;
 *   - each track's change from the frame before, times 10 (0 at the first frame), from the
 *     float32 tracks in float64, rounded to float32;
 *   - features per frame: track s1, track s2, change s1, change s2.
 * The only difference from the JavaScript: the contract feeds the tracks as float32, where
 * data.ts reads the CSV's decimals as doubles (a relative difference of at most 6e-8).
 */
import type { OnnxGraph, ValueInfo } from '../../models/onnx-graph.js';
import { FACE_FPS } from './data.js';
import { HOP, frameCount } from './stft.js';

const TO_FLOAT = 1;
const TO_DOUBLE = 11;

/** Frame indices i, j and weight w of each STFT frame, as data.ts `resampleTrack` computes them. */
export function faceInterpolation(samples: number, sampleRate: number, videoFrames: number): { i: number[]; j: number[]; w: number[] } {
  const frames = frameCount(samples);
  const i: number[] = [];
  const j: number[] = [];
  const w: number[] = [];
  for (let f = 0; f < frames; f++) {
    const pos = ((f * HOP) / sampleRate) * FACE_FPS;
    const a = Math.min(videoFrames - 1, Math.floor(pos));
    i.push(a);
    j.push(Math.min(videoFrames - 1, a + 1));
    w.push(pos - Math.floor(pos));
  }
  return { i, j, w };
}

/**
 * Nodes making the network's input `networkInput` ([N, frames, 4]) from the graph input
 * `face_tracks` [N, videoFrames, 2]; they go first in the graph.
 */
export function prependFaceTracks(g: OnnxGraph, networkInput: string, samples: number, sampleRate: number, videoFrames: number): ValueInfo {
  const input = 'face_tracks';
  g.reserve(input);
  const before = g.nodes.length;
  const frames = frameCount(samples);
  const { i, j, w } = faceInterpolation(samples, sampleRate, videoFrames);
  const x = g.op('Cast', [input], { to: TO_DOUBLE }, 'face_tracks_f64');
  const at = (index: number[], name: string) => g.op('Gather', [x, g.int64s(name, index)], { axis: 1 }, `${name}_values`); // [N, frames, 2]
  const weight = (values: number[], name: string) => g.doubles(name, [frames, 1], values);
  const resampled = g.op('Add', [
    g.op('Mul', [at(i, 'face_frame_below'), weight(w.map((v) => 1 - v), 'face_weight_below')], {}, 'face_below'),
    g.op('Mul', [at(j, 'face_frame_above'), weight(w, 'face_weight_above')], {}, 'face_above'),
  ], {}, 'face_resampled_f64');
  const tracks = g.op('Cast', [resampled], { to: TO_FLOAT }, 'face_resampled'); // data.ts stores Float32Arrays
  const tracks64 = g.op('Cast', [tracks], { to: TO_DOUBLE }, 'face_resampled_stored');
  const slice = (from: number, to: number, name: string) =>
    g.op('Slice', [tracks64, g.int64s(`${name}_start`, [from]), g.int64s(`${name}_end`, [to]), g.int64s(`${name}_axis`, [1])], {}, name);
  const change = g.op('Mul', [
    g.op('Sub', [slice(1, frames, 'face_current'), slice(0, frames - 1, 'face_previous')], {}, 'face_difference'),
    g.doubles('face_change_scale', [], [10]),
  ], {}, 'face_change_f64'); // [N, frames - 1, 2]
  const changeFromFirst = g.op('Pad', [change, g.int64s('face_change_pads', [0, 1, 0, 0, 0, 0])], { mode: 'constant' }, 'face_change_padded');
  const change32 = g.op('Cast', [changeFromFirst], { to: TO_FLOAT }, 'face_change');
  g.node('Concat', [tracks, change32], [networkInput], { axis: 2 });
  g.nodes.unshift(...g.nodes.splice(before)); // ONNX wants nodes in topological order: these come first
  return { name: input, dims: [null, videoFrames, 2] };
}
