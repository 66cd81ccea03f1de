/**
 * Feature tracks remembered by the content of their two frames, for the life of the process.
 * visual-l1 and hybrid-l1 track the same corners between the same frames (trackFeatures with
 * its defaults): about nine tenths of each one's time. When both run in one process (the demo
 * runs them together: commands/demo-baselines.ts) the second takes the first's tracks instead
 * of computing them again. trackFeatures is a pure function of the two frames' pixels, so the
 * tracks taken are the very numbers it would return; each caller gets its own copy (hybrid-l1
 * moves the track ends in place). Latency queries never use it: they time the tracking itself.
 */
import crypto from 'node:crypto';
import type { Tracks } from './feature-tracks.js';

/** Frame pairs kept at most (a motion-photos-mini test set has 1,780; a pair's tracks are ~6 KB). */
const MAX_PAIRS = 8192;

const digests = new WeakMap<Float32Array, string>();

/** sha256 of a grey frame's pixels, once per decoded frame. */
function digest(frame: Float32Array): string {
  let d = digests.get(frame);
  if (!d) {
    d = crypto.createHash('sha256').update(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength)).digest('hex');
    digests.set(frame, d);
  }
  return d;
}

function copy(t: Tracks): Tracks {
  return { x0: t.x0.slice(), y0: t.y0.slice(), x1: t.x1.slice(), y1: t.y1.slice(), count: t.count };
}

export class TrackMemo {
  private readonly pairs = new Map<string, Tracks>();

  /** The tracks from frame `a` to frame `b`: remembered ones, else `compute()`'s, then remembered. */
  tracks(a: Float32Array, b: Float32Array, compute: () => Tracks): Tracks {
    const key = `${a.length}:${digest(a)}:${b.length}:${digest(b)}`;
    let t = this.pairs.get(key);
    if (!t) {
      t = copy(compute());
      if (this.pairs.size >= MAX_PAIRS) this.pairs.delete(this.pairs.keys().next().value!);
      this.pairs.set(key, t);
    }
    return copy(t);
  }
}

/** The process's memo, shared by the stabilizers' submission runs. */
export const processTrackMemo = new TrackMemo();
