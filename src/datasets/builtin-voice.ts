/**
 * A built-in voice for machines without espeak-ng: a source-filter synthesizer in the manner of
 * Klatt (1980). The source is a Rosenberg glottal pulse train (open phase 40 %, closing 16 % of
 * the period) at a pitch with declination, accents and jitter, differentiated for lip radiation;
 * it drives three cascaded formant resonators whose targets glide between vowels (Peterson &
 * Barney 1952 averages, scaled for female voices). Fricatives are filtered noise, plosives a
 * closure and a burst, nasals a low murmur. Not intelligible English, but speech-like: voiced
 * harmonics, formant motion, syllable rhythm and pauses, which is what separation needs.
 */
import type { Rng } from './rng.js';

export interface BuiltinVoice {
  name: string;
  /** Mean fundamental frequency in Hz. */
  f0: number;
  /** Formant scale (vocal tract length): about 1 for men, 1.15 for women. */
  formantScale: number;
}

export const BUILTIN_VOICES: BuiltinVoice[] = [
  { name: 'builtin-m1', f0: 105, formantScale: 1.0 },
  { name: 'builtin-m2', f0: 125, formantScale: 1.04 },
  { name: 'builtin-m3', f0: 95, formantScale: 0.97 },
  { name: 'builtin-f1', f0: 205, formantScale: 1.15 },
  { name: 'builtin-f2', f0: 225, formantScale: 1.18 },
  { name: 'builtin-f3', f0: 185, formantScale: 1.12 },
];

/** F1, F2, F3 of ten American English vowels (Hz, adult male averages). */
const VOWELS: [number, number, number][] = [
  [270, 2290, 3010], [390, 1990, 2550], [530, 1840, 2480], [660, 1720, 2410], [730, 1090, 2440],
  [570, 840, 2410], [440, 1020, 2240], [300, 870, 2240], [640, 1190, 2390], [490, 1350, 1690],
];
const BANDWIDTHS = [70, 100, 160];
/** Formant filters are retuned every few samples (1 ms at 8 kHz): smooth enough, much cheaper. */
const RETUNE_EVERY = 8;

/** Klatt's two-pole resonator: y[n] = a x[n] + b y[n-1] + c y[n-2], unity gain at DC. */
class Resonator {
  private y1 = 0;
  private y2 = 0;
  private a = 0;
  private b = 0;
  private c = 0;
  constructor(private readonly rate: number) {}
  /** New centre frequency and bandwidth (formants move slowly: callers update every few samples). */
  tune(freq: number, bw: number): void {
    const T = 1 / this.rate;
    this.c = -Math.exp(-2 * Math.PI * bw * T);
    this.b = 2 * Math.exp(-Math.PI * bw * T) * Math.cos(2 * Math.PI * freq * T);
    this.a = 1 - this.b - this.c;
  }
  step(x: number): number {
    const { a, b, c } = this;
    const y = a * x + b * this.y1 + c * this.y2;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

function rosenberg(phase: number): number {
  const open = 0.4;
  const close = 0.16;
  if (phase < open) return 0.5 * (1 - Math.cos((Math.PI * phase) / open));
  if (phase < open + close) return Math.cos((Math.PI * (phase - open)) / (2 * close));
  return 0;
}

type Onset = 'none' | 'fricative' | 'plosive' | 'nasal';

/** Speech-like audio of `seconds` length at `rate` Hz; `speed` > 1 talks faster. */
export function builtinSpeech(rng: Rng, voice: BuiltinVoice, speed: number, seconds: number, rate: number): Float64Array {
  const n = Math.round(seconds * rate);
  const out = new Float64Array(n);
  const formants = [new Resonator(rate), new Resonator(rate), new Resonator(rate)];
  const fricative = new Resonator(rate);
  fricative.tune(2600 * voice.formantScale, 900);
  const bandwidths = BANDWIDTHS.map((bw) => bw * (1 + 0.3 * (voice.formantScale - 1)));
  let pos = Math.round(rng.uniform(0.05, 0.25) * rate);
  let phase = 0;
  let prevSample = 0;
  let current = VOWELS[rng.int(0, VOWELS.length - 1)]!.map((f) => f * voice.formantScale);
  let syllableInSentence = 0;
  let sentenceLength = rng.int(6, 14);
  while (pos < n) {
    const onset: Onset = rng.pick(['none', 'fricative', 'plosive', 'nasal', 'fricative', 'plosive']);
    const target = VOWELS[rng.int(0, VOWELS.length - 1)]!.map((f) => f * voice.formantScale);
    const onsetLen = Math.round((onset === 'none' ? 0 : onset === 'plosive' ? 0.03 : 0.07) * rate / speed);
    const vowelLen = Math.round(rng.uniform(0.09, 0.2) * rate / speed);
    const accent = 1 + (rng.chance(0.3) ? rng.uniform(0.08, 0.2) : 0);
    const declination = 1.08 - 0.16 * (syllableInSentence / sentenceLength);
    const loud = rng.uniform(0.6, 1);
    const from = current;
    for (let i = 0; i < onsetLen + vowelLen && pos < n; i++, pos++) {
      let excitation = 0;
      let freqs = from;
      let amp = 0;
      if (i < onsetLen) {
        if (onset === 'fricative') out[pos] += 0.15 * loud * fricative.step(rng.next() * 2 - 1);
        else if (onset === 'plosive' && i > onsetLen * 0.7) out[pos] += 0.3 * loud * (rng.next() * 2 - 1);
        if (onset !== 'nasal') continue;
        freqs = [250, 1000, 2200].map((f) => f * voice.formantScale);
        amp = 0.3 * loud;
      } else {
        const t = (i - onsetLen) / vowelLen;
        const glide = Math.min(1, t / 0.3);
        freqs = from.map((f, k) => f + (target[k]! - f) * glide);
        amp = loud * Math.sin(Math.PI * Math.min(1, t * 1.1)) ** 0.6;
      }
      const f0 = voice.f0 * accent * declination * (1 + 0.01 * (rng.next() - 0.5));
      phase += f0 / rate;
      if (phase >= 1) phase -= 1;
      const glottal = rosenberg(phase);
      excitation = (glottal - prevSample) * 8 + 0.02 * (rng.next() - 0.5);
      prevSample = glottal;
      let y = excitation * amp;
      if (i % RETUNE_EVERY === 0 || i === onsetLen) for (let k = 0; k < 3; k++) formants[k]!.tune(freqs[k]!, bandwidths[k]!);
      for (let k = 0; k < 3; k++) y = formants[k]!.step(y);
      out[pos] += y * 0.5;
    }
    current = target;
    syllableInSentence++;
    // Gaps: between words sometimes, between sentences always.
    if (syllableInSentence >= sentenceLength) {
      pos += Math.round(rng.uniform(0.25, 0.45) * rate / speed);
      syllableInSentence = 0;
      sentenceLength = rng.int(6, 14);
    } else if (rng.chance(0.4)) {
      pos += Math.round(rng.uniform(0.03, 0.09) * rate / speed);
    }
  }
  return out;
}
