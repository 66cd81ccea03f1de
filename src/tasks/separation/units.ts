/**
 * Separation's scoring units: for each mixture, read the truth and estimate WAV files, check
 * them against each other (sample rate, length, silence, finite samples), and score it (BSS
 * Eval, SI-SDR). The same code runs on this thread or in a scoring thread (the pipeline
 * decides), from plain context: file locations only.
 */
import fs from 'node:fs';
import { decodeWav, type WavAudio } from '../../formats/wav.js';
import { ZipEntryReader } from '../../formats/submission-files.js';
import { scoreMixture, type MixtureScores } from '../../evaluators/separation.js';
import { ValidationError, type Problem } from '../../problems.js';
import type { UnitSink } from '../../scoring/task-definition.js';
import type { EstimateLocation } from './submission.js';

export interface MixtureJob {
  id: string;
  /** Truth files: the mixture, then s1, s2, ... */
  mix: { file: string; label: string };
  sources: { file: string; label: string }[];
  estimates: EstimateLocation[];
}

/** Plain data: crosses to a scoring thread as it is. */
export interface SeparationContext {
  jobs: MixtureJob[];
  sources: number;
}

/** Anything problems can be added to. */
interface ProblemSink {
  add(problem: Problem): void;
}

/** An estimate in the submission zip, checked against the truth before a byte is inflated. */
async function readEntry(zips: ZipEntryReader, zip: string, name: string, label: string, maxBytes: number): Promise<Buffer> {
  const entry = await zips.entry(zip, name);
  if (entry.size > maxBytes) throw tooLarge(label, entry.size, maxBytes);
  return entry.buffer();
}

/**
 * The most bytes an estimate WAV of `frames` samples can need: 4 bytes a sample (float32 or
 * pcm32), two channels, plus 1 MiB of header and extra chunks. Anything larger cannot match the
 * truth's length and is refused before it is read or decoded (a 5 MB zip of 256 MB WAVs once
 * took the server from 150 MB to 2.7 GB).
 */
export function maxEstimateBytes(frames: number): number {
  return frames * 8 + 1024 * 1024;
}

function tooLarge(label: string, size: number, max: number): ValidationError {
  return ValidationError.of({ file: label, message: `is ${size.toLocaleString('en')} bytes; a WAV of the truth's length is at most ${max.toLocaleString('en')} bytes` });
}

/** Reads a plain estimate file after checking its size against the bound. */
function readBounded(file: string, label: string, maxBytes: number): Buffer {
  const size = fs.statSync(file).size;
  if (size > maxBytes) throw tooLarge(label, size, maxBytes);
  return fs.readFileSync(file);
}

/**
 * Scores the given mixtures into `sink` (with sink.checkOnly, only checks them). Once a
 * problem is found nothing more is scored, only checked: the submission will be refused.
 */
export async function produceMixtures(context: SeparationContext, units: Uint32Array, sink: UnitSink<MixtureScores>): Promise<void> {
  const zips = new ZipEntryReader();
  let anyProblem = false;
  for (const unit of units) {
    const job = context.jobs[unit]!;
    const problems: ProblemSink = {
      add(problem) {
        anyProblem = true;
        sink.problem(unit, problem);
      },
    };
    const loaded = await loadMixture(job, zips, problems);
    if (loaded && !sink.checkOnly && !anyProblem) sink.item(unit, scoreMixture(job.id, loaded.references, loaded.estimates, loaded.mixture));
  }
}

interface LoadedMixture {
  mixture: Float64Array;
  references: Float64Array[];
  estimates: Float64Array[];
}

async function loadMixture(job: MixtureJob, zips: ZipEntryReader, problems: ProblemSink): Promise<LoadedMixture | undefined> {
  // The truth's files are the organisers' data: their problems are the host's.
  const host: ProblemSink = { add: (problem) => problems.add({ ...problem, fault: 'host' }) };
  const truthOk = (problem: Problem) => {
    host.add(problem);
    return undefined;
  };
  const mix = decode(() => fs.readFileSync(job.mix.file), job.mix.label, host);
  const refs = job.sources.map((s) => decode(() => fs.readFileSync(s.file), s.label, host));
  if (!mix || refs.some((r) => !r)) return undefined;
  for (let k = 0; k < refs.length; k++) {
    const r = refs[k]!;
    const label = job.sources[k]!.label;
    if (r.sampleRate !== mix.sampleRate) return truthOk({ file: label, message: `sample rate ${r.sampleRate} Hz differs from the mixture's ${mix.sampleRate} Hz` });
    if (r.length !== mix.length) return truthOk({ file: label, message: `${r.length} samples; the mixture has ${mix.length}` });
    if (isSilent(r.samples)) return truthOk({ file: label, message: 'reference source is all zeros; BSS Eval needs non-silent references (as mir_eval, which raises)' });
  }
  const estimates: Float64Array[] = [];
  let ok = true;
  for (const location of job.estimates) {
    const max = maxEstimateBytes(mix.length);
    const read = 'file' in location ? () => readBounded(location.file, location.label, max) : () => readEntry(zips, location.zip, location.entry, location.label, max);
    const est = await decodeAsync(read, location.label, problems);
    if (!est) {
      ok = false;
      continue;
    }
    const where = { file: location.label };
    if (est.sampleRate !== mix.sampleRate) {
      problems.add({ ...where, message: `sample rate ${est.sampleRate} Hz; the truth is ${mix.sampleRate} Hz` });
      ok = false;
    } else if (est.length !== mix.length) {
      problems.add({ ...where, message: `${est.length} samples; the truth has ${mix.length} (${seconds(mix.length, mix.sampleRate)})` });
      ok = false;
    } else if (firstNonFinite(est.samples) >= 0) {
      problems.add({ ...where, message: `sample ${firstNonFinite(est.samples)} is not a finite number` });
      ok = false;
    } else if (isSilent(est.samples)) {
      problems.add({ ...where, message: 'estimate is all zeros; a silent estimate cannot be scored by BSS Eval (as mir_eval, which raises)' });
      ok = false;
    }
    estimates.push(est.samples);
  }
  if (!ok) return undefined;
  return { mixture: mix.samples, references: refs.map((r) => r!.samples), estimates };
}

function seconds(length: number, rate: number): string {
  return `${(length / rate).toFixed(3)} s at ${rate} Hz`;
}

function decode(read: () => Uint8Array, label: string, problems: ProblemSink): WavAudio | undefined {
  try {
    return decodeWav(read(), label);
  } catch (e) {
    return report(e, label, problems);
  }
}

async function decodeAsync(read: () => Uint8Array | Promise<Uint8Array>, label: string, problems: ProblemSink): Promise<WavAudio | undefined> {
  try {
    return decodeWav(await read(), label);
  } catch (e) {
    return report(e, label, problems);
  }
}

function report(e: unknown, label: string, problems: ProblemSink): undefined {
  if (e instanceof ValidationError) e.problems.forEach((p) => problems.add(p));
  else if ((e as NodeJS.ErrnoException).code) problems.add({ file: label, message: `cannot read: ${(e as NodeJS.ErrnoException).code}` });
  else throw e;
  return undefined;
}

function isSilent(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) return false;
  return true;
}

function firstNonFinite(x: Float64Array): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return i;
  return -1;
}
