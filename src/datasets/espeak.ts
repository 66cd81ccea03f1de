/**
 * Speech from Debian's espeak-ng (optional apt package): `espeak-ng -v <voice> -s <wpm> -p <pitch>
 * -w <file> <text>` gives 16-bit mono WAV at 22,050 Hz. The samples are taken from the `data`
 * chunk to the end of the file (as for `--stdout`, whose RIFF sizes are placeholders; the samples
 * are the same). A file, not a pipe: reading ~2 MB a call through a pipe cost the parent more
 * CPU than espeak-ng took (64 KB reads, each a Buffer, then joined).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Synthesized {
  samples: Float64Array;
  sampleRate: number;
}

let cachedVersion: string | null | undefined;

/** espeak-ng's version line, or null when the program is not installed. */
export function espeakVersion(): string | null {
  if (cachedVersion !== undefined) return cachedVersion;
  const r = spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' });
  cachedVersion = r.status === 0 ? (/text-to-speech:\s*(\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim()) : null;
  return cachedVersion;
}

export function espeakSynthesize(text: string, voice: string, wordsPerMinute: number, pitch: number): Synthesized {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-espeak-'));
  try {
    const file = path.join(dir, 'speech.wav');
    const r = spawnSync('espeak-ng', ['-v', voice, '-s', String(wordsPerMinute), '-p', String(pitch), '-w', file, text]);
    const wav = r.status === 0 && fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    if (!wav || wav.length < 44) {
      throw new Error(`espeak-ng failed for voice ${voice}: ${r.error?.message || r.stderr?.toString().trim() || `exit ${r.status}`}`);
    }
    return espeakWavSamples(wav);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function espeakWavSamples(buf: Buffer): Synthesized {
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error('espeak-ng did not write a WAV file');
  let at = 12;
  let sampleRate = 22050;
  while (at + 8 <= buf.length) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      sampleRate = buf.readUInt32LE(at + 12);
      if (buf.readUInt16LE(at + 8) !== 1 || buf.readUInt16LE(at + 10) !== 1 || buf.readUInt16LE(at + 22) !== 16) {
        throw new Error('espeak-ng wrote something other than 16-bit mono PCM');
      }
    }
    if (id === 'data') {
      const start = at + 8;
      const n = Math.floor((buf.length - start) / 2);
      const samples = new Float64Array(n);
      // Little-endian int16 by hand (as readInt16LE, sign from the high byte): a call per sample was most of the parse.
      for (let i = 0, j = start; i < n; i++, j += 2) samples[i] = (((buf[j]! | (buf[j + 1]! << 8)) << 16) >> 16) / 32768;
      return { samples, sampleRate };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error('espeak-ng output has no data chunk');
}
