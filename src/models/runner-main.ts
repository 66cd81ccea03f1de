/**
 * The process that runs inside the sandbox (sandbox/spawn.ts starts it): it loads the
 * participant's model (and the reference, for interleaved latency) and answers the parent's
 * frames on fd 3 / fd 4 (sandbox/frames.ts):
 *   load    {slot, request}            → loaded {inputs, outputs, runtime, load_ms, allocator}
 *   bind    {slot, binding}            → bound   (model input name → contract input name)
 *   run     {slot, tensors, keep}      → result {tensors}   (keep: remember the inputs for timing)
 *   cost    {slot, tensors}            → cost {params, madds}
 *   latency {settings, seed}           → latency {entry, reference?, floor, relative?}
 * `run` and `cost` send the item's contract inputs by contract name; a bound slot's model gets
 * them under its own input names (input-binding.ts), an unbound one as sent. Every timed query
 * feeds each model all of its inputs from the same kept item.
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
import { feedsOf, type Binding } from './input-binding.js';
import { allocatorDescription } from '../steady-allocator.js';
import type { NullInput } from './null-model.js';
import { decodeTensors, encodeTensors, type HostTensor } from './tensor.js';

console.log = console.error; // stdout is not ours to write; keep any chatter on stderr

const input = new net.Socket({ fd: 3, readable: true, writable: false });
const output = new net.Socket({ fd: 4, readable: false, writable: true });
const slots = new Map<string, LoadedModel>();
const bindings = new Map<string, Binding>();
/** Items kept for timing: every contract input by contract name. */
const kept: Record<string, HostTensor>[] = [];
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

async function load(req: LoadRequest & { slot: string; nullModel?: { inputs: NullInput[] } }): Promise<Record<string, unknown> & { type: string }> {
  const t0 = performance.now();
  let model: LoadedModel;
  if (req.nullModel) {
    const { identityModel } = await import('./null-model.js');
    const ort = await import('onnxruntime-node');
    const { sessionOptions } = await import('./onnx-runtime.js');
    const nullInputs = req.nullModel.inputs;
    const session = await ort.InferenceSession.create(identityModel(nullInputs), sessionOptions(req.threads));
    model = {
      inputs: nullInputs.map((x) => ({ name: x.name, dtype: x.dtype, dims: null })),
      outputs: nullInputs.map((x, i) => ({ name: `shape_${i}`, dtype: 'int64', dims: [x.rank] })),
      runtime: 'onnxruntime-node (null model)',
      async run(feeds) {
        const ortFeeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
        for (const x of nullInputs) {
          const t = feeds[x.name];
          ortFeeds[x.name] = new ort.Tensor(t.dtype as never, t.data as never, t.dims);
        }
        const r = await session.run(ortFeeds);
        const out: Record<string, HostTensor> = {};
        for (const [k, v] of Object.entries(r)) out[k] = { dtype: 'int64', dims: [...v.dims], data: v.data as HostTensor['data'] };
        return out;
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
  bindings.delete(req.slot);
  return { type: 'loaded', inputs: model.inputs, outputs: model.outputs, runtime: model.runtime, load_ms: performance.now() - t0, allocator: allocatorDescription() };
}

/** A slot's feeds from one item's contract inputs. */
function feedsFor(slotName: string, item: Record<string, HostTensor>): Record<string, HostTensor> {
  const binding = bindings.get(slotName);
  return binding ? feedsOf(binding, item) : item;
}

/** Items [start, start + count) of each feed stacked along the batch axis. */
function batchOf(items: Record<string, HostTensor>[], start: number, count: number): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const name of Object.keys(items[start])) {
    const first = items[start][name];
    const per = first.data.length;
    const Ctor = first.data.constructor as new (n: number) => HostTensor['data'];
    const data = new Ctor(per * count);
    for (let i = 0; i < count; i++) (data as Float32Array).set(items[start + i][name].data as Float32Array, i * per);
    out[name] = { dtype: first.dtype, dims: [count, ...first.dims.slice(1)], data };
  }
  return out;
}

async function latency(h: { settings: LatencySettings; seed: number; machine: string; reference: boolean; nullModel: boolean }): Promise<Record<string, unknown> & { type: string }> {
  if (kept.length === 0) throw new Error('no samples kept for timing');
  const entry = slot('entry');
  // Each slot's feeds of every kept item, made before the clock starts.
  const target = (name: string) => {
    const m = slot(name);
    const feeds = kept.map((item) => feedsFor(name, item));
    return { samples: feeds.length, runOne: async (i: number) => void (await m.run(feeds[i])) };
  };
  const offline = async (name: string) => {
    const m = slot(name);
    const dynamicBatch = m.inputs.every((i) => i.dims?.[0] === null);
    const batch = dynamicBatch ? Math.min(h.settings.offlineBatch, kept.length) : 1;
    const single = kept.map((item) => feedsFor(name, item));
    const batches = new Map<string, Record<string, HostTensor>>();
    const perSettings = { ...h.settings, offlineBatch: batch };
    return {
      batch,
      perSecond: await offlineThroughput({
        samples: kept.length,
        runBatch: async (start, count) => {
          if (batch === 1) {
            for (let i = 0; i < count; i++) await m.run(single[start + i]);
            return;
          }
          const key = `${start}:${count}`;
          let x = batches.get(key);
          if (!x) batches.set(key, (x = batchOf(single, start, count)));
          await m.run(x);
        },
      }, perSettings),
    };
  };
  const describe = { machine: h.machine, backend: entry.runtime, params: 0, madds: 0 };
  const random = mulberry32(h.seed);
  const result: Record<string, unknown> & { type: string } = { type: "latency" };
  if (h.reference && slots.has('reference')) {
    const reference = slot('reference');
    const r = await interleavedSingleStream(target('entry'), target('reference'), h.settings, random);
    const oe = await offline('entry');
    const or = await offline('reference');
    result.entry = summarize(r.entryMs, r.entryWarmup, oe.perSecond, describe, { ...h.settings, offlineBatch: oe.batch });
    result.reference = summarize(r.referenceMs, r.referenceWarmup, or.perSecond, { ...describe, backend: reference.runtime }, { ...h.settings, offlineBatch: or.batch });
    result.relative = { paired: r.pairedRatio, p50: r.p50Ratio };
  } else {
    const s = await singleStream(target('entry'), h.settings);
    const oe = await offline('entry');
    result.entry = summarize(s.latenciesMs, s.warmup, oe.perSecond, describe, { ...h.settings, offlineBatch: oe.batch });
  }
  if (h.nullModel && slots.has('null')) result.floor = await harnessFloor(target('null'), h.settings);
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
      case 'bind': {
        const model = slot(h.slot);
        const binding = h.binding as Binding;
        const names = new Set(model.inputs.map((i) => i.name));
        if (!binding || typeof binding !== 'object' || !Object.keys(binding).every((k) => names.has(k) && typeof binding[k] === 'string')) throw new Error('malformed binding');
        bindings.set(String(h.slot), binding);
        reply({ type: 'bound' });
        return;
      }
      case 'run': {
        const model = slot(h.slot);
        const tensors = decodeTensors(h.tensors, frame.payload);
        const out = await model.run(feedsFor(String(h.slot), tensors));
        if (h.keep && kept.length < MAX_KEPT) kept.push(tensors);
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
        reply({ type: 'cost', ...(await model.cost(feedsFor(String(h.slot), decodeTensors(h.tensors, frame.payload)))) });
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
