// `podium baseline export --format onnx`: every learned tfjs baseline, trained one step on tiny
// generated data, written as a single ONNX file and run in onnxruntime-node against tfjs (wasm)
// on the test inputs; Debian's python3-onnx checks each file independently (full check, with
// shape inference). The exported classifier is then a model-track reference: submitted through
// the sandbox and adapter, it writes exactly the baseline's own submission.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBaseline, type RunOptions } from '../../src/baselines/run.js';
import { checkParity, encodeSource, exportableBaselines, exportBaseline, exportSource, onnxLatencyRecord, PARITY_TOLERANCE, type ExportResult } from '../../src/baselines/onnx-export.js';
import { loadModel } from '../../src/baselines/model-store.js';
import { ssdAnchors } from '../../src/baselines/detection/ssdlite.js';
import { BINS, FRAME, frameCount } from '../../src/baselines/separation/stft.js';
import { loadChallenge } from '../../src/challenges/definition.js';
import { decodeWav, readWav } from '../../src/formats/wav.js';
import { decodePngSamples } from '../../src/formats/png.js';
import { readZip } from '../../src/formats/zip.js';
import { decodeOnnx, onnxParams } from '../../src/models/onnx-file.js';
import { evaluateModel } from '../../src/models/evaluate-model.js';
import { podium } from '../helpers/cli.js';
import { PYTHON, pythonOracle, skipWithout } from '../helpers/oracle.js';
import { modelTrackChallenge, tinyWorld } from './tiny-world.js';

const onnxOracle = pythonOracle('python3-onnx', ['onnx'], 'onnx.__version__');
const skipChecker = skipWithout(onnxOracle);

let root: string;
const baselineRuns = new Map<string, Awaited<ReturnType<typeof runBaseline>>>();
const exports = new Map<string, ExportResult>();

function options(id: string): RunOptions {
  return { challengesRoot: path.join(root, 'challenges'), dataDir: path.join(root, 'data', id), maxSteps: 1, epochs: 1, retrain: true, latency: 'off', seed: 5 };
}

beforeAll(async () => {
  root = await tinyWorld('podium-onnx-export-', ['inat2018-mini', 'voc2012-seg-mini', 'detection-mini', 'separation-mini', 'isl-mini']);
  for (const { challenge, name } of exportableBaselines()) {
    baselineRuns.set(`${challenge}/${name}`, await runBaseline(challenge, name, options(challenge)));
  }
}, 600_000);

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const exportable = exportableBaselines().map((b) => [b.challenge, b.name] as [string, string]);

it('exports every learned tfjs baseline of the five demo model challenges', () => {
  expect(exportable).toEqual([
    ['inat2018-mini', 'mobilenet-v2'], ['voc2012-seg-mini', 'deeplab-v3plus'], ['detection-mini', 'ssdlite-mobilenet-v2'],
    ['separation-mini', 'audio-visual-mask'], ['separation-mini', 'audio-only-mask'], ['isl-mini', 'unet'],
  ]);
});

describe.each(exportable)('%s / %s', (challenge, name) => {
  it('writes one self-contained ONNX file that ONNX Runtime runs as tfjs does (1e-4) on every test input', async () => {
    const workDir = baselineRuns.get(`${challenge}/${name}`)!.workDir;
    // Seed 5, 1 epoch: a folder of its own, never the default run's (work-dir.ts).
    expect(workDir).toBe(path.join(root, 'data', challenge, 'baselines', 'seed-5-epochs-1', name));
    const r = await exportBaseline(challenge, name, { dataDir: path.join(root, 'data', challenge), workDir });
    exports.set(`${challenge}/${name}`, r);
    expect(r.file).toBe(path.join(workDir, 'model.onnx'));
    const bytes = fs.readFileSync(r.file);
    expect(bytes.length).toBe(r.bytes);
    const model = decodeOnnx(bytes, r.file); // complete, no external data
    expect(fs.readdirSync(path.dirname(r.file)).filter((f) => f.includes('.partial'))).toEqual([]);
    const testItems = { 'inat2018-mini': 20, 'voc2012-seg-mini': 3, 'detection-mini': 3, 'separation-mini': 2, 'isl-mini': 3 }[challenge];
    expect(r.parity.items).toBe(testItems);
    expect(r.parity.elements).toBeGreaterThan(0);
    expect(r.parity.maxAbs).toBeGreaterThan(0.01); // the outputs are not all zero
    expect(r.parity.maxAbsDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    // Every weight comes across: the graph holds as many parameters as Keras counts (BN statistics included).
    const tfjs = await loadModel(path.join(workDir, 'model'));
    // Constants beside the weights: the log prior of the logit adjustment (one per class); SSD's
    // anchors (4 per box) and its 5 decoding scalars (variances, the size cap, 1/2).
    // The mask nets' STFT: the forward and inverse DFT bases (2 x FRAME x 2 BINS), the
    // overlap-add norm (one per sample) and two floors (log magnitude, deviation); the
    // audio-visual net's face tracks: two interpolation weights per STFT frame and the x10 of
    // their changes.
    const samples = challenge === 'separation-mini' ? readWav(path.join(root, 'data', challenge, 'test', 'mix', 'tt0001.wav')).samples.length : 0;
    const stft = 2 * FRAME * 2 * BINS + samples + 2;
    const extra = challenge === 'inat2018-mini' ? 10 : challenge === 'detection-mini' ? 4 * ssdAnchors().count + 5
      : name === 'audio-only-mask' ? stft : name === 'audio-visual-mask' ? stft + 2 * frameCount(samples) + 1 : 0;
    expect(onnxParams(model)).toBe(tfjs.countParams() + extra);
    tfjs.dispose();
  }, 120_000);

  it.skipIf(skipChecker)('passes python3-onnx\'s checker (full check with shape inference)', () => {
    const file = exports.get(`${challenge}/${name}`)!.file;
    const p = spawnSync(PYTHON, ['-c', [
      'import onnx, sys',
      'm = onnx.load(sys.argv[1])',
      'onnx.checker.check_model(m, full_check=True)',
      'print(m.opset_import[0].version, len(m.graph.node), ",".join(i.name for i in m.graph.input), ",".join(o.name for o in m.graph.output))',
    ].join('\n'), file], { encoding: 'utf8' });
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
    const [opset, , inputs, outputs] = p.stdout.trim().split(' ');
    expect(opset).toBe('13');
    expect(inputs).toBe(name === 'audio-visual-mask' ? 'mixture,face_tracks' : name === 'audio-only-mask' ? 'mixture' : challenge === 'detection-mini' ? 'pixels' : challenge === 'isl-mini' ? 'z_stack' : 'image');
    expect(outputs).toBe({ 'inat2018-mini': 'scores', 'voc2012-seg-mini': 'scores', 'detection-mini': 'boxes,scores,classes', 'separation-mini': 'sources', 'isl-mini': 'labels' }[challenge]);
  });
});

describe('the parity check', () => {
  it('fails a file that computes something else (the log prior left out)', async () => {
    const src = await exportSource('inat2018-mini', 'mobilenet-v2', path.join(root, 'data', 'inat2018-mini'), baselineRuns.get('inat2018-mini/mobilenet-v2')!.workDir);
    const wrong = path.join(root, 'wrong.onnx');
    fs.writeFileSync(wrong, encodeSource({ ...src, subtract: undefined }, 'no logit adjustment'));
    const parity = await checkParity(src, wrong);
    expect(parity.maxAbsDiff).toBeGreaterThan(0.1);
    src.model.dispose();
  }, 60_000);
});

describe('the export\'s latency', () => {
  it('leaves the separate tfjs run out when asked (the demo keeps its run\'s own), and still times ONNX Runtime and the interleaved pair', async () => {
    const r = await exportBaseline('inat2018-mini', 'mobilenet-v2', {
      dataDir: path.join(root, 'data', 'inat2018-mini'), workDir: baselineRuns.get('inat2018-mini/mobilenet-v2')!.workDir,
      out: path.join(root, 'no-tfjs-latency.onnx'), tfjsLatency: false,
      latency: { warmup: 1, minQueries: 8, minDurationMs: 0, offlineSamples: 4, offlineBatch: 2 },
    });
    expect(r.latency!.tfjs).toBeUndefined();
    expect(r.latency!.onnx.queries).toBe(8);
    expect(r.latency!.onnx.backend).toMatch(/^onnxruntime-node/);
    expect(r.latency!.relative).toBeGreaterThan(0);
    expect(onnxLatencyRecord(r.latency!).onnx_vs_tfjs).toBe(r.latency!.relative);
    // Not wrapped: the file counted is the network timed.
    expect(r.latency!.file).toEqual({ params: r.latency!.onnx.params, madds: r.latency!.onnx.madds });
    expect(onnxLatencyRecord(r.latency!)).toMatchObject({ onnx_params: onnxParams(decodeOnnx(fs.readFileSync(r.file), r.file)), onnx_madds: r.latency!.onnx.madds });
  }, 60_000);

  it('counts a wrapped file whole, as a track job counts an entry, beside the network it timed', async () => {
    const r = await exportBaseline('detection-mini', 'ssdlite-mobilenet-v2', {
      dataDir: path.join(root, 'data', 'detection-mini'), workDir: baselineRuns.get('detection-mini/ssdlite-mobilenet-v2')!.workDir,
      out: path.join(root, 'ssd-cost.onnx'), tfjsLatency: false,
      latency: { warmup: 1, minQueries: 8, minDurationMs: 0, offlineSamples: 4, offlineBatch: 2 },
    });
    const whole = onnxParams(decodeOnnx(fs.readFileSync(r.file), r.file));
    // The anchors (4 a box) and the decoding's 5 scalars are in the file, not in the network timed.
    expect(whole - r.latency!.onnx.params).toBe(4 * ssdAnchors().count + 5);
    expect(onnxLatencyRecord(r.latency!)).toMatchObject({ onnx_params: whole });
    // The box filter is an AveragePool, which the count leaves out (Conv, ConvTranspose, MatMul, Gemm only).
    expect(r.latency!.file.madds).toBe(r.latency!.onnx.madds);
    // The audio-only mask net's file computes its STFT and inverse STFT as matrix products: they count.
    const sep = await exportBaseline('separation-mini', 'audio-only-mask', {
      dataDir: path.join(root, 'data', 'separation-mini'), workDir: baselineRuns.get('separation-mini/audio-only-mask')!.workDir,
      out: path.join(root, 'separation-cost.onnx'), tfjsLatency: false,
      latency: { warmup: 1, minQueries: 8, minDurationMs: 0, offlineSamples: 2, offlineBatch: 1 },
    });
    expect(sep.latency!.file.params).toBe(onnxParams(decodeOnnx(fs.readFileSync(sep.file), sep.file)));
    expect(sep.latency!.file.params).toBeGreaterThan(sep.latency!.onnx.params);
    expect(sep.latency!.file.madds).toBeGreaterThan(sep.latency!.onnx.madds);
  }, 60_000);
});

describe('the exported classifier as a model-track entry', () => {
  it('writes, through the sandbox and the classification adapter, exactly the baseline\'s submission', async () => {
    const data = path.join(root, 'data', 'inat2018-mini');
    const dir = modelTrackChallenge(root, 'inat2018-mini', 'inat-model', {
      inputs: path.join(data, 'test2018.json'), input: { range: [-1, 1] }, reference: exports.get('inat2018-mini/mobilenet-v2')!.file,
    });
    const challenge = await loadChallenge(dir, { requireTruth: true });
    const r = await evaluateModel(challenge, exports.get('inat2018-mini/mobilenet-v2')!.file, { workDir: path.join(root, 'work-inat'), latency: 'off' });
    const baseline = baselineRuns.get('inat2018-mini/mobilenet-v2')!;
    expect(fs.readFileSync(r.submission, 'utf8')).toBe(fs.readFileSync(baseline.submission, 'utf8'));
    expect(r.report.metrics.top3_error).toBe(baseline.primary);
  }, 120_000);
});

describe('the exported DeepLab-v3+ as a model-track entry', () => {
  it('writes, through the sandbox and the segmentation adapter, the baseline\'s masks', async () => {
    const data = path.join(root, 'data', 'voc2012-seg-mini');
    const dir = modelTrackChallenge(root, 'voc2012-seg-mini', 'voc-model', { inputs: path.join(data, 'VOC2012'), input: { range: [-1, 1] } });
    const challenge = await loadChallenge(dir, { requireTruth: true });
    const r = await evaluateModel(challenge, exports.get('voc2012-seg-mini/deeplab-v3plus')!.file, { workDir: path.join(root, 'work-voc'), latency: 'off' });
    const baseline = baselineRuns.get('voc2012-seg-mini/deeplab-v3plus')!;
    expect(r.report.metrics).toEqual(baseline.report.metrics);
  }, 120_000);
});

describe('the exported SSDLite as a model-track entry', () => {
  it('writes, through the sandbox and the detection adapter (box filter, decoding and NMS in the file), the baseline\'s detections', async () => {
    const data = path.join(root, 'data', 'detection-mini');
    const truth = path.join(data, 'annotations', 'instances_test.json');
    const dir = modelTrackChallenge(root, 'detection-mini', 'det-model', { inputs: truth, input: { range: [-1, 1] } });
    const challenge = await loadChallenge(dir, { requireTruth: true });
    const r = await evaluateModel(challenge, exports.get('detection-mini/ssdlite-mobilenet-v2')!.file, { workDir: path.join(root, 'work-det'), latency: 'off' });
    const baseline = baselineRuns.get('detection-mini/ssdlite-mobilenet-v2')!;
    const rows = (f: string) => fs.readFileSync(f, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    const mine = rows(r.submission);
    const theirs = rows(baseline.submission);
    expect(mine.length).toBe(theirs.length);
    expect(mine.length).toBeGreaterThan(0);
    // Same detections: image, category, score (written to 1e-5) and box (written to 0.01 px),
    // each up to one step of that rounding (float32 sums in two runtimes may round apart).
    for (const d of mine) {
      const match = theirs.find((t) => t[0] === d[0] && t[1] === d[1] && Math.abs(t[2] - d[2]) <= 1.01e-5 &&
        [3, 4, 5, 6].every((c) => Math.abs(t[c] - d[c]) <= 0.0101));
      expect(match, d.join(',')).toBeDefined();
    }
    expect(r.report.metrics.AP).toBeCloseTo(baseline.report.metrics.AP as number, 9);
  }, 120_000);
});

/** The waveforms of a separation submission zip by entry name. */
async function wavesIn(zip: string): Promise<Map<string, Float64Array>> {
  const out = new Map<string, Float64Array>();
  for await (const entry of readZip(zip)) out.set(entry.name, decodeWav(await entry.buffer(), entry.name).samples);
  return out;
}

/** The separation contract of separation-mini: the waveform, and the face tracks for a model that reads them. */
const SEPARATION_FEEDS = [
  { name: 'mixture', dtype: 'float32', shape: [1, 'T'] },
  { name: 'face_tracks', dtype: 'float32', shape: [1, 'V', 2], optional: true },
];

describe.each(['audio-only-mask', 'audio-visual-mask'])('the exported %s net as a model-track entry', (name) => {
  it('takes the waveform (and the face tracks), gives both sources (STFT and inverse STFT in the file), and scores as the baseline\'s own file', async () => {
    const data = path.join(root, 'data', 'separation-mini');
    const model = exports.get(`separation-mini/${name}`)!.file;
    const reference = exports.get('separation-mini/audio-visual-mask')!.file;
    const dir = modelTrackChallenge(root, 'separation-mini', `sep-model-${name}`, { inputs: path.join(data, 'test'), feeds: SEPARATION_FEEDS, reference });
    const challenge = await loadChallenge(dir, { requireTruth: true });
    const r = await evaluateModel(challenge, model, { workDir: path.join(root, `work-sep-${name}`), latency: 'off' });
    // The adapter's submission, uploaded as a file, scores exactly what the model scored.
    const asFile = podium(['evaluate', '--challenge', dir, '--submission', r.submission, '--json']);
    expect(asFile.code).toBe(0);
    expect(JSON.parse(asFile.stdout).metrics).toEqual(JSON.parse(JSON.stringify(r.report.metrics)));
    // And the waveforms are the baseline's own (its JavaScript STFT, float64 inverse) to float32 rounding.
    const baseline = baselineRuns.get(`separation-mini/${name}`)!;
    const mine = await wavesIn(r.submission);
    const theirs = await wavesIn(baseline.submission);
    expect([...mine.keys()].sort()).toEqual([...theirs.keys()].sort());
    let worst = 0;
    let peak = 0;
    for (const [file, wave] of mine) {
      const other = theirs.get(file)!;
      expect(wave.length).toBe(other.length);
      for (let t = 0; t < wave.length; t++) {
        worst = Math.max(worst, Math.abs(wave[t] - other[t]));
        peak = Math.max(peak, Math.abs(other[t]));
      }
    }
    expect(peak).toBeGreaterThan(1e-3);
    expect(worst).toBeLessThanOrEqual(1e-5 * peak);
    // The CLI's figure for the model is the baseline file's to the printed digits.
    const cli = podium(['evaluate', '--challenge', dir, '--model', model, '--latency', 'off', '--json']);
    expect(cli.code).toBe(0);
    const metrics = JSON.parse(cli.stdout).metrics as Record<string, number>;
    expect(metrics.sdri).toBeCloseTo(baseline.report.metrics.sdri as number, 4);
    expect(metrics.sdri).toBe(r.report.metrics.sdri);
  }, 180_000);
});

/** The 16-bit values of a fluorescence submission zip's PNGs by entry name. */
async function labelImagesIn(zip: string): Promise<Map<string, Uint16Array>> {
  const out = new Map<string, Uint16Array>();
  for await (const entry of readZip(zip)) out.set(entry.name, Uint16Array.from(decodePngSamples(await entry.buffer(), entry.name).data));
  return out;
}

describe('the exported U-Net as a model-track entry', () => {
  it('takes the standardised z-stack, gives every label, and scores as the baseline\'s own PNGs', async () => {
    const data = path.join(root, 'data', 'isl-mini');
    const model = exports.get('isl-mini/unet')!.file;
    const dir = modelTrackChallenge(root, 'isl-mini', 'isl-model', { inputs: path.join(data, 'test'), input: { normalise: 'standardise' }, reference: model });
    const challenge = await loadChallenge(dir, { requireTruth: true });
    const r = await evaluateModel(challenge, model, { workDir: path.join(root, 'work-isl'), latency: 'off' });
    // The adapter's submission, uploaded as a file, scores exactly what the model scored.
    const asFile = podium(['evaluate', '--challenge', dir, '--submission', r.submission, '--json']);
    expect(asFile.code).toBe(0);
    expect(JSON.parse(asFile.stdout).metrics).toEqual(JSON.parse(JSON.stringify(r.report.metrics)));
    // The same PNGs as the baseline's, each 16-bit value within one step: the two runtimes'
    // outputs differ by float32 rounding (parity above), which can move a value across a
    // rounding boundary of v x 65535 and nothing more.
    const baseline = baselineRuns.get('isl-mini/unet')!;
    const mine = await labelImagesIn(r.submission);
    const theirs = await labelImagesIn(baseline.submission);
    expect([...mine.keys()].sort()).toEqual([...theirs.keys()].sort());
    expect(mine.size).toBe(3 * 4);
    let worst = 0;
    let lit = 0;
    for (const [name, image] of mine) {
      const other = theirs.get(name)!;
      expect(image.length).toBe(other.length);
      for (let p = 0; p < image.length; p++) {
        worst = Math.max(worst, Math.abs(image[p] - other[p]));
        if (other[p] > 0 && other[p] < 65535) lit++;
      }
    }
    expect(lit).toBeGreaterThan(1000); // not all clipped: the comparison sees the network's values
    expect(worst).toBeLessThanOrEqual(1);
    expect(r.report.metrics.mean_pearson as number).toBeCloseTo(baseline.report.metrics.mean_pearson as number, 6);
    // Fed [0, 1] intensities instead (the contract's default), the same file predicts other labels: the setting matters.
    const unitDir = modelTrackChallenge(root, 'isl-mini', 'isl-model-unit', { inputs: path.join(data, 'test'), reference: model });
    const unit = await evaluateModel(await loadChallenge(unitDir, { requireTruth: true }), model, { workDir: path.join(root, 'work-isl-unit'), latency: 'off' });
    expect(unit.report.metrics.mean_pearson).not.toBe(r.report.metrics.mean_pearson);
    // The CLI's figure for the model is the one above.
    const cli = podium(['evaluate', '--challenge', dir, '--model', model, '--latency', 'off', '--json']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).metrics.mean_pearson).toBe(r.report.metrics.mean_pearson);
  }, 180_000);

  it('is timed in both runtimes with the same multiply-adds, counted at the test images\' size (its file leaves the size open)', async () => {
    const r = await exportBaseline('isl-mini', 'unet', {
      dataDir: path.join(root, 'data', 'isl-mini'), workDir: baselineRuns.get('isl-mini/unet')!.workDir, out: path.join(root, 'isl-latency.onnx'),
      latency: { warmup: 1, minQueries: 4, minDurationMs: 0, offlineSamples: 2, offlineBatch: 2 },
    });
    const { tfjs, onnx } = r.latency!;
    expect(onnx.madds).toBeGreaterThan(1e6);
    expect(tfjs!.madds).toBe(onnx.madds);
    expect(tfjs!.params).toBe(onnx.params);
  }, 60_000);
});

describe('the shipped challenges', () => {
  it('name as model.reference the files the export writes (demo data under data/)', async () => {
    const { repoRoot } = await import('../helpers/cli.js');
    for (const [id, name] of [['inat2018-mini', 'mobilenet-v2'], ['voc2012-seg-mini', 'deeplab-v3plus'], ['detection-mini', 'ssdlite-mobilenet-v2'], ['separation-mini', 'audio-visual-mask'], ['isl-mini', 'unet']]) {
      const c = await loadChallenge(path.join(repoRoot, 'challenges', id), { requireTruth: false });
      expect(c.submission).toContain('model');
      expect(c.model!.reference).toBe(path.join(repoRoot, 'data', id, 'baselines', name, 'model.onnx'));
    }
  });
});

describe('podium baseline export (CLI)', () => {
  it('exports with side-by-side latency and reports mistakes in one line', () => {
    const env = { PODIUM_DATA: path.join(root, 'data') };
    const ok = podium(['baseline', 'export', 'inat2018-mini', '--format', 'onnx', '--baseline', 'mobilenet-v2', '--seed', '5', '--epochs', '1', '--out', path.join(root, 'cli.onnx'), '--latency', 'quick', '--json'], { env });
    expect(ok.stderr).toMatch(/max \|ONNX - tfjs\|/);
    expect(ok.code).toBe(0);
    const [r] = JSON.parse(ok.stdout) as ExportResult[];
    expect(r.file).toBe(path.join(root, 'cli.onnx'));
    const tfjs = r.latency!.tfjs!;
    expect(tfjs.backend).toMatch(/^wasm/);
    expect(r.latency!.onnx.backend).toMatch(/^onnxruntime-node .*intra-op 1/);
    expect(tfjs.queries).toBe(100);
    expect(r.latency!.onnx.queries).toBe(100);
    expect(r.latency!.relative).toBeGreaterThan(0);
    // The same network: the ONNX graph holds the tfjs weights plus the 10-value log prior, and the same products.
    expect(r.latency!.onnx.params).toBe(tfjs.params + 10);
    expect(r.latency!.onnx.madds).toBe(tfjs.madds);
    for (const args of [
      ['baseline', 'export', 'inat2018-mini'],
      ['baseline', 'export', 'inat2018-mini', '--format', 'tflite'],
      ['baseline', 'export', 'motion-photos-mini', '--format', 'onnx'],
      ['baseline', 'export', 'inat2018-mini', '--format', 'onnx', '--baseline', 'class-prior'],
    ]) {
      const bad = podium(args, { env });
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
    const untrained = podium(['baseline', 'export', 'inat2018-mini', '--format', 'onnx'], { env: { PODIUM_DATA: path.join(root, 'nothing-here') } });
    expect(untrained.code).toBe(2);
    expect(untrained.stderr).toMatch(/podium data make inat2018-mini/);
  }, 180_000);

  it('without --baseline, exports every trained baseline and names each untrained one with the command that trains it', () => {
    // separation-mini's data with only the second of its two nets trained (the audio-visual one comes first).
    const data = path.join(root, 'partly-trained');
    const from = path.join(root, 'data', 'separation-mini');
    fs.mkdirSync(path.join(data, 'separation-mini'), { recursive: true });
    for (const f of fs.readdirSync(from)) if (f !== 'baselines') fs.symlinkSync(path.join(from, f), path.join(data, 'separation-mini', f));
    const trained = path.join(data, 'separation-mini', 'baselines', 'seed-5-epochs-1', 'audio-only-mask');
    fs.cpSync(path.join(from, 'baselines', 'seed-5-epochs-1', 'audio-only-mask'), trained, { recursive: true });
    fs.rmSync(path.join(trained, 'model.onnx'), { force: true });
    const env = { PODIUM_DATA: data };
    const both = podium(['baseline', 'export', 'separation-mini', '--format', 'onnx', '--seed', '5', '--epochs', '1', '--json'], { env });
    expect(both.code, both.stderr).toBe(0);
    expect((JSON.parse(both.stdout) as ExportResult[]).map((r) => [r.baseline, r.file])).toEqual([['audio-only-mask', path.join(trained, 'model.onnx')]]);
    expect(fs.existsSync(path.join(trained, 'model.onnx'))).toBe(true);
    const untrainedDir = path.join(data, 'separation-mini', 'baselines', 'seed-5-epochs-1', 'audio-visual-mask');
    expect(both.stderr).toContain(`separation-mini / audio-visual-mask: skipped, no trained weights for separation-mini / audio-visual-mask in ${untrainedDir}; run \`podium baseline run separation-mini --baseline audio-visual-mask --seed 5 --epochs 1\` first`);
    expect(both.stderr).toContain('exported 1 of 2; not trained: audio-visual-mask');
    // Named: that one or nothing.
    const named = podium(['baseline', 'export', 'separation-mini', '--format', 'onnx', '--baseline', 'audio-visual-mask', '--seed', '5', '--epochs', '1'], { env });
    expect(named.code).toBe(2);
    expect(named.stderr.trim().split('\n')).toEqual([`podium: baseline export: no trained weights for separation-mini / audio-visual-mask in ${untrainedDir}; run \`podium baseline run separation-mini --baseline audio-visual-mask --seed 5 --epochs 1\` first`]);
    // None trained (another seed): exit 2, nothing on stdout.
    const none = podium(['baseline', 'export', 'separation-mini', '--format', 'onnx', '--seed', '6', '--json'], { env });
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain("baseline export: no exportable baseline of separation-mini has trained weights (audio-visual-mask, audio-only-mask); train them with `podium baseline run separation-mini --seed 6`");
  }, 180_000);
});
