// The pieces around the networks: STFT round trip, SSD box coding and matching, NMS.
import { describe, expect, it } from 'vitest';
import { applyMask, BINS, istft, stft } from '../../src/baselines/separation/stft.js';
import { decode, iouCenter, makeAnchors, matchAnchors } from '../../src/baselines/detection/anchors.js';
import { nonMaxSuppression } from '../../src/baselines/detection/nms.js';

describe('STFT', () => {
  const signal = Float64Array.from({ length: 1000 }, (_, t) => Math.sin(t * 0.05) + 0.3 * Math.sin(t * 0.71 + 1));

  it('inverts exactly (least-squares overlap-add)', () => {
    const back = istft(stft(signal), signal.length);
    let worst = 0;
    for (let t = 0; t < signal.length; t++) worst = Math.max(worst, Math.abs(back[t] - signal[t]));
    expect(worst).toBeLessThan(1e-5);
  });

  it('gives the DFT of a frame: a constant signal has energy only at bin 0 in inner frames', () => {
    const spec = stft(new Float64Array(1024).fill(1));
    const f = 4;
    expect(spec.re[f * BINS]).toBeCloseTo(128, 3); // sum of the periodic Hann window of 256
    for (let k = 2; k < BINS; k++) expect(Math.hypot(spec.re[f * BINS + k], spec.im[f * BINS + k])).toBeLessThan(1e-3);
  });

  it('splits a mixture exactly with complementary masks', () => {
    const spec = stft(signal);
    const m = Float32Array.from({ length: spec.re.length }, (_, i) => (i % 7) / 7);
    const a = istft(applyMask(spec, m), signal.length);
    const b = istft(applyMask(spec, Float32Array.from(m, (v) => 1 - v)), signal.length);
    for (let t = 0; t < signal.length; t += 37) expect(a[t] + b[t]).toBeCloseTo(signal[t], 5);
  });
});

describe('SSD default boxes', () => {
  const anchors = makeAnchors([4, 2], [0.2, 0.5]);

  it('has four boxes a cell, centred on the cells', () => {
    expect(anchors.count).toBe((16 + 4) * 4);
    expect(Array.from(anchors.boxes.slice(0, 4))).toEqual([0.125, 0.125, 0.2, 0.2].map((v) => Math.fround(v)));
  });

  it('encodes matched ground truth so that decoding gives it back', () => {
    const box: [number, number, number, number] = [0.3, 0.6, 0.25, 0.15];
    const t = matchAnchors(anchors, [{ box, classIndex: 2, crowd: false }]);
    expect(t.positives).toBeGreaterThan(0);
    for (let a = 0; a < anchors.count; a++) {
      if (t.labels[a] <= 0) continue;
      expect(t.labels[a]).toBe(3);
      decode(t.offsets, a * 4, anchors.boxes, a).forEach((v, i) => expect(v).toBeCloseTo(box[i], 5));
    }
  });

  it('gives every ground truth its best box even below the IoU threshold, and ignores crowd overlaps', () => {
    const tiny = matchAnchors(anchors, [{ box: [0.5, 0.5, 0.02, 0.02], classIndex: 0, crowd: false }]);
    expect(tiny.positives).toBe(1);
    const crowd = matchAnchors(anchors, [{ box: [0.25, 0.25, 0.5, 0.5], classIndex: 0, crowd: true }]);
    expect(crowd.positives).toBe(0);
    expect(Array.from(crowd.labels).filter((l) => l === -1).length).toBeGreaterThan(0);
  });

  it('computes IoU of centre boxes', () => {
    expect(iouCenter([0.5, 0.5, 0.2, 0.2], 0, [0.6, 0.5, 0.2, 0.2], 0)).toBeCloseTo(1 / 3, 9);
  });
});

describe('non-maximum suppression', () => {
  it('keeps the best of overlapping boxes of a class, and boxes of other classes', () => {
    const kept = nonMaxSuppression([
      { classIndex: 0, score: 0.5, box: [0, 0, 10, 10] },
      { classIndex: 0, score: 0.9, box: [1, 1, 11, 11] },
      { classIndex: 1, score: 0.4, box: [1, 1, 11, 11] },
      { classIndex: 0, score: 0.3, box: [50, 50, 60, 60] },
    ], 0.5, 10);
    expect(kept.map((d) => d.score)).toEqual([0.9, 0.4, 0.3]);
  });
});

describe('image reading', () => {
  it('reads PNG and JPEG files to the same RGB pixels (JPEG within its loss)', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const jpeg = (await import('jpeg-js')).default;
    const { encodePng } = await import('../../src/formats/png.js');
    const { readRgb } = await import('../../src/baselines/images.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-images-'));
    const w = 16, h = 8;
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => ((i % 3) * 60 + Math.floor(i / 48) * 20) % 256);
    const rgba = new Uint8Array(w * h * 4);
    for (let p = 0; p < w * h; p++) rgba.set([...rgb.subarray(p * 3, p * 3 + 3), 255], p * 4);
    fs.writeFileSync(path.join(dir, 'a.png'), encodePng({ width: w, height: h, colorType: 'rgb', data: rgb }));
    fs.writeFileSync(path.join(dir, 'a.jpg'), jpeg.encode({ width: w, height: h, data: rgba }, 100).data);
    const png = readRgb(path.join(dir, 'a.png'));
    const jpg = readRgb(path.join(dir, 'a.jpg'));
    expect([png.width, png.height, jpg.width, jpg.height]).toEqual([w, h, w, h]);
    expect(Array.from(png.rgb)).toEqual(Array.from(rgb));
    let worst = 0;
    for (let i = 0; i < rgb.length; i++) worst = Math.max(worst, Math.abs(jpg.rgb[i] - rgb[i]));
    expect(worst).toBeLessThan(12);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
