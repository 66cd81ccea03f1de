/**
 * separation-mini: two-speaker mixtures in the wsj0-2mix / LibriMix layout, with a face track per
 * speaker beside the audio (data/README.md). Speech comes from espeak-ng when it is installed
 * (several voices, speaking rates and pitches), otherwise from the built-in formant synthesizer;
 * metadata.json says which. Each (voice, rate) reads its own paragraph into one long stream; a
 * mixture takes a 2 s window with speech from each of two streams of different voices, scales
 * them to a relative level of 0-5 dB as wsj0-2mix does, and sums them. Sources are quantized to
 * 16 bits first, so mix = s1 + s2 holds exactly in the files.
 */
import path from 'node:path';
import { encodeWav } from '../formats/wav.js';
import { writeZip } from '../formats/zip.js';
import { progress } from '../progress.js';
import { Rng } from './rng.js';
import { writeCsv, writeFile, writeJson, writeUsageCsv } from './dataset-files.js';
import { splitUsage } from './usage-split.js';
import { espeakSynthesize, espeakVersion } from './espeak.js';
import { resample } from './resample.js';
import { paragraph } from './speech-text.js';
import { BUILTIN_VOICES, builtinSpeech } from './builtin-voice.js';
import { FACE_FPS, mouthOpenness } from './face-track.js';

export interface SeparationMiniSizes {
  trainMixtures: number;
  testMixtures: number;
  seconds: number;
  sampleRate: number;
}

export const SEPARATION_MINI_SIZES: SeparationMiniSizes = { trainMixtures: 400, testMixtures: 60, seconds: 2, sampleRate: 8000 };

export type Synthesizer = 'espeak-ng' | 'built-in';

/** espeak-ng voices (language + variant) and the pitch each speaks at (0-99). */
const ESPEAK_VOICES: { voice: string; pitch: number }[] = [
  { voice: 'en-us+m1', pitch: 40 },
  { voice: 'en-us+f2', pitch: 55 },
  { voice: 'en-gb+m3', pitch: 35 },
  { voice: 'en-gb-x-rp+f4', pitch: 60 },
  { voice: 'en-gb-scotland+m7', pitch: 45 },
  { voice: 'en-029+f1', pitch: 50 },
  { voice: 'en-us-nyc+m2', pitch: 30 },
  { voice: 'en-gb-x-gbclan+f5', pitch: 65 },
];
const ESPEAK_RATES = [135, 160, 185];
const BUILTIN_SPEEDS = [0.85, 1, 1.15];

/** Source level before the relative gain: -25 dBFS RMS, as speech corpora are roughly levelled. */
const SOURCE_RMS = Math.pow(10, -25 / 20);
const MAX_PEAK = 0.9;
/** Relative level of the two speakers in dB, uniform in [0, 5] as in wsj0-2mix. */
const MAX_RELATIVE_DB = 5;

interface Stream {
  id: string;
  voice: string;
  rate: number;
  pitch?: number;
  samples: Float64Array;
  /** Per 20 ms frame: whether it holds speech. */
  active: Uint8Array;
}

interface SourceInfo {
  voice: string;
  rate: number;
  pitch?: number;
  stream: string;
  offset_s: number;
  gain_db: number;
}

export interface MixtureInfo {
  id: string;
  s1: SourceInfo;
  s2: SourceInfo;
}

const FRAME_S = 0.02;
const STREAM_SHARE = 0.6;
/** espeak-ng reads one of our sentences in about this many seconds. */
const SECONDS_PER_SENTENCE = 2.5;

function speechFrames(x: Float64Array, rate: number): Uint8Array {
  const hop = Math.round(FRAME_S * rate);
  const frames = Math.floor(x.length / hop);
  const energy = new Float64Array(frames);
  let peak = 0;
  for (let f = 0; f < frames; f++) {
    let e = 0;
    for (let i = f * hop; i < (f + 1) * hop; i++) e += x[i]! * x[i]!;
    energy[f] = e / hop;
    if (energy[f]! > peak) peak = energy[f]!;
  }
  const threshold = peak * 1e-3; // 30 dB below the loudest frame
  const active = new Uint8Array(frames);
  for (let f = 0; f < frames; f++) active[f] = energy[f]! > threshold ? 1 : 0;
  return active;
}

/**
 * Streams of one split: one per (voice, rate), each reading its own text. A small split uses a
 * seeded subset of the (voice, rate) pairs, at least two voices, so tests stay quick.
 */
function makeStreams(split: string, synth: Synthesizer, rng: Rng, mixtures: number, clipSeconds: number, rate: number): Stream[] {
  type Plan = { voice: string; rate: number; pitch?: number };
  const all: Plan[] = synth === 'espeak-ng'
    ? ESPEAK_VOICES.flatMap((v) => ESPEAK_RATES.map((wpm) => ({ voice: v.voice, rate: wpm, pitch: v.pitch })))
    : BUILTIN_VOICES.flatMap((v) => BUILTIN_SPEEDS.map((speed) => ({ voice: v.name, rate: speed })));
  let plans = all;
  if (2 * mixtures < all.length) {
    const shuffled = rng.shuffled(all);
    plans = shuffled.slice(0, Math.max(4, 2 * mixtures));
    if (new Set(plans.map((p) => p.voice)).size < 2) plans.push(shuffled.find((p) => p.voice !== plans[0]!.voice)!);
  }
  // Streams hold about STREAM_SHARE of the clip audio needed: windows are drawn at random
  // offsets and may overlap, which keeps synthesis and resampling quick.
  const streamSeconds = Math.max(clipSeconds * 1.5, (mixtures * 2 * clipSeconds * STREAM_SHARE) / plans.length);
  return plans.map((p) => {
    let samples: Float64Array;
    if (synth === 'espeak-ng') {
      const sentences = Math.min(30, Math.max(1, Math.ceil(streamSeconds / SECONDS_PER_SENTENCE)));
      const raw = espeakSynthesize(paragraph(rng, sentences), p.voice, p.rate, p.pitch!);
      samples = resample(raw.samples, raw.sampleRate, rate);
    } else {
      samples = builtinSpeech(rng, BUILTIN_VOICES.find((v) => v.name === p.voice)!, p.rate, Math.ceil(streamSeconds), rate);
    }
    return { id: `${split}-${p.voice}-${p.rate}`, ...p, samples, active: speechFrames(samples, rate) };
  });
}

/** A window of `len` samples from a stream, preferring ones that are mostly speech. */
function pickWindow(rng: Rng, s: Stream, len: number, rate: number): number {
  const hop = Math.round(FRAME_S * rate);
  const maxStart = Math.max(0, s.samples.length - len);
  let best = 0;
  let bestScore = -1;
  for (let attempt = 0; attempt < 12; attempt++) {
    const start = rng.int(0, maxStart);
    let on = 0;
    const f0 = Math.floor(start / hop);
    const f1 = Math.min(s.active.length, Math.floor((start + len) / hop));
    for (let f = f0; f < f1; f++) on += s.active[f]!;
    const score = on / Math.max(1, f1 - f0);
    if (score > bestScore) {
      bestScore = score;
      best = start;
    }
    if (score >= 0.7) break;
  }
  return best;
}

function clip(s: Stream, start: number, len: number): Float64Array {
  const out = new Float64Array(len);
  out.set(s.samples.subarray(start, Math.min(s.samples.length, start + len)));
  return out;
}

function rms(x: Float64Array): number {
  let e = 0;
  for (const v of x) e += v * v;
  return Math.sqrt(e / Math.max(1, x.length));
}

const quantize16 = (v: number) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))) / 32768;

/** x times g, sample by sample (a loop: Float64Array.map with a callback was a tenth of the generator). */
function scale(x: Float64Array, g: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * g;
  return out;
}

/** x times `limit`, quantized to 16 bits. */
function quantized(x: Float64Array, limit: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = quantize16(x[i]! * limit);
  return out;
}

export interface SeparationMiniSummary {
  synthesizer: Synthesizer;
  synthesizerVersion: string | null;
  train: number;
  test: number;
  public: number;
  private: number;
  voices: number;
}

export interface SeparationOptions {
  seed: number;
  sizes?: Partial<SeparationMiniSizes>;
  /** Force a synthesizer (default: espeak-ng when installed, else built-in). */
  synthesizer?: Synthesizer;
}

export async function generateSeparationMini(dest: string, opts: SeparationOptions): Promise<SeparationMiniSummary> {
  const sizes = { ...SEPARATION_MINI_SIZES, ...opts.sizes };
  const version = espeakVersion();
  const synth: Synthesizer = opts.synthesizer ?? (version ? 'espeak-ng' : 'built-in');
  if (synth === 'espeak-ng' && !version) throw new Error('espeak-ng is not installed (apt-get install espeak-ng), use the built-in synthesizer');
  const root = new Rng(opts.seed).fork(`separation-mini/${synth}`);
  const rate = sizes.sampleRate;
  const len = Math.round(sizes.seconds * rate);
  const bar = progress('separation-mini mixtures', sizes.trainMixtures + sizes.testMixtures);
  let usageSummary = { public: 0, private: 0 };
  const voices = new Set<string>();
  const testMixes: { id: string; mix: Buffer }[] = [];

  for (const split of ['train', 'test'] as const) {
    const count = split === 'train' ? sizes.trainMixtures : sizes.testMixtures;
    const rng = root.fork(split);
    const streams = makeStreams(split, synth, rng.fork('streams'), count, sizes.seconds, rate);
    const dir = path.join(dest, split);
    const mixtures: MixtureInfo[] = [];
    for (let m = 0; m < count; m++) {
      const id = `${split === 'train' ? 'tr' : 'tt'}${String(m + 1).padStart(4, '0')}`;
      const a = rng.pick(streams);
      let b = rng.pick(streams);
      while (b.voice === a.voice) b = rng.pick(streams);
      const startA = pickWindow(rng, a, len, rate);
      const startB = pickWindow(rng, b, len, rate);
      const relative = rng.uniform(0, MAX_RELATIVE_DB);
      const gains = [relative / 2, -relative / 2];
      const raw = [clip(a, startA, len), clip(b, startB, len)];
      const scaled = raw.map((x, k) => scale(x, (SOURCE_RMS / Math.max(rms(x), 1e-9)) * Math.pow(10, gains[k]! / 20)));
      let peak = 0;
      for (let i = 0; i < len; i++) peak = Math.max(peak, Math.abs(scaled[0]![i]! + scaled[1]![i]!), Math.abs(scaled[0]![i]!), Math.abs(scaled[1]![i]!));
      const limit = peak > MAX_PEAK ? MAX_PEAK / peak : 1;
      const [s1, s2] = scaled.map((x) => quantized(x, limit)) as [Float64Array, Float64Array];
      const mix = new Float64Array(len);
      for (let i = 0; i < len; i++) mix[i] = s1[i]! + s2[i]!;
      const mixWav = encodeWav(mix, rate);
      writeFile(path.join(dir, 'mix', `${id}.wav`), mixWav);
      writeFile(path.join(dir, 's1', `${id}.wav`), encodeWav(s1, rate));
      writeFile(path.join(dir, 's2', `${id}.wav`), encodeWav(s2, rate));
      const face1 = mouthOpenness(raw[0]!, rate);
      const face2 = mouthOpenness(raw[1]!, rate);
      writeCsv(path.join(dir, 'face', `${id}.csv`), ['frame', 's1', 's2'], face1.map((v, f) => [f, v, face2[f]!]));
      const info = (s: Stream, start: number, gain: number): SourceInfo => ({
        voice: s.voice, rate: s.rate, ...(s.pitch !== undefined ? { pitch: s.pitch } : {}),
        stream: s.id, offset_s: Math.round((start / rate) * 1000) / 1000, gain_db: Math.round((gain + 20 * Math.log10(limit)) * 1000) / 1000,
      });
      mixtures.push({ id, s1: info(a, startA, gains[0]!), s2: info(b, startB, gains[1]!) });
      voices.add(a.voice).add(b.voice);
      if (split === 'test') testMixes.push({ id, mix: mixWav });
      bar.tick();
    }
    writeJson(path.join(dir, 'metadata.json'), {
      synthesizer: synth,
      synthesizer_version: synth === 'espeak-ng' ? version : 'podium built-in formant synthesizer 1',
      sample_rate: rate,
      seconds: sizes.seconds,
      face_fps: FACE_FPS,
      seed: opts.seed,
      mixtures,
    }, 1);
    if (split === 'test') {
      const usage = splitUsage(mixtures.map((x) => x.id), opts.seed);
      writeUsageCsv(path.join(dir, 'usage.csv'), usage);
      const nPublic = [...usage.values()].filter((u) => u === 'Public').length;
      usageSummary = { public: nPublic, private: usage.size - nPublic };
    }
  }
  bar.stop();
  // Sample submission: the mixture itself as both estimates (SDR improvement 0 by definition).
  await writeMixtureSubmission(path.join(dest, 'sample_submission.zip'), testMixes);
  return {
    synthesizer: synth,
    synthesizerVersion: synth === 'espeak-ng' ? version : null,
    train: sizes.trainMixtures,
    test: sizes.testMixtures,
    ...usageSummary,
    voices: voices.size,
  };
}

/** A zip with the mixture as the estimate of each of `sources` sources (s1/<id>.wav, ...). */
export async function writeMixtureSubmission(file: string, mixes: { id: string; mix: Uint8Array }[], sources = 2): Promise<void> {
  writeFile(file, new Uint8Array(0));
  await writeZip(file, mixes.flatMap(({ id, mix }) => Array.from({ length: sources }, (_, k) => ({ name: `s${k + 1}/${id}.wav`, data: mix }))));
}
