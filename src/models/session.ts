/**
 * The parent's side of a sandboxed model run: starts runner-main.js inside the sandbox with
 * only podium's code, its dependencies and the model files visible (read-only) plus a scratch
 * folder, and turns requests into typed calls. A model failure (the runner's `error` frame) or
 * the sandbox's death (time-out, memory, crash, refused syscall, output over budget) becomes a
 * ModelFailure carrying the one-line reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { STEADY_ALLOCATOR_ENV } from '../steady-allocator.js';
import { UsageError } from '../problems.js';
import { SandboxError, spawnSandboxed, type Mount, type SandboxExit, type SandboxProcess } from '../sandbox/spawn.js';
import type { FailureKind, SandboxFailure } from '../sandbox/failure.js';
import type { IsolationPolicy } from '../sandbox/isolation.js';
import type { SandboxLimits } from '../sandbox/limits.js';
import type { HarnessFloor, LatencyReport, LatencySettings } from '../evaluators/latency.js';
import type { IoInfo } from './runtime.js';
import { decodeTensors, encodeTensors, type HostTensor } from './tensor.js';
import type { Binding } from './input-binding.js';
import type { NullInput } from './null-model.js';
import type { Frame } from '../sandbox/frames.js';

export interface ModelSource {
  format: 'onnx' | 'tfjs';
  /** The .onnx file or the model.json. */
  path: string;
}

/** `model.onnx` → onnx; a folder holding model.json, or model.json itself → tfjs. */
export function modelSource(p: string): ModelSource {
  const abs = path.resolve(p);
  if (!fs.existsSync(abs)) throw new UsageError(`model ${p} does not exist`);
  if (fs.statSync(abs).isDirectory()) {
    const json = path.join(abs, 'model.json');
    if (!fs.existsSync(json)) throw new UsageError(`model folder ${p} has no model.json (tfjs format)`);
    return { format: 'tfjs', path: json };
  }
  if (abs.endsWith('.json')) return { format: 'tfjs', path: abs };
  return { format: 'onnx', path: abs };
}

export class ModelFailure extends Error {
  constructor(readonly failure: SandboxFailure, readonly exit?: SandboxExit) {
    super(failure.message);
    this.name = 'ModelFailure';
  }
}

export interface Loaded {
  inputs: IoInfo[];
  outputs: IoInfo[];
  runtime: string;
  load_ms: number;
  /** The runner's malloc settings (steady-allocator.ts). */
  allocator: string;
}

export interface LatencyRun {
  entry: LatencyReport;
  reference?: LatencyReport;
  relative?: { paired: number; p50: number };
  floor?: HarnessFloor;
  noop_floor: HarnessFloor;
}

export interface SessionOptions {
  entry: ModelSource;
  reference?: ModelSource;
  /** Load the null model (harness floor) taking these inputs (the contract's, by contract name). */
  nullModel?: { inputs: NullInput[] };
  scratch: string;
  limits: SandboxLimits;
  policy?: IsolationPolicy;
  threads?: number;
  maxModelBytes?: number;
}

export interface ModelSession {
  readonly isolation: string;
  entry: Loaded;
  reference?: Loaded;
  /** Feeds a slot's model its inputs by contract name (input-binding.ts); before that, by its own input names. */
  bind(slot: string, binding: Binding): Promise<void>;
  run(slot: string, tensors: Record<string, HostTensor>, keep?: boolean): Promise<Record<string, HostTensor>>;
  cost(slot: string, tensors: Record<string, HostTensor>): Promise<{ params: number; madds: number }>;
  latency(settings: LatencySettings, seed: number, machine: string): Promise<LatencyRun>;
  close(): Promise<SandboxExit>;
}

export function runnerPath(): string {
  const p = path.join(packageRoot(), 'dist', 'models', 'runner-main.js');
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run \`npm run build\``);
  return p;
}

/** What the runner needs to see: podium's built code, package.json, node_modules (read-only). */
function appMounts(): Mount[] {
  const root = packageRoot();
  return [{ path: path.join(root, 'package.json') }, { path: path.join(root, 'dist') }, { path: path.join(root, 'node_modules') }];
}

function modelMounts(src: ModelSource): Mount[] {
  return src.format === 'onnx' ? [{ path: src.path }] : [{ path: path.dirname(src.path) }];
}

async function ask(proc: SandboxProcess, header: Record<string, unknown> & { type: string }, payload?: Uint8Array[]): Promise<Frame> {
  let frame: Frame;
  try {
    frame = await proc.request(header, payload);
  } catch (e) {
    if (e instanceof SandboxError) throw new ModelFailure(e.failure, e.exit);
    throw e;
  }
  if (frame.header.type === 'error') {
    throw new ModelFailure({ kind: (frame.header.kind as FailureKind) ?? 'model', message: explain(frame.header.kind as string, String(frame.header.message)) });
  }
  return frame;
}

function explain(kind: string, message: string): string {
  if (kind === 'memory') return `out of memory: ${message}`;
  if (kind === 'model') return `the model failed to run: ${message}`;
  return message;
}

export async function openModelSession(o: SessionOptions): Promise<ModelSession> {
  const threads = o.threads ?? 1;
  const maxModelBytes = o.maxModelBytes ?? 512 * 1024 * 1024;
  const mounts = [...appMounts(), ...modelMounts(o.entry), ...(o.reference ? modelMounts(o.reference) : [])];
  const proc = spawnSandboxed({
    argv: [process.execPath, `--max-old-space-size=${Math.max(64, Math.floor(o.limits.memoryMb / 2))}`, runnerPath()],
    mounts,
    scratch: o.scratch,
    limits: o.limits,
    policy: o.policy,
    // ONNX Runtime 1.2x+ on Linux uploads telemetry over HTTPS about 10 s into a run: the
    // seccomp filter kills the socket() call, so it is switched off at the source.
    // Freed memory stays in the process, so no query pays page faults for its buffers (steady-allocator.ts).
    env: { OMP_NUM_THREADS: String(threads), ORT_DISABLE_TELEMETRY: '1', ...STEADY_ALLOCATOR_ENV },
  });
  const maxOutputBytes = o.limits.outputMb * 1024 * 1024;
  const load = async (slot: string, src: ModelSource | null, nullModel?: SessionOptions['nullModel']) =>
    (await ask(proc, { type: 'load', maxOutputBytes, request: { slot, format: src?.format, path: src?.path, threads, maxModelBytes, nullModel } })).header as unknown as Loaded;
  try {
    const entry = await load('entry', o.entry);
    const reference = o.reference ? await load('reference', o.reference) : undefined;
    if (o.nullModel) await load('null', null, o.nullModel);
    return {
      isolation: proc.isolation,
      entry,
      reference,
      async bind(slot, binding) {
        await ask(proc, { type: 'bind', slot, binding });
      },
      async run(slot, tensors, keep = false) {
        const { specs, parts } = encodeTensors(tensors);
        const f = await ask(proc, { type: 'run', slot, keep, tensors: specs }, parts);
        return decodeTensors(f.header.tensors, f.payload);
      },
      async cost(slot, tensors) {
        const { specs, parts } = encodeTensors(tensors);
        const f = await ask(proc, { type: 'cost', slot, tensors: specs }, parts);
        return { params: Number(f.header.params), madds: Number(f.header.madds) };
      },
      async latency(settings, seed, machine) {
        const f = await ask(proc, { type: 'latency', settings, seed, machine, reference: !!o.reference, nullModel: !!o.nullModel });
        return f.header as unknown as LatencyRun;
      },
      close: () => proc.close(),
    };
  } catch (e) {
    proc.kill({ kind: 'error', message: 'closed after a failure' });
    await proc.exited;
    throw e;
  }
}
