/**
 * Speech from Debian's espeak-ng (optional apt package): `espeak-ng -v <voice> -s <wpm> -p <pitch>
 * --stdout <text>` gives 16-bit mono WAV at 22,050 Hz. With --stdout the RIFF sizes are
 * placeholders (the stream length is unknown), so the samples are taken from the `data` chunk to
 * the end of the output.
 */
import { spawnSync } from 'node:child_process';

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
  const r = spawnSync('espeak-ng', ['-v', voice, '-s', String(wordsPerMinute), '-p', String(pitch), '--stdout', text], {
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.status !== 0 || !r.stdout || r.stdout.length < 44) {
    throw new Error(`espeak-ng failed for voice ${voice}: ${r.stderr?.toString().trim() || `exit ${r.status}`}`);
  }
  return parseStreamedWav(r.stdout);
}

function parseStreamedWav(buf: Buffer): Synthesized {
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error('espeak-ng did not write a WAV stream');
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
      for (let i = 0; i < n; i++) samples[i] = buf.readInt16LE(start + 2 * i) / 32768;
      return { samples, sampleRate };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error('espeak-ng output has no data chunk');
}
