/**
 * `podium data import librimix <src> <dest>`: a wsj0-2mix or LibriMix split folder into a
 * separation challenge. Accepted layouts (the generation scripts' own):
 *   wsj0-2mix  .../wav8k/min/tt/{mix,s1,s2}/<id>.wav
 *   LibriMix   .../Libri2Mix/wav8k/min/test/{mix_clean|mix_both,s1,s2[,noise]}/<id>.wav
 * `src` is the split folder (tt, test, ...). The mixture folder is `mix`, else `mix_clean`
 * (use --mix to pick another); sources are s1, s2, ... The files are checked (every id in every
 * folder, one sample rate and length per id, mono PCM) and copied to dest/test/{mix,s1,s2,...}
 * with usage.csv (seeded Public / Private split); the sample submission uses the mixture as every
 * estimate. Real sets have no face tracks; the separation task does not need them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseWavHeader } from '../formats/wav.js';
import { ProblemList, ValidationError } from '../problems.js';
import { progress } from '../progress.js';
import { writeFile, writeUsageCsv } from './dataset-files.js';
import { splitUsage } from './usage-split.js';
import { writeChallengeFile } from './challenge-file.js';
import { requireDir } from './import-input.js';
import { writeMixtureSubmission } from './separation-generate.js';

export interface LibriMixImportSummary {
  mixtures: number;
  sources: number;
  sampleRate: number;
  mixFolder: string;
  public: number;
  private: number;
  challengeFile?: string;
}

const wavIds = (dir: string) => fs.readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.wav')).map((f) => f.slice(0, -4)).sort();

export async function importLibriMix(src: string, dest: string, seed: number, mixFolder?: string): Promise<LibriMixImportSummary> {
  requireDir(src, 'a wsj0-2mix or LibriMix split folder (with mix/ or mix_clean/, s1/, s2/)');
  const mixName = mixFolder ?? ['mix', 'mix_clean', 'mix_both'].find((m) => fs.existsSync(path.join(src, m)));
  if (!mixName || !fs.existsSync(path.join(src, mixName))) {
    throw ValidationError.of({ file: src, message: `no mixture folder (${mixFolder ?? 'mix, mix_clean or mix_both'}); expected a wsj0-2mix / LibriMix split folder` });
  }
  const sources = fs.readdirSync(src).filter((d) => /^s\d+$/.test(d) && fs.statSync(path.join(src, d)).isDirectory())
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  if (sources.length < 2) throw ValidationError.of({ file: src, message: `expected source folders s1, s2, ...; found ${sources.join(', ') || 'none'}` });

  const ids = wavIds(path.join(src, mixName));
  if (ids.length === 0) throw ValidationError.of({ file: path.join(src, mixName), message: 'no .wav files' });
  const problems = new ProblemList();
  let sampleRate: number | undefined;
  const bar = progress('checking mixtures', ids.length);
  for (const id of ids) {
    const files = [path.join(src, mixName, `${id}.wav`), ...sources.map((s) => path.join(src, s, `${id}.wav`))];
    let length: number | undefined;
    for (const file of files) {
      if (!fs.existsSync(file)) {
        problems.add({ file, message: `missing; every mixture needs ${sources.join(', ')}` });
        continue;
      }
      try {
        const h = parseWavHeader(fs.readFileSync(file), file);
        sampleRate ??= h.sampleRate;
        length ??= h.length;
        if (h.sampleRate !== sampleRate) problems.add({ file, message: `sample rate ${h.sampleRate} Hz, the others have ${sampleRate} Hz` });
        else if (h.length !== length) problems.add({ file, message: `${h.length} samples, the mixture has ${length}` });
      } catch (e) {
        if (e instanceof ValidationError) e.problems.forEach((p) => problems.add(p));
        else throw e;
      }
    }
    bar.tick();
  }
  bar.stop();
  for (const s of sources) {
    const extra = wavIds(path.join(src, s)).filter((id) => !ids.includes(id));
    for (const id of extra.slice(0, 5)) problems.add({ file: path.join(src, s, `${id}.wav`), message: `no mixture ${mixName}/${id}.wav for this source` });
  }
  problems.throwIfAny();

  const out = path.join(dest, 'test');
  const copy = progress('copying mixtures', ids.length);
  const mixes: { id: string; mix: Uint8Array }[] = [];
  for (const id of ids) {
    const mix = fs.readFileSync(path.join(src, mixName, `${id}.wav`));
    writeFile(path.join(out, 'mix', `${id}.wav`), mix);
    for (const s of sources) writeFile(path.join(out, s, `${id}.wav`), fs.readFileSync(path.join(src, s, `${id}.wav`)));
    mixes.push({ id, mix });
    copy.tick();
  }
  copy.stop();
  const usage = splitUsage(ids, seed);
  writeUsageCsv(path.join(out, 'usage.csv'), usage);
  await writeMixtureSubmission(path.join(dest, 'sample_submission.zip'), mixes, sources.length);
  const challengeFile = writeChallengeFile(dest, {
    title: `Speech separation (imported from ${path.basename(path.resolve(src))})`,
    task: 'separation',
    truth: 'test',
    primary_metric: 'sdri',
    sample_submission: 'sample_submission.zip',
    description: 'Imported wsj0-2mix / LibriMix split; scored by SDR improvement (BSS Eval v3) and SI-SDR improvement.',
  });
  const nPublic = [...usage.values()].filter((u) => u === 'Public').length;
  return { mixtures: ids.length, sources: sources.length, sampleRate: sampleRate!, mixFolder: mixName, public: nPublic, private: ids.length - nPublic, challengeFile };
}
