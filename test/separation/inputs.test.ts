import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav, type WavEncoding } from '../../src/formats/wav.js';
import { writeZip } from '../../src/formats/zip.js';
import { ValidationError } from '../../src/problems.js';
import { definition } from '../../src/tasks/separation/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';

const task = taskFromDefinition(definition);
import { podium, podiumJson } from '../helpers/cli.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-sep-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function noise(length: number, seed: number, gain = 0.3): Float64Array {
  const rand = lcg(seed);
  let y1 = 0;
  return Float64Array.from({ length }, () => (y1 = gain * rand() + 0.5 * y1));
}

function write(file: string, samples: ArrayLike<number>, rate = 8000, encoding: WavEncoding = 'pcm16') {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodeWav(samples, rate, encoding));
}

const LENGTH = 2000;
const IDS = ['a1', 'a2', 'a3'];

/** A truth of three 2-source mixtures and a matching, reasonable submission. */
function makeCase(name: string, opts: { usage?: string } = {}) {
  const dir = path.join(root, name);
  const truth = path.join(dir, 'truth');
  const sub = path.join(dir, 'sub');
  IDS.forEach((id, n) => {
    const s1 = noise(LENGTH, 10 * n + 1);
    const s2 = noise(LENGTH, 10 * n + 2);
    write(`${truth}/s1/${id}.wav`, s1);
    write(`${truth}/s2/${id}.wav`, s2);
    write(`${truth}/mix/${id}.wav`, s1.map((v, i) => v + s2[i]!));
    // estimates in swapped order for a2
    const e1 = s1.map((v, i) => v + 0.2 * s2[i]!);
    const e2 = s2.map((v, i) => v + 0.1 * s1[i]!);
    write(`${sub}/s1/${id}.wav`, n === 1 ? e2 : e1);
    write(`${sub}/s2/${id}.wav`, n === 1 ? e1 : e2);
  });
  fs.mkdirSync(`${truth}/face`, { recursive: true });
  fs.writeFileSync(`${truth}/face/a1.csv`, 'frame,s1,s2\n0,0.1,0.2\n');
  fs.writeFileSync(`${truth}/metadata.json`, '{}');
  if (opts.usage) fs.writeFileSync(`${truth}/usage.csv`, opts.usage);
  return { truth, sub };
}

async function problemsOf(truth: string, sub: string): Promise<string[]> {
  try {
    await task.validate(truth, sub, { threads: 1 });
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).problems.map((p) => `${p.file}: ${p.message}`);
  }
  throw new Error('expected a ValidationError');
}

describe('separation layouts', () => {
  it('scores a folder, a zip and a zip with a wrapper folder alike; ignores face/ and metadata.json', async () => {
    const { truth, sub } = makeCase('ok');
    const folder = await task.evaluate(truth, sub, { threads: 1 });
    const entries = IDS.flatMap((id) => ['s2', 's1'].map((s) => ({ name: `${s}/${id}.wav`, data: fs.readFileSync(`${sub}/${s}/${id}.wav`) })));
    const zip = path.join(root, 'ok', 'sub.zip');
    await writeZip(zip, entries);
    const wrapped = path.join(root, 'ok', 'wrapped.zip');
    await writeZip(wrapped, [...entries.map((e) => ({ ...e, name: `run-7/${e.name}` })), { name: '__MACOSX/run-7/._x', data: 'x' }]);
    for (const s of [zip, wrapped]) {
      const { report } = await task.evaluate(truth, s, { threads: 1 });
      expect(report.metrics).toEqual(folder.report.metrics);
    }
    const perMixture = folder.report.per_mixture as { id: string; perm: number[]; si_sdr_perm: number[] }[];
    expect(perMixture.map((m) => [m.id, m.perm, m.si_sdr_perm])).toEqual([
      ['a1', [0, 1], [0, 1]],
      ['a2', [1, 0], [1, 0]],
      ['a3', [0, 1], [0, 1]],
    ]);
    expect(folder.report.metrics.sdr).toBeGreaterThan(5);
    expect(folder.report.metrics.sdri).toBeGreaterThan(3);
  });

  it('reports public and private splits from usage.csv and leaves Ignored mixtures out', async () => {
    const { truth, sub } = makeCase('usage', { usage: 'id,usage\na1,Public\na2,Private\na3,Ignored\n' });
    const { report, resamplers } = await task.evaluate(truth, sub, { threads: 1, withResamplers: true });
    const all = await task.evaluate(makeCase('usage-none').truth, sub, { threads: 1 });
    const rows = all.report.per_mixture as { sdr: number[] }[];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(report.splits!.public!.sdr).toBeCloseTo(mean(rows[0]!.sdr), 12);
    expect(report.splits!.private!.sdr).toBeCloseTo(mean(rows[1]!.sdr), 12);
    expect(report.metrics.sdr).toBeCloseTo(mean([...rows[0]!.sdr, ...rows[1]!.sdr]), 12);
    expect(report.mixtures).toBe(2);
    expect(resamplers!.all.size).toBe(2);
    expect(resamplers!.all.score(Uint32Array.of(1, 1)).sdr).toBeCloseTo(mean(rows[1]!.sdr), 12);
  });

  it('names missing, extra and misplaced files', async () => {
    const { truth, sub } = makeCase('names');
    fs.rmSync(`${sub}/s2/a3.wav`);
    write(`${sub}/s1/zz.wav`, noise(LENGTH, 5));
    write(`${sub}/s3/a1.wav`, noise(LENGTH, 5));
    fs.writeFileSync(`${sub}/notes.txt`, 'hello');
    fs.writeFileSync(`${sub}/.DS_Store`, '');
    fs.rmSync(`${sub}/s1/a1.wav`);
    fs.symlinkSync(`${truth}/s1/a1.wav`, `${sub}/s1/a1.wav`);
    const problems = await problemsOf(truth, sub);
    expect(problems).toEqual(
      expect.arrayContaining([
        'sub: missing s2/a3.wav',
        'sub/s1/zz.wav: no truth mixture has id "zz"',
        'sub/s3/a1.wav: unexpected source folder s3; the truth has 2 sources (s1, s2)',
        'sub/notes.txt: unexpected file; a submission holds s1/<id>.wav, s2/<id>.wav only',
        'sub/s1/a1.wav: is a symbolic link; estimates must be regular files',
        'sub: missing s1/a1.wav',
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('checks sample rate, length, channels, sample format, silence and finiteness of every estimate at once', async () => {
    const { truth, sub } = makeCase('audio');
    write(`${sub}/s1/a1.wav`, noise(LENGTH, 3), 16000);
    write(`${sub}/s2/a1.wav`, noise(LENGTH - 1, 3));
    write(`${sub}/s1/a2.wav`, new Float64Array(LENGTH));
    const bad = noise(LENGTH, 4);
    bad[17] = NaN;
    write(`${sub}/s2/a2.wav`, bad, 8000, 'float32');
    const stereo = encodeWav(noise(LENGTH, 6), 8000);
    stereo.writeUInt16LE(2, 22); // channels = 2 (block align no longer matches either)
    fs.writeFileSync(`${sub}/s1/a3.wav`, stereo);
    fs.writeFileSync(`${sub}/s2/a3.wav`, 'RIFF not really');
    const problems = await problemsOf(truth, sub);
    expect(problems).toEqual([
      'sub/s1/a1.wav: sample rate 16000 Hz; the truth is 8000 Hz',
      'sub/s2/a1.wav: 1999 samples; the truth has 2000 (0.250 s at 8000 Hz)',
      'sub/s1/a2.wav: estimate is all zeros; a silent estimate cannot be scored by BSS Eval (as mir_eval, which raises)',
      'sub/s2/a2.wav: sample 17 is not a finite number',
      "sub/s1/a3.wav: 2 channels; expected mono (1 channel): a source is one signal, and podium does not average channels (mir_eval's loader would), so that what is scored is what was submitted",
      'sub/s2/a3.wav: not a RIFF/WAVE file; expected mono PCM 16/24/32-bit or float32 WAV',
    ]);
  });

  it('refuses a silent reference and a truth without the layout', async () => {
    const { truth, sub } = makeCase('silent-ref');
    write(`${truth}/s2/a2.wav`, new Float64Array(LENGTH));
    expect(await problemsOf(truth, sub)).toEqual([
      'truth/s2/a2.wav: reference source is all zeros; BSS Eval needs non-silent references (as mir_eval, which raises)',
    ]);
    fs.rmSync(`${truth}/mix`, { recursive: true });
    expect(await problemsOf(truth, sub)).toEqual(['truth/mix: missing folder of mixtures mix/<id>.wav']);
  });

  it('exits 2 with one line naming the file from the CLI', () => {
    const { truth, sub } = makeCase('cli');
    fs.rmSync(`${sub}/s1/a2.wav`);
    const r = podium(['evaluate', '--task', 'separation', '--truth', truth, '--submission', sub, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('podium: sub: missing s1/a2.wav');
    expect(r.stdout).toBe('');
  });
});

describe('ill-conditioned input does not crash', () => {
  it('identical references: BSS Eval values are null with the reason, SI-SDR still scores', async () => {
    const { truth, sub } = makeCase('identical');
    fs.copyFileSync(`${truth}/s1/a1.wav`, `${truth}/s2/a1.wav`);
    const out = podiumJson(['evaluate', '--task', 'separation', '--truth', truth, '--submission', sub]);
    const a1 = out.per_mixture[0];
    expect(a1.sdr).toEqual([null, null]);
    expect(a1.perm).toBeNull();
    expect(a1.notes[0]).toMatch(/SDR, SIR, SAR: the correlation matrix of the delayed references is singular to working precision/);
    expect(a1.si_sdr.every((v: number | null) => typeof v === 'number')).toBe(true);
    expect(out.warnings[0]).toMatch(/^a1: SDR, SIR, SAR: /);
    expect(typeof out.metrics.sdr).toBe('number'); // mean over the other mixtures
  });

  it('an estimate equal to its reference: unbounded values become null with the reason', async () => {
    const { truth, sub } = makeCase('perfect');
    fs.copyFileSync(`${truth}/s1/a1.wav`, `${sub}/s1/a1.wav`);
    fs.copyFileSync(`${truth}/s2/a1.wav`, `${sub}/s2/a1.wav`);
    const { report } = await task.evaluate(truth, sub, { threads: 1 });
    const a1 = (report.per_mixture as { si_sdr: (number | null)[]; perm: number[]; notes?: string[] }[])[0]!;
    expect(a1.si_sdr).toEqual([null, null]);
    expect(a1.notes).toContain('SI-SDR of source 1 is unbounded: the error energy is zero to working precision (above 120 dB)');
    expect(a1.perm).toEqual([0, 1]);
  });
});
