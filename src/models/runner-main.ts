/**
 * The process that runs inside the sandbox (sandbox/spawn.ts starts it): it loads the
 * participant's model (and the reference, for interleaved latency) and answers the parent's
 * frames on fd 3 / fd 4 (sandbox/frames.ts):
 *   load    {slot, request}            → loaded {inputs, outputs, runtime, load_ms}
 *   run     {slot, tensors, keep}      → result {tensors}   (keep: remember the input for timing)
 *   cost    {slot, tensors}            → cost {params, madds}
 *   latency {settings, seed}           → latency {entry, reference?, floor, relative?}
 * A failure of the model is answered as `error {kind, message}`; the parent decides what next.
 * Nothing here writes to stdout (native libraries may), and nothing reads the network or any
 * file but the model.
 */
import net from 'node:net';
import os from 'node:os';
import { readFrames, writeFrame, type Frame } from '../sandbox/frames.js';
import { ValidationError } from '../problems.js';
import {
  harnessFloor, interleavedSingleStream, offlineThroughput, singleStream, summarize, type LatencySettings,
} from '../evaluators/latency.js';
import { mulberry32 } from '../random.js';
import type { LoadedModel, LoadRequest } from './runtime.js';
import { decodeTensors, encodeTensors, type HostTensor } from './tensor.js';

console.log = console.error; // stdout is not ours to write; keep any chatter on stderr

const input = new net.Socket({ fd: 3, readable: true, writable: false });
const output = new net.Socket({ fd: 4, readable: false, writable: true });
const slots = new Map<string, LoadedModel>();
const kept: HostTensor[] = [];
const MAX_KEPT = 64;
let maxOutputBytes = 256 * 1024 * 1024;

const MEMORY = /bad_alloc|failed to allocate|out of memory|cannot allocate|allocation failed|array buffer allocation/i;

function reply(header: Record<string, unknown> & { type: string }, payload?: Uint8Array[]): void {
  writeFrame(output, header, payload);
}

function slot(name: unknown): LoadedModel {
  const m = slots.get(String(name));
  if (!m) throw new Error(`no model loaded in slot "${String(name)}"`);
  return m;
}

async function load(req: LoadRequest & { slot: string; nullModel?: { dtype: string; rank: number } }): Promise<Record<string, unknown> & { type: string }> {
  const t0 = performance.now();
  let model: LoadedModel;
  if (req.nullModel) {
    const { identityModel } = await import('./null-model.js');
    const ort = await import('onnxruntime-node');
    const { sessionOptions } = await import('./onnx-runtime.js');
    const session = await ort.InferenceSession.create(identityModel(req.nullModel.dtype, req.nullModel.rank), sessionOptions(req.threads));
    model = {
      inputs: [{ name: 'x', dtype: req.nullModel.dtype, dims: null }], outputs: [{ name: 'y', dtype: req.nullModel.dtype, dims: null }], runtime: 'onnxruntime-node (null model)',
      async run(feeds) {
        const t = Object.values(feeds)[0];
        const r = await session.run({ x: new ort.Tensor(t.dtype as never, t.data as never, t.dims) });
        return { y: { dtype: 'int64', dims: [...r.y.dims], data: r.y.data as HostTensor['data'] } };
      },
      async cost() { return { params: 0, madds: 0 }; },
      async dispose() { await session.release(); },
    };
  } else if (req.format === 'onnx') {
    model = await (await import('./onnx-runtime.js')).loadOnnx(req);
  } else {
    model = await (await import('./tfjs-runtime.js')).loadTfjs(req);
  }
  slots.set(req.slot, model);
  return { type: 'loaded', inputs: model.inputs, outputs: model.outputs, runtime: model.runtime, load_ms: performance.now() - t0 };
}

/** Feeds for a model whose single input gets `t`, whatever its name. */
function feedsFor(model: LoadedModel, t: HostTensor): Record<string, HostTensor> {
  return { [model.inputs[0].name]: t };
}

function batchOf(samples: HostTensor[], start: number, count: number): HostTensor {
  const first = samples[start];
  const per = first.data.length;
  const Ctor = first.data.constructor as new (n: number) => HostTensor['data'];
  const data = new Ctor(per * count);
  for (let i = 0; i < count; i++) (data as Float32Array).set(samples[start + i].data as Float32Array, i * per);
  return { dtype: first.dtype, dims: [count, ...first.dims.slice(1)], data };
}

async function latency(h: { settings: LatencySettings; seed: number; machine: string; reference: boolean; nullModel: boolean }): Promise<Record<string, unknown> & { type: string }> {
  if (kept.length === 0) throw new Error('no samples kept for timing');
  const entry = slot('entry');
  const target = (m: LoadedModel) => ({ samples: kept.length, runOne: async (i: number) => void (await m.run(feedsFor(m, kept[i]))) });
  const offline = async (m: LoadedModel) => {
    const dynamicBatch = m.inputs[0].dims?.[0] === null;
    const batch = dynamicBatch ? Math.min(h.settings.offlineBatch, kept.length) : 1;
    const batches = new Map<string, HostTensor>();
    const perSettings = { ...h.settings, offlineBatch: batch };
    return {
      batch,
      perSecond: await offlineThroughput({
        samples: kept.length,
        runBatch: async (start, count) => {
          if (batch === 1) {
            for (let i = 0; i < count; i++) await m.run(feedsFor(m, kept[start + i]));
            return;
          }
          const key = `${start}:${count}`;
          let x = batches.get(key);
          if (!x) batches.set(key, (x = batchOf(kept, start, count)));
          await m.run(feedsFor(m, x));
        },
      }, perSettings),
    };
  };
  const describe = { machine: h.machine, backend: entry.runtime, params: 0, madds: 0 };
  const random = mulberry32(h.seed);
  const result: Record<string, unknown> & { type: string } = { type: "latency" };
  if (h.reference && slots.has('reference')) {
    const reference = slot('reference');
    const r = await interleavedSingleStream(target(entry), target(reference), h.settings, random);
    const oe = await offline(entry);
    const or = await offline(reference);
    result.entry = summarize(r.entryMs, h.settings.warmup, oe.perSecond, describe, { ...h.settings, offlineBatch: oe.batch });
    result.reference = summarize(r.referenceMs, h.settings.warmup, or.perSecond, { ...describe, backend: reference.runtime }, { ...h.settings, offlineBatch: or.batch });
    result.relative = { paired: r.pairedRatio, p50: r.p50Ratio };
  } else {
    const s = await singleStream(target(entry), h.settings);
    const oe = await offline(entry);
    result.entry = summarize(s.latenciesMs, s.warmup, oe.perSecond, describe, { ...h.settings, offlineBatch: oe.batch });
  }
  if (h.nullModel && slots.has('null')) result.floor = await harnessFloor(target(slot('null')), h.settings);
  result.noop_floor = await harnessFloor({ samples: 1, runOne: () => {} }, h.settings);
  return result;
}

async function handle(frame: Frame): Promise<void> {
  const h = frame.header;
  try {
    switch (h.type) {
      case 'load': {
        maxOutputBytes = Number(h.maxOutputBytes ?? maxOutputBytes);
        reply(await load(h.request as never));
        return;
      }
      case 'run': {
        const model = slot(h.slot);
        const tensors = decodeTensors(h.tensors, frame.payload);
        const out = await model.run(tensors);
        if (h.keep && kept.length < MAX_KEPT) kept.push(Object.values(tensors)[0]);
        const { specs, parts } = encodeTensors(out);
        const bytes = specs.reduce((s, t) => s + t.byteLength, 0);
        if (bytes > maxOutputBytes) {
          reply({ type: 'error', kind: 'output', message: `output too large: the model returned ${bytes} bytes for one query, over the ${maxOutputBytes}-byte limit` });
          return;
        }
        reply({ type: 'result', tensors: specs }, parts);
        return;
      }
      case 'cost': {
        const model = slot(h.slot);
        reply({ type: 'cost', ...(await model.cost(decodeTensors(h.tensors, frame.payload))) });
        return;
      }
      case 'latency': {
        reply(await latency(h as never));
        return;
      }
      case 'info': {
        reply({ type: 'info', cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version });
        return;
      }
      default:
        reply({ type: 'error', kind: 'error', message: `unknown request ${String(h.type)}` });
    }
  } catch (e) {
    const message = (e as Error)?.message?.split('\n')[0] ?? String(e);
    const kind = e instanceof ValidationError ? 'input' : MEMORY.test(message) ? 'memory' : 'model';
    reply({ type: 'error', kind, message });
  }
}

// One request at a time, in order.
let queue = Promise.resolve();
readFrames(input, Number.MAX_SAFE_INTEGER, (f) => {
  queue = queue.then(() => handle(f));
}, (e) => {
  process.stderr.write(`runner: ${e.message}\n`);
  process.exit(3);
});
input.on('end', () => {
  void queue.then(async () => {
    for (const m of slots.values()) await m.dispose().catch(() => {});
    output.end(() => process.exit(0));
  });
});
